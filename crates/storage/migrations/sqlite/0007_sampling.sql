-- Sampling: the frame register of completed dossiers, the draws made from it and their quotas.
--
-- The register holds personal data, so it is kept apart from the answers: a response carries
-- only the dossier code. Name, phone and e-mail are sealed (XChaCha20-Poly1305); the phone and
-- e-mail also have a keyed blind index, so that the same person is recognised (contact
-- frequency, opt-out) without opening anything. Erasure clears all four and keeps the dossier.
CREATE TABLE frame_entries (
    id            INTEGER PRIMARY KEY,
    dossier_code  TEXT NOT NULL UNIQUE,
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    procedure     TEXT NOT NULL,
    field         TEXT NOT NULL,
    completed_on  TEXT NOT NULL,
    consent       BIGINT NOT NULL,
    name_sealed   TEXT NOT NULL,
    phone_sealed  TEXT NOT NULL,
    email_sealed  TEXT NOT NULL,
    phone_index   TEXT NOT NULL,
    email_index   TEXT NOT NULL,
    source        TEXT NOT NULL,
    received_at   BIGINT NOT NULL,
    erased_at     BIGINT
);
CREATE INDEX frame_entries_unit ON frame_entries (unit_id, completed_on);
CREATE INDEX frame_entries_phone ON frame_entries (phone_index);
CREATE INDEX frame_entries_email ON frame_entries (email_index);

-- A draw records everything needed to repeat it: the seed, the parameters and a digest of the
-- frame it was drawn from (the eligible dossiers of each stratum, in order).
CREATE TABLE sample_draws (
    id            INTEGER PRIMARY KEY,
    survey_id     BIGINT NOT NULL REFERENCES surveys (id),
    seed          TEXT NOT NULL,
    params        TEXT NOT NULL,
    frame_size    BIGINT NOT NULL,
    frame_digest  TEXT NOT NULL,
    created_by    BIGINT REFERENCES users (id),
    created_at    BIGINT NOT NULL
);

CREATE TABLE draw_quotas (
    draw_id    BIGINT NOT NULL REFERENCES sample_draws (id),
    unit_id    BIGINT NOT NULL REFERENCES units (id),
    dossiers   BIGINT NOT NULL,
    allocated  BIGINT NOT NULL,
    PRIMARY KEY (draw_id, unit_id)
);

-- The sample and its reserves, in draw order per stratum. A reserve called in for an
-- unreachable respondent becomes `selected` and names whom it replaces.
CREATE TABLE draw_members (
    draw_id     BIGINT NOT NULL REFERENCES sample_draws (id),
    entry_id    BIGINT NOT NULL REFERENCES frame_entries (id),
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    stratum     TEXT NOT NULL,
    rank        BIGINT NOT NULL,
    status      TEXT NOT NULL,
    replaces    BIGINT REFERENCES frame_entries (id),
    reason      TEXT NOT NULL DEFAULT '',
    changed_at  BIGINT,
    PRIMARY KEY (draw_id, entry_id)
);
CREATE INDEX draw_members_order ON draw_members (draw_id, stratum, rank);

CREATE INDEX responses_dossier ON responses (survey_id, dossier_code);
