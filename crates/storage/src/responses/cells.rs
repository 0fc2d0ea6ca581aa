//! The aggregate counters as cells: one dense vector of counts per survey, unit, month, channel
//! and counter officer (see `domain::surveys::Layout`). The ingest writer merges its batch into
//! them in the same transaction as the responses; dashboards read them; `recompute` rebuilds
//! them from the raw responses and reports any difference.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::calendar::Month;
use domain::surveys::{Answers, BadCell, Cell, Channel, Counts, Layout};
use futures_util::TryStreamExt;
use serde_json::json;
use sqlx::AssertSqlSafe;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Result, Store};

/// Survey, unit, month (`yyyy-mm`, as stored), channel, counter officer.
pub(crate) type Key = (i64, i64, String, String, String);

/// A cell as read: survey, unit, month, channel, staff, layout fingerprint, counts.
type CellRow = (i64, i64, String, String, String, i64, Vec<u8>);

/// Cells written per statement.
pub(crate) const CHUNK: usize = 400;

/// The stored month of a moment, in Vietnam time.
pub(crate) fn month_of(ms: i64) -> String {
    Month::at(ms).iso()
}

/// Adds counts to cells inside a transaction: creates the missing cells empty, reads them all
/// (locking them on PostgreSQL, so that two writers add rather than overwrite), adds, writes
/// back. `$cells` is a slice of `(Key, (layout fingerprint, Counts))`. The transaction takes the
/// next cell generation first (see `cell_generation`); `$reset` starts a new epoch (a rebuild).
macro_rules! merge_cells {
    ($tx:ident, $cells:expr, $lock:expr, $reset:expr) => {
        let generation: i64 =
            sqlx::query_scalar("UPDATE cell_generation SET generation = generation + 1, epoch = epoch + $1 WHERE id = 1 RETURNING generation")
                .bind(i64::from($reset))
                .fetch_one(&mut *$tx)
                .await?;
        for chunk in $cells.chunks($crate::responses::cells::CHUNK) {
            let mut insert =
                sqlx::QueryBuilder::new("INSERT INTO response_cells (survey_id, unit_id, month, channel, staff, layout, responses, counts, generation) ");
            insert.push_values(chunk, |mut row, ((survey, unit, month, channel, staff), (layout, counts))| {
                row.push_bind(*survey)
                    .push_bind(*unit)
                    .push_bind(month.as_str())
                    .push_bind(channel.as_str())
                    .push_bind(staff.as_str())
                    .push_bind(*layout)
                    .push_bind(0i64)
                    .push_bind(vec![0u8; counts.as_slice().len() * 4])
                    .push_bind(generation);
            });
            insert.push(" ON CONFLICT (survey_id, unit_id, month, channel, staff) DO NOTHING");
            insert.build().execute(&mut *$tx).await?;

            let mut select = sqlx::QueryBuilder::new(
                "SELECT survey_id, unit_id, month, channel, staff, layout, counts FROM response_cells
                 WHERE (survey_id, unit_id, month, channel, staff) IN (",
            );
            let mut values = select.separated(", ");
            for ((survey, unit, month, channel, staff), _) in chunk {
                values.push("(");
                values.push_bind_unseparated(*survey);
                values.push_unseparated(", ");
                values.push_bind_unseparated(*unit);
                values.push_unseparated(", ");
                values.push_bind_unseparated(month.as_str());
                values.push_unseparated(", ");
                values.push_bind_unseparated(channel.as_str());
                values.push_unseparated(", ");
                values.push_bind_unseparated(staff.as_str());
                values.push_unseparated(")");
            }
            select.push(")");
            select.push($lock);
            let stored: Vec<(i64, i64, String, String, String, i64, Vec<u8>)> = select.build_query_as().fetch_all(&mut *$tx).await?;
            let stored: std::collections::HashMap<$crate::responses::cells::Key, (i64, Vec<u8>)> =
                stored.into_iter().map(|(s, u, m, c, st, layout, bytes)| ((s, u, m, c, st), (layout, bytes))).collect();

            let mut merged = Vec::with_capacity(chunk.len());
            for (key, (layout, counts)) in chunk {
                let mut total = counts.clone();
                let (stored_layout, bytes) = stored.get(key).ok_or($crate::Error::NotFound)?;
                if stored_layout != layout {
                    return Err(domain::surveys::BadCell.into());
                }
                total.add_encoded(bytes)?;
                merged.push((key, *layout, total.responses() as i64, total.encode()?));
            }
            let mut upsert =
                sqlx::QueryBuilder::new("INSERT INTO response_cells (survey_id, unit_id, month, channel, staff, layout, responses, counts, generation) ");
            upsert.push_values(&merged, |mut row, ((survey, unit, month, channel, staff), layout, responses, bytes)| {
                row.push_bind(*survey)
                    .push_bind(*unit)
                    .push_bind(month.as_str())
                    .push_bind(channel.as_str())
                    .push_bind(staff.as_str())
                    .push_bind(*layout)
                    .push_bind(*responses)
                    .push_bind(bytes.as_slice())
                    .push_bind(generation);
            });
            upsert.push(
                " ON CONFLICT (survey_id, unit_id, month, channel, staff)
                  DO UPDATE SET layout = excluded.layout, responses = excluded.responses, counts = excluded.counts,
                                generation = excluded.generation",
            );
            upsert.build().execute(&mut *$tx).await?;
        }
    };
}

/// The cells of each questionnaire version read so far, in this process. Every read first asks
/// the database for the cells written since (one small query when nothing changed), so several
/// processes over one database stay in step, and a dashboard over ten million responses reads a
/// handful of rows instead of every cell.
#[derive(Debug, Default)]
pub(crate) struct CellCache {
    versions: tokio::sync::Mutex<HashMap<i64, CachedVersion>>,
}

#[derive(Debug, Default)]
pub(crate) struct CachedVersion {
    epoch: Option<i64>,
    layout: i64,
    generation: i64,
    cells: HashMap<Key, Arc<Counts>>,
}

/// Which cells to read: one questionnaire version (every survey asked with it, or one survey),
/// months, a channel, a unit's subtree.
#[derive(Clone, Debug, Default)]
pub struct CellFilter {
    pub version_id: i64,
    pub survey_id: Option<i64>,
    /// Both included.
    pub from_month: Option<Month>,
    pub to_month: Option<Month>,
    pub channel: Option<Channel>,
    /// Only this unit and the units below it.
    pub unit_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub key: Key,
    pub question: String,
    pub option: String,
    /// None when the stored cell could not be read at all.
    pub counted: Option<u64>,
    pub recounted: u64,
}

#[derive(Clone, Debug)]
pub struct RecomputeReport {
    pub responses: i64,
    pub cells: usize,
    pub differences: Vec<Difference>,
}

impl Store {
    /// The counter cells of a questionnaire version in the caller's scope (results permission),
    /// from the memory of this process, brought up to date first (see [`CellCache`]).
    pub async fn cells(&self, access: &Access, filter: &CellFilter, layout: &Layout) -> Result<Vec<Cell>> {
        let scope = scope_sql(&access.roots(Permission::ViewResults));
        let sql = format!(
            "{scope}, sub(id) AS (SELECT id FROM units WHERE id = $1 UNION SELECT u.id FROM units u JOIN sub s ON u.parent_id = s.id)
             SELECT id FROM scope WHERE $1 IS NULL OR id IN (SELECT id FROM sub)"
        );
        let units: HashSet<i64> =
            on_db!(self, read, |pool| { sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql.as_str())).bind(filter.unit_id).fetch_all(pool).await })?
                .into_iter()
                .collect();
        // A roster survey's figures are the province's alone (see `withheld_surveys`).
        let withheld = self.withheld_surveys(access).await?;
        let mut versions = self.cell_cache.versions.lock().await;
        let cached = versions.entry(filter.version_id).or_default();
        self.refresh_cells(cached, filter.version_id, layout).await?;
        // Stored months sort as the months themselves.
        let (from, to) = (filter.from_month.map(Month::iso), filter.to_month.map(Month::iso));
        let wanted = |cell: &Key| {
            let (survey, unit, month, channel, _) = cell;
            units.contains(unit)
                && !withheld.contains(survey)
                && filter.survey_id.is_none_or(|s| s == *survey)
                && from.as_ref().is_none_or(|m| month >= m)
                && to.as_ref().is_none_or(|m| month <= m)
                && filter.channel.is_none_or(|c| c.code() == channel)
        };
        cached
            .cells
            .iter()
            .filter(|(key, _)| wanted(key))
            .map(|((survey_id, unit_id, month, channel, staff), counts)| {
                Ok(Cell {
                    survey_id: *survey_id,
                    unit_id: *unit_id,
                    month: Month::parse(month).ok_or(BadCell)?,
                    channel: Channel::parse(channel).ok_or(BadCell)?,
                    staff: staff.clone(),
                    counts: counts.clone(),
                })
            })
            .collect()
    }

    /// Reads the cells of a version written since the cache last looked (all of them at first,
    /// or when the cells were rebuilt).
    async fn refresh_cells(&self, cached: &mut CachedVersion, version_id: i64, layout: &Layout) -> Result<()> {
        let (generation, epoch): (i64, i64) =
            on_db!(self, read, |pool| { sqlx::query_as("SELECT generation, epoch FROM cell_generation WHERE id = 1").fetch_one(pool).await })?;
        if cached.epoch != Some(epoch) || cached.layout != layout.fingerprint() {
            *cached = CachedVersion { epoch: Some(epoch), layout: layout.fingerprint(), generation: -1, cells: HashMap::new() };
        }
        if generation == cached.generation {
            return Ok(());
        }
        let rows: Vec<CellRow> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT c.survey_id, c.unit_id, c.month, c.channel, c.staff, c.layout, c.counts
                 FROM response_cells c JOIN surveys s ON s.id = c.survey_id
                 WHERE s.version_id = $1 AND c.generation > $2",
            )
            .bind(version_id)
            .bind(cached.generation)
            .fetch_all(pool)
            .await
        })?;
        for (survey_id, unit_id, month, channel, staff, fingerprint, bytes) in rows {
            if fingerprint != layout.fingerprint() {
                return Err(domain::surveys::BadCell.into());
            }
            let mut counts = Counts::zero(layout);
            counts.add_encoded(&bytes)?;
            cached.cells.insert((survey_id, unit_id, month, channel, staff), Arc::new(counts));
        }
        // Cells committed after `generation` was read may already be in; they are read again
        // next time, which changes nothing.
        cached.generation = generation;
        Ok(())
    }

    /// Rebuilds the cells of a survey from its raw responses, reading them as a stream, and
    /// reports every counter that differed. The rebuilt cells replace the old ones.
    pub async fn recompute(&self, actor: &Actor, survey_id: i64) -> Result<RecomputeReport> {
        let (version_id, owner): (i64, i64) =
            on_db!(self, read, |pool| { sqlx::query_as("SELECT version_id, unit_id FROM surveys WHERE id = $1").bind(survey_id).fetch_one(pool).await })?;
        let form = self.version(version_id).await?;
        let layout = Layout::of(&form);
        let mut fresh: BTreeMap<Key, (i64, Counts)> = BTreeMap::new();
        let mut responses = 0i64;
        on_db!(self, read, |pool| {
            let mut rows = sqlx::query_as::<_, (i64, String, String, i64, String)>(
                "SELECT unit_id, channel, staff, submitted_at, answers FROM responses WHERE survey_id = $1 AND excluded = 0",
            )
            .bind(survey_id)
            .fetch(pool);
            while let Some((unit, channel, staff, at, answers)) = rows.try_next().await? {
                let answers: Answers = serde_json::from_str(&answers).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
                let positions = layout.positions(&form, &answers).map_err(|e| Error::Invalid(vec![e.to_string()]))?;
                fresh
                    .entry((survey_id, unit, month_of(at), channel, staff))
                    .or_insert_with(|| (layout.fingerprint(), Counts::zero(&layout)))
                    .1
                    .add_positions(&positions);
                responses += 1;
            }
            Ok::<_, Error>(())
        })?;
        let stored: Vec<(i64, String, String, String, i64, Vec<u8>)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT unit_id, month, channel, staff, layout, counts FROM response_cells WHERE survey_id = $1")
                .bind(survey_id)
                .fetch_all(pool)
                .await
        })?;
        let mut old: HashMap<Key, Option<Counts>> = HashMap::new();
        for (unit, month, channel, staff, fingerprint, bytes) in stored {
            let mut counts = Counts::zero(&layout);
            // A cell of another layout is unreadable: every counter of it differs.
            let readable = fingerprint == layout.fingerprint() && counts.add_encoded(&bytes).is_ok();
            old.insert((survey_id, unit, month, channel, staff), readable.then_some(counts));
        }
        let zero = Counts::zero(&layout);
        let mut differences = Vec::new();
        let mut compare = |key: &Key, before: Option<&Counts>, after: &Counts| {
            for (i, (question, option)) in layout.keys().iter().enumerate() {
                let counted = before.map(|c| c.get(i));
                if counted != Some(after.get(i)) {
                    differences.push(Difference { key: key.clone(), question: question.clone(), option: option.clone(), counted, recounted: after.get(i) });
                }
            }
        };
        for (key, (_, counts)) in &fresh {
            match old.remove(key) {
                Some(before) => compare(key, before.as_ref(), counts),
                None => compare(key, Some(&zero), counts),
            }
        }
        for (key, before) in &old {
            compare(key, before.as_ref(), &zero);
        }
        let cells: Vec<(Key, (i64, Counts))> = fresh.into_iter().collect();
        let lock = self.row_lock();
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM response_cells WHERE survey_id = $1").bind(survey_id).execute(&mut *tx).await?;
            merge_cells!(tx, &cells, lock, true);
            let entry = Entry::new(AuditAction::AggregatesRecomputed, "survey", survey_id)
                .unit(owner)
                .details(json!({ "responses": responses, "differences": differences.len() }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })?;
        Ok(RecomputeReport { responses, cells: cells.len(), differences })
    }
}
