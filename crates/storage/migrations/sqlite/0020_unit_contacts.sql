-- Where and when citizens find a unit (address, telephone, working hours), kept apart from the
-- register so that importing the unit list from the national catalogue never wipes it.
CREATE TABLE unit_contacts (
    unit_id     BIGINT PRIMARY KEY REFERENCES units (id),
    address     TEXT NOT NULL,
    phone       TEXT NOT NULL,
    hours       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
