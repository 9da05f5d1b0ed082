-- Foundation: organisations, departments, people, accounts, roles,
-- sessions, API tokens, sign-in throttling and the hash-chained trail.
-- Timestamps are BIGINT microseconds since the Unix epoch, UTC.

CREATE TABLE organisations (
    id {{id}},
    name TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    mfa_required_all {{bool}} NOT NULL DEFAULT FALSE,
    session_idle_minutes INTEGER NOT NULL DEFAULT 30,
    session_absolute_hours INTEGER NOT NULL DEFAULT 12,
    classification_scheme TEXT NOT NULL DEFAULT 'legacy',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE roles (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    code TEXT NOT NULL,
    name_ja TEXT NOT NULL,
    name_en TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    PRIMARY KEY (org_id, code)
);

CREATE TABLE departments (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    parent_id BIGINT REFERENCES departments(id),
    kind TEXT NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX departments_org ON departments (org_id, parent_id, sort_order);
-- COALESCE because NULL parents (every 部局) would never collide otherwise.
CREATE UNIQUE INDEX departments_name ON departments (org_id, COALESCE(parent_id, 0), name);

CREATE TABLE people (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    name_kana TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    department_id BIGINT REFERENCES departments(id),
    staff_category TEXT NOT NULL,
    active {{bool}} NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX people_org ON people (org_id, id);
CREATE INDEX people_department ON people (org_id, department_id);

CREATE TABLE accounts (
    person_id BIGINT PRIMARY KEY REFERENCES people(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    must_change_password {{bool}} NOT NULL DEFAULT FALSE,
    mfa_secret TEXT NOT NULL DEFAULT '',
    mfa_enabled {{bool}} NOT NULL DEFAULT FALSE,
    mfa_last_step BIGINT NOT NULL DEFAULT 0,
    recovery_codes TEXT NOT NULL DEFAULT '',
    locale TEXT NOT NULL DEFAULT 'ja',
    date_style TEXT NOT NULL DEFAULT 'wareki',
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    last_signin_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX accounts_org ON accounts (org_id);

CREATE TABLE role_assignments (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    role TEXT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_id BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX role_assignments_unique ON role_assignments (org_id, person_id, role, scope_kind, scope_id);
CREATE INDEX role_assignments_role ON role_assignments (org_id, role);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    csrf_token TEXT NOT NULL,
    mfa_passed {{bool}} NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    client_addr TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_person ON sessions (person_id);

CREATE TABLE api_tokens (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_person ON api_tokens (org_id, person_id);

-- Failed sign-ins counted per account and per client address; kept in the
-- database so several instances share them.
CREATE TABLE signin_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

CREATE TABLE trail_heads (
    org_id BIGINT PRIMARY KEY REFERENCES organisations(id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE trail_entries (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_id BIGINT NOT NULL DEFAULT 0,
    actor_name TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL DEFAULT '',
    before_json TEXT NOT NULL DEFAULT '',
    after_json TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT '',
    client_addr TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE UNIQUE INDEX trail_entries_seq ON trail_entries (org_id, seq);
CREATE INDEX trail_entries_actor ON trail_entries (org_id, actor_id, seq);
CREATE INDEX trail_entries_entity ON trail_entries (org_id, entity, entity_id, seq);
CREATE INDEX trail_entries_at ON trail_entries (org_id, at);

-- The trail is append-only for the application; these triggers stop an
-- accidental UPDATE or DELETE. Anyone with the power to drop them is caught
-- by the hash chain instead.
-- sqlite only
CREATE TRIGGER trail_entries_no_update BEFORE UPDATE ON trail_entries
BEGIN
    SELECT RAISE(ABORT, 'trail_entries is append-only');
END;
CREATE TRIGGER trail_entries_no_delete BEFORE DELETE ON trail_entries
BEGIN
    SELECT RAISE(ABORT, 'trail_entries is append-only');
END;
-- end
-- postgres only
CREATE FUNCTION trail_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'trail_entries is append-only';
END;
$$;
CREATE TRIGGER trail_entries_no_change BEFORE UPDATE OR DELETE ON trail_entries
FOR EACH ROW EXECUTE FUNCTION trail_entries_append_only();
-- end
