//! `cargo run --release -p bench -- ingest [--count N] [--concurrency C] [--postgres URL]`
//! `cargo run --release -p bench -- export [--count N]`
//! `cargo run --release -p bench -- dashboard [--count N] [--database PATH]` (see `dashboard.rs`)
//! `cargo run --release -p bench -- alerts [--count N] [--postgres URL]` (see `alerts.rs`)
//! `cargo run --release -p bench -- public [--count N] [--postgres URL]` (see `public.rs`)
//! `cargo run --release -p bench -- consultation [--count N] [--postgres URL]` (see `consultation.rs`)
//! `cargo run --release -p bench -- qa [--count N] [--postgres URL]` (see `qa.rs`)
//! `cargo run --release -p bench -- analytics [--count N] [--stored N] [--postgres URL]` (see `analytics.rs`)
//!
//! Starts the server in a child process over a fresh database with the demo province (its SIPAS
//! survey is open), drives concurrent submitters over loopback for a bounded number of
//! submissions, then checks in the database that every acknowledged submission is stored
//! exactly once. The last line printed is one JSON object with the figures.

/// A faster allocator than the system's for a server that allocates per request on many
/// threads (measured by the ingest benchmark: the system allocator was a quarter of the CPU).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod alerts;
mod analytics;
mod consultation;
mod dashboard;
mod public;
mod qa;
mod reports;
mod search;

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};
use storage::Store;
use storage::crypto::DataKey;
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(Parser)]
#[command(name = "bench", about = "Performance checks of Thước Đo")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Submissions per second, latency and durability of the ingest path.
    Ingest {
        /// Submissions to send in all.
        #[arg(long, default_value_t = 50_000)]
        count: usize,
        /// Submitters sending at the same time (one connection each).
        #[arg(long, default_value_t = 128)]
        concurrency: usize,
        /// Run against this PostgreSQL admin URL (a fresh database is created) instead of SQLite.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Memory of a large response export: stores COUNT responses, then downloads them as CSV
    /// and XLSX, reporting the server's peak memory before and after each.
    Export {
        #[arg(long, default_value_t = 200_000)]
        count: usize,
    },
    /// Dashboard latency over COUNT responses, and the recount from raw responses.
    Dashboard {
        #[arg(long, default_value_t = 10_000_000)]
        count: usize,
        /// Keep the generated SQLite database here (and reuse it when it already holds COUNT).
        #[arg(long)]
        database: Option<String>,
    },
    /// A flood of answers that set alerts off: how soon after the last one the cases are all
    /// open, what was made, and the CPU while idle afterwards.
    Alerts {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Citizens on the public form: a fresh visitor GETs the form, reads its CSRF token and
    /// POSTs varied answers; completions per second, latencies, server CPU per completion.
    Public {
        #[arg(long, default_value_t = 20_000)]
        count: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long)]
        postgres: Option<String>,
    },
    /// The portal's search over COUNT published documents (p50/p95/p99 from request to last
    /// byte), then the public pages' throughput.
    Search {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        #[arg(long)]
        postgres: Option<String>,
    },
    /// The official reports of a province of UNITS communes (PAR INDEX of two years, COUNT
    /// SIPAS responses), each downloaded as PDF, DOCX or XLSX and timed.
    Reports {
        #[arg(long, default_value_t = 1_000)]
        units: usize,
        #[arg(long, default_value_t = 50_000)]
        count: usize,
    },
    /// A consultation taking COUNT comments (70 % campaign copies, a flood of bad ones): the
    /// time to take and group them, the grouping's precision and recall, the pages' latency.
    Consultation {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Questions and feedback: COUNT questions (a flood of bad ones mixed in) taken and answered,
    /// the reminder and escalation pass when much is due and when nothing is new, the pages.
    Qa {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Text analytics: COUNT varied and hostile comments classified on one core, then STORED
    /// kept comments classified again after a topic edit, with the progress.
    Analytics {
        #[arg(long, default_value_t = 200_000)]
        count: usize,
        #[arg(long, default_value_t = 1_000_000)]
        stored: usize,
        #[arg(long)]
        postgres: Option<String>,
    },
    /// (internal) the server process the benchmark drives.
    #[command(hide = true)]
    Serve {
        #[arg(long)]
        database_url: String,
        #[arg(long)]
        key: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command {
        Command::Serve { database_url, key } => runtime.block_on(serve(&database_url, &key)),
        Command::Ingest { count, concurrency, postgres } => runtime.block_on(ingest(count, concurrency, postgres)),
        Command::Export { count } => runtime.block_on(export(count)),
        Command::Dashboard { count, database } => runtime.block_on(dashboard::run(count, database)),
        Command::Alerts { count, concurrency, postgres } => runtime.block_on(alerts::run(count, concurrency, postgres)),
        Command::Public { count, concurrency, postgres } => runtime.block_on(public::run(count, concurrency, postgres)),
        Command::Search { count, postgres } => runtime.block_on(search::run(count, postgres)),
        Command::Reports { units, count } => runtime.block_on(reports::run(units, count)),
        Command::Consultation { count, postgres } => runtime.block_on(consultation::run(count, postgres)),
        Command::Qa { count, postgres } => runtime.block_on(qa::run(count, postgres)),
        Command::Analytics { count, stored, postgres } => runtime.block_on(analytics::run(count, stored, postgres)),
    }
}

/// The server under test: the real application, with the per-address submission limit lifted
/// (every submitter here shares 127.0.0.1).
async fn serve(database_url: &str, key: &str) -> anyhow::Result<()> {
    let key = DataKey::from_hex(key).context("key")?;
    let store = Store::connect(database_url, &key).await?;
    store.migrate().await?;
    let clock = web::Clock::System;
    thuocdo::demo::load(&store, clock.now_ms()).await?;
    let config = web::Config { submissions_per_minute: u32::MAX, ..web::Config::default() };
    let state = web::AppState::new(store, config, clock).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening {}", listener.local_addr()?);
    web::serve(state, listener).await?;
    Ok(())
}

/// A valid SIPAS 2017 sheet, varied by `i`.
fn sheet(i: usize) -> Value {
    let mut answers = serde_json::Map::new();
    let options = ["co", "khong", "kb"];
    for (element, criteria) in [("TC", 4), ("TT", 5), ("CC", 6), ("KQ", 3), ("PA", 4)] {
        for c in 1..=criteria {
            answers.insert(format!("{element}{c}"), json!(options[(i / c) % 3]));
        }
        answers.insert(format!("{element}_HL"), json!(((i / criteria) % 5 + 1).to_string()));
    }
    answers.insert("PA0".into(), json!("co"));
    answers.insert("HL_CHUNG".into(), json!((i % 5 + 1).to_string()));
    answers.insert("TC_KV".into(), json!(["TC1"]));
    Value::Object(answers)
}

const UNITS: [&str; 8] = ["28101", "28102", "28103", "28104", "28105", "28106", "28107", "28108"];

/// An HTTP client signed in as the demo reform office.
async fn signed_in(base: &str) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let login = client.get(format!("{base}/login")).send().await?.text().await?;
    let csrf = login.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).context("csrf")?.to_string();
    client
        .post(format!("{base}/login"))
        .form(&[("csrf", csrf.as_str()), ("username", "cchc"), ("password", thuocdo::demo::DEMO_PASSWORD), ("next", "/admin")])
        .send()
        .await?;
    Ok(client)
}

fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// CPU time the process has used, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |n: usize| fields.get(n).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// The `p` quantile (0–1) of some latencies (sorted in place).
fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(((values.len() as f64 * p) as usize).min(values.len().saturating_sub(1))).copied().unwrap_or(0.0)
}

/// The server under test in a child process; returns it with its pid and address.
async fn start_server(database_url: &str, key: &DataKey) -> anyhow::Result<(tokio::process::Child, u32, String)> {
    let mut server = tokio::process::Command::new(std::env::current_exe()?)
        .args(["serve", "--database-url", database_url, "--key", &key.to_hex()])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let pid = server.id().context("server pid")?;
    let mut lines = BufReader::new(server.stdout.take().context("server output")?).lines();
    let address = loop {
        match lines.next_line().await? {
            Some(line) if line.starts_with("listening ") => break line["listening ".len()..].to_string(),
            Some(_) => continue,
            None => bail!("the server stopped before listening"),
        }
    };
    Ok((server, pid, address))
}

async fn export(count: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let database_url = dir.path().join("bench.db").to_string_lossy().into_owned();
    let key = DataKey::generate();
    let (mut server, pid, address) = start_server(&database_url, &key).await?;
    // Responses go straight through the ingest writer of a second connection: the point here is
    // the export, not the HTTP path.
    let store = Store::connect(&database_url, &key).await?;
    let survey = store.survey_by_code(thuocdo::demo::SURVEY_CODE, i64::MAX).await?;
    let form = store.version(survey.version_id).await?;
    let units = store.survey_targets(survey.id).await?;
    let layout = std::sync::Arc::new(domain::surveys::Layout::of(&form));
    let ingest = store.start_ingest();
    let started = Instant::now();
    let mut pending = Vec::new();
    for i in 0..count {
        let answers: domain::surveys::Answers = serde_json::from_value(sheet(i))?;
        let response = storage::responses::NewResponse {
            submission_id: format!("export-{i}"),
            survey_id: survey.id,
            unit_id: units[i % units.len()].0,
            channel: "web".into(),
            started_at: None,
            submitted_at: survey.opens_at + 1000,
            duration_ms: None,
            token_hash: None,
            dossier_code: None,
            fingerprint: String::new(),
            flags: 0,
            staff: String::new(),
            positions: layout.positions(&form, &answers)?,
            layout: layout.clone(),
            answers: serde_json::to_string(&answers)?,
            follow_ups: Vec::new(),
        };
        let ingest = ingest.clone();
        pending.push(tokio::spawn(async move { ingest.submit(response).await }));
        if pending.len() >= 2_000 {
            for p in pending.drain(..) {
                p.await?.map_err(|e| anyhow::anyhow!("{e}"))?;
            }
        }
    }
    for p in pending {
        p.await?.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let filled_s = started.elapsed().as_secs_f64();
    let base = format!("http://{address}");
    let client = signed_in(&base).await?;
    let before_mb = peak_rss_mb(pid);
    let mut results = serde_json::Map::new();
    for format in ["csv", "xlsx"] {
        let started = Instant::now();
        let mut response = client.get(format!("{base}/admin/surveys/{}/export.{format}", survey.id)).send().await?;
        if !response.status().is_success() {
            bail!("export.{format} answered {}", response.status());
        }
        let mut bytes = 0usize;
        let mut lines = 0usize;
        while let Some(chunk) = response.chunk().await? {
            bytes += chunk.len();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        results.insert(format!("{format}_s"), json!((started.elapsed().as_secs_f64() * 10.0).round() / 10.0));
        results.insert(format!("{format}_mb"), json!((bytes as f64 / 1_048_576.0 * 10.0).round() / 10.0));
        if format == "csv" {
            results.insert("csv_rows".into(), json!(lines.saturating_sub(1)));
        }
        results.insert(format!("peak_rss_after_{format}_mb"), json!((peak_rss_mb(pid) * 10.0).round() / 10.0));
    }
    server.kill().await?;
    let mut figures = serde_json::Map::new();
    figures.insert("responses".into(), json!(count));
    figures.insert("fill_s".into(), json!((filled_s * 10.0).round() / 10.0));
    figures.insert("peak_rss_before_export_mb".into(), json!((before_mb * 10.0).round() / 10.0));
    figures.extend(results);
    println!("{}", Value::Object(figures));
    Ok(())
}

async fn ingest(count: usize, concurrency: usize, postgres: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let database_url = fresh_database(&dir, postgres.as_deref()).await?;
    let key = DataKey::generate();
    let (mut server, pid, address) = start_server(&database_url, &key).await?;
    let path = format!("/api/v1/surveys/{}/responses", thuocdo::demo::SURVEY_CODE);
    // Requests are prepared before the clock starts, so the generator measures the server.
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..count)
            .map(|i| {
                let body = json!({ "submission_id": format!("bench-{i}"), "unit_code": UNITS[i % UNITS.len()], "answers": sheet(i) }).to_string();
                let head = format!("POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
                [head.into_bytes(), body.into_bytes()].concat()
            })
            .collect(),
    );
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let cpu_start = cpu_seconds(pid);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (address, bodies, next) = (address.clone(), bodies.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut acknowledged = Vec::new();
            let mut connection = Connection::open(&address).await?;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= bodies.len() {
                    break;
                }
                let sent = Instant::now();
                let status = match connection.exchange(&bodies[i]).await {
                    Ok(status) => status,
                    // A dropped connection loses no acknowledged answer: reconnect and go on.
                    Err(_) => {
                        connection = Connection::open(&address).await?;
                        0
                    }
                };
                if status == 201 {
                    acknowledged.push(i);
                }
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok((latencies, acknowledged))
        }));
    }
    let mut latencies = Vec::new();
    let mut acknowledged = Vec::new();
    for worker in workers {
        let (l, a) = worker.await??;
        latencies.extend(l);
        acknowledged.extend(a);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let server_cpu = cpu_seconds(pid) - cpu_start;
    let database_cpu = database_cpu_seconds(&database_url).await?;
    let rss = peak_rss_mb(pid);
    server.kill().await?;
    let _ = server.wait().await;

    let stored_ids = submission_ids(&database_url).await?;
    let distinct: HashSet<&String> = stored_ids.iter().collect();
    let acked: HashSet<String> = acknowledged.iter().map(|i| format!("bench-{i}")).collect();
    let lost = acked.iter().filter(|id| !distinct.contains(id)).count();
    let duplicated = stored_ids.len() - distinct.len();
    let figures = json!({
        "backend": if postgres.is_some() { "postgres" } else { "sqlite" },
        "count": count,
        "concurrency": concurrency,
        "seconds": (elapsed * 1000.0).round() / 1000.0,
        "submissions_per_s": (acknowledged.len() as f64 / elapsed).round(),
        "p50_ms": (percentile(&mut latencies, 0.50) * 100.0).round() / 100.0,
        "p99_ms": (percentile(&mut latencies, 0.99) * 100.0).round() / 100.0,
        "server_peak_rss_mb": (rss * 10.0).round() / 10.0,
        // CPU per acknowledged answer while the load ran: where a faster path must save.
        "server_cpu_us_per_answer": (server_cpu * 1e6 / acknowledged.len().max(1) as f64).round(),
        "database_cpu_us_per_answer": database_cpu.map(|cpu| (cpu * 1e6 / acknowledged.len().max(1) as f64).round()),
        "acknowledged": acknowledged.len(),
        "stored": stored_ids.len(),
        "lost": lost,
        "duplicated": duplicated,
    });
    println!("{figures}");
    Ok(())
}

/// A minimal HTTP/1.1 keep-alive connection, like wrk's: the load generator shares the two cores
/// with the server, so it must cost as little as possible.
struct Connection {
    stream: tokio::io::BufReader<tokio::net::TcpStream>,
}

impl Connection {
    async fn open(address: &str) -> anyhow::Result<Self> {
        let stream = tokio::net::TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Self { stream: tokio::io::BufReader::new(stream) })
    }

    /// Sends one prepared request and reads the whole response; returns its status.
    async fn exchange(&mut self, request: &[u8]) -> anyhow::Result<u16> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.stream.get_mut().write_all(request).await?;
        let mut line = String::new();
        let mut status = 0;
        let mut length = 0usize;
        let mut first = true;
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                bail!("connection closed");
            }
            let header = line.trim_end();
            if first {
                status = header.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
                first = false;
            } else if header.is_empty() {
                break;
            } else if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        self.stream.read_exact(&mut body).await?;
        Ok(status)
    }
}

/// Every stored submission id, read straight from the database the server wrote.
async fn submission_ids(database_url: &str) -> anyhow::Result<Vec<String>> {
    const SQL: &str = "SELECT submission_id FROM responses";
    Ok(if database_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(database_url).await?;
        sqlx::query_scalar(SQL).fetch_all(&pool).await?
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{database_url}")).await?;
        sqlx::query_scalar(SQL).fetch_all(&pool).await?
    })
}

/// CPU time used so far by the PostgreSQL backends serving the server's connections (those open
/// now: the server keeps its pool). None on SQLite, whose work is in the server's own, and when
/// PostgreSQL runs on another machine, whose processes this one cannot read.
async fn database_cpu_seconds(database_url: &str) -> anyhow::Result<Option<f64>> {
    if !database_url.starts_with("postgres") {
        return Ok(None);
    }
    let pool = sqlx::PgPool::connect(database_url).await?;
    let pids: Vec<i32> =
        sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").fetch_all(&pool).await?;
    let local = !pids.is_empty() && pids.iter().all(|pid| std::path::Path::new(&format!("/proc/{pid}/stat")).exists());
    Ok(local.then(|| pids.into_iter().map(|pid| cpu_seconds(pid as u32)).sum()))
}

/// A new, empty database: a SQLite file in `dir`, or one on the PostgreSQL server at `admin`.
async fn fresh_database(dir: &tempfile::TempDir, postgres: Option<&str>) -> anyhow::Result<String> {
    match postgres {
        None => Ok(dir.path().join("bench.db").to_string_lossy().into_owned()),
        Some(admin) => fresh_postgres(admin).await,
    }
}

/// A new, empty database on the PostgreSQL server at `admin`.
async fn fresh_postgres(admin: &str) -> anyhow::Result<String> {
    let name = format!("thuocdo_bench_{}", std::process::id());
    let pool = sqlx::PgPool::connect(admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    Ok(format!("{base}/{name}"))
}
