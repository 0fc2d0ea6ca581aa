//! The alert step. It reads the responses after a cursor, and in one transaction moves the
//! cursor, counts flagged answers into their hour's burst count, and opens a case for each new
//! cause or adds the answers to the cause's open case. The cursor moves only if no other
//! process moved it meanwhile, so two servers never open a case twice. Its work is in
//! proportion to the new responses: nothing is counted again, and a flood for one unit is one
//! case. Then overdue cases go to the unit above.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use domain::alerts::{self, AlertKind, AlertRules, Burst};
use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use domain::calendar::Month;
use domain::surveys::quality::Flags;
use domain::surveys::{Answers, Questionnaire};
use domain::text;
use serde_json::json;

use super::mail::{RECIPIENTS_SQL, message, tell_unit};
use crate::audit::{Entry, record};
use crate::escalation::{Due, Tracked};
use crate::responses::CellFilter;
use crate::{Actor, Error, Result, Store};

/// Responses read per step.
pub const STEP: usize = 2_000;
const CURSOR: &str = "alerts_cursor";
/// Links a case (`$1`) to its answers (`$2`, a JSON array of ids) in one statement, however many
/// they are, whose text never changes: planned once per connection.
const LINK_SQLITE: &str = "INSERT INTO alert_case_responses (case_id, response_id) SELECT $1, value FROM json_each($2) WHERE TRUE ON CONFLICT DO NOTHING";
const LINK_POSTGRES: &str = "INSERT INTO alert_case_responses (case_id, response_id)
                             SELECT $1, CAST(value AS BIGINT) FROM json_array_elements_text(CAST($2 AS JSON)) ON CONFLICT DO NOTHING";

/// What one step did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertRun {
    /// Responses read: a full step means more may be waiting.
    pub read: usize,
    pub opened: usize,
    /// Open cases that took in more answers.
    pub grown: usize,
    pub escalated: usize,
}

/// The answers of one cause found in a step.
pub(crate) struct Found {
    pub survey_id: i64,
    pub unit_id: i64,
    pub kind: AlertKind,
    /// What the first of them said, for the case and its e-mail.
    pub detail: String,
    pub responses: Vec<i64>,
    pub deadline_days: u32,
}

/// A survey's questionnaire and rules, read once a step.
struct Watch {
    form: Arc<Questionnaire>,
    rules: AlertRules,
    version: i64,
}

/// One new response as the step reads it.
type NewRow = (i64, i64, i64, i64, i64, String);

/// Opens a case for each new cause of `$found` (a map from cause to [`Found`]) or adds the
/// answers to the cause's open case, in transaction `$tx`: the audit entry, the e-mail of an
/// urgent case or the digest of the others. Counts into `$run`.
macro_rules! open_cases {
    ($store:expr, $tx:ident, $found:expr, $now:expr, $link:expr, $run:ident) => {
        let (now, link) = ($now, $link);
        let actor = &Actor::system("cảnh báo", now);
        let link_sql = match $store.backend() {
            crate::Backend::Sqlite => LINK_SQLITE,
            crate::Backend::Postgres => LINK_POSTGRES,
        };
            for (cause, found) in $found {
            let deadline_at = alerts::deadline(found.deadline_days, now);
            let opened: Option<i64> = sqlx::query_scalar(
                "INSERT INTO alert_cases (survey_id, origin_unit_id, unit_id, response_id, kind, detail, dedupe_key, status, opened_at, deadline_at, responses)
                 VALUES ($1, $2, $2, $3, $4, $5, $6, 'open', $7, $8, 0) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
            )
            .bind(found.survey_id)
            .bind(found.unit_id)
            .bind(found.responses.first().copied())
            .bind(found.kind.code())
            .bind(&found.detail)
            .bind(cause)
            .bind(now)
            .bind(deadline_at)
            .fetch_optional(&mut *$tx)
            .await?;
            let id = match opened {
                Some(id) => id,
                None => {
                    let open: Option<i64> = sqlx::query_scalar("SELECT id FROM alert_cases WHERE dedupe_key = $1 AND status = 'open'")
                        .bind(cause)
                        .fetch_optional(&mut *$tx)
                        .await?;
                    // A month's low figure, once resolved, stays so.
                    let Some(id) = open else { continue };
                    id
                }
            };
            let ids = format!("[{}]", found.responses.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
            let added = sqlx::query(sqlx::AssertSqlSafe(link_sql)).bind(id).bind(ids).execute(&mut *$tx).await?.rows_affected();
            sqlx::query("UPDATE alert_cases SET responses = responses + $1 WHERE id = $2").bind(added as i64).bind(id).execute(&mut *$tx).await?;
            if opened.is_some() {
                $run.opened += 1;
                let entry = Entry::new(AuditAction::AlertOpened, "alert_case", id)
                    .unit(found.unit_id)
                    .details(json!({ "kind": found.kind.code(), "responses": added }));
                record!(&mut *$tx, actor, &entry)?;
            } else if added > 0 {
                $run.grown += 1;
            } else {
                continue;
            }
            if opened.is_some() && found.kind.urgent() {
                let unit: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1").bind(found.unit_id).fetch_one(&mut *$tx).await?;
                let (subject, body) = message(found.kind, &unit, &found.detail, deadline_at, &link(id), None);
                tell_unit!($tx, found.unit_id, &subject, &body, now);
            } else {
                // The next digest tells of the case, as it stands then.
                let digest = format!(
                    "INSERT INTO alert_digest (user_id, case_id, added_at) SELECT x.id, $2, $3 FROM ({RECIPIENTS_SQL}) x WHERE TRUE
                     ON CONFLICT (user_id, case_id) DO NOTHING"
                );
                sqlx::query(sqlx::AssertSqlSafe(digest)).bind(found.unit_id).bind(id).bind(now).execute(&mut *$tx).await?;
            }
        }
    };
}

impl Store {
    /// Opens cases found outside the step (a spike in a unit's comments), as the step does.
    pub(crate) async fn open_alert_cases(&self, found: &BTreeMap<String, Found>, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<AlertRun> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let mut run = AlertRun::default();
            open_cases!(self, tx, found, now, link, run);
            tx.commit().await?;
            Ok::<_, Error>(run)
        })
    }

    /// One step: cases for responses after the cursor (and for the units' monthly figures they
    /// move), then escalation of overdue cases. `link` makes a case's address from its id.
    pub async fn process_alerts(&self, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<AlertRun> {
        let mut run = self.take_new_responses(now, link).await?;
        run.escalated = self.escalate_overdue(now, link).await?;
        Ok(run)
    }

    async fn take_new_responses(&self, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<AlertRun> {
        let cursor: i64 = self.setting_or_insert(CURSOR, || "0".into()).await?.parse().unwrap_or(0);
        let rows: Vec<NewRow> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, survey_id, unit_id, flags, submitted_at, answers FROM responses WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(cursor)
                .bind(STEP as i64)
                .fetch_all(pool)
                .await
        })?;
        let Some(last) = rows.last().map(|r| r.0) else { return Ok(AlertRun::default()) };
        let mut watches: HashMap<i64, Watch> = HashMap::new();
        let mut found: BTreeMap<String, Found> = BTreeMap::new();
        // Flagged answers per (survey, unit, hour), and the first moment of each.
        let mut flagged: BTreeMap<(i64, i64, i64), (i64, Vec<i64>)> = BTreeMap::new();
        let mut touched: BTreeSet<(i64, i64, Month)> = BTreeSet::new();
        for (id, survey_id, unit_id, flags, at, answers) in &rows {
            if !watches.contains_key(survey_id) {
                let version: i64 =
                    on_db!(self, read, |pool| { sqlx::query_scalar("SELECT version_id FROM surveys WHERE id = $1").bind(survey_id).fetch_one(pool).await })?;
                let form = self.version(version).await?;
                watches.insert(*survey_id, Watch { rules: self.rules_for(*survey_id, &form).await?, form, version });
            }
            let watch = &watches[survey_id];
            let answers: Answers = serde_json::from_str(answers).unwrap_or_default();
            for trigger in alerts::triggers(&watch.form, &watch.rules, &answers) {
                found
                    .entry(alerts::cause(trigger.kind, *survey_id, *unit_id, *at))
                    .or_insert_with(|| Found {
                        survey_id: *survey_id,
                        unit_id: *unit_id,
                        kind: trigger.kind,
                        detail: trigger.detail,
                        responses: Vec::new(),
                        deadline_days: watch.rules.deadline_days,
                    })
                    .responses
                    .push(*id);
            }
            if watch.rules.burst.is_some() && alerts::is_suspicious(Flags(*flags)) {
                flagged.entry((*survey_id, *unit_id, alerts::burst_hour(*at))).or_insert((*at, Vec::new())).1.push(*id);
            }
            if watch.rules.threshold.is_some() {
                touched.insert((*survey_id, *unit_id, Month::at(*at)));
            }
        }
        for (survey_id, unit_id, month) in touched {
            let watch = &watches[&survey_id];
            if let Some(detail) = self.below_threshold(watch, survey_id, unit_id, month).await? {
                let cause = alerts::cause(AlertKind::BelowThreshold, survey_id, unit_id, text::vn_midnight_ms(month.first_day()));
                let deadline_days = watch.rules.deadline_days;
                found.insert(cause, Found { survey_id, unit_id, kind: AlertKind::BelowThreshold, detail, responses: Vec::new(), deadline_days });
            }
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            if !move_cursor!(&mut *tx, CURSOR, cursor, last)? {
                // Another process took these responses (the transaction rolls back).
                return Ok(AlertRun::default());
            }
            // Each hour's flagged answers are added to its count; the answers that reach the
            // limit, and all after them, belong to the day's burst case.
            for ((survey_id, unit_id, hour), (first_at, ids)) in flagged {
                // Only surveys with a burst limit count flagged answers.
                let rules = &watches[&survey_id].rules;
                let (limit, deadline_days) = (rules.burst.unwrap_or(u64::MAX), rules.deadline_days);
                let count: i64 = sqlx::query_scalar(
                    "INSERT INTO alert_bursts (survey_id, unit_id, hour, flagged) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (survey_id, unit_id, hour) DO UPDATE SET flagged = alert_bursts.flagged + excluded.flagged RETURNING flagged",
                )
                .bind(survey_id)
                .bind(unit_id)
                .bind(hour)
                .bind(ids.len() as i64)
                .fetch_one(&mut *tx)
                .await?;
                let before = count as u64 - ids.len() as u64;
                let responses = match alerts::burst(limit, before, ids.len() as u64) {
                    Burst::Under => continue,
                    Burst::Beyond => ids,
                    // With the hour's flagged answers of earlier steps: fewer than the limit.
                    Burst::Reached => {
                        let mut earlier: Vec<i64> = sqlx::query_scalar(
                            "SELECT id FROM responses WHERE survey_id = $1 AND unit_id = $2 AND submitted_at >= $3 AND submitted_at < $4
                               AND (flags & $5) != 0 AND id <= $6",
                        )
                        .bind(survey_id)
                        .bind(unit_id)
                        .bind(hour * 3_600_000)
                        .bind((hour + 1) * 3_600_000)
                        .bind(Flags::SUSPICIOUS.0)
                        .bind(cursor)
                        .fetch_all(&mut *tx)
                        .await?;
                        earlier.extend(ids);
                        earlier
                    }
                };
                let detail = format!(
                    "Trong giờ bắt đầu lúc {}, số phiếu bị đánh dấu gửi dồn dập hoặc trùng lặp đã chạm giới hạn {limit} phiếu một giờ.",
                    text::format_timestamp_ms(hour * 3_600_000)
                );
                found
                    .entry(alerts::cause(AlertKind::Burst, survey_id, unit_id, first_at))
                    .or_insert_with(|| Found { survey_id, unit_id, kind: AlertKind::Burst, detail, responses: Vec::new(), deadline_days })
                    .responses
                    .extend(responses);
            }
            let mut run = AlertRun { read: rows.len(), ..AlertRun::default() };
            open_cases!(self, tx, &found, now, link, run);
            tx.commit().await?;
            Ok::<_, Error>(run)
        })
    }

    /// What is wrong with a unit's figure for a month (its own responses and those of the units
    /// below), if it is below the survey's threshold.
    async fn below_threshold(&self, watch: &Watch, survey_id: i64, unit_id: i64, month: Month) -> Result<Option<String>> {
        let Some(code) = &watch.form.methodology else { return Ok(None) };
        let Ok(methodology) = self.current_methodology(code).await else { return Ok(None) };
        let layout = self.layout(watch.version).await?;
        let system = Access::new(self.root_units().await?.into_iter().map(|unit| Grant { role: Role::SystemAdmin, unit }).collect());
        let filter = CellFilter {
            version_id: watch.version,
            survey_id: Some(survey_id),
            from_month: Some(month),
            to_month: Some(month),
            channel: None,
            unit_id: Some(unit_id),
        };
        let mut total = domain::surveys::Counts::zero(&layout);
        for cell in self.cells(&system, &filter, &layout).await? {
            total.add(&cell.counts);
        }
        let figure = domain::sipas::compute(&watch.form, &layout, &methodology.methodology, &total, None).overall;
        if !alerts::below_threshold(&watch.rules, figure.value, figure.n) {
            return Ok(None);
        }
        Ok(Some(format!(
            "Chỉ số hài lòng tháng {month} là {} % trên {} phiếu, dưới ngưỡng {} %.",
            text::format_number(figure.value.unwrap_or(0.0), 1),
            figure.n,
            text::format_number(watch.rules.threshold.unwrap_or(0.0), 1)
        )))
    }

    /// Moves every open case past its deadline to the unit above (see `escalation`), with a new
    /// deadline by its survey's rules. A case at the top unit stays where it is.
    async fn escalate_overdue(&self, now: i64, link: &(dyn Fn(i64) -> String + Sync)) -> Result<usize> {
        // The case, its survey, unit, kind and detail, the unit above, and the two units' names.
        type Row = (i64, i64, i64, String, String, i64, String, String);
        let rows: Vec<Row> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT c.id, c.survey_id, c.unit_id, c.kind, c.detail, u.parent_id, u.name, p.name FROM alert_cases c
                 JOIN units u ON u.id = c.unit_id JOIN units p ON p.id = u.parent_id
                 WHERE c.status = 'open' AND c.deadline_at <= $1 ORDER BY c.id",
            )
            .bind(now)
            .fetch_all(pool)
            .await
        })?;
        let mut deadlines: HashMap<i64, u32> = HashMap::new();
        let mut due = Vec::with_capacity(rows.len());
        for (id, survey_id, unit_id, kind, detail, parent_id, from, to) in rows {
            let days = match deadlines.get(&survey_id) {
                Some(days) => *days,
                None => *deadlines.entry(survey_id).or_insert(self.alert_rules(survey_id).await?.deadline_days),
            };
            let deadline_at = alerts::deadline(days, now);
            let kind = AlertKind::parse(&kind).unwrap_or(AlertKind::Problem);
            let (subject, body) = message(kind, &to, &detail, deadline_at, &link(id), Some(&from));
            let note = format!("Quá hạn xử lý tại {from}; chuyển lên {to}, hạn mới {}.", text::format_timestamp_ms(deadline_at));
            due.push(Due { id, unit_id, parent_id, deadline_at, note, subject, body });
        }
        self.escalate(Tracked::AlertCase, due, now).await
    }
}
