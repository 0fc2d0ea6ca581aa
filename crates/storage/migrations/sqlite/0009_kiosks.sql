-- Rating kiosks at one-stop counters. The tablet opens /kiosk/{key}; only the key's digest is
-- kept. A kiosk asks one survey (by its series code, so it keeps working as periods roll) about
-- one unit; it knows the official on duty and whether a rating has been invited, until when.
CREATE TABLE kiosks (
    id              INTEGER PRIMARY KEY,
    key_hash        TEXT NOT NULL UNIQUE,
    unit_id         BIGINT NOT NULL REFERENCES units (id),
    survey_code     TEXT NOT NULL,
    counter         TEXT NOT NULL,
    staff_user_id   BIGINT REFERENCES users (id),
    armed_until     BIGINT,
    ticket          TEXT NOT NULL DEFAULT '',
    last_rating_at  BIGINT,
    created_by      BIGINT REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    disabled_at     BIGINT
);
CREATE INDEX kiosks_unit ON kiosks (unit_id);

-- Each rating a kiosk took: whom it was about and the queue ticket, if one was given.
CREATE TABLE kiosk_ratings (
    kiosk_id       BIGINT NOT NULL REFERENCES kiosks (id),
    response_id    BIGINT NOT NULL REFERENCES responses (id),
    staff_user_id  BIGINT REFERENCES users (id),
    ticket         TEXT NOT NULL,
    at             BIGINT NOT NULL
);
CREATE INDEX kiosk_ratings_kiosk ON kiosk_ratings (kiosk_id, at);
