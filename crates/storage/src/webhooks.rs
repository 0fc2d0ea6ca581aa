//! Webhooks: subscriptions, the outbox of events and their deliveries.
//!
//! An audited change writes its event in its own transaction (see `audit::record`); stored
//! responses become events by a cursor over the responses, as the alert step reads them, and
//! only while someone subscribes to them. A gathering step fans each new event out to one
//! delivery per subscription that wants it; the sender claims due deliveries for a while, tries
//! them and records each try. All of it is in the database, so a restart loses nothing, and
//! each step costs in proportion to what is new: the waiting events and the due deliveries are
//! found through partial indexes.

use std::collections::HashMap;

use domain::audit::AuditAction;
use domain::auth::{Access, Permission};
use domain::units::UnitId;
use domain::webhooks::{self, Event, EventKind};
use serde_json::json;

use crate::audit::{Entry, record};
use crate::db::scope_sql;
use crate::{Actor, Error, Page, Paging, Result, Store};

const CURSOR: &str = "webhooks_cursor";
/// Events fanned out, and responses read, per step.
const STEP: i64 = 1_000;
/// How long a claimed delivery is left to its sender before another may try it: far longer than
/// a try can take, so a receiver is not sent one message twice at once.
const LEASE_MS: i64 = 300_000;
/// How long deliveries and their tries are kept for the log.
pub const KEPT_MS: i64 = 90 * 86_400_000;
const SECRET_FIELD: &str = "webhook_subscriptions.secret";

#[derive(Clone, Debug)]
pub struct Subscription {
    pub id: i64,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub name: String,
    pub url: String,
    pub events: Vec<EventKind>,
    pub active: bool,
    pub created_at: i64,
    pub pending: i64,
    pub failed: i64,
}

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: i64,
    unit_id: i64,
    unit_name: String,
    name: String,
    url: String,
    events: String,
    active: bool,
    created_at: i64,
    pending: i64,
    failed: i64,
}

fn kinds(codes: &str) -> Vec<EventKind> {
    codes.split_whitespace().filter_map(EventKind::parse).collect()
}

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Self {
        Self {
            id: r.id,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            name: r.name,
            url: r.url,
            events: kinds(&r.events),
            active: r.active,
            created_at: r.created_at,
            pending: r.pending,
            failed: r.failed,
        }
    }
}

const SUBSCRIPTION_SQL: &str = "SELECT s.id, s.unit_id, u.name AS unit_name, s.name, s.url, s.events, s.active, s.created_at,
        (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.state = 'pending') AS pending,
        (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.state = 'failed') AS failed
     FROM webhook_subscriptions s JOIN units u ON u.id = s.unit_id";

/// What an administrator asks to subscribe.
#[derive(Clone, Debug)]
pub struct NewSubscription {
    pub unit_id: UnitId,
    pub name: String,
    pub url: String,
    pub events: Vec<EventKind>,
    /// The signing key (random bytes, made by the caller).
    pub key: Vec<u8>,
}

/// One delivery in the log, with the event it carries.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub event_id: i64,
    pub kind: String,
    pub object_type: String,
    pub object_id: String,
    pub at: i64,
    pub state: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attempt {
    pub delivery_id: i64,
    pub at: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A delivery claimed for sending: where, with which key, what.
#[derive(Clone, Debug)]
pub struct Due {
    pub delivery_id: i64,
    pub url: String,
    pub key: Vec<u8>,
    pub event: Event,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    next_at: i64,
    url: String,
    secret_sealed: String,
    event_id: i64,
    kind: String,
    unit_id: Option<i64>,
    unit_code: Option<String>,
    object_type: String,
    object_id: String,
    data: String,
    at: i64,
}

/// What a try came to.
#[derive(Clone, Debug)]
pub struct Tried {
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// Why it failed, when it did (a status outside 2xx, a timeout, no connection).
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl Tried {
    fn delivered(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What a gathering step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gathered {
    /// Stored responses that became events.
    pub responses: usize,
    /// Events fanned out, and the deliveries they made.
    pub events: usize,
    pub deliveries: usize,
}

impl Store {
    async fn require_integrations(&self, access: &Access, unit_id: UnitId) -> Result<()> {
        if access.can(Permission::ManageIntegrations, &self.unit_ancestry(unit_id).await?) { Ok(()) } else { Err(Error::Forbidden) }
    }

    /// Subscribes a receiver; the secret, sealed, is what signs every message to it.
    pub async fn create_webhook(&self, actor: &Actor, access: &Access, new: &NewSubscription) -> Result<i64> {
        self.require_integrations(access, new.unit_id).await?;
        let events: Vec<&str> = new.events.iter().map(|k| k.code()).collect();
        let sealed = self.sealer.seal(SECRET_FIELD, &webhooks::secret_text(&new.key));
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO webhook_subscriptions (unit_id, name, url, events, secret_sealed, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(new.unit_id)
            .bind(&new.name)
            .bind(new.url.trim())
            .bind(events.join(" "))
            .bind(&sealed)
            .bind(actor.user_id)
            .bind(actor.at)
            .fetch_one(&mut *tx)
            .await?;
            let entry = Entry::new(AuditAction::WebhookCreated, "webhook", id).unit(new.unit_id).details(json!({ "name": new.name, "url": new.url }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(id)
        })
    }

    /// The subscriptions of the units the caller keeps integrations for.
    pub async fn webhooks(&self, access: &Access) -> Result<Vec<Subscription>> {
        let scope = scope_sql(&access.roots(Permission::ManageIntegrations));
        let sql = format!("{scope} {SUBSCRIPTION_SQL} WHERE s.unit_id IN (SELECT id FROM scope) ORDER BY s.id");
        let rows: Vec<SubscriptionRow> = on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Subscription::from).collect())
    }

    /// One subscription; not found for those who keep no integrations of its unit.
    pub async fn webhook(&self, access: &Access, id: i64) -> Result<Subscription> {
        let sql = format!("{SUBSCRIPTION_SQL} WHERE s.id = $1");
        let row: Option<SubscriptionRow> = on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(pool).await)?;
        let subscription = Subscription::from(row.ok_or(Error::NotFound)?);
        match self.require_integrations(access, subscription.unit_id).await {
            Err(Error::Forbidden) => Err(Error::NotFound),
            other => other.map(|()| subscription),
        }
    }

    /// Pauses a subscription (nothing new is delivered to it) or takes it up again.
    pub async fn set_webhook_active(&self, actor: &Actor, access: &Access, id: i64, active: bool) -> Result<()> {
        let subscription = self.webhook(access, id).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE webhook_subscriptions SET active = $1 WHERE id = $2").bind(active).bind(id).execute(&mut *tx).await?;
            let entry = Entry::new(AuditAction::WebhookChanged, "webhook", id).unit(subscription.unit_id).details(json!({ "status": active }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// A subscription's deliveries, newest first, and the tries of those on the page.
    pub async fn webhook_deliveries(&self, access: &Access, id: i64, paging: Paging) -> Result<(Page<Delivery>, Vec<Attempt>)> {
        self.webhook(access, id).await?;
        let (items, total): (Vec<Delivery>, i64) = on_db!(self, read, |pool| {
            let items = sqlx::query_as(
                "SELECT d.id, d.event_id, e.kind, e.object_type, e.object_id, e.at, d.state, d.attempts, d.next_at, d.last_status,
                        d.last_error, d.delivered_at
                 FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
                 WHERE d.subscription_id = $1 ORDER BY d.id DESC LIMIT $2 OFFSET $3",
            )
            .bind(id)
            .bind(paging.limit)
            .bind(paging.offset)
            .fetch_all(pool)
            .await?;
            let total = sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE subscription_id = $1").bind(id).fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((items, total))
        })?;
        if items.is_empty() {
            return Ok((Page { items, total }, Vec::new()));
        }
        // The ids are the integers just read, so they are safe to write into the statement.
        let ids: Vec<String> = items.iter().map(|d| d.id.to_string()).collect();
        let sql = format!("SELECT delivery_id, at, status, error, duration_ms FROM webhook_attempts WHERE delivery_id IN ({}) ORDER BY id", ids.join(","));
        let attempts = on_db!(self, read, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(pool).await);
        Ok((Page { items, total }, attempts?))
    }

    /// Sends a delivery once more, now, with its event's id (the receiver knows it for the same).
    pub async fn replay_delivery(&self, actor: &Actor, access: &Access, subscription_id: i64, delivery_id: i64) -> Result<()> {
        let subscription = self.webhook(access, subscription_id).await?;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query("UPDATE webhook_deliveries SET state = 'pending', next_at = $1 WHERE id = $2 AND subscription_id = $3")
                .bind(actor.at)
                .bind(delivery_id)
                .bind(subscription_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 {
                return Err(Error::NotFound);
            }
            let entry =
                Entry::new(AuditAction::WebhookReplayed, "webhook", subscription_id).unit(subscription.unit_id).details(json!({ "value": delivery_id }));
            record!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// One gathering step: stored responses become events (while anyone listens for them),
    /// then waiting events become deliveries.
    pub async fn gather_webhook_events(&self, now: i64) -> Result<Gathered> {
        let responses = self.take_responses(now).await?;
        let (events, deliveries) = self.fan_out().await?;
        Ok(Gathered { responses, events, deliveries })
    }

    async fn take_responses(&self, now: i64) -> Result<usize> {
        let cursor: i64 = self.setting_or_insert(CURSOR, || "0".into()).await?.parse().unwrap_or(0);
        let listening: i64 = on_db!(self, read, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_subscriptions WHERE active AND events LIKE $1")
                .bind(format!("%{}%", EventKind::ResponseStored.code()))
                .fetch_one(pool)
                .await
        })?;
        // The officials' answers of PAR surveys tell no one when anyone answered.
        type Row = (i64, i64, i64, String, i64, bool);
        let rows: Vec<Row> = if listening == 0 {
            Vec::new()
        } else {
            on_db!(self, read, |pool| {
                sqlx::query_as(
                    "SELECT r.id, r.survey_id, r.unit_id, r.channel, r.submitted_at,
                            EXISTS (SELECT 1 FROM rosters o WHERE o.survey_id = r.survey_id) AS rostered
                     FROM responses r WHERE r.id > $1 ORDER BY r.id LIMIT $2",
                )
                .bind(cursor)
                .bind(STEP)
                .fetch_all(pool)
                .await
            })?
        };
        let last = match rows.last() {
            Some(row) => row.0,
            // No one listens: the cursor skips what came meanwhile.
            None if listening == 0 => {
                on_db!(self, read, |pool| { sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM responses").fetch_one(pool).await })?.unwrap_or(0)
            }
            None => return Ok(0),
        };
        if last == cursor {
            return Ok(0);
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            if !move_cursor!(&mut *tx, CURSOR, cursor, last)? {
                // Another server took these responses.
                return Ok(0);
            }
            let mut taken = 0;
            for (id, survey_id, unit_id, channel, submitted_at, rostered) in &rows {
                if *rostered {
                    continue;
                }
                sqlx::query("INSERT INTO webhook_events (kind, unit_id, object_type, object_id, data, at) VALUES ($1, $2, 'response', $3, $4, $5)")
                    .bind(EventKind::ResponseStored.code())
                    .bind(unit_id)
                    .bind(id.to_string())
                    .bind(json!({ "survey_id": survey_id, "channel": channel }).to_string())
                    .bind(submitted_at.min(&now))
                    .execute(&mut *tx)
                    .await?;
                taken += 1;
            }
            tx.commit().await?;
            Ok::<_, Error>(taken)
        })
    }

    async fn fan_out(&self) -> Result<(usize, usize)> {
        type EventRow = (i64, String, Option<i64>, i64);
        let events: Vec<EventRow> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, kind, unit_id, at FROM webhook_events WHERE NOT fanned ORDER BY id LIMIT $1").bind(STEP).fetch_all(pool).await
        })?;
        if events.is_empty() {
            return Ok((0, 0));
        }
        let subscriptions: Vec<(i64, i64, String, i64)> = on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, unit_id, events, created_at FROM webhook_subscriptions WHERE active").fetch_all(pool).await
        })?;
        let mut ancestries: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut planned: Vec<(i64, Vec<i64>)> = Vec::with_capacity(events.len());
        for (id, kind, unit_id, at) in &events {
            let Some(kind) = EventKind::parse(kind) else { continue };
            if let Some(unit) = unit_id
                && !ancestries.contains_key(unit)
            {
                ancestries.insert(*unit, self.unit_ancestry(*unit).await?);
            }
            let ancestry = unit_id.map(|u| ancestries[&u].as_slice());
            // A subscriber hears of what happens from the moment it subscribed.
            let to = subscriptions
                .iter()
                .filter(|(_, scope, wants, since)| since <= at && kinds(wants).contains(&kind) && webhooks::reaches(*scope, ancestry))
                .map(|s| s.0)
                .collect();
            planned.push((*id, to));
        }
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let mut fanned = (0, 0);
            for (event_id, to) in &planned {
                let taken =
                    sqlx::query("UPDATE webhook_events SET fanned = TRUE WHERE id = $1 AND NOT fanned").bind(event_id).execute(&mut *tx).await?.rows_affected();
                if taken == 0 {
                    // Another server fanned it out.
                    continue;
                }
                fanned.0 += 1;
                for subscription_id in to {
                    sqlx::query(
                        "INSERT INTO webhook_deliveries (subscription_id, event_id, state, next_at, created_at)
                         SELECT $1, $2, 'pending', at, at FROM webhook_events WHERE id = $2 ON CONFLICT DO NOTHING",
                    )
                    .bind(subscription_id)
                    .bind(event_id)
                    .execute(&mut *tx)
                    .await?;
                    fanned.1 += 1;
                }
            }
            tx.commit().await?;
            Ok::<_, Error>(fanned)
        })
    }

    /// Claims up to `limit` deliveries that are due: each is left to this sender for a while, so
    /// no other server sends it meanwhile; one that is never reported on is tried again then.
    pub async fn claim_due_deliveries(&self, now: i64, limit: i64) -> Result<Vec<Due>> {
        let rows: Vec<DueRow> = on_db!(self, read, |pool| {
            sqlx::query_as(
                "SELECT d.id, d.next_at, s.url, s.secret_sealed, e.id AS event_id, e.kind, e.unit_id, u.code AS unit_code,
                        e.object_type, e.object_id, e.data, e.at
                 FROM webhook_deliveries d
                 JOIN webhook_subscriptions s ON s.id = d.subscription_id
                 JOIN webhook_events e ON e.id = d.event_id
                 LEFT JOIN units u ON u.id = e.unit_id
                 WHERE d.state = 'pending' AND d.next_at <= $1 AND s.active
                 ORDER BY d.next_at LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
        })?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(kind) = EventKind::parse(&row.kind) else { continue };
            let taken = on_db!(self, write, |pool| {
                sqlx::query("UPDATE webhook_deliveries SET next_at = $1 WHERE id = $2 AND state = 'pending' AND next_at = $3")
                    .bind(now + LEASE_MS)
                    .bind(row.id)
                    .bind(row.next_at)
                    .execute(pool)
                    .await
                    .map(|done| done.rows_affected())
            })?;
            if taken == 0 {
                continue;
            }
            let secret = self.sealer.open(SECRET_FIELD, &row.secret_sealed)?;
            let Some(key) = webhooks::secret_key(&secret) else { continue };
            let event = Event {
                id: row.event_id,
                kind,
                unit: row.unit_id.zip(row.unit_code),
                object_type: row.object_type,
                object_id: row.object_id,
                data: serde_json::from_str(&row.data).unwrap_or_default(),
                at_ms: row.at,
            };
            claimed.push(Due { delivery_id: row.id, url: row.url, key, event });
        }
        Ok(claimed)
    }

    /// Records a try: delivered, or failed and due again after the wait for its count of
    /// failures, or given up after the last.
    pub async fn delivery_tried(&self, delivery_id: i64, tried: &Tried, now: i64) -> Result<()> {
        let error = tried.error.as_deref().map(|e| e.chars().take(500).collect::<String>());
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO webhook_attempts (delivery_id, at, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5)")
                .bind(delivery_id)
                .bind(now)
                .bind(tried.status.map(i64::from))
                .bind(&error)
                .bind(tried.duration_ms)
                .execute(&mut *tx)
                .await?;
            if tried.delivered() {
                sqlx::query("UPDATE webhook_deliveries SET state = 'delivered', delivered_at = $1, last_status = $2, last_error = NULL WHERE id = $3")
                    .bind(now)
                    .bind(tried.status.map(i64::from))
                    .bind(delivery_id)
                    .execute(&mut *tx)
                    .await?;
            } else {
                let failures: i64 =
                    sqlx::query_scalar("SELECT attempts + 1 FROM webhook_deliveries WHERE id = $1").bind(delivery_id).fetch_one(&mut *tx).await?;
                let (state, next_at) = match webhooks::retry_after(failures as u32) {
                    Some(wait) => ("pending", now + wait),
                    None => ("failed", now),
                };
                sqlx::query("UPDATE webhook_deliveries SET state = $1, next_at = $2, attempts = $3, last_status = $4, last_error = $5 WHERE id = $6")
                    .bind(state)
                    .bind(next_at)
                    .bind(failures)
                    .bind(tried.status.map(i64::from))
                    .bind(&error)
                    .bind(delivery_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, Error>(())
        })
    }

    /// Forgets what is older than the log keeps: tries, finished deliveries, and events with
    /// none left. In proportion to what has grown old, through the events' time index.
    pub async fn tidy_webhooks(&self, now: i64) -> Result<u64> {
        let before = now - KEPT_MS;
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            let old = "SELECT d.id FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id WHERE e.at < $1 AND d.state <> 'pending'";
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM webhook_attempts WHERE delivery_id IN ({old})"))).bind(before).execute(&mut *tx).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM webhook_deliveries WHERE id IN ({old})"))).bind(before).execute(&mut *tx).await?;
            let gone = sqlx::query(
                "DELETE FROM webhook_events WHERE at < $1 AND fanned AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)",
            )
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok::<_, Error>(gone)
        })
    }
}
