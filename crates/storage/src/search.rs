//! The portal's one search: entries written beside what they index (in the same transaction),
//! queried through SQLite's FTS5 or PostgreSQL's full-text search over the same folded words.

use domain::search::Query;
use sqlx::AssertSqlSafe;

use crate::{Backend, Page, Paging, Result, Store};

/// What one entry shows and is found by.
#[derive(Clone, Debug)]
pub struct EntryText<'a> {
    pub kind: &'static str,
    pub ref_id: i64,
    pub slug: &'a str,
    pub unit_id: i64,
    pub title: &'a str,
    /// Plain text, not HTML.
    pub body: &'a str,
    pub visible_from: i64,
}

/// Writes (or rewrites) the entry of `$entry` through `$exec`, a transaction of either backend.
macro_rules! index_entry {
    ($exec:expr, $entry:expr) => {{
        let entry: &$crate::search::EntryText = $entry;
        sqlx::query(
            "INSERT INTO search_entries (kind, ref_id, slug, unit_id, title, body, title_words, body_words, visible_from)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (kind, ref_id) DO UPDATE SET slug = excluded.slug, unit_id = excluded.unit_id, title = excluded.title,
                 body = excluded.body, title_words = excluded.title_words, body_words = excluded.body_words,
                 visible_from = excluded.visible_from",
        )
        .bind(entry.kind)
        .bind(entry.ref_id)
        .bind(entry.slug)
        .bind(entry.unit_id)
        .bind(entry.title)
        .bind(entry.body)
        .bind(domain::search::index_words(entry.title))
        .bind(domain::search::index_words(entry.body))
        .bind(entry.visible_from)
        .execute($exec)
        .await
    }};
}
pub(crate) use index_entry;

/// Removes the entry of (`$kind`, `$ref_id`), if any, through `$exec`.
macro_rules! unindex_entry {
    ($exec:expr, $kind:expr, $ref_id:expr) => {{
        let kind: &str = $kind;
        let ref_id: i64 = $ref_id;
        sqlx::query("DELETE FROM search_entries WHERE kind = $1 AND ref_id = $2").bind(kind).bind(ref_id).execute($exec).await
    }};
}
pub(crate) use unindex_entry;

/// One thing found, best first.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Hit {
    pub kind: String,
    pub ref_id: i64,
    pub slug: String,
    pub title: String,
    pub body: String,
    pub visible_from: i64,
    pub unit_name: String,
}

impl Store {
    /// What is visible at `now` and holds every word of `query`, of the given kinds (all when
    /// empty), ranked: words in the title weigh more than words in the body, then the newer
    /// first. Public: only published entries are indexed.
    pub async fn search(&self, query: &Query, kinds: &[&str], now: i64, paging: Paging) -> Result<Page<Hit>> {
        // Kinds come from the code (`domain::portal::Kind::code`), never from the request.
        let kinds_sql = if kinds.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = kinds.iter().filter(|k| k.chars().all(|c| c.is_ascii_lowercase())).map(|k| format!("'{k}'")).collect();
            format!(" AND e.kind IN ({})", quoted.join(", "))
        };
        let columns = "e.kind, e.ref_id, e.slug, e.title, e.body, e.visible_from, u.name AS unit_name";
        let (list, count, words) = match self.backend() {
            Backend::Sqlite => (
                format!(
                    "SELECT {columns} FROM search_fts JOIN search_entries e ON e.id = search_fts.rowid JOIN units u ON u.id = e.unit_id
                     WHERE search_fts MATCH $1 AND e.visible_from <= $2{kinds_sql}
                     ORDER BY bm25(search_fts, 5.0, 1.0), e.visible_from DESC LIMIT $3 OFFSET $4"
                ),
                format!(
                    "SELECT COUNT(*) FROM search_fts JOIN search_entries e ON e.id = search_fts.rowid
                     WHERE search_fts MATCH $1 AND e.visible_from <= $2{kinds_sql}"
                ),
                query.fts5(),
            ),
            Backend::Postgres => (
                format!(
                    "SELECT {columns} FROM search_entries e JOIN units u ON u.id = e.unit_id
                     WHERE e.tsv @@ plainto_tsquery('simple', $1) AND e.visible_from <= $2{kinds_sql}
                     ORDER BY ts_rank(e.tsv, plainto_tsquery('simple', $1)) DESC, e.visible_from DESC LIMIT $3 OFFSET $4"
                ),
                format!(
                    "SELECT COUNT(*) FROM search_entries e
                     WHERE e.tsv @@ plainto_tsquery('simple', $1) AND e.visible_from <= $2{kinds_sql}"
                ),
                query.words(),
            ),
        };
        on_db!(self, read, |pool| {
            let items =
                sqlx::query_as::<_, Hit>(AssertSqlSafe(list.as_str())).bind(&words).bind(now).bind(paging.limit).bind(paging.offset).fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count.as_str())).bind(&words).bind(now).fetch_one(pool).await?;
            Ok(Page { items, total })
        })
    }
}
