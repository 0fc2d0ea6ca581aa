-- Paper questionnaires keyed in by clerks. Every keying is kept; a form (survey, serial number)
-- goes into the responses once its keyings agree, or once a supervisor has reconciled them.
CREATE TABLE paper_modes (
    survey_id  BIGINT PRIMARY KEY REFERENCES surveys (id),
    mode       TEXT NOT NULL
);

CREATE TABLE paper_forms (
    survey_id    BIGINT NOT NULL REFERENCES surveys (id),
    serial       TEXT NOT NULL,
    status       TEXT NOT NULL,
    response_id  BIGINT REFERENCES responses (id),
    resolved_by  BIGINT REFERENCES users (id),
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (survey_id, serial)
);
CREATE INDEX paper_forms_status ON paper_forms (status, survey_id);

CREATE TABLE paper_entries (
    id          INTEGER PRIMARY KEY,
    survey_id   BIGINT NOT NULL REFERENCES surveys (id),
    serial      TEXT NOT NULL,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    clerk_id    BIGINT NOT NULL REFERENCES users (id),
    answers     TEXT NOT NULL,
    entered_at  BIGINT NOT NULL,
    UNIQUE (survey_id, serial, clerk_id)
);
