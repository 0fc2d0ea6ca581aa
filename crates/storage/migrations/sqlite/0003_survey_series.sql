-- Regular surveys form a series: each period is its own survey (own dates and counters); the
-- series code is the stable public link, answered by the period open at the time.
ALTER TABLE surveys ADD COLUMN series TEXT NOT NULL DEFAULT '';
UPDATE surveys SET series = code;
CREATE INDEX surveys_series ON surveys (series, opens_at);
CREATE UNIQUE INDEX surveys_previous ON surveys (previous_id);
