-- Review of interviews: a response the supervisor rejects is excluded from every figure (its
-- counts are taken out of its cell) but kept, with the reason, for the record; interviews drawn
-- for the re-contact check (phúc tra) are marked.
ALTER TABLE responses ADD COLUMN excluded BIGINT NOT NULL DEFAULT 0;
ALTER TABLE interviews ADD COLUMN recheck BIGINT NOT NULL DEFAULT 0;
