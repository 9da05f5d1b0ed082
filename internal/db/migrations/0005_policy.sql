-- Policy documents (issue 4; seed §5, §8, §9, §10): the basic policy, its
-- standards (対策基準) and procedures (実施手順), their versions and clauses,
-- who may read them, acknowledgements, reviews and exceptions. Owned by
-- package policy; the text rules (Markdown, clauses, comparison) are in
-- package policy/doctext.

CREATE TABLE documents (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    -- basic_policy, standard, procedure, emergency_plan, guideline
    doc_type TEXT NOT NULL,
    -- 文書番号 as the organisation numbers its documents, e.g. 規程第3号.
    number TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    -- A standard sits under the basic policy; a procedure or plan under a
    -- standard (optional).
    parent_id BIGINT REFERENCES documents(id),
    -- public (also at /public without signing in), staff (every signed-in
    -- worker), restricted (the roles, departments and people in
    -- document_access, plus the CISO and 統括).
    visibility TEXT NOT NULL,
    -- Who answers for the document's review (§8).
    owner_id BIGINT REFERENCES people(id),
    review_months INTEGER NOT NULL DEFAULT 12,
    -- 'YYYY-MM-DD', or '' before the first publication.
    next_review_date TEXT NOT NULL DEFAULT '',
    -- The published version in effect, if any.
    current_version_id BIGINT,
    -- Who is asked to acknowledge a published version (§5): staff
    -- categories separated by spaces ('' = every category) and, in
    -- document_ack_departments, departments (none = every department).
    ack_categories TEXT NOT NULL DEFAULT '',
    ack_required {{bool}} NOT NULL DEFAULT TRUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX documents_org_id ON documents (org_id, id);
CREATE INDEX documents_type ON documents (org_id, doc_type, number, id);
CREATE INDEX documents_review ON documents (org_id, next_review_date, id);
CREATE INDEX documents_owner ON documents (org_id, owner_id);

-- Who may read a restricted document besides the CISO and 統括:
-- kind 'role' (ref = role code), 'department' (ref = department id, with
-- the departments below it) or 'person' (ref = person id).
CREATE TABLE document_access (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    document_id BIGINT NOT NULL REFERENCES documents(id),
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    PRIMARY KEY (document_id, kind, ref)
);
CREATE INDEX document_access_ref ON document_access (org_id, kind, ref, document_id);

CREATE TABLE document_ack_departments (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    document_id BIGINT NOT NULL REFERENCES documents(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    PRIMARY KEY (document_id, department_id)
);

CREATE TABLE document_versions (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    document_id BIGINT NOT NULL REFERENCES documents(id),
    -- 1, 2, 3 … per document.
    version_no INTEGER NOT NULL,
    -- draft, in_review, approved, published, superseded
    status TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- Folded body and title, for ?q= search (LIKE over the few hundred
    -- versions an organisation has, after the visibility filter).
    search_text TEXT NOT NULL DEFAULT '',
    change_summary TEXT NOT NULL DEFAULT '',
    author_id BIGINT REFERENCES people(id),
    submitted_at BIGINT,
    -- 'ciso' or 'committee'
    approval_kind TEXT NOT NULL DEFAULT '',
    approved_by BIGINT REFERENCES people(id),
    approved_at BIGINT,
    -- 'YYYY-MM-DD'
    effective_date TEXT NOT NULL DEFAULT '',
    published_by BIGINT REFERENCES people(id),
    published_at BIGINT,
    superseded_at BIGINT,
    -- Optimistic concurrency for edits of a draft.
    lock_version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX document_versions_no ON document_versions (document_id, version_no);
CREATE UNIQUE INDEX document_versions_org_id ON document_versions (org_id, id);
CREATE INDEX document_versions_status ON document_versions (org_id, status, document_id);

-- A published version never changes: refuse edits of its text at the
-- storage level too (status moves to superseded are allowed).
-- sqlite only
CREATE TRIGGER document_versions_frozen BEFORE UPDATE OF title, body, effective_date ON document_versions
WHEN OLD.status IN ('published', 'superseded')
BEGIN
    SELECT RAISE(ABORT, 'published document versions are immutable');
END;
-- end
-- postgres only
CREATE FUNCTION document_versions_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('published', 'superseded') AND
       (NEW.title IS DISTINCT FROM OLD.title OR NEW.body IS DISTINCT FROM OLD.body OR NEW.effective_date IS DISTINCT FROM OLD.effective_date) THEN
        RAISE EXCEPTION 'published document versions are immutable';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER document_versions_frozen BEFORE UPDATE ON document_versions
FOR EACH ROW EXECUTE FUNCTION document_versions_frozen();
-- end

-- The clauses of a version, in order, as parsed from its body: ident is
-- the stable identifier other modules link to ('6-(3)-①').
CREATE TABLE document_clauses (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    version_id BIGINT NOT NULL REFERENCES document_versions(id),
    seq INTEGER NOT NULL,
    ident TEXT NOT NULL,
    depth INTEGER NOT NULL,
    heading TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, seq)
);
CREATE UNIQUE INDEX document_clauses_ident ON document_clauses (version_id, ident);

-- A procedure names the standard clauses it implements.
CREATE TABLE document_clause_refs (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    document_id BIGINT NOT NULL REFERENCES documents(id),
    target_document_id BIGINT NOT NULL REFERENCES documents(id),
    target_ident TEXT NOT NULL,
    PRIMARY KEY (document_id, target_document_id, target_ident)
);
CREATE INDEX document_clause_refs_target ON document_clause_refs (org_id, target_document_id, target_ident);

-- Reviewers' comments on a version in review, on a clause or the whole.
CREATE TABLE document_comments (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    version_id BIGINT NOT NULL REFERENCES document_versions(id),
    clause_ident TEXT NOT NULL DEFAULT '',
    author_id BIGINT NOT NULL REFERENCES people(id),
    body TEXT NOT NULL,
    resolved {{bool}} NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX document_comments_version ON document_comments (org_id, version_id, id);

-- Committee approval: one vote per member; the version is approved when
-- the approvals reach the quorum in organisation settings.
CREATE TABLE document_votes (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    version_id BIGINT NOT NULL REFERENCES document_versions(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (version_id, person_id)
);

-- One row per person asked to acknowledge a published version (§5),
-- created when it is published; acknowledged_at is set when they do.
CREATE TABLE acknowledgements (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    version_id BIGINT NOT NULL REFERENCES document_versions(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    department_id BIGINT REFERENCES departments(id),
    requested_at BIGINT NOT NULL,
    acknowledged_at BIGINT,
    PRIMARY KEY (version_id, person_id)
);
CREATE INDEX acknowledgements_person ON acknowledgements (org_id, person_id, acknowledged_at);
CREATE INDEX acknowledgements_pending ON acknowledgements (org_id, version_id, department_id, person_id) WHERE acknowledged_at IS NULL;

-- Review records (§8). trigger_kind says what prompted it: schedule,
-- audit_finding, self_inspection, incident, law_change, other; trigger_ref
-- names the finding or incident ('finding:12') once those modules exist.
CREATE TABLE document_reviews (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    document_id BIGINT NOT NULL REFERENCES documents(id),
    version_id BIGINT REFERENCES document_versions(id),
    clause_ident TEXT NOT NULL DEFAULT '',
    reviewer_id BIGINT NOT NULL REFERENCES people(id),
    reviewed_on TEXT NOT NULL,
    -- no_change, revise
    result TEXT NOT NULL,
    reason TEXT NOT NULL,
    trigger_kind TEXT NOT NULL,
    trigger_ref TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX document_reviews_document ON document_reviews (org_id, document_id, id);

-- 例外措置: a request to depart from a clause.
CREATE TABLE policy_exceptions (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    document_id BIGINT NOT NULL REFERENCES documents(id),
    clause_ident TEXT NOT NULL,
    requester_id BIGINT NOT NULL REFERENCES people(id),
    department_id BIGINT REFERENCES departments(id),
    reason TEXT NOT NULL,
    scope_text TEXT NOT NULL,
    compensating TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- requested, approved, rejected, withdrawn (expiry is ends_on < today)
    status TEXT NOT NULL,
    decided_by BIGINT REFERENCES people(id),
    decided_at BIGINT,
    decision_note TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX policy_exceptions_clause ON policy_exceptions (org_id, document_id, clause_ident, id);
CREATE INDEX policy_exceptions_ends ON policy_exceptions (org_id, status, ends_on);
CREATE INDEX policy_exceptions_requester ON policy_exceptions (org_id, requester_id);

ALTER TABLE organisations ADD COLUMN committee_quorum INTEGER NOT NULL DEFAULT 0;
