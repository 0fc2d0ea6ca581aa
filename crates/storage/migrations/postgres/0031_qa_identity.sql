-- A Q&A topic may ask that its askers prove who they are with their electronic identity (VNeID),
-- as petitions on some matters must be signed. A question asked so keeps when it was proved and
-- the keyed digest of the identity (never the identity itself), as consultations do.
ALTER TABLE qa_topics ADD COLUMN requires_identity BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE qa_questions ADD COLUMN identified_at BIGINT;
ALTER TABLE qa_questions ADD COLUMN identity_digest TEXT;
