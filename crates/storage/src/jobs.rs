//! Leases for the jobs that one server at a time should run when several share the database
//! (see `web::jobs`): a job whose pass is heavy work on a shared backlog — classifying comments
//! — would otherwise be done once per server. The holder renews its lease on every pass; if it
//! stops (a crash, a shutdown), another server takes the job once the lease runs out.

use crate::{Error, Result, Store};

impl Store {
    /// Takes or renews the lease on `job` for `holder` until `now + for_ms`; true when `holder`
    /// holds it. Another holder's lease is taken only once it has run out.
    pub async fn hold_lease(&self, job: &str, holder: &str, now: i64, for_ms: i64) -> Result<bool> {
        on_db!(self, write, |pool| {
            let held: Option<String> = sqlx::query_scalar(
                "INSERT INTO job_leases (job, holder, until) VALUES ($1, $2, $3)
                 ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until
                 WHERE job_leases.holder = excluded.holder OR job_leases.until <= $4
                 RETURNING holder",
            )
            .bind(job)
            .bind(holder)
            .bind(now + for_ms)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            Ok::<_, Error>(held.is_some())
        })
    }

    /// Gives back every lease `holder` has, so that another server takes its jobs at once.
    pub async fn release_leases(&self, holder: &str) -> Result<()> {
        on_db!(self, write, |pool| sqlx::query("DELETE FROM job_leases WHERE holder = $1").bind(holder).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
