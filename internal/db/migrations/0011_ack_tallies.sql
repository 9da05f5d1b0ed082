-- Acknowledgement progress kept as counts (owned by package policy): per
-- version and department, how many people were asked and how many have
-- acknowledged. The home page of every 情報セキュリティ責任者 shows the
-- progress of every version in effect over their bureau; counting the
-- acknowledgements themselves read tens of thousands of rows per view.
-- Package policy moves these counts in the transaction that asks for or
-- records an acknowledgement. department_id is 0 for people without one.
CREATE TABLE ack_tallies (
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    version_id BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    asked INTEGER NOT NULL,
    done INTEGER NOT NULL,
    PRIMARY KEY (org_id, version_id, department_id)
);
INSERT INTO ack_tallies (org_id, version_id, department_id, asked, done)
SELECT org_id, version_id, COALESCE(department_id, 0), COUNT(*), COUNT(acknowledged_at)
FROM acknowledgements GROUP BY org_id, version_id, COALESCE(department_id, 0);
