-- Reform plans (kế hoạch CCHC): the province's and each unit's, one per unit and year, as tasks
-- with a lead unit, coordinating units, a product, a deadline and a status. Evidence files of a
-- task are kept in par_files by their SHA-256, as the assessments' are.
CREATE TABLE par_plans (
    id          INTEGER PRIMARY KEY,
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    year        INTEGER NOT NULL,
    title       TEXT NOT NULL,
    created_by  BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    UNIQUE (unit_id, year)
);

CREATE TABLE par_tasks (
    id            INTEGER PRIMARY KEY,
    plan_id       BIGINT NOT NULL REFERENCES par_plans (id),
    content       TEXT NOT NULL,
    lead_unit_id  BIGINT NOT NULL REFERENCES units (id),
    product       TEXT NOT NULL,
    -- ISO dates (yyyy-mm-dd), Vietnam calendar days.
    deadline      TEXT NOT NULL,
    status        TEXT NOT NULL,
    done_on       TEXT,
    note          TEXT NOT NULL DEFAULT '',
    updated_by    BIGINT REFERENCES users (id),
    updated_at    BIGINT NOT NULL
);
CREATE INDEX par_tasks_plan ON par_tasks (plan_id);
CREATE INDEX par_tasks_lead ON par_tasks (lead_unit_id);

CREATE TABLE par_task_partners (
    task_id  BIGINT NOT NULL REFERENCES par_tasks (id),
    unit_id  BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (task_id, unit_id)
);

CREATE TABLE par_task_files (
    id           INTEGER PRIMARY KEY,
    task_id      BIGINT NOT NULL REFERENCES par_tasks (id),
    sha256       TEXT NOT NULL REFERENCES par_files (sha256),
    name         TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    size         BIGINT NOT NULL,
    uploaded_by  BIGINT REFERENCES users (id),
    uploaded_at  BIGINT NOT NULL
);
CREATE INDEX par_task_files_task ON par_task_files (task_id);
