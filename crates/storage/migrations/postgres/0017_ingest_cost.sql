-- What every answer costs to write, measured by `bench ingest`.
-- The alert step alone links answers to cases, in the transaction that reads both. A foreign key
-- here would lock each linked answer's row (a WAL record per answer), so that a flood would write
-- every answer twice.
ALTER TABLE alert_case_responses DROP CONSTRAINT alert_case_responses_case_id_fkey;
ALTER TABLE alert_case_responses DROP CONSTRAINT alert_case_responses_response_id_fkey;

-- Most answers come without a one-time token: only those with one take a place in its index.
ALTER TABLE responses DROP CONSTRAINT responses_token_hash_key;
CREATE UNIQUE INDEX responses_token ON responses (token_hash) WHERE token_hash IS NOT NULL;

-- Half of what PostgreSQL spent writing an answer went to checking, row by row, that its survey
-- and unit exist. They always do: an answer's survey and unit are read from the database when
-- it is admitted, and no survey or unit is ever deleted (a merged unit stays, as history). The
-- SQLite schema keeps these keys, where a check costs one lookup in the same process.
ALTER TABLE responses DROP CONSTRAINT responses_survey_id_fkey;
ALTER TABLE responses DROP CONSTRAINT responses_unit_id_fkey;
