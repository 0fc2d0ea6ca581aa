//! `bench alerts`: floods the server with answers that set alerts off — every one very
//! dissatisfied, one in ten reporting an unofficial fee, all from one address so that the
//! server flags them as a burst — spread over the demo's communes, then measures how long after
//! the last answer the alert step has taken them all in, the cases and e-mails it made, and the
//! server's CPU while idle afterwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use storage::crypto::DataKey;

use crate::{Connection, UNITS, cpu_seconds, fresh_database, sheet, start_server};

/// An answer that sets an alert off, varied by `i`.
fn flagged(i: usize) -> Value {
    let mut answers = sheet(i);
    answers["HL_CHUNG"] = json!("1");
    if i.is_multiple_of(10) {
        answers["GOP_Y"] = json!(format!("Cán bộ đòi bồi dưỡng mới nhận hồ sơ (lần {i})"));
    }
    answers
}

/// Reads one number from the database the server writes.
async fn scalar(database_url: &str, sql: &'static str) -> anyhow::Result<i64> {
    Ok(if database_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(database_url).await?;
        sqlx::query_scalar(sql).fetch_one(&pool).await?
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{database_url}")).await?;
        sqlx::query_scalar(sql).fetch_one(&pool).await?
    })
}

pub async fn run(count: usize, concurrency: usize, postgres: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let database_url = fresh_database(&dir, postgres.as_deref()).await?;
    let key = DataKey::generate();
    let (mut server, pid, address) = start_server(&database_url, &key).await?;
    let cases_before = scalar(&database_url, "SELECT COUNT(*) FROM alert_cases").await?;
    let mail_before = scalar(&database_url, "SELECT COUNT(*) FROM outbox").await?;
    let path = format!("/api/v1/surveys/{}/responses", thuocdo::demo::SURVEY_CODE);
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..count)
            .map(|i| {
                let body = json!({ "submission_id": format!("flood-{i}"), "unit_code": UNITS[i % UNITS.len()], "answers": flagged(i) }).to_string();
                let head = format!("POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
                [head.into_bytes(), body.into_bytes()].concat()
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (address, bodies, next) = (address.clone(), bodies.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut acknowledged = 0usize;
            let mut connection = Connection::open(&address).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= bodies.len() {
                    break;
                }
                match connection.exchange(&bodies[i]).await {
                    Ok(201) => acknowledged += 1,
                    Ok(_) => {}
                    Err(_) => connection = Connection::open(&address).await?,
                }
            }
            anyhow::Ok(acknowledged)
        }));
    }
    let mut acknowledged = 0;
    for worker in workers {
        acknowledged += worker.await??;
    }
    let flood_seconds = started.elapsed().as_secs_f64();
    let last_answer = Instant::now();
    let newest = scalar(&database_url, "SELECT COALESCE(MAX(id), 0) FROM responses").await?;
    // The step has taken every answer in once its cursor reaches the newest.
    let lag = loop {
        let cursor = scalar(&database_url, "SELECT CAST(value AS BIGINT) FROM settings WHERE key = 'alerts_cursor'").await?;
        if cursor >= newest {
            break last_answer.elapsed().as_secs_f64();
        }
        if last_answer.elapsed() > Duration::from_secs(600) {
            anyhow::bail!("the alert step had not caught up ten minutes after the last answer");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Idle: nothing arrives; the jobs keep running on their timers.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (cpu_start, idle_start) = (cpu_seconds(pid), Instant::now());
    tokio::time::sleep(Duration::from_secs(20)).await;
    let idle_cpu = (cpu_seconds(pid) - cpu_start) / idle_start.elapsed().as_secs_f64() * 100.0;
    let cases = scalar(&database_url, "SELECT COUNT(*) FROM alert_cases").await? - cases_before;
    let held = scalar(&database_url, "SELECT COUNT(*) FROM alert_case_responses").await?;
    let mail = scalar(&database_url, "SELECT COUNT(*) FROM outbox").await? - mail_before;
    let digests = scalar(&database_url, "SELECT COUNT(DISTINCT user_id) FROM alert_digest").await?;
    server.kill().await?;
    let _ = server.wait().await;
    let figures = json!({
        "backend": if postgres.is_some() { "postgres" } else { "sqlite" },
        "count": count,
        "acknowledged": acknowledged,
        "flood_seconds": (flood_seconds * 10.0).round() / 10.0,
        "lag_after_last_answer_s": (lag * 10.0).round() / 10.0,
        "cases_opened": cases,
        "answers_held_by_cases": held,
        "emails_queued": mail,
        "digests_waiting": digests,
        "idle_cpu_percent_of_a_core": (idle_cpu * 100.0).round() / 100.0,
    });
    println!("{figures}");
    Ok(())
}
