-- Officials' sessions past their absolute expiry are forgotten by a background pass (each holds
-- an address and a browser name); the index lets it find them without reading the live ones.
CREATE INDEX sessions_expiry ON sessions (expires_at);
