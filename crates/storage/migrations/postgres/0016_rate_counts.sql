-- Rate limits that hold across servers: each server adds what it counted to the key's window
-- here every second, and learns which keys all servers together have taken past the limit.
-- Windows are dropped once they have ended; a key is a client address or a login name.
CREATE TABLE rate_counts (
    limiter       TEXT NOT NULL,
    key           TEXT NOT NULL,
    window_start  BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    PRIMARY KEY (limiter, key, window_start)
);
