-- Self-inspection (issue 5), beside the tables of 0006 (package inspection).

-- What a campaign was asked of: departments (with the departments below
-- them) and single people. Respondents are worked out from these when the
-- campaign opens, so people who join a department between planning and
-- opening are included, and the campaign page can say whom it covers.
CREATE TABLE campaign_targets (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    -- department, person
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, kind, ref_id)
);

-- Running counts of answers per item, department and answer, kept in the
-- same transaction as every answer written. Results, comparisons and the
-- dashboard are GROUP BY queries over these rows (a few thousand per
-- campaign) rather than over the answers (hundreds of thousands).
-- department_id is 0 for respondents without a department. On SQLite the
-- rows are stored in key order (WITHOUT ROWID), so a campaign's counts
-- are read item by item without a lookup per row.
-- sqlite only
CREATE TABLE campaign_tallies (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    item_id BIGINT NOT NULL REFERENCES checklist_items(id),
    department_id BIGINT NOT NULL,
    answer TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, item_id, department_id, answer)
) WITHOUT ROWID;
-- end
-- postgres only
CREATE TABLE campaign_tallies (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    item_id BIGINT NOT NULL REFERENCES checklist_items(id),
    department_id BIGINT NOT NULL,
    answer TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, item_id, department_id, answer)
);
-- end
-- The same counts by department, covering (no row lookups), and the
-- 未実施 cells a results page offers corrective actions for.
CREATE INDEX campaign_tallies_department ON campaign_tallies (org_id, campaign_id, department_id, answer, n);
CREATE INDEX campaign_tallies_answer ON campaign_tallies (org_id, campaign_id, answer, item_id, department_id, n);

-- The same counts summed over departments (per item) and over items (per
-- department), kept with them: what readers of the whole organisation's
-- results read, a few hundred rows per campaign.
-- sqlite only
CREATE TABLE campaign_item_tallies (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    item_id BIGINT NOT NULL REFERENCES checklist_items(id),
    answer TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, item_id, answer)
) WITHOUT ROWID;
CREATE TABLE campaign_department_tallies (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    department_id BIGINT NOT NULL,
    answer TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, department_id, answer)
) WITHOUT ROWID;
-- end
-- postgres only
CREATE TABLE campaign_item_tallies (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    item_id BIGINT NOT NULL REFERENCES checklist_items(id),
    answer TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, item_id, answer)
);
CREATE TABLE campaign_department_tallies (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    campaign_id BIGINT NOT NULL REFERENCES campaigns(id),
    department_id BIGINT NOT NULL,
    answer TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, department_id, answer)
);
-- end

-- Progress per department, covering: respondents, items asked and answered.
CREATE INDEX campaign_respondents_progress ON campaign_respondents (org_id, campaign_id, department_id, items_total, items_answered);

-- One respondent's answers, in item order (the answer form, the API).
CREATE INDEX campaign_answers_person ON campaign_answers (org_id, campaign_id, person_id, item_id);
-- Campaigns a checklist version is used by (a version in use never changes).
CREATE INDEX campaigns_checklist ON campaigns (org_id, checklist_id);
