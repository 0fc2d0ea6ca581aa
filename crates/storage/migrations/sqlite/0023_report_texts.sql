-- What the reform office writes into a report of a year: its introduction, its conclusions and
-- the signature. Every save is a new version; a report uses the newest, and the older ones stay
-- so that what was printed can be read again.
CREATE TABLE report_texts (
    id            INTEGER PRIMARY KEY,
    report        TEXT NOT NULL,
    year          INTEGER NOT NULL,
    version       BIGINT NOT NULL,
    introduction  TEXT NOT NULL,
    conclusion    TEXT NOT NULL,
    -- The signing lines, one per line (TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH).
    signature     TEXT NOT NULL,
    signer        TEXT NOT NULL,
    saved_at      BIGINT NOT NULL,
    saved_by      BIGINT REFERENCES users (id),
    UNIQUE (report, year, version)
);
