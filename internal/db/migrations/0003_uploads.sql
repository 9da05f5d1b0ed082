-- Uploaded files kept between a dry run and its confirmation (issue 3: the
-- asset register's import). Stored in the database, not on one instance's
-- disk, so the confirmation may reach another instance behind a load
-- balancer. An upload belongs to one person of one organisation, is found
-- by an unguessable token, and expires; the content is split into chunks
-- so it is written and read back a piece at a time, never whole.

CREATE TABLE uploads (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    token TEXT NOT NULL,
    purpose TEXT NOT NULL,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- What the upload was checked with (JSON), e.g. {"match_by":"id"}.
    options TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX uploads_token ON uploads (token);
CREATE INDEX uploads_expiry ON uploads (expires_at);

CREATE TABLE upload_chunks (
    upload_id BIGINT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data {{blob}} NOT NULL,
    PRIMARY KEY (upload_id, seq)
);
