-- What every answer costs to write, measured by `bench ingest`.
-- The alert step alone links answers to cases, in the transaction that reads both; the links
-- keep no foreign keys, as on PostgreSQL, where each would lock the linked answer's row.
CREATE TABLE alert_case_links (
    case_id      BIGINT NOT NULL,
    response_id  BIGINT NOT NULL,
    PRIMARY KEY (case_id, response_id)
);
INSERT INTO alert_case_links (case_id, response_id) SELECT case_id, response_id FROM alert_case_responses;
DROP TABLE alert_case_responses;
ALTER TABLE alert_case_links RENAME TO alert_case_responses;
