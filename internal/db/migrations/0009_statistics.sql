-- Planner statistics for the tables that grow with use, as migration 0002
-- wrote them for the assets. Without them SQLite guesses that a range on
-- trail_entries.at picks out a few rows, and answers "this person's failed
-- sign-ins since the last one" or "the scheme switches since this asset was
-- registered" by walking every trail entry since then (1.5 s at a million
-- entries) instead of the entity index. These describe a trail of a million
-- entries and the acknowledgements of 2,000 people; a later ANALYZE
-- replaces them with measured ones. PostgreSQL gathers its own.
-- sqlite only
DELETE FROM sqlite_stat1 WHERE tbl IN ('trail_entries', 'acknowledgements');
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('trail_entries', 'trail_entries_seq', '1000000 1000000 1'),
    ('trail_entries', 'trail_entries_actor', '1000000 1000000 500 1'),
    ('trail_entries', 'trail_entries_entity', '1000000 1000000 90000 4 1'),
    ('trail_entries', 'trail_entries_at', '1000000 1000000 50'),
    ('acknowledgements', 'sqlite_autoindex_acknowledgements_1', '200000 1000 1'),
    ('acknowledgements', 'acknowledgements_person', '200000 200000 100 1'),
    ('acknowledgements', 'acknowledgements_pending', '20000 20000 100 5 1');
ANALYZE sqlite_schema;
-- end
