-- Information asset register (issue 3; seed §2(1), §4(2), §6(2), §6(3)).
-- Owned by package asset, which keeps the derived columns (warning_count,
-- review_due, search_text) and the search and count tables in step with
-- every write, in the same transaction as its trail entry.

CREATE TABLE assets (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    department_id BIGINT NOT NULL REFERENCES departments(id),
    owner_id BIGINT NOT NULL REFERENCES people(id),
    custodian_id BIGINT REFERENCES people(id),
    location TEXT NOT NULL DEFAULT '',
    is_controlled_area {{bool}} NOT NULL DEFAULT FALSE,
    domain TEXT NOT NULL DEFAULT 'none',
    confidentiality TEXT NOT NULL,
    -- Whether confidentiality is 3A, 3B or legacy 3: the details are then
    -- shown only to readers with asset.view_restricted over the asset.
    restricted {{bool}} NOT NULL DEFAULT FALSE,
    integrity TEXT NOT NULL,
    availability TEXT NOT NULL,
    -- Years; 0 = not recorded, -1 = permanent (永年).
    retention_years INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'in_use',
    disposed_on TEXT NOT NULL DEFAULT '',
    disposal_method TEXT NOT NULL DEFAULT '',
    disposal_witness_id BIGINT REFERENCES people(id),
    -- 'YYYY-MM-DD' or '' when none; review_due is the same date, or
    -- '9999-12-31' when none, so one index serves both "sort by next review"
    -- (undated last) and "review overdue" (review_due < today).
    next_review_date TEXT NOT NULL DEFAULT '',
    review_due TEXT NOT NULL DEFAULT '9999-12-31',
    -- Tags as entered (width-folded), separated by one space.
    tags TEXT NOT NULL DEFAULT '',
    -- Network-domain facts of seed §6(3): 'unknown', 'yes' or 'no'.
    mfa_on_terminals TEXT NOT NULL DEFAULT 'unknown',
    takeout_disabled TEXT NOT NULL DEFAULT 'unknown',
    isolated_from_other_domains TEXT NOT NULL DEFAULT 'unknown',
    traffic_monitoring TEXT NOT NULL DEFAULT 'unknown',
    -- How many domain rules the asset breaks, computed on every write so the
    -- 要対応 list never evaluates the rules over the whole table.
    warning_count INTEGER NOT NULL DEFAULT 0,
    -- Folded name, description and tags: what a search matches.
    search_text TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- (org_id, id) is unique so links can name both ends with their
-- organisation and the database itself refuses a link across organisations.
CREATE UNIQUE INDEX assets_org_id ON assets (org_id, id);
-- One index per sort, and one per equality filter ending in the default
-- sort (name, id) so a filtered first page is an index range read in order.
-- Each ends in confidentiality so per-level counts under that filter read
-- the index alone.
CREATE INDEX assets_name ON assets (org_id, name, id, confidentiality);
CREATE INDEX assets_updated ON assets (org_id, updated_at, id);
CREATE INDEX assets_review ON assets (org_id, review_due, id, status, confidentiality);
CREATE INDEX assets_kind ON assets (org_id, kind, name, id, confidentiality);
CREATE INDEX assets_confidentiality ON assets (org_id, confidentiality, name, id);
CREATE INDEX assets_domain ON assets (org_id, domain, name, id, confidentiality);
CREATE INDEX assets_status ON assets (org_id, status, name, id, confidentiality);
CREATE INDEX assets_department ON assets (org_id, department_id, name, id, confidentiality);
CREATE INDEX assets_owner ON assets (org_id, owner_id, name, id, confidentiality);
CREATE INDEX assets_custodian ON assets (org_id, custodian_id);
CREATE INDEX assets_warnings ON assets (org_id, id) WHERE warning_count > 0;
-- The restricted assets in id order: how a reader who sees them masked gets
-- them, after the rows they see in full.
CREATE INDEX assets_restricted ON assets (org_id, restricted, id);

-- Character bigrams of search_text (and the last character of each run on
-- its own), for partial-match search in Japanese, which has no spaces to
-- split words on, on both engines alike; compared byte by byte on both. No foreign
-- key: package asset writes and removes an asset's grams together with it,
-- and a key check per gram would double the cost of every write.
-- sqlite only
CREATE TABLE asset_grams (
    org_id BIGINT NOT NULL,
    gram TEXT NOT NULL,
    asset_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, gram, asset_id)
) WITHOUT ROWID;
-- end
-- postgres only
CREATE TABLE asset_grams (
    org_id BIGINT NOT NULL,
    gram TEXT COLLATE "C" NOT NULL,
    asset_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, gram, asset_id)
);
-- end

-- Tags folded to lower case, for an exact tag filter.
CREATE TABLE asset_tags (
    org_id BIGINT NOT NULL,
    tag TEXT NOT NULL,
    asset_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, tag, asset_id),
    FOREIGN KEY (org_id, asset_id) REFERENCES assets (org_id, id)
);

CREATE TABLE asset_links (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    from_id BIGINT NOT NULL,
    to_id BIGINT NOT NULL,
    relation TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, from_id, to_id, relation),
    FOREIGN KEY (org_id, from_id) REFERENCES assets (org_id, id),
    FOREIGN KEY (org_id, to_id) REFERENCES assets (org_id, id),
    CHECK (from_id <> to_id)
);
CREATE INDEX asset_links_to ON asset_links (org_id, to_id);

-- Assets per confidentiality level, kept by every write, so the register's
-- unfiltered counts never scan the table.
CREATE TABLE asset_counts (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    confidentiality TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (org_id, confidentiality)
);

-- The organisation's own wording of each classification level; a level
-- without a row shows the default text from the message catalogue.
CREATE TABLE classification_levels (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    scheme TEXT NOT NULL,
    dimension TEXT NOT NULL,
    level TEXT NOT NULL,
    description TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, scheme, dimension, level)
);

-- SQLite plans without statistics unless ANALYZE has run, and then guesses
-- that "org_id = ?" picks out a handful of rows: true of no register, and
-- it leads the planner to walk the wrong index. These are the statistics of
-- a typical register of 100,000 assets in one organisation, as ANALYZE
-- would write them; a later ANALYZE replaces them with measured ones.
-- PostgreSQL gathers its own.
-- sqlite only
ANALYZE asset_counts;
DELETE FROM sqlite_stat1 WHERE tbl IN ('assets', 'asset_grams', 'asset_tags', 'asset_links', 'asset_counts');
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('assets', 'assets_org_id', '100000 100000 1'),
    ('assets', 'assets_name', '100000 100000 2 1 1'),
    ('assets', 'assets_updated', '100000 100000 1 1'),
    ('assets', 'assets_review', '100000 100000 100 1 1 1'),
    ('assets', 'assets_kind', '100000 100000 10000 2 1 1'),
    ('assets', 'assets_confidentiality', '100000 100000 30000 2 1'),
    ('assets', 'assets_domain', '100000 100000 20000 2 1 1'),
    ('assets', 'assets_status', '100000 100000 40000 2 1 1'),
    ('assets', 'assets_department', '100000 100000 3000 2 1 1'),
    ('assets', 'assets_owner', '100000 100000 300 2 1 1'),
    ('assets', 'assets_custodian', '100000 100000 100'),
    ('assets', 'assets_warnings', '10000 10000 1'),
    ('assets', 'assets_restricted', '100000 100000 50000 1'),
    ('asset_grams', 'asset_grams', '3000000 3000000 1000 1'),
    ('asset_tags', 'sqlite_autoindex_asset_tags_1', '200000 200000 10000 1'),
    ('asset_links', 'sqlite_autoindex_asset_links_1', '10000 10000 2 1 1'),
    ('asset_links', 'asset_links_to', '10000 10000 2'),
    ('asset_counts', 'sqlite_autoindex_asset_counts_1', '10 10 1');
ANALYZE sqlite_schema;
-- end
