//! `cargo run --release -p bench -- reports [--units N] [--count N]`
//!
//! The official reports of a province of N communes (1,000 by default) besides the demo's
//! units: each commune with PAR INDEX results of 2025 and 2026 (the communes exist from 1 July
//! 2025; varied scores, classes and fields, ranked) and SIPAS responses of 2026 through the
//! real ingest writer. Then, against the server in a child process, signed in as the reform
//! office: each report downloaded as the office would, timed from request to last byte (the
//! median and the slowest of a few runs), with its size. The target: each under 5 s.

use std::time::Instant;

use anyhow::{Context, bail};
use domain::auth::{Access, Grant, Role};
use domain::results::{ComponentScore, ImportRow, IndexCode, Scope, Target, definition};
use domain::sampling::SplitMix;
use storage::crypto::DataKey;
use storage::{Actor, Store};

use super::{dashboard, percentile, signed_in, start_server};

const RUNS: usize = 3;

/// PAR INDEX results of `year` for the communes, ranked by score: varied, as real ones are.
fn par_rows(codes: &[String], year: i32, seed: u64) -> anyhow::Result<Vec<ImportRow>> {
    let def = definition(IndexCode::Par, year).context("PAR INDEX methodology")?;
    let mut dice = SplitMix(seed);
    let mut rows: Vec<ImportRow> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let quality = 0.55 + 0.4 * dice.unit();
            let components: Vec<ComponentScore> = def
                .components
                .iter()
                .map(|c| {
                    let max = c.max.unwrap_or(10.0);
                    ComponentScore {
                        code: c.code.into(),
                        name: c.name.into(),
                        score: ((max * (quality + 0.1 * (dice.unit() - 0.5))).clamp(0.0, max) * 100.0).round() / 100.0,
                    }
                })
                .collect();
            let score = (components.iter().map(|c| c.score).sum::<f64>() * 100.0).round() / 100.0;
            let class = match score {
                s if s >= 80.0 => "Tốt",
                s if s >= 65.0 => "Khá",
                s if s >= 50.0 => "Trung bình",
                _ => "Yếu",
            };
            ImportRow {
                line: i + 2,
                year,
                version: def.version,
                scope: Scope::Provincial,
                target: Target::Unit(code.clone()),
                score,
                rank: None,
                ranked: None,
                class: class.into(),
                source: format!("Quyết định công bố Chỉ số CCHC năm {year} (bench)"),
                components,
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|a, b| rows[*b].score.total_cmp(&rows[*a].score));
    let ranked = rows.len() as u32;
    for (rank, i) in order.into_iter().enumerate() {
        rows[i].rank = Some(rank as u32 + 1);
        rows[i].ranked = Some(ranked);
    }
    Ok(rows)
}

pub async fn run(units: usize, count: usize) -> anyhow::Result<()> {
    let dir = tempfile::Builder::new().prefix("thuocdo-reports").tempdir_in(if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" })?;
    let url = dir.path().join("bench.db").to_string_lossy().into_owned();
    let key = DataKey::generate();
    let store = Store::connect(&url, &key).await?;
    store.migrate().await?;
    let started = Instant::now();
    let codes = dashboard::province(&store, count, units).await?;
    let now = domain::text::vn_midnight_ms(domain::text::parse_date("01/12/2026").context("date")?);
    let province_id = store.public_unit_by_code(thuocdo::demo::PROVINCE_CODE).await?.id;
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: province_id }]);
    let actor = Actor::system("bench", now);
    for (year, seed) in [(2025, 25), (2026, 26)] {
        let rows = par_rows(&codes, year, seed)?;
        let outcome = store.import_index_results(&actor, &office, IndexCode::Par, "bench.xlsx", &rows, true).await?;
        if !outcome.applied {
            bail!("PAR INDEX {year} not imported: {:?}", outcome.problems.iter().take(3).collect::<Vec<_>>());
        }
    }
    println!("{units} communes, {count} responses of 2026 and PAR INDEX 2025–2026 loaded in {:.0} s", started.elapsed().as_secs_f64());
    store.close().await;

    let (_server, _pid, address) = start_server(&url, &key).await?;
    let base = format!("http://{address}");
    let client = signed_in(&base).await?;
    let reports = [
        ("SIPAS annual report 2026, PDF", "/admin/bao-cao/tai?loai=sipas-nam&nam=2026&dinh-dang=pdf"),
        ("SIPAS annual report 2026, DOCX", "/admin/bao-cao/tai?loai=sipas-nam&nam=2026&dinh-dang=docx"),
        ("PAR INDEX annual report 2026, PDF", "/admin/bao-cao/tai?loai=par-nam&nam=2026&dinh-dang=pdf"),
        ("decision PAR INDEX + SIPAS 2026, PDF", "/admin/bao-cao/tai?loai=quyet-dinh&nam=2026&dinh-dang=pdf"),
        ("decision PAR INDEX + SIPAS 2026, DOCX", "/admin/bao-cao/tai?loai=quyet-dinh&nam=2026&dinh-dang=docx"),
        ("monthly form 11/2026 of the communes, PDF", "/admin/bao-cao/tai?loai=bieu-thang&thang=11/2026&cap=commune&dinh-dang=pdf"),
        ("monthly form 11/2026 of the communes, XLSX", "/admin/bao-cao/tai?loai=bieu-thang&thang=11/2026&cap=commune&dinh-dang=xlsx"),
        ("one commune's card 2026, PDF", "/admin/bao-cao/tai?loai=phieu-don-vi&don-vi=28201&nam=2026&dinh-dang=pdf"),
    ];
    for (name, path) in reports {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            let response = client.get(format!("{base}{path}")).send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            if !status.is_success() {
                bail!("{name}: {status}: {}", String::from_utf8_lossy(&body));
            }
            times.push(start.elapsed().as_secs_f64());
            size = body.len();
        }
        let slowest = times.iter().copied().fold(0.0, f64::max);
        println!("{name}: median {:.2} s, slowest {slowest:.2} s, {:.0} KB", percentile(&mut times, 0.5), size as f64 / 1024.0);
    }
    Ok(())
}
