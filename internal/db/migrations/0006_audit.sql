-- Self-inspection and audit (issue 5; seed §6(9), §7, §8): checklist
-- templates tied to policy clauses, self-inspection campaigns and their
-- answers (package inspection); audit plans, engagements, items, evidence
-- requests, working notes, findings and reports (package audit); corrective
-- actions (package action); evidence files (package evidence).

-- A checklist template (点検表). A new version is a new row pointing at the
-- one it replaces; a template in use by a campaign never changes.
CREATE TABLE checklists (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    version_no INTEGER NOT NULL DEFAULT 1,
    previous_id BIGINT REFERENCES checklists(id),
    -- draft, active, retired
    status TEXT NOT NULL,
    created_by BIGINT REFERENCES people(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX checklists_org_id ON checklists (org_id, id);

-- 点検項目.
CREATE TABLE checklist_items (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    checklist_id BIGINT NOT NULL REFERENCES checklists(id),
    seq INTEGER NOT NULL,
    -- The item's number as the office writes it ('1-1', 'A-3').
    code TEXT NOT NULL DEFAULT '',
    -- 大項目 / 分類, for grouping in reports.
    category TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    -- Who answers: all (every worker), manager (情報セキュリティ責任者・管理者),
    -- system_admin (情報システム管理者).
    respondent TEXT NOT NULL,
    evidence_expected TEXT NOT NULL DEFAULT '',
    -- 重点項目
    priority {{bool}} NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX checklist_items_seq ON checklist_items (checklist_id, seq);
CREATE INDEX checklist_items_org ON checklist_items (org_id, checklist_id, seq);

-- The policy clauses an item checks ('6-(3)-①' of a document).
CREATE TABLE checklist_item_clauses (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    item_id BIGINT NOT NULL REFERENCES checklist_items(id),
    document_id BIGINT NOT NULL REFERENCES documents(id),
    clause_ident TEXT NOT NULL,
    PRIMARY KEY (item_id, document_id, clause_ident)
);
CREATE INDEX checklist_item_clauses_clause ON checklist_item_clauses (org_id, document_id, clause_ident);

-- A self-inspection campaign (自己点検).
CREATE TABLE campaigns (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    checklist_id BIGINT NOT NULL REFERENCES checklists(id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- planned, open, closed
    status TEXT NOT NULL,
    -- The campaign results are compared with.
    previous_id BIGINT REFERENCES campaigns(id),
    created_by BIGINT REFERENCES people(id),
    closed_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX campaigns_org ON campaigns (org_id, starts_on, id);

-- Who answers a campaign: one row per person, with the department they
-- answer for (fixed when the campaign opens, so later moves do not
-- rewrite results) and the respondent kinds they answer items of.
CREATE TABLE campaign_respondents (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    department_id BIGINT REFERENCES departments(id),
    -- space-separated: all manager system_admin
    respondent_kinds TEXT NOT NULL,
    items_total INTEGER NOT NULL DEFAULT 0,
    items_answered INTEGER NOT NULL DEFAULT 0,
    submitted_at BIGINT,
    PRIMARY KEY (campaign_id, person_id)
);
CREATE INDEX campaign_respondents_department ON campaign_respondents (org_id, campaign_id, department_id, person_id);
CREATE INDEX campaign_respondents_person ON campaign_respondents (org_id, person_id, campaign_id);

-- 実施している done / 一部実施 partial / 未実施 not_done / 該当なし na.
CREATE TABLE campaign_answers (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    item_id BIGINT NOT NULL REFERENCES checklist_items(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    department_id BIGINT REFERENCES departments(id),
    answer TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    evidence_id BIGINT,
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, item_id, person_id)
);
CREATE INDEX campaign_answers_item ON campaign_answers (org_id, campaign_id, item_id, answer);
CREATE INDEX campaign_answers_department ON campaign_answers (org_id, campaign_id, department_id, answer);

-- Audit plans: a multi-year plan (中期監査計画) and yearly plans under it.
CREATE TABLE audit_plans (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    -- multi_year, yearly
    kind TEXT NOT NULL,
    parent_id BIGINT REFERENCES audit_plans(id),
    title TEXT NOT NULL,
    -- Fiscal years (年度) covered, e.g. 2026–2028.
    year_from INTEGER NOT NULL,
    year_to INTEGER NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX audit_plans_org ON audit_plans (org_id, year_from, id);

-- An audit engagement (監査).
CREATE TABLE audits (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    plan_id BIGINT REFERENCES audit_plans(id),
    title TEXT NOT NULL,
    objective TEXT NOT NULL DEFAULT '',
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- planned, fieldwork, reporting (draft report issued), responded,
    -- final (approved by the CISO), cancelled
    status TEXT NOT NULL,
    draft_report TEXT NOT NULL DEFAULT '',
    response TEXT NOT NULL DEFAULT '',
    responded_by BIGINT REFERENCES people(id),
    responded_at BIGINT,
    final_report TEXT NOT NULL DEFAULT '',
    approved_by BIGINT REFERENCES people(id),
    approved_at BIGINT,
    created_by BIGINT REFERENCES people(id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX audits_org ON audits (org_id, starts_on, id);

-- What an engagement covers: kind department (ref = department id, with
-- the departments below it), system (ref = asset id) or clause
-- (ref = 'documentID:ident').
CREATE TABLE audit_scope (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    audit_id BIGINT NOT NULL REFERENCES audits(id),
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    PRIMARY KEY (audit_id, kind, ref)
);

-- Auditors of an engagement; never a member of an audited department.
CREATE TABLE audit_auditors (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    audit_id BIGINT NOT NULL REFERENCES audits(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    lead {{bool}} NOT NULL DEFAULT FALSE,
    PRIMARY KEY (audit_id, person_id)
);
CREATE INDEX audit_auditors_person ON audit_auditors (org_id, person_id);

-- 監査項目 with 監査基準 and 監査方法, and the auditor's conclusion.
CREATE TABLE audit_items (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    audit_id BIGINT NOT NULL REFERENCES audits(id),
    seq INTEGER NOT NULL,
    item TEXT NOT NULL,
    criteria TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL DEFAULT '',
    document_id BIGINT REFERENCES documents(id),
    clause_ident TEXT NOT NULL DEFAULT '',
    -- '', conforming, nonconforming, not_applicable
    result TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_items_audit ON audit_items (org_id, audit_id, seq);

-- 資料提出依頼: what the auditors ask an audited department for, and the reply.
CREATE TABLE evidence_requests (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    audit_id BIGINT NOT NULL REFERENCES audits(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    request TEXT NOT NULL,
    due_on TEXT NOT NULL DEFAULT '',
    requested_by BIGINT NOT NULL REFERENCES people(id),
    reply TEXT NOT NULL DEFAULT '',
    replied_by BIGINT REFERENCES people(id),
    replied_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX evidence_requests_audit ON evidence_requests (org_id, audit_id, id);
CREATE INDEX evidence_requests_department ON evidence_requests (org_id, department_id, replied_at);

-- 監査調書: the auditors' working notes, seen by the auditors, the CISO and 統括.
CREATE TABLE audit_notes (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    audit_id BIGINT NOT NULL REFERENCES audits(id),
    author_id BIGINT NOT NULL REFERENCES people(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_notes_audit ON audit_notes (org_id, audit_id, id);

-- 指摘事項: always of an engagement. major (重大), minor (軽微), observation (観察事項).
CREATE TABLE findings (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    audit_id BIGINT NOT NULL REFERENCES audits(id),
    item_id BIGINT REFERENCES audit_items(id),
    department_id BIGINT REFERENCES departments(id),
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    document_id BIGINT REFERENCES documents(id),
    clause_ident TEXT NOT NULL DEFAULT '',
    -- The policy review this finding opened (§8), if any.
    review_id BIGINT REFERENCES document_reviews(id),
    created_by BIGINT NOT NULL REFERENCES people(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX findings_audit ON findings (org_id, audit_id, id);
CREATE INDEX findings_clause ON findings (org_id, document_id, clause_ident);

-- 是正処置: raised from a finding or from a 未実施 answer.
CREATE TABLE corrective_actions (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    -- finding, self_inspection
    source TEXT NOT NULL,
    finding_id BIGINT REFERENCES findings(id),
    campaign_id BIGINT REFERENCES campaigns(id),
    item_id BIGINT REFERENCES checklist_items(id),
    department_id BIGINT REFERENCES departments(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_id BIGINT NOT NULL REFERENCES people(id),
    due_on TEXT NOT NULL,
    -- open, in_progress, completed (awaiting verification), verified (closed)
    status TEXT NOT NULL,
    progress_note TEXT NOT NULL DEFAULT '',
    completed_at BIGINT,
    verified_by BIGINT REFERENCES people(id),
    verified_at BIGINT,
    verification_note TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT REFERENCES people(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX corrective_actions_owner ON corrective_actions (org_id, owner_id, status, due_on);
CREATE INDEX corrective_actions_due ON corrective_actions (org_id, status, due_on, id);
CREATE INDEX corrective_actions_department ON corrective_actions (org_id, department_id, status);
CREATE INDEX corrective_actions_finding ON corrective_actions (org_id, finding_id);
-- One action per (campaign, item, department) raised from answers.
CREATE UNIQUE INDEX corrective_actions_answer ON corrective_actions (org_id, campaign_id, item_id, department_id);

-- Evidence files. The content is kept in the database, so a backup holds it
-- and several instances see the same files. owner_kind/owner_id say what
-- the file belongs to (answer 'campaignID:itemID:personID', evidence_request,
-- finding, action, audit); the owning package decides who may download it.
CREATE TABLE evidence_files (
    id {{id}},
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    owner_kind TEXT NOT NULL,
    owner_ref TEXT NOT NULL,
    file_name TEXT NOT NULL,
    -- Detected from the content, not from the name.
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content {{blob}} NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES people(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX evidence_files_owner ON evidence_files (org_id, owner_kind, owner_ref, id);

ALTER TABLE organisations ADD COLUMN evidence_max_bytes BIGINT NOT NULL DEFAULT 10485760;
