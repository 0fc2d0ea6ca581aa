-- Alerts that hold up in a flood. A case stands for one cause (a unit, a kind, a day; a month
-- for a threshold) and holds every answer that set it off, with their count; a resolved case
-- gives its cause up, so the next answer of that cause opens a new one.
ALTER TABLE alert_cases ADD COLUMN responses BIGINT NOT NULL DEFAULT 0;

CREATE TABLE alert_case_responses (
    case_id      BIGINT NOT NULL REFERENCES alert_cases (id),
    response_id  BIGINT NOT NULL REFERENCES responses (id),
    PRIMARY KEY (case_id, response_id)
);
INSERT INTO alert_case_responses (case_id, response_id) SELECT id, response_id FROM alert_cases WHERE response_id IS NOT NULL;
UPDATE alert_cases SET responses = 1 WHERE response_id IS NOT NULL;

-- Flagged answers per survey, unit and clock hour, added to by each alert step: a burst is told
-- by this count, never by counting answers again.
CREATE TABLE alert_bursts (
    survey_id  BIGINT NOT NULL REFERENCES surveys (id),
    unit_id    BIGINT NOT NULL REFERENCES units (id),
    hour       BIGINT NOT NULL,
    flagged    BIGINT NOT NULL,
    PRIMARY KEY (survey_id, unit_id, hour)
);

-- Cases an official will hear of in the next digest (opened or grown since the last one); the
-- digest job turns each official's rows into one e-mail and deletes them.
CREATE TABLE alert_digest (
    id        INTEGER PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users (id),
    case_id   BIGINT NOT NULL REFERENCES alert_cases (id),
    added_at  BIGINT NOT NULL,
    UNIQUE (user_id, case_id)
);
