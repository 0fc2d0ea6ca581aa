-- The public lists read an index in their own order and stop at their page, and count no
-- further than their limit: news or documents, a category's news, a type of document, newest
-- first, the id breaking ties as the lists do; documents of a year by their date of issue.
DROP INDEX portal_items_public;
CREATE INDEX portal_items_public ON portal_items (kind, status, published_at, id);
CREATE INDEX portal_items_category ON portal_items (kind, category, status, published_at, id);
CREATE INDEX portal_items_doc_type ON portal_items (kind, doc_type, status, published_at, id);
CREATE INDEX portal_items_issued ON portal_items (kind, status, doc_issued_on);
