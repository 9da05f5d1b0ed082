-- Asset import at scale (issue 3: 100,000 rows in under 10 s). Writing an
-- asset's ~40 search grams is most of the cost of registering it, so an
-- import registers its assets with the grams pending and package asset
-- writes them after the commit, a few hundred assets per transaction. Until
-- then a search finds a pending asset by LIKE on its search_text: the
-- partial index lists the pending assets, and it is empty again once the
-- grams are written.

ALTER TABLE assets ADD COLUMN grams_pending {{bool}} NOT NULL DEFAULT FALSE;
CREATE INDEX assets_grams_pending ON assets (org_id, id) WHERE grams_pending = TRUE;

-- SQLite plans with the statistics migration 0002 wrote; without a row for
-- the new index it would guess it large. It is empty most of the time.
-- sqlite only
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('assets', 'assets_grams_pending', '100 100 1');
ANALYZE sqlite_schema;
-- end
