-- PAR INDEX. A criteria tree (the tree itself as JSON, domain::par::Tree) per year and level; an
-- evaluation round opens a tree for a group of units with its four deadlines and class
-- thresholds; each unit has one assessment in the round, with its approval state and the
-- council members assigned to it.
CREATE TABLE par_trees (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    year        INTEGER NOT NULL,
    level       TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_by  BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE par_rounds (
    id                    INTEGER PRIMARY KEY,
    tree_id               BIGINT NOT NULL REFERENCES par_trees (id),
    title                 TEXT NOT NULL,
    self_deadline         BIGINT NOT NULL,
    appraisal_deadline    BIGINT NOT NULL,
    explanation_deadline  BIGINT NOT NULL,
    final_deadline        BIGINT NOT NULL,
    classes               TEXT NOT NULL,
    published_at          BIGINT,
    created_by            BIGINT REFERENCES users (id),
    created_at            BIGINT NOT NULL
);

CREATE TABLE par_assessments (
    id             INTEGER PRIMARY KEY,
    round_id       BIGINT NOT NULL REFERENCES par_rounds (id),
    unit_id        BIGINT NOT NULL REFERENCES units (id),
    state          TEXT NOT NULL DEFAULT 'draft',
    submitted_at   BIGINT,
    submitted_by   BIGINT REFERENCES users (id),
    approved_at    BIGINT,
    approved_by    BIGINT REFERENCES users (id),
    returned_note  TEXT NOT NULL DEFAULT '',
    UNIQUE (round_id, unit_id)
);
CREATE INDEX par_assessments_unit ON par_assessments (unit_id);

CREATE TABLE par_council (
    assessment_id  BIGINT NOT NULL REFERENCES par_assessments (id),
    user_id        BIGINT NOT NULL REFERENCES users (id),
    UNIQUE (assessment_id, user_id)
);
CREATE INDEX par_council_user ON par_council (user_id);

-- The current points and note of each item at each stage (self, appraisal, explanation, final,
-- survey), in hundredths of a point; and every change to them, in order.
CREATE TABLE par_marks (
    assessment_id  BIGINT NOT NULL REFERENCES par_assessments (id),
    item_code      TEXT NOT NULL,
    stage          TEXT NOT NULL,
    points         BIGINT,
    note           TEXT NOT NULL DEFAULT '',
    updated_by     BIGINT REFERENCES users (id),
    updated_at     BIGINT NOT NULL,
    UNIQUE (assessment_id, item_code, stage)
);

CREATE TABLE par_mark_history (
    id             INTEGER PRIMARY KEY,
    assessment_id  BIGINT NOT NULL REFERENCES par_assessments (id),
    item_code      TEXT NOT NULL,
    stage          TEXT NOT NULL,
    points         BIGINT,
    note           TEXT NOT NULL,
    by_user        BIGINT REFERENCES users (id),
    by_name        TEXT NOT NULL,
    at             BIGINT NOT NULL
);
CREATE INDEX par_mark_history_item ON par_mark_history (assessment_id, item_code, id);

-- Evidence files, stored once by their SHA-256 (the checksum is checked again on every read);
-- a document is a unit's upload of a file, and it may serve several items.
CREATE TABLE par_files (
    sha256      TEXT PRIMARY KEY,
    size        BIGINT NOT NULL,
    content     BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE par_documents (
    id             INTEGER PRIMARY KEY,
    assessment_id  BIGINT NOT NULL REFERENCES par_assessments (id),
    sha256         TEXT NOT NULL REFERENCES par_files (sha256),
    name           TEXT NOT NULL,
    media_type     TEXT NOT NULL,
    size           BIGINT NOT NULL,
    stage          TEXT NOT NULL,
    uploaded_by    BIGINT REFERENCES users (id),
    uploaded_at    BIGINT NOT NULL
);
CREATE INDEX par_documents_assessment ON par_documents (assessment_id);

CREATE TABLE par_evidence (
    document_id  BIGINT NOT NULL REFERENCES par_documents (id),
    item_code    TEXT NOT NULL,
    UNIQUE (document_id, item_code)
);
