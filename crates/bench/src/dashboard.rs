//! `cargo run --release -p bench -- dashboard [--count N] [--database PATH]`
//!
//! A province of ~150 units with COUNT responses to one yearly SIPAS survey, written through
//! the real ingest writer (so the counters are the incremental ones). Then, against the server
//! in a child process: the province overview and unit drill-downs (pages as officials open
//! them, and the API), timed; then the recount from raw responses, which must find no
//! difference and give the same figures. `--database` keeps the generated file for later runs.

use std::time::Instant;

use anyhow::{Context, bail};
use domain::auth::{Access, Grant, Role};
use domain::units::RawUnitRow;
use serde_json::{Value, json};
use storage::crypto::DataKey;
use storage::{Actor, Store};

use super::{peak_rss_mb, signed_in, start_server};

const SURVEY: &str = "bench-2026";
/// Communes added to the demo province, to reach the size of a real one.
const EXTRA_COMMUNES: usize = 100;
const ROUNDS: usize = 100;

/// The demo province with `extra` communes added and `count` responses of 2026 spread over its
/// units; gives the added communes' codes.
pub async fn province(store: &Store, count: usize, extra: usize) -> anyhow::Result<Vec<String>> {
    let now = domain::text::vn_midnight_ms(domain::text::parse_date("01/12/2026").context("date")?);
    thuocdo::demo::load(store, now).await?;
    let province_id = store.public_unit_by_code(thuocdo::demo::PROVINCE_CODE).await?.id;
    let admin = Access::new(vec![Grant { role: Role::SystemAdmin, unit: province_id }]);
    let actor = Actor::system("bench", now);
    let codes: Vec<(String, String)> = (1..=extra).map(|i| (format!("{}", 28200 + i), format!("Xã Thử Nghiệm {i}"))).collect();
    let rows: Vec<RawUnitRow> =
        codes.iter().enumerate().map(|(line, (code, name))| RawUnitRow::from_cells(line + 2, [code, name, "commune", "99", "01/07/2025", "", ""])).collect();
    let report = store.import_units(&actor, &admin, &rows, true).await?;
    if !report.applied {
        bail!("extra communes not imported");
    }
    let demo = store.survey_by_code(thuocdo::demo::SURVEY_CODE, now).await?;
    let in_force = storage::units::UnitFilter { valid_on: domain::text::parse_date("01/01/2026"), ..Default::default() };
    let targets = store.units(&[province_id], &in_force, storage::Paging::ALL).await?.items;
    let start = domain::text::parse_date("01/01/2026").context("date")?;
    let end = domain::text::parse_date("31/12/2026").context("date")?;
    let survey = storage::surveys::NewSurvey {
        code: SURVEY.into(),
        title: "Khảo sát sự hài lòng năm 2026 (bench)".into(),
        unit_id: province_id,
        version_id: demo.version_id,
        recurrence: domain::surveys::Recurrence::Once,
        period_start: start,
        period_end: end,
        opens_at: domain::text::vn_midnight_ms(start),
        closes_at: domain::text::vn_midnight_ms(end) + 86_400_000,
        channels: demo.channels.clone(),
        targets: targets.iter().filter(|u| u.level != domain::units::UnitLevel::Province).map(|u| u.id).collect(),
    };
    store.create_survey(&actor, &admin, &survey).await?;
    let from = domain::text::vn_midnight_ms(start);
    let to = domain::text::vn_midnight_ms(domain::text::parse_date("30/11/2026").context("date")?);
    thuocdo::demo::responses::generate(store, SURVEY, count, (from, to)).await?;
    Ok(codes.into_iter().map(|(code, _)| code).collect())
}

/// Responses already stored for the bench survey (a kept database is reused).
async fn stored(database_url: &str) -> anyhow::Result<usize> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{database_url}")).await?;
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM responses r JOIN surveys s ON s.id = r.survey_id WHERE s.code = $1").bind(SURVEY).fetch_one(&pool).await?;
    pool.close().await;
    Ok(count as usize)
}

fn p95(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    let at = ((samples.len() as f64 * 0.95).ceil() as usize).saturating_sub(1).min(samples.len().saturating_sub(1));
    (samples.get(at).copied().unwrap_or(0.0) * 10.0).round() / 10.0
}

/// Times GETs of each path in turn; every answer must be 200.
async fn timed(client: &reqwest::Client, base: &str, paths: &[String]) -> anyhow::Result<Vec<f64>> {
    let mut samples = Vec::with_capacity(paths.len());
    for path in paths {
        let started = Instant::now();
        let response = client.get(format!("{base}{path}")).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        if !status.is_success() {
            bail!("{path} answered {status}: {}", String::from_utf8_lossy(&body));
        }
    }
    Ok(samples)
}

pub async fn run(count: usize, database: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let database_url = database.unwrap_or_else(|| dir.path().join("dashboard.db").to_string_lossy().into_owned());
    let key_path = format!("{database_url}.key");
    let key = match std::fs::read_to_string(&key_path) {
        Ok(hex) => DataKey::from_hex(hex.trim()).context("key")?,
        Err(_) => {
            let key = DataKey::generate();
            std::fs::write(&key_path, key.to_hex())?;
            key
        }
    };
    let store = Store::connect(&database_url, &key).await?;
    store.migrate().await?;
    let mut fill_s = 0.0;
    if stored(&database_url).await? < count {
        let started = Instant::now();
        province(&store, count, EXTRA_COMMUNES).await?;
        fill_s = started.elapsed().as_secs_f64();
        eprintln!("{count} responses written in {fill_s:.0} s");
    }
    let responses = stored(&database_url).await?;
    let survey = store.survey_by_code(SURVEY, i64::MAX).await?;
    let units: Vec<i64> = store.survey_targets(survey.id).await?.into_iter().map(|(id, _, _)| id).collect();
    let province_id = store.public_unit_by_code(thuocdo::demo::PROVINCE_CODE).await?.id;
    store.close().await;

    let (server, pid, address) = start_server(&database_url, &key).await?;
    let base = format!("http://{address}");
    let client = signed_in(&base).await?;
    let period = format!("version={}&from=01/2026&to=11/2026", survey.version_id);
    let levels = ["department", "commune", "vertical_agency"];
    let channels = ["", "web", "kiosk"];
    let overview: Vec<String> = (0..ROUNDS).map(|i| format!("/admin/sipas?{period}&level={}&channel={}", levels[i % 3], channels[(i / 3) % 3])).collect();
    let drilldown: Vec<String> = (0..ROUNDS)
        .map(|i| {
            let unit = if i % 10 == 0 { province_id } else { units[(i * 37) % units.len()] };
            format!("/admin/sipas/units/{unit}?{period}&channel={}", channels[i % 3])
        })
        .collect();
    let api: Vec<String> = overview.iter().map(|p| p.replace("/admin/sipas?", "/api/v1/sipas/overview?")).collect();
    timed(&client, &base, &overview[..5]).await?;
    let overview_ms = timed(&client, &base, &overview).await?;
    let drilldown_ms = timed(&client, &base, &drilldown).await?;
    let api_ms = timed(&client, &base, &api).await?;
    let figures_path = format!("/api/v1/sipas/overview?{period}&level=commune");
    let before: Value = client.get(format!("{base}{figures_path}")).send().await?.json().await?;
    let rss = peak_rss_mb(pid);
    drop(server);

    // The recount, as `thuocdo recompute` runs it.
    let store = Store::connect(&database_url, &key).await?;
    let started = Instant::now();
    let mut differences = 0;
    for id in store.survey_ids().await? {
        differences += store.recompute(&Actor::system("bench", 0), id).await?.differences.len();
    }
    let recompute_s = started.elapsed().as_secs_f64();
    store.close().await;
    let (server, _, address) = start_server(&database_url, &key).await?;
    let base = format!("http://{address}");
    let after: Value = signed_in(&base).await?.get(format!("{base}{figures_path}")).send().await?.json().await?;
    drop(server);

    println!(
        "{}",
        json!({
            "backend": "sqlite",
            "responses": responses,
            "units": units.len() + 1,
            "fill_s": (fill_s * 10.0).round() / 10.0,
            "overview_p95_ms": p95(overview_ms),
            "drilldown_p95_ms": p95(drilldown_ms),
            "overview_api_p95_ms": p95(api_ms),
            "server_peak_rss_mb": (rss * 10.0).round() / 10.0,
            "recompute_s": (recompute_s * 10.0).round() / 10.0,
            "recompute_differences": differences,
            "recompute_agrees": differences == 0 && before == after,
        })
    );
    Ok(())
}
