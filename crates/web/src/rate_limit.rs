//! Fixed-window rate limits for the public doors (logins, submissions) that hold across
//! servers. Each server counts in memory and decides at once; every second a job adds what it
//! counted to the database and learns which keys all servers together have taken to the limit
//! (`Store::share_rate_counts`). A key may get past its limit by what the servers let through
//! in that second, never by the number of servers times the limit.

use std::collections::HashMap;
use std::sync::Mutex;

use storage::Store;
use storage::rate_limits::RateCount;

use crate::AppState;
use crate::auth::session::ClientMeta;
use crate::error::Failure;

/// Keys kept in memory before ended windows are dropped.
const MAX_KEYS: usize = 100_000;

/// At most `limit` events per key in each window of `window_ms` (windows start at multiples
/// of it, the same on every server).
pub struct RateLimiter {
    /// Names the limiter's counts in the database; none for a limit kept by each server alone.
    name: Option<&'static str>,
    limit: u32,
    window_ms: i64,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    /// Key → (window start, events counted here in it).
    windows: HashMap<String, (i64, u32)>,
    /// (key, window start) → events not yet shared.
    unshared: HashMap<(String, i64), u32>,
    /// Key → end of the window in which all servers together reached the limit.
    everywhere: HashMap<String, i64>,
    /// The end of the window of the last event counted here: until then, the other servers'
    /// counts of its key still matter.
    active_until: i64,
}

impl RateLimiter {
    /// A limit that holds across servers.
    pub fn shared(name: &'static str, limit: u32, window_ms: i64) -> Self {
        Self { name: Some(name), limit, window_ms, counts: Mutex::new(Counts::default()) }
    }

    /// A limit each server keeps alone: what it only flags, and the API tokens' own limits.
    pub fn local(limit: u32, window_ms: i64) -> Self {
        Self { name: None, limit, window_ms, counts: Mutex::new(Counts::default()) }
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn window_of(&self, now_ms: i64) -> i64 {
        now_ms - now_ms.rem_euclid(self.window_ms)
    }

    /// Counts one event for `key` at `now_ms`; when the key is over its limit, the seconds until
    /// its window ends (for `Retry-After`).
    pub fn check(&self, key: &str, now_ms: i64) -> Result<(), u64> {
        self.check_within(key, self.limit, now_ms)
    }

    /// Counts one event for `key` against a limit of its own (an API token's, on each server).
    pub fn check_within(&self, key: &str, limit: u32, now_ms: i64) -> Result<(), u64> {
        self.record(key, now_ms);
        self.wait_after(key, now_ms, 0, limit).map_or(Ok(()), Err)
    }

    /// The seconds until `key`'s window ends, if it has used it up (counting nothing).
    pub fn limited(&self, key: &str, now_ms: i64) -> Option<u64> {
        self.wait_after(key, now_ms, 1, self.limit)
    }

    fn wait_after(&self, key: &str, now_ms: i64, more: u32, limit: u32) -> Option<u64> {
        let counts = self.counts();
        let start = self.window_of(now_ms);
        let here = counts.windows.get(key).is_some_and(|(s, count)| *s == start && count + more > limit);
        let everywhere = counts.everywhere.get(key).is_some_and(|end| *end > now_ms);
        (here || everywhere).then(|| ((start + self.window_ms - now_ms) as u64).div_ceil(1000))
    }

    /// Counts one event for `key` at `now_ms`.
    pub fn record(&self, key: &str, now_ms: i64) {
        let start = self.window_of(now_ms);
        let mut counts = self.counts();
        if counts.windows.len() >= MAX_KEYS {
            counts.windows.retain(|_, (s, _)| *s == start);
            counts.everywhere.retain(|_, end| *end > now_ms);
        }
        let entry = counts.windows.entry(key.to_string()).or_insert((start, 0));
        if entry.0 != start {
            *entry = (start, 0);
        }
        entry.1 += 1;
        counts.active_until = counts.active_until.max(start + self.window_ms);
        if self.name.is_some() {
            *counts.unshared.entry((key.to_string(), start)).or_insert(0) += 1;
        }
    }

    /// Adds this server's counts to the shared ones and learns the keys over the limit on all
    /// servers together. Nothing is asked of the database by a server that has counted nothing
    /// in a window still running.
    pub async fn share(&self, store: &Store, now_ms: i64) -> storage::Result<()> {
        let Some(name) = self.name else { return Ok(()) };
        let unshared: Vec<RateCount> = {
            let mut counts = self.counts();
            counts.everywhere.retain(|_, end| *end > now_ms);
            if counts.unshared.is_empty() && counts.everywhere.is_empty() && now_ms >= counts.active_until {
                return Ok(());
            }
            counts.unshared.drain().map(|((key, window_start), count)| RateCount { key, window_start, count }).collect()
        };
        let over = store.share_rate_counts(name, self.window_ms, self.limit, &unshared, now_ms).await?;
        self.counts().everywhere = over.into_iter().map(|(key, start)| (key, start + self.window_ms)).collect();
        Ok(())
    }
}

/// Shares the counts of every limiter (a job).
pub async fn share(state: &AppState) {
    let now = state.clock.now_ms();
    for limiter in [&state.login_limiter, &state.account_limiter, &state.submit_limiter] {
        if let Err(e) = limiter.share(&state.store, now).await {
            tracing::error!(error = %e, limiter = limiter.name.unwrap_or_default(), "the rate counts could not be shared");
        }
    }
}

/// A public form's sending, counted against its sender's address (`submit_limiter`).
pub fn submission(state: &AppState, client: &ClientMeta) -> Result<(), Failure> {
    state
        .submit_limiter
        .check(&client.ip, state.clock.now_ms())
        .map_err(|wait| Failure::too_many("Có quá nhiều lượt gửi từ địa chỉ này. Vui lòng thử lại sau ít phút.", wait))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_key_and_window() {
        let limiter = RateLimiter::shared("test", 3, 60_000);
        assert!((0..3).all(|_| limiter.check("a", 0).is_ok()));
        assert_eq!(limiter.check("a", 1_000), Err(59));
        assert_eq!(limiter.check("a", 59_500), Err(1));
        assert!(limiter.check("b", 1_000).is_ok());
        assert!(limiter.check("a", 60_000).is_ok());
        assert_eq!(limiter.limited("c", 0), None);
        (0..3).for_each(|_| limiter.record("c", 0));
        assert_eq!(limiter.limited("c", 1), Some(60));
        assert_eq!(limiter.limited("c", 60_000), None);
    }

    #[test]
    fn a_key_over_the_limit_everywhere_is_refused_here_too() {
        let limiter = RateLimiter::shared("test", 3, 60_000);
        limiter.record("a", 1_000);
        limiter.counts().everywhere.insert("a".into(), 60_000);
        assert_eq!(limiter.check("a", 2_000), Err(58), "one here, but the limit reached on the other servers");
        assert!(limiter.check("a", 60_000).is_ok(), "until the window ends");
        assert!(limiter.check("b", 2_000).is_ok());
    }
}
