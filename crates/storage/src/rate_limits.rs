//! The counts behind rate limits that hold across servers (see `web::rate_limit`): each server
//! adds what it counted, drops the windows that have ended, and reads back the keys that all
//! servers together have taken to the limit.

use crate::{Error, Result, Store};

/// Counts written per statement.
const CHUNK: usize = 400;

/// What one server counted for a key in one window since it last shared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateCount {
    pub key: String,
    pub window_start: i64,
    pub count: u32,
}

impl Store {
    /// Adds a limiter's counts, drops its ended windows, and returns the keys at or over
    /// `limit` in a window still running at `now`, with that window's start.
    pub async fn share_rate_counts(&self, limiter: &str, window_ms: i64, limit: u32, counts: &[RateCount], now: i64) -> Result<Vec<(String, i64)>> {
        on_db!(self, write, |pool| {
            let mut tx = pool.begin().await?;
            for chunk in counts.chunks(CHUNK) {
                let mut upsert = sqlx::QueryBuilder::new("INSERT INTO rate_counts (limiter, key, window_start, count) ");
                upsert.push_values(chunk, |mut row, c| {
                    row.push_bind(limiter).push_bind(&c.key).push_bind(c.window_start).push_bind(i64::from(c.count));
                });
                upsert.push(" ON CONFLICT (limiter, key, window_start) DO UPDATE SET count = rate_counts.count + excluded.count");
                upsert.build().execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM rate_counts WHERE limiter = $1 AND window_start + $2 <= $3")
                .bind(limiter)
                .bind(window_ms)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let over: Vec<(String, i64)> = sqlx::query_as("SELECT key, window_start FROM rate_counts WHERE limiter = $1 AND count >= $2")
                .bind(limiter)
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, Error>(over)
        })
    }
}
