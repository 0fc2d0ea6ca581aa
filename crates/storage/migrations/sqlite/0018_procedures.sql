-- Each unit's catalogue of administrative procedures, imported from the national procedure
-- database: the names a citizen is offered on the forms. A citizen may still type any other.
CREATE TABLE procedures (
    unit_id  BIGINT NOT NULL REFERENCES units (id),
    code     TEXT NOT NULL,
    name     TEXT NOT NULL,
    field    TEXT NOT NULL,
    PRIMARY KEY (unit_id, code)
);
