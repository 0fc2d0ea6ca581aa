//! The province's Zalo Official Account: the answers owed to followers who wrote to it, kept
//! until Zalo takes them (see `domain::invitations::oa`).

use crate::{Result, Store};

/// Sending is given up after this many tries.
const MAX_ATTEMPTS: i64 = 8;
/// Answers are forgotten after this long.
const KEEP_MS: i64 = 90 * 86_400_000;

/// An answer waiting to go.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DueReply {
    pub id: i64,
    pub user_id: String,
    pub reply: String,
    pub attempts: i64,
}

impl Store {
    /// The unit that handled a dossier the one-stop system registered: its code and name.
    pub async fn unit_of_dossier(&self, dossier_code: &str) -> Result<Option<(String, String)>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT u.code, u.name FROM frame_entries f JOIN units u ON u.id = f.unit_id WHERE f.dossier_code = $1")
                .bind(dossier_code)
                .fetch_optional(pool)
                .await
        })?)
    }

    /// Keeps the answer owed for a follower's message; false when Zalo sent this message before
    /// (its answer is already kept).
    pub async fn owe_oa_reply(&self, event_id: &str, user_id: &str, reply: &str, now: i64) -> Result<bool> {
        Ok(on_db!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO oa_replies (event_id, user_id, reply, received_at, due_at) VALUES ($1, $2, $3, $4, $4)
                 ON CONFLICT (event_id) DO NOTHING",
            )
            .bind(event_id)
            .bind(user_id)
            .bind(reply)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected() == 1)
        })?)
    }

    pub async fn due_oa_replies(&self, now: i64, limit: i64) -> Result<Vec<DueReply>> {
        Ok(on_db!(self, read, |pool| {
            sqlx::query_as("SELECT id, user_id, reply, attempts FROM oa_replies WHERE due_at <= $1 ORDER BY due_at, id LIMIT $2")
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await
        })?)
    }

    pub async fn oa_reply_sent(&self, id: i64, now: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query("UPDATE oa_replies SET due_at = NULL, sent_at = $1, error = NULL WHERE id = $2").bind(now).bind(id).execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// A try that failed: tried again at `retry_at`, unless Zalo refused it for good or it was
    /// the last try.
    pub async fn oa_reply_not_sent(&self, id: i64, error: &str, permanent: bool, retry_at: i64) -> Result<()> {
        on_db!(self, write, |pool| {
            sqlx::query(
                "UPDATE oa_replies SET attempts = attempts + 1, error = $1,
                     due_at = CASE WHEN $2 OR attempts + 1 >= $3 THEN NULL ELSE $4 END
                 WHERE id = $5",
            )
            .bind(error)
            .bind(permanent)
            .bind(MAX_ATTEMPTS)
            .bind(retry_at)
            .bind(id)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// Forgets old answers, a bounded batch at a time.
    pub async fn tidy_oa_replies(&self, now: i64) -> Result<u64> {
        Ok(on_db!(self, write, |pool| {
            sqlx::query("DELETE FROM oa_replies WHERE id IN (SELECT id FROM oa_replies WHERE received_at < $1 ORDER BY received_at LIMIT 1000)")
                .bind(now - KEEP_MS)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?)
    }
}
