-- The results database: every index the province and its units are judged by, one row per
-- index, edition (year), scope and unit; the national average has no unit. A result is stored
-- as published and never edited: the unit's name as it was then, the methodology version of
-- the edition, the document that published it, and where the row came from (an import, a PAR
-- round, a SIPAS publication of this system).
CREATE TABLE index_imports (
    id           INTEGER PRIMARY KEY,
    index_code   TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    row_count    INTEGER NOT NULL,
    imported_at  BIGINT NOT NULL,
    imported_by  BIGINT REFERENCES users (id),
    -- A mistaken import is withdrawn whole: its results are deleted, the record stays.
    removed_at   BIGINT,
    removed_by   BIGINT REFERENCES users (id)
);

CREATE TABLE index_results (
    id            INTEGER PRIMARY KEY,
    index_code    TEXT NOT NULL,
    year          INTEGER NOT NULL,
    version       TEXT NOT NULL,
    scope         TEXT NOT NULL CHECK (scope IN ('national', 'provincial')),
    unit_id       BIGINT REFERENCES units (id),
    unit_name     TEXT NOT NULL,
    score         DOUBLE PRECISION NOT NULL,
    rank          INTEGER,
    ranked        INTEGER,
    class         TEXT NOT NULL,
    source        TEXT NOT NULL,
    -- JSON: [{"code", "name", "score"}] in the methodology's order.
    components    TEXT NOT NULL,
    import_id     BIGINT REFERENCES index_imports (id),
    par_round_id  BIGINT REFERENCES par_rounds (id),
    publication_id BIGINT REFERENCES publications (id),
    created_at    BIGINT NOT NULL,
    CHECK ((import_id IS NOT NULL) OR (par_round_id IS NOT NULL) OR (publication_id IS NOT NULL))
);
-- One result per edition and unit; the national average counts as unit 0.
CREATE UNIQUE INDEX index_results_edition ON index_results (index_code, scope, year, COALESCE(unit_id, 0));
CREATE INDEX index_results_unit ON index_results (unit_id, index_code, year);
CREATE INDEX index_results_year ON index_results (index_code, year, scope);

-- The publications of this system whose results have been filed into index_results, so that
-- filing happens once per publication even when a later one replaced its rows.
CREATE TABLE index_filings (
    origin     TEXT NOT NULL CHECK (origin IN ('par_round', 'publication')),
    origin_id  BIGINT NOT NULL,
    PRIMARY KEY (origin, origin_id)
);
