-- Indices: counters as dense cells, methodologies as versioned data, targets, frozen publications.

-- The counter officer a kiosk rating is about (empty for other channels).
ALTER TABLE responses ADD COLUMN staff TEXT NOT NULL DEFAULT '';

-- One cell per survey, unit, month (Vietnam time, YYYY-MM), channel and counter officer: the
-- counts of every (question, option) key of the survey's questionnaire layout, as little-endian
-- u32s in layout order. `layout` is the layout's fingerprint, so a cell is never misread.
-- `generation` is the counter below as of the transaction that last wrote the cell: readers
-- that keep cells in memory fetch only those written since they last looked.
DROP TABLE response_counts;
CREATE TABLE response_cells (
    survey_id  BIGINT NOT NULL REFERENCES surveys (id),
    unit_id    BIGINT NOT NULL REFERENCES units (id),
    month      TEXT NOT NULL,
    channel    TEXT NOT NULL,
    staff      TEXT NOT NULL,
    layout     BIGINT NOT NULL,
    responses  BIGINT NOT NULL,
    counts     BLOB NOT NULL,
    generation BIGINT NOT NULL,
    PRIMARY KEY (survey_id, unit_id, month, channel, staff)
);
CREATE INDEX response_cells_generation ON response_cells (generation);

-- One row: bumped (and locked until commit) by every transaction that writes cells, so
-- generations become visible in order; `epoch` moves when cells are rebuilt from scratch.
CREATE TABLE cell_generation (
    id          BIGINT PRIMARY KEY,
    generation  BIGINT NOT NULL,
    epoch       BIGINT NOT NULL
);
INSERT INTO cell_generation (id, generation, epoch) VALUES (1, 0, 0);

-- Every version of a methodology is kept: a published figure names the one that produced it.
CREATE TABLE methodologies (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  BIGINT REFERENCES users (id),
    UNIQUE (code, version)
);

-- Targets per unit and year, e.g. SIPAS ≥ 90 %.
CREATE TABLE index_targets (
    unit_id    BIGINT NOT NULL REFERENCES units (id),
    year       BIGINT NOT NULL,
    indicator  TEXT NOT NULL,
    target     REAL NOT NULL,
    set_by     BIGINT REFERENCES users (id),
    set_at     BIGINT NOT NULL,
    PRIMARY KEY (unit_id, year, indicator)
);

-- A period's results as published: the figures are stored, never recomputed.
CREATE TABLE publications (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    unit_id         BIGINT NOT NULL REFERENCES units (id),
    version_id      BIGINT NOT NULL REFERENCES questionnaire_versions (id),
    methodology_id  BIGINT NOT NULL REFERENCES methodologies (id),
    from_month      TEXT NOT NULL,
    to_month        TEXT NOT NULL,
    body            TEXT NOT NULL,
    published_at    BIGINT NOT NULL,
    published_by    BIGINT REFERENCES users (id)
);
CREATE TRIGGER publications_frozen_update BEFORE UPDATE ON publications
BEGIN SELECT RAISE(ABORT, 'published results never change'); END;
CREATE TRIGGER publications_frozen_delete BEFORE DELETE ON publications
BEGIN SELECT RAISE(ABORT, 'published results never change'); END;
