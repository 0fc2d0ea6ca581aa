//! The results database: published results of every index, read by anyone (they are public),
//! imported from the reform office's files (all rows or none), and filed from this system's own
//! PAR rounds and SIPAS publications, which replace an imported copy of the same edition.

use std::collections::HashMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::results::{ComponentScore, ImportRow, IndexCode, IndexResult, NATIONAL_AVERAGE, Origin, Scope, Target, carried, existed_in};
use domain::text;
use domain::units::Unit;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::units::UnitFilter;
use crate::{Actor, Error, Page, Paging, Result, Store};

/// Which results to read. Results are public, so there is no caller scope.
#[derive(Clone, Debug, Default)]
pub struct ResultQuery {
    pub index: Option<IndexCode>,
    pub scope: Option<Scope>,
    pub year: Option<i32>,
    /// Only these units (the national average has none, so is left out).
    pub units: Option<Vec<i64>>,
}

/// A row of an import as it would be written.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    pub line: usize,
    pub year: i32,
    pub scope: Scope,
    /// "code — name", or the national average.
    pub unit: String,
    pub score: f64,
}

/// What an import did, or would do: its rows, or every problem that stops it.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportOutcome {
    pub rows: Vec<Planned>,
    pub problems: Vec<String>,
    pub applied: bool,
}

const SELECT: &str = "SELECT r.index_code, r.year, r.version, r.scope, r.unit_id, u.code AS unit_code, r.unit_name, r.score, r.rank,
        r.ranked, r.class, r.source, r.components, r.import_id, r.par_round_id, r.publication_id
     FROM index_results r LEFT JOIN units u ON u.id = r.unit_id";

#[derive(sqlx::FromRow)]
struct Row {
    index_code: String,
    year: i32,
    version: String,
    scope: String,
    unit_id: Option<i64>,
    unit_code: Option<String>,
    unit_name: String,
    score: f64,
    rank: Option<i32>,
    ranked: Option<i32>,
    class: String,
    source: String,
    components: String,
    import_id: Option<i64>,
    par_round_id: Option<i64>,
    publication_id: Option<i64>,
}

impl Row {
    fn into_result(self) -> Option<IndexResult> {
        let origin = match (self.import_id, self.par_round_id, self.publication_id) {
            (Some(id), _, _) => Origin::Import(id),
            (_, Some(id), _) => Origin::ParRound(id),
            (_, _, Some(id)) => Origin::Publication(id),
            _ => return None,
        };
        let components: Vec<(String, String, f64)> = serde_json::from_str(&self.components).ok()?;
        Some(IndexResult {
            index: IndexCode::parse(&self.index_code)?,
            year: self.year,
            version: self.version,
            scope: Scope::parse(&self.scope)?,
            unit_id: self.unit_id,
            unit_code: self.unit_code.unwrap_or_default(),
            unit_name: self.unit_name,
            score: self.score,
            rank: self.rank.and_then(|r| u32::try_from(r).ok()),
            ranked: self.ranked.and_then(|r| u32::try_from(r).ok()),
            class: self.class,
            source: self.source,
            components: components.into_iter().map(|(code, name, score)| ComponentScore { code, name, score }).collect(),
            origin,
        })
    }
}

fn components_json(components: &[ComponentScore]) -> String {
    let triples: Vec<(&str, &str, f64)> = components.iter().map(|c| (c.code.as_str(), c.name.as_str(), c.score)).collect();
    serde_json::to_string(&triples).unwrap_or_else(|_| "[]".into())
}

/// One insert for every way a result is written; [`REPLACE_OLDER`] makes it a filing.
const INSERT: &str = "INSERT INTO index_results (index_code, year, version, scope, unit_id, unit_name, score, rank, ranked, class, source,
         components, import_id, par_round_id, publication_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";

/// A publication of this system replaces an imported copy of its edition, or what an earlier
/// publication filed; never what a later one did.
const REPLACE_OLDER: &str = " ON CONFLICT (index_code, scope, year, COALESCE(unit_id, 0)) DO UPDATE SET
         version = excluded.version, unit_name = excluded.unit_name, score = excluded.score, rank = excluded.rank,
         ranked = excluded.ranked, class = excluded.class, source = excluded.source, components = excluded.components,
         import_id = NULL, par_round_id = excluded.par_round_id, publication_id = excluded.publication_id,
         created_at = excluded.created_at
     WHERE index_results.import_id IS NOT NULL OR index_results.created_at <= excluded.created_at";

/// Binds $1…$16 of [`INSERT`]: the result, its origin and when it was published or imported.
macro_rules! bind_result {
    ($query:expr, $r:expr, $at:expr) => {{
        let r: &IndexResult = $r;
        let (import_id, par_round_id, publication_id) = match r.origin {
            Origin::Import(id) => (Some(id), None, None),
            Origin::ParRound(id) => (None, Some(id), None),
            Origin::Publication(id) => (None, None, Some(id)),
        };
        $query
            .bind(r.index.code())
            .bind(r.year)
            .bind(&r.version)
            .bind(r.scope.code())
            .bind(r.unit_id)
            .bind(&r.unit_name)
            .bind(r.score)
            .bind(r.rank.map(i64::from))
            .bind(r.ranked.map(i64::from))
            .bind(&r.class)
            .bind(&r.source)
            .bind(components_json(&r.components))
            .bind(import_id)
            .bind(par_round_id)
            .bind(publication_id)
            .bind($at)
    }};
}

/// One import of the reform office, for the page that lists them.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct ImportRecord {
    pub id: i64,
    pub index_code: String,
    pub file_name: String,
    pub row_count: i32,
    pub imported_at: i64,
    pub imported_by: Option<String>,
    pub removed_at: Option<i64>,
}

/// The key of an edition: one result per index, scope, year and unit (0 for the national average).
type Key = (String, i32, i64);

/// The conditions on `r` (an `index_results` row) that `query` asks for, and the texts they bind
/// (from `$1`); year and units are numbers, written in.
fn result_conditions(query: &ResultQuery) -> (String, Vec<String>) {
    let mut conditions = vec!["1 = 1".to_string()];
    let mut texts: Vec<String> = Vec::new();
    for (column, value) in [("r.index_code", query.index.map(IndexCode::code)), ("r.scope", query.scope.map(Scope::code))] {
        if let Some(value) = value {
            texts.push(value.to_string());
            conditions.push(format!("{column} = ${}", texts.len()));
        }
    }
    if let Some(year) = query.year {
        conditions.push(format!("r.year = {year}"));
    }
    if let Some(units) = &query.units {
        let list = units.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        conditions.push(if list.is_empty() { "1 = 0".into() } else { format!("r.unit_id IN ({list})") });
    }
    (conditions.join(" AND "), texts)
}

impl Store {
    /// Results in year order, best rank first within a year.
    pub async fn index_results(&self, query: &ResultQuery) -> Result<Vec<IndexResult>> {
        self.read_results(query, None).await
    }

    /// A page of them, with how many there are in all.
    pub async fn index_results_page(&self, query: &ResultQuery, paging: Paging) -> Result<Page<IndexResult>> {
        let items = self.read_results(query, Some(paging)).await?;
        let (conditions, texts) = result_conditions(query);
        let sql = format!("SELECT COUNT(*) FROM index_results r WHERE {conditions}");
        let total: i64 = on_db!(self, read, |pool| {
            let mut q = sqlx::query_scalar(AssertSqlSafe(sql.as_str()));
            for t in &texts {
                q = q.bind(t);
            }
            q.fetch_one(pool).await
        })?;
        Ok(Page { items, total })
    }

    async fn read_results(&self, query: &ResultQuery, paging: Option<Paging>) -> Result<Vec<IndexResult>> {
        let (conditions, texts) = result_conditions(query);
        let page = paging.map_or(String::new(), |p| format!(" LIMIT {} OFFSET {}", p.limit, p.offset));
        let sql = format!(
            "{SELECT} WHERE {conditions} ORDER BY r.index_code, r.scope, r.year, CASE WHEN r.rank IS NULL THEN 1 ELSE 0 END, r.rank, r.score DESC, r.id{page}"
        );
        let rows: Vec<Row> = on_db!(self, read, |pool| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.as_str()));
            for t in &texts {
                q = q.bind(t);
            }
            q.fetch_all(pool).await
        })?;
        Ok(rows.into_iter().filter_map(Row::into_result).collect())
    }

    /// The years held for each index (or for `index`) and scope: (index, scope, year, results).
    pub async fn index_editions(&self, index: Option<IndexCode>) -> Result<Vec<(IndexCode, Scope, i32, i64)>> {
        // The condition only when there is one, so the planner can use the index.
        let (condition, code) = match index {
            Some(i) => ("WHERE index_code = $1", Some(i.code())),
            None => ("", None),
        };
        let sql = format!(
            "SELECT index_code, scope, year, COUNT(*) FROM index_results {condition} GROUP BY index_code, scope, year ORDER BY index_code, scope, year"
        );
        let rows: Vec<(String, String, i32, i64)> = on_db!(self, read, |pool| {
            let query = sqlx::query_as(AssertSqlSafe(sql.as_str()));
            match code {
                Some(code) => query.bind(code),
                None => query,
            }
            .fetch_all(pool)
            .await
        })?;
        Ok(rows.into_iter().filter_map(|(i, s, y, n)| Some((IndexCode::parse(&i)?, Scope::parse(&s)?, y, n))).collect())
    }

    /// Last year's result of each unit among `current` (one index and scope): the unit's own,
    /// or for a unit formed by a merger, carried from the units it was formed from (see
    /// `domain::results::carried`), each weighted by its population share in the lineage, or
    /// an equal part of it when the lineage gives none. Keyed by the unit.
    pub async fn previous_results(&self, index: IndexCode, scope: Scope, year: i32) -> Result<HashMap<i64, IndexResult>> {
        let before = self.index_results(&ResultQuery { index: Some(index), scope: Some(scope), year: Some(year - 1), units: None }).await?;
        let by_unit: HashMap<i64, &IndexResult> = before.iter().filter_map(|r| Some((r.unit_id?, r))).collect();
        // Every link of the register at once: a province has a few thousand.
        let links: Vec<(i64, i64, Option<f64>, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT l.successor_id, l.predecessor_id, l.share,
                        (SELECT COUNT(*) FROM unit_lineage x WHERE x.predecessor_id = l.predecessor_id) AS successors
                 FROM unit_lineage l",
            )
            .fetch_all(pool)
            .await
        })?;
        let mut parts: HashMap<i64, Vec<(&IndexResult, f64)>> = HashMap::new();
        for (successor, predecessor, share, successors) in &links {
            if let Some(r) = by_unit.get(predecessor) {
                parts.entry(*successor).or_default().push((r, share.unwrap_or(1.0 / (*successors).max(1) as f64)));
            }
        }
        let mut previous: HashMap<i64, IndexResult> = parts.iter().filter_map(|(unit, parts)| Some((*unit, carried(parts)?))).collect();
        // A unit's own result wins over one carried to it.
        previous.extend(by_unit.into_iter().map(|(unit, r)| (unit, r.clone())));
        Ok(previous)
    }

    /// `unit` and every unit it was formed from, however many mergers back.
    pub async fn unit_with_predecessors(&self, unit: i64) -> Result<Vec<i64>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_scalar(
                "WITH RECURSIVE back(id, depth) AS (
                    SELECT CAST($1 AS BIGINT), 0
                    UNION SELECT l.predecessor_id, back.depth + 1 FROM unit_lineage l JOIN back ON l.successor_id = back.id WHERE back.depth < 32)
                 SELECT DISTINCT id FROM back",
            )
            .bind(unit)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Checks every row of an import against the register and the results held; writes them
    /// all in one transaction when `apply` is set and nothing is wrong, else writes nothing.
    pub async fn import_index_results(
        &self,
        actor: &Actor,
        access: &Access,
        index: IndexCode,
        file_name: &str,
        rows: &[ImportRow],
        apply: bool,
    ) -> Result<ImportOutcome> {
        self.require_province_wide(access, Permission::PublishResults).await?;
        // Every unit, former ones included: a province has a few thousand.
        let units = self.units(&self.root_units().await?, &UnitFilter::default(), Paging::ALL).await?.items;
        let by_code: HashMap<&str, &Unit> = units.iter().map(|u| (u.code.as_str(), u)).collect();
        let held: HashMap<Key, String> = on_db!(self, read, |pool| {
            sqlx::query_as::<_, (String, i32, i64, String)>("SELECT scope, year, COALESCE(unit_id, 0), source FROM index_results WHERE index_code = $1")
                .bind(index.code())
                .fetch_all(pool)
                .await
        })?
        .into_iter()
        .map(|(scope, year, unit, source)| ((scope, year, unit), source))
        .collect();
        let mut outcome = ImportOutcome { rows: Vec::new(), problems: Vec::new(), applied: false };
        let mut seen: HashMap<Key, usize> = HashMap::new();
        let mut writes: Vec<(&ImportRow, Option<&Unit>)> = Vec::new();
        for row in rows {
            let unit = match &row.target {
                Target::NationalAverage => Ok(None),
                Target::Unit(code) => match by_code.get(code.as_str()) {
                    None => Err(format!("không có đơn vị mã «{code}» trong danh mục đơn vị")),
                    Some(unit) => match (row.scope, unit.parent_id) {
                        (Scope::National, Some(_)) => Err(format!("kết quả «Toàn quốc» là của tỉnh; «{code}» là đơn vị trong tỉnh")),
                        (Scope::Provincial, None) => Err(format!("«{code}» là tỉnh: kết quả của tỉnh giữa các tỉnh ghi phạm vi «Toàn quốc»")),
                        _ => existed_in(unit, row.year).map(|()| Some(*unit)),
                    },
                },
            };
            let unit = match unit {
                Ok(unit) => unit,
                Err(problem) => {
                    outcome.problems.push(format!("Dòng {}: {problem}.", row.line));
                    continue;
                }
            };
            let key: Key = (row.scope.code().to_string(), row.year, unit.map_or(0, |u| u.id));
            let label = unit.map_or(NATIONAL_AVERAGE.to_string(), |u| format!("{} — {}", u.code, u.name));
            if let Some(first) = seen.insert(key.clone(), row.line) {
                outcome.problems.push(format!("Dòng {}: trùng với dòng {first} ({label}, năm {}).", row.line, row.year));
                continue;
            }
            if let Some(source) = held.get(&key) {
                outcome.problems.push(format!(
                    "Dòng {}: đã có kết quả {} năm {} của {label} ({source}); mỗi năm chỉ có một kết quả.",
                    row.line,
                    index.short(),
                    row.year
                ));
                continue;
            }
            outcome.rows.push(Planned { line: row.line, year: row.year, scope: row.scope, unit: label, score: row.score });
            writes.push((row, unit));
        }
        if !apply || !outcome.problems.is_empty() {
            return Ok(outcome);
        }
        let file_name = text::clean(file_name);
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            let import_id: i64 = sqlx::query_scalar(
                "INSERT INTO index_imports (index_code, file_name, row_count, imported_at, imported_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(index.code())
            .bind(&file_name)
            .bind(writes.len() as i64)
            .bind(actor.at)
            .bind(actor.user_id)
            .fetch_one(&mut *tx)
            .await?;
            for (row, unit) in &writes {
                let result = IndexResult {
                    index,
                    year: row.year,
                    version: row.version.to_string(),
                    scope: row.scope,
                    unit_id: unit.map(|u| u.id),
                    unit_code: unit.map_or(String::new(), |u| u.code.clone()),
                    unit_name: unit.map_or(NATIONAL_AVERAGE.to_string(), |u| u.name.clone()),
                    score: row.score,
                    rank: row.rank,
                    ranked: row.ranked,
                    class: row.class.clone(),
                    source: row.source.clone(),
                    components: row.components.clone(),
                    origin: Origin::Import(import_id),
                };
                bind_result!(sqlx::query(INSERT), &result, actor.at).execute(&mut *tx).await.map_err(crate::error::on_conflict(format!(
                    "Kết quả {} dòng {} vừa được người khác nhập; hãy tải tệp lên lại.",
                    index.short(),
                    row.line
                )))?;
            }
            let entry = Entry::new(AuditAction::IndexResultsImported, "index_import", import_id)
                .details(json!({ "index": index.code(), "file": file_name, "rows": writes.len() }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        }
        .await)?;
        outcome.applied = true;
        Ok(outcome)
    }

    /// The newest imports first, at most `limit`.
    pub async fn index_imports(&self, limit: i64) -> Result<Vec<ImportRecord>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT i.id, i.index_code, i.file_name, i.row_count, i.imported_at, u.full_name AS imported_by, i.removed_at
                 FROM index_imports i LEFT JOIN users u ON u.id = i.imported_by ORDER BY i.id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await
        })?)
    }

    /// Withdraws a mistaken import whole: its results are deleted (a result filed since by a
    /// publication of this system is no longer the import's and stays); the import's record
    /// stays, marked, and the audit log says who did it. Returns how many results went.
    pub async fn withdraw_index_import(&self, actor: &Actor, access: &Access, id: i64) -> Result<u64> {
        self.require_province_wide(access, Permission::PublishResults).await?;
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            let marked = sqlx::query("UPDATE index_imports SET removed_at = $1, removed_by = $2 WHERE id = $3 AND removed_at IS NULL")
                .bind(actor.at)
                .bind(actor.user_id)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if marked == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM index_imports WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
                return Err(if exists.is_some() { Error::Conflict("Lần nhập này đã được gỡ.".into()) } else { Error::NotFound });
            }
            let removed = sqlx::query("DELETE FROM index_results WHERE import_id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
            record!(&mut *tx, actor, &Entry::new(AuditAction::IndexImportWithdrawn, "index_import", id).details(json!({ "results": removed })))?;
            tx.commit().await?;
            Ok(removed)
        }
        .await)
    }

    /// Files the results of one publication of this system (`origin`, published at
    /// `published_at`), replacing an imported copy of the same edition or one filed from an
    /// earlier publication. Filing an origin twice changes nothing.
    pub(crate) async fn file_results(&self, origin: Origin, published_at: i64, results: &[IndexResult]) -> Result<()> {
        let (kind, origin_id) = match origin {
            Origin::ParRound(id) => ("par_round", id),
            Origin::Publication(id) => ("publication", id),
            Origin::Import(_) => return Err(Error::Invalid(vec!["Kết quả nhập từ tệp được ghi khi nhập.".into()])),
        };
        let sql = format!("{INSERT}{REPLACE_OLDER}");
        on_db!(self, write, |pool| async {
            let mut tx = pool.begin().await?;
            let first = sqlx::query("INSERT INTO index_filings (origin, origin_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(kind)
                .bind(origin_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if first == 0 {
                return Ok(());
            }
            for r in results.iter().filter(|r| r.origin == origin) {
                bind_result!(sqlx::query(AssertSqlSafe(sql.as_str())), r, published_at).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, Error>(())
        }
        .await)
    }

    /// Files the results of published PAR rounds and SIPAS publications not filed yet (after a
    /// crash between publishing and filing, or publications made before the results database).
    /// Costs two queries when there are none.
    pub(crate) async fn file_unfiled_results(&self) -> Result<()> {
        let (rounds, publications): (Vec<i64>, Vec<i64>) = on_db!(self, read, |pool| async {
            let rounds = sqlx::query_scalar(
                "SELECT r.id FROM par_rounds r WHERE r.published_at IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM index_filings f WHERE f.origin = 'par_round' AND f.origin_id = r.id)",
            )
            .fetch_all(pool)
            .await?;
            let publications = sqlx::query_scalar(
                "SELECT p.id FROM publications p
                 WHERE NOT EXISTS (SELECT 1 FROM index_filings f WHERE f.origin = 'publication' AND f.origin_id = p.id)",
            )
            .fetch_all(pool)
            .await?;
            Ok::<_, sqlx::Error>((rounds, publications))
        }
        .await)?;
        for id in rounds {
            self.file_par_round(id).await?;
        }
        for id in publications {
            self.file_publication(id).await?;
        }
        Ok(())
    }
}

/// What became of filing a publication's results just after it was committed. The publication
/// stands either way; a filing that failed (or a crash in between) is caught up at the next
/// start.
pub(crate) fn log_unfiled(filed: Result<()>, origin: &str, id: i64) {
    if let Err(e) = filed {
        tracing::error!(error = %e, origin, id, "published results not filed yet; they will be at the next start");
    }
}
