-- The reform portal: articles and documents in the units' sections, one editorial workflow,
-- their revisions and files, and the search index over what is published.

-- Files served by the portal (pictures in each width, videos, attachments), stored once by
-- their SHA-256.
CREATE TABLE portal_files (
    sha256      TEXT PRIMARY KEY,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    content     BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE portal_items (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL,
    unit_id          BIGINT NOT NULL REFERENCES units (id),
    category         TEXT,
    slug             TEXT NOT NULL UNIQUE,
    -- The address made from the title, before a number told it apart from another's.
    slug_base        TEXT NOT NULL,
    title            TEXT NOT NULL,
    summary          TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    video_url        TEXT,
    video_sha256     TEXT REFERENCES portal_files (sha256),
    cover_image_id   BIGINT,
    doc_number       TEXT,
    doc_type         TEXT,
    doc_issuer       TEXT,
    doc_issued_on    TEXT,
    doc_effective_on TEXT,
    status           TEXT NOT NULL,
    return_reason    TEXT NOT NULL,
    published_at     BIGINT,
    revision         BIGINT NOT NULL,
    created_by       BIGINT REFERENCES users (id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX portal_items_public ON portal_items (kind, status, published_at);
CREATE INDEX portal_items_unit ON portal_items (unit_id, updated_at);
CREATE INDEX portal_items_slug_base ON portal_items (slug_base);

-- Every saved version of an item, as the editor wrote it.
CREATE TABLE portal_revisions (
    item_id    BIGINT NOT NULL REFERENCES portal_items (id),
    revision   BIGINT NOT NULL,
    draft      TEXT NOT NULL,
    by_user    BIGINT REFERENCES users (id),
    by_name    TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (item_id, revision)
);

-- A picture uploaded to an item, and its widths.
CREATE TABLE portal_images (
    id          INTEGER PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES portal_items (id),
    alt         TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX portal_images_item ON portal_images (item_id);

CREATE TABLE portal_image_widths (
    image_id  BIGINT NOT NULL REFERENCES portal_images (id),
    width     BIGINT NOT NULL,
    height    BIGINT NOT NULL,
    sha256    TEXT NOT NULL REFERENCES portal_files (sha256),
    PRIMARY KEY (image_id, width)
);
CREATE INDEX portal_image_widths_file ON portal_image_widths (sha256);

CREATE TABLE portal_attachments (
    id          INTEGER PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES portal_items (id),
    name        TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES portal_files (sha256),
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX portal_attachments_item ON portal_attachments (item_id);
CREATE INDEX portal_attachments_file ON portal_attachments (sha256);
CREATE INDEX portal_items_video ON portal_items (video_sha256);

-- One search over what is published: the text shown (title, body) and the folded words both
-- backends index (domain::search::index_words), so that they find the same things.
CREATE TABLE search_entries (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    ref_id        BIGINT NOT NULL,
    slug          TEXT NOT NULL,
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    title_words   TEXT NOT NULL,
    body_words    TEXT NOT NULL,
    visible_from  BIGINT NOT NULL,
    UNIQUE (kind, ref_id)
);

-- SQLite's index is an FTS5 table over the folded words, kept in step by triggers. The words
-- are folded already, so the tokenizer only splits at spaces.
CREATE VIRTUAL TABLE search_fts USING fts5(title_words, body_words, content = 'search_entries', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 0');
CREATE TRIGGER search_entries_added AFTER INSERT ON search_entries BEGIN
    INSERT INTO search_fts (rowid, title_words, body_words) VALUES (new.id, new.title_words, new.body_words);
END;
CREATE TRIGGER search_entries_removed AFTER DELETE ON search_entries BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_words, body_words) VALUES ('delete', old.id, old.title_words, old.body_words);
END;
CREATE TRIGGER search_entries_changed AFTER UPDATE ON search_entries BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_words, body_words) VALUES ('delete', old.id, old.title_words, old.body_words);
    INSERT INTO search_fts (rowid, title_words, body_words) VALUES (new.id, new.title_words, new.body_words);
END;
