-- Text analytics: every free-text comment with its sentiment and topics. A comment is read from
-- its source (a survey response's comment answer, later questions and consultation comments)
-- by a job that follows each source by id (`analytics_cursors`), so it costs what is new. The
-- text kept is masked (no phone, identity number, e-mail or introduced name) and cut to 2,000
-- characters: what the dashboards show behind each number.
CREATE TABLE analytics_comments (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    source_id   BIGINT NOT NULL,
    part        TEXT NOT NULL,
    survey_id   BIGINT REFERENCES surveys (id),
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    month       TEXT NOT NULL,
    at          BIGINT NOT NULL,
    channel     TEXT NOT NULL,
    staff       TEXT NOT NULL,
    body        TEXT NOT NULL,
    sentiment   BIGINT NOT NULL,
    confidence  BIGINT NOT NULL,
    model       TEXT NOT NULL,
    taxonomy    BIGINT NOT NULL,
    UNIQUE (source, source_id, part)
);
CREATE INDEX analytics_comments_unit ON analytics_comments (unit_id, month, sentiment);
CREATE INDEX analytics_comments_month ON analytics_comments (month, unit_id);
-- A unit's month of one survey, counted when its comments are read, for the spike rule.
CREATE INDEX analytics_comments_survey ON analytics_comments (survey_id, unit_id, month);

-- The topics of each comment, beside its unit, month and sentiment so that counting a topic
-- reads this table alone.
CREATE TABLE analytics_comment_topics (
    comment_id  BIGINT NOT NULL REFERENCES analytics_comments (id),
    topic       TEXT NOT NULL,
    unit_id     BIGINT NOT NULL,
    month       TEXT NOT NULL,
    sentiment   BIGINT NOT NULL,
    PRIMARY KEY (comment_id, topic)
);
CREATE INDEX analytics_comment_topics_unit ON analytics_comment_topics (unit_id, month, topic);

CREATE TABLE analytics_cursors (
    source   TEXT PRIMARY KEY,
    last_id  BIGINT NOT NULL
);

-- The taxonomy the reform office keeps: phrases folded, one per line.
CREATE TABLE analytics_topics (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    phrases     TEXT NOT NULL,
    position    BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  BIGINT REFERENCES users (id)
);

-- One row: the taxonomy's version (bumped by every edit), the model that classified last, and
-- a reclassification under way — comments with ids up to `redo_to` are redone in id order from
-- `redo_from`; `redo_done` of `redo_total` shows the progress.
CREATE TABLE analytics_state (
    id          BIGINT PRIMARY KEY,
    taxonomy    BIGINT NOT NULL,
    model       TEXT NOT NULL,
    redo_from   BIGINT,
    redo_to     BIGINT,
    redo_done   BIGINT NOT NULL,
    redo_total  BIGINT NOT NULL
);
INSERT INTO analytics_state (id, taxonomy, model, redo_from, redo_to, redo_done, redo_total) VALUES (1, 0, '', NULL, NULL, 0, 0);
