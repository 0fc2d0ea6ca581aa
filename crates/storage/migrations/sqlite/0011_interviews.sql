-- Interviews: sampled dossiers assigned to interviewers, every call's outcome as recorded on the
-- device (its id chosen there, so a re-sync records nothing twice), and the answers taken.
CREATE TABLE assignments (
    id              INTEGER PRIMARY KEY,
    survey_id       BIGINT NOT NULL REFERENCES surveys (id),
    draw_id         BIGINT NOT NULL REFERENCES sample_draws (id),
    entry_id        BIGINT NOT NULL REFERENCES frame_entries (id),
    unit_id         BIGINT NOT NULL REFERENCES units (id),
    interviewer_id  BIGINT NOT NULL REFERENCES users (id),
    mode            TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_by      BIGINT REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    UNIQUE (survey_id, entry_id)
);
CREATE INDEX assignments_interviewer ON assignments (interviewer_id, status);

CREATE TABLE call_outcomes (
    id              INTEGER PRIMARY KEY,
    client_id       TEXT NOT NULL UNIQUE,
    assignment_id   BIGINT NOT NULL REFERENCES assignments (id),
    interviewer_id  BIGINT NOT NULL REFERENCES users (id),
    outcome         TEXT NOT NULL,
    note            TEXT NOT NULL,
    callback_at     BIGINT,
    at              BIGINT NOT NULL,
    received_at     BIGINT NOT NULL
);
CREATE INDEX call_outcomes_assignment ON call_outcomes (assignment_id, at);

-- The response an interview produced, for the supervisor's review.
CREATE TABLE interviews (
    response_id     BIGINT PRIMARY KEY REFERENCES responses (id),
    assignment_id   BIGINT NOT NULL UNIQUE REFERENCES assignments (id),
    interviewer_id  BIGINT NOT NULL REFERENCES users (id),
    review          TEXT NOT NULL DEFAULT 'pending',
    reason          TEXT NOT NULL DEFAULT '',
    reviewed_by     BIGINT REFERENCES users (id),
    reviewed_at     BIGINT
);
