-- What the province's Zalo Official Account answers its followers. Each message Zalo brings us is
-- kept by Zalo's id (an event Zalo sends again is answered once) with the answer decided when it
-- arrived; a background step sends the answers due, again after a growing pause when Zalo does
-- not take them, and forgets them after 90 days.
CREATE TABLE oa_replies (
    id           INTEGER PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL,
    reply        TEXT NOT NULL,
    received_at  BIGINT NOT NULL,
    due_at       BIGINT,
    attempts     BIGINT NOT NULL DEFAULT 0,
    sent_at      BIGINT,
    error        TEXT
);
CREATE INDEX oa_replies_due ON oa_replies (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX oa_replies_received ON oa_replies (received_at);
