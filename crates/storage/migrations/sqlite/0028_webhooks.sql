-- Webhooks. A subscription names a receiver, the events it wants and the unit whose subtree it
-- hears of; its signing secret is sealed. An event is written in the transaction of the change
-- that raised it (the outbox), then fanned out to one delivery per subscription that wants it;
-- each delivery keeps its tries, so nothing is lost across a restart and the log shows what the
-- receiver answered.
CREATE TABLE webhook_subscriptions (
    id             INTEGER PRIMARY KEY,
    unit_id        BIGINT NOT NULL REFERENCES units (id),
    name           TEXT NOT NULL,
    url            TEXT NOT NULL,
    events         TEXT NOT NULL,
    secret_sealed  TEXT NOT NULL,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_by     BIGINT REFERENCES users (id),
    created_at     BIGINT NOT NULL
);

CREATE TABLE webhook_events (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    unit_id      BIGINT,
    object_type  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}',
    at           BIGINT NOT NULL,
    fanned       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX webhook_events_waiting ON webhook_events (id) WHERE NOT fanned;
CREATE INDEX webhook_events_at ON webhook_events (at);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    subscription_id  BIGINT NOT NULL REFERENCES webhook_subscriptions (id),
    event_id         BIGINT NOT NULL REFERENCES webhook_events (id),
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_at          BIGINT NOT NULL,
    last_status      BIGINT,
    last_error       TEXT,
    delivered_at     BIGINT,
    created_at       BIGINT NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (subscription_id, state, id);

CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY,
    delivery_id  BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    at           BIGINT NOT NULL,
    status       BIGINT,
    error        TEXT,
    duration_ms  BIGINT NOT NULL,
    replay       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);

-- API tokens are scoped: to a unit's subtree (none: the owner's whole reach), to a list of
-- permissions (space-separated codes), with a request limit per minute.
ALTER TABLE api_tokens ADD COLUMN unit_id BIGINT REFERENCES units (id);
ALTER TABLE api_tokens ADD COLUMN permissions TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN per_minute BIGINT NOT NULL DEFAULT 600;
