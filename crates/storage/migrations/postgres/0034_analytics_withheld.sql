-- A consultation comment the drafting unit rejects in moderation (abuse, spam, off topic) is
-- withheld from the comment analysis: not counted, not listed, not grouped. The flag follows the
-- comment's status both ways (a rejected comment may be published on second thought), on the
-- comment and on its topics, so that counting a topic still reads one table.
ALTER TABLE analytics_comments ADD COLUMN withheld BIGINT NOT NULL DEFAULT 0;
ALTER TABLE analytics_comment_topics ADD COLUMN withheld BIGINT NOT NULL DEFAULT 0;
UPDATE analytics_comments SET withheld = 1
WHERE source = 'consultation' AND source_id IN (SELECT id FROM consultation_comments WHERE status = 'rejected');
UPDATE analytics_comment_topics SET withheld = 1
WHERE comment_id IN (SELECT id FROM analytics_comments WHERE withheld = 1);
