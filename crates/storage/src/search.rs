//! The portal's one search: entries written beside what they index (in the same transaction),
//! queried through SQLite's FTS5 or PostgreSQL's full-text search over the same folded words.

use domain::search::{CANDIDATES, COUNT_LIMIT, Candidate, Query, RANKED_BODY_CHARS, rank};
use sqlx::AssertSqlSafe;

use crate::portal::{PublicFilter, listed};
use crate::{Backend, Paging, Result, Store};

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
    #[sqlx(rename = "id")]
    entry: i64,
    pub kind: String,
    pub ref_id: i64,
    pub slug: String,
    pub title: String,
    pub body: String,
    pub visible_from: i64,
    pub unit_name: String,
}

/// A page of what a search found.
#[derive(Clone, Debug)]
pub struct Found {
    pub items: Vec<Hit>,
    /// Entries that hold every word, counted up to [`COUNT_LIMIT`].
    pub total: i64,
    /// Whether more than [`COUNT_LIMIT`] do.
    pub more: bool,
    /// How many were ranked, and so can be paged through: at most [`CANDIDATES`].
    pub ranked: i64,
}

#[derive(sqlx::FromRow)]
struct CandidateRow {
    id: i64,
    title_words: String,
    body_words: String,
}

impl Store {
    /// What is visible at `now`, holds every word of `query` and passes `filter` (its kind, and
    /// for portal items their category, type and year), ranked by [`domain::search::rank`] among
    /// the newest [`CANDIDATES`] such entries; newer first among equals. Public: only published
    /// entries are indexed. The work is bounded however common the words: one pass over at most
    /// [`COUNT_LIMIT`] + 1 matches, newest first, and the words of [`CANDIDATES`] entries.
    pub async fn search(&self, query: &Query, filter: &PublicFilter, now: i64, paging: Paging) -> Result<Found> {
        // CROSS JOIN keeps the full-text index the outer loop: with a plain join SQLite 3.51 may
        // walk every entry of the kind and query the index once per entry (43 s instead of 30 ms
        // over 24,000 answered questions, found by `bench qa`).
        let matching = match self.backend() {
            Backend::Sqlite => "search_fts CROSS JOIN search_entries e ON e.id = search_fts.rowid WHERE search_fts MATCH $1",
            Backend::Postgres => "search_entries e WHERE e.tsv @@ plainto_tsquery('simple', $1)",
        };
        let newest = match self.backend() {
            Backend::Sqlite => "search_fts.rowid DESC",
            Backend::Postgres => "e.id DESC",
        };
        // A filter is checked on the portal item itself, as its list checks it: one lookup per
        // entry the search reads.
        let (listed, values) = listed(filter, 2);
        let mut conditions = if values.is_empty() {
            "e.visible_from <= $2".to_string()
        } else {
            format!("e.visible_from <= $2 AND EXISTS (SELECT 1 FROM portal_items i WHERE i.id = e.ref_id AND e.kind IN ('article', 'document') AND {listed})")
        };
        // A kind of entry is one of the fixed words the code indexes, never typed text.
        if let Some(kind) = filter.entry_kind.filter(|k| k.chars().all(|c| c.is_ascii_lowercase())) {
            conditions.push_str(&format!(" AND e.kind = '{kind}'"));
        }
        // One pass over the newest matches, ids only, counts them (up to the limit) and names
        // the candidates; then only the candidates' words are read.
        let matches_sql = format!("SELECT e.id FROM {matching} AND {conditions} ORDER BY {newest} LIMIT {}", COUNT_LIMIT + 1);
        let words = match self.backend() {
            Backend::Sqlite => query.fts5(),
            Backend::Postgres => query.words(),
        };
        let matches: Vec<i64> = on_db!(self, read, |pool| {
            let mut select = sqlx::query_scalar(AssertSqlSafe(matches_sql.as_str())).bind(&words).bind(now);
            for value in &values {
                select = select.bind(value);
            }
            select.fetch_all(pool).await
        })?;
        let newest = &matches[..matches.len().min(CANDIDATES)];
        let mut candidates: Vec<CandidateRow> = self
            .entries(&format!("SELECT e.id, e.title_words, substr(e.body_words, 1, {RANKED_BODY_CHARS}) AS body_words FROM search_entries e"), newest)
            .await?;
        candidates.sort_by_key(|c| newest.iter().position(|&id| id == c.id));
        let order = rank(query, &candidates.iter().map(|c| Candidate { title_words: &c.title_words, body_words: &c.body_words }).collect::<Vec<_>>());
        let page: Vec<i64> = order.iter().skip(paging.offset.max(0) as usize).take(paging.limit.max(0) as usize).map(|&i| candidates[i].id).collect();
        let mut items: Vec<Hit> = self
            .entries(
                "SELECT e.id, e.kind, e.ref_id, e.slug, e.title, e.body, e.visible_from, u.name AS unit_name FROM search_entries e JOIN units u ON u.id = e.unit_id",
                &page,
            )
            .await?;
        items.sort_by_key(|hit| page.iter().position(|&id| id == hit.entry));
        let total = matches.len() as i64;
        Ok(Found { items, total: total.min(COUNT_LIMIT), more: total > COUNT_LIMIT, ranked: candidates.len() as i64 })
    }

    /// The rows of `select` (which reads `search_entries e`) for the entries `ids`, in no order.
    async fn entries<T>(&self, select: &str, ids: &[i64]) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{select} WHERE e.id IN ({})", marks.join(", "));
        on_db!(self, read, |pool| {
            let mut rows = sqlx::query_as::<_, T>(AssertSqlSafe(sql.as_str()));
            for id in ids {
                rows = rows.bind(id);
            }
            Ok(rows.fetch_all(pool).await?)
        })
    }
}
