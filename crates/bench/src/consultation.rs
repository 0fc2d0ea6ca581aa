//! `cargo run --release -p bench -- consultation [--count N] [--postgres URL]`
//!
//! A consultation on the demo draft receiving COUNT comments (100,000 by default) as a large
//! rule does: 70 % are copies of four campaign texts, each a little edited, the rest people's own
//! words; a flood of bad submissions (empty, oversize, on a part that does not exist) is mixed
//! in and must write nothing. Each comment goes through the Store as the pages send it (masked,
//! counted, one transaction each). Reported: the time to take them, then the time the grouping
//! step takes to place them all in positions (target < 30 s), the grouping's precision and recall
//! against the positions the generator knows, then, against the server in a child process, the consultation's pages (the
//! public ones and the drafting unit's) timed from request to last byte: p50 and p95 (target
//! p95 < 100 ms), and the summary report's DOCX and XLSX.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, bail};
use domain::auth::{Access, Grant, Role};
use domain::consultation::{Audience, CommentForm, Moderation, ParticipantKind, Rules, Settings, Subject, outline};
use storage::consultation::Visitor;
use storage::crypto::DataKey;
use storage::{Actor, Paging, Store};
use thuocdo::demo::consultation::{comments, draft_lines};

use super::search::timed;
use super::{fresh_postgres, percentile, signed_in, start_server};

const READS: usize = 200;
const DAY: i64 = 86_400_000;

/// Pairwise precision and recall of the stored groups against the generator's positions.
fn scored(truth: &[String], groups: &[i64]) -> (f64, f64) {
    let pairs = |n: usize| (n as f64) * (n as f64 - 1.0) / 2.0;
    let mut cells: HashMap<(&str, i64), usize> = HashMap::new();
    let (mut by_truth, mut by_group): (HashMap<&str, usize>, HashMap<i64, usize>) = (HashMap::new(), HashMap::new());
    for (t, g) in truth.iter().zip(groups) {
        *cells.entry((t.as_str(), *g)).or_default() += 1;
        *by_truth.entry(t.as_str()).or_default() += 1;
        *by_group.entry(*g).or_default() += 1;
    }
    let right: f64 = cells.values().map(|n| pairs(*n)).sum();
    (right / by_group.values().map(|n| pairs(*n)).sum::<f64>(), right / by_truth.values().map(|n| pairs(*n)).sum::<f64>())
}

pub async fn run(count: usize, postgres: Option<String>) -> anyhow::Result<()> {
    let dir =
        tempfile::Builder::new().prefix("thuocdo-consultation").tempdir_in(if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" })?;
    let url = match postgres.as_deref() {
        None => dir.path().join("bench.db").to_string_lossy().into_owned(),
        Some(admin) => fresh_postgres(admin).await?,
    };
    let key = DataKey::generate();
    let store = Store::connect(&url, &key).await?;
    store.migrate().await?;
    let now = domain::text::vn_midnight_ms(domain::text::parse_date("01/12/2026").context("date")?);
    thuocdo::demo::load(&store, now).await?;
    let justice = store.public_unit_by_code("STP").await?.id;
    let official = Access::new(vec![Grant { role: Role::UnitOfficial, unit: justice }]);
    let actor = Actor::system("bench", now);
    let settings = Settings {
        title: "Dự thảo Quy chế tiếp nhận, xử lý phản ánh, kiến nghị (bench)".into(),
        summary: String::new(),
        subject: Subject::LegalDraft,
        audience: Audience::Everyone,
        invited: Vec::new(),
        moderation: Moderation::After,
        opens_at: now,
        closes_at: now + 30 * DAY,
    };
    let id = store.create_consultation(&actor, &official, justice, settings, &Rules::default()).await?;
    store.save_consultation_text(&actor, &official, id, &outline(&draft_lines())?).await?;
    store.publish_consultation(&actor, &official, id).await?;

    let generated = comments(42, count, 0.7);
    let bad = [
        ("dieu-3", " ".to_string()),
        ("dieu-3", "ý".repeat(domain::consultation::MAX_COMMENT_CHARS + 1)),
        ("dieu-99", "Góp ý cho một điều không có".to_string()),
    ];
    let (mut refused, mut ids) = (0usize, Vec::with_capacity(count));
    let started = Instant::now();
    for (i, c) in generated.iter().enumerate() {
        let token = format!("bench-participant-{i:08}");
        let at = now + (i as i64 * 20 * DAY) / count as i64;
        let form = CommentForm { body: c.text.clone(), ..CommentForm::default() };
        let receipt = store.submit_comment(id, Visitor { token: &token, units: &[], identity: None }, ParticipantKind::Person, c.anchor, &form, at).await?;
        ids.push(receipt.id);
        // One bad submission in ten, of every kind.
        if i % 10 == 0 {
            let (anchor, body) = &bad[(i / 10) % bad.len()];
            let form = CommentForm { body: body.clone(), ..CommentForm::default() };
            if store.submit_comment(id, Visitor { token: &token, units: &[], identity: None }, ParticipantKind::Person, anchor, &form, at).await.is_ok() {
                bail!("a bad submission was taken: {anchor}");
            }
            refused += 1;
        }
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "{count} comments taken and masked in {took:.1} s ({:.0}/s), one transaction each; {refused} bad ones refused and nothing written for them ({})",
        count as f64 / took,
        if postgres.is_some() { "PostgreSQL" } else { "SQLite" }
    );
    // The grouping step, as the server runs it, until every comment is placed.
    let started = Instant::now();
    let mut steps = 0;
    while store.group_comments(storage::consultation::GROUPING_STEP).await? > 0 {
        steps += 1;
    }
    println!("{count} comments grouped in {:.1} s ({steps} steps of up to {})", started.elapsed().as_secs_f64(), storage::consultation::GROUPING_STEP);

    let mut groups: HashMap<i64, i64> = HashMap::with_capacity(count);
    let mut after = 0;
    loop {
        let found = store.moderation_queue(&official, id, None, after, 500).await?;
        let Some(last) = found.items.last() else { break };
        after = last.id;
        groups.extend(found.items.iter().map(|m| (m.id, m.group_id.unwrap_or(m.id))));
    }
    if groups.len() != count {
        bail!("{} comments stored for {count} taken", groups.len());
    }
    let truth: Vec<String> = generated.iter().map(|c| c.position.clone()).collect();
    let stored: Vec<i64> = ids.iter().map(|id| groups[id]).collect();
    let (precision, recall) = scored(&truth, &stored);
    let positions = store.positions(id, &[], Paging::new(1, 1)).await?.total;
    let mut distinct = truth.clone();
    distinct.sort_unstable();
    distinct.dedup();
    println!("grouping: {positions} positions for {} true ones; pairwise precision {precision:.3}, recall {recall:.3}", distinct.len());
    let biggest = store.positions(id, &[], Paging::new(1, 1)).await?.items.first().map(|p| (p.group_id, p.supporters)).context("a position")?;
    // A page in the middle of the biggest position's comments (20 a page).
    let (biggest, middle) = (biggest.0, (biggest.1 / 40).max(1));
    store.close().await;
    if postgres.is_some() {
        let pool = sqlx::PgPool::connect(&url).await?;
        sqlx::query("VACUUM (ANALYZE)").execute(&pool).await?;
        pool.close().await;
    }

    let (_server, _pid, address) = start_server(&url, &key).await?;
    let base = format!("http://{address}");
    let public = reqwest::Client::builder().build()?;
    let office = signed_in(&base).await?;
    let pages: [(&str, String, bool); 14] = [
        ("list", "/y-kien".into(), false),
        ("the draft", format!("/y-kien/{id}"), false),
        ("Điều 3 (most comments)", format!("/y-kien/{id}/dieu-3"), false),
        ("Điều 3, page 5", format!("/y-kien/{id}/dieu-3?page=5"), false),
        ("the whole draft", format!("/y-kien/{id}/toan-van"), false),
        ("all positions", format!("/y-kien/{id}/tat-ca"), false),
        ("all positions, last page", format!("/y-kien/{id}/tat-ca?page={}", (positions / 20).max(1)), false),
        ("biggest position's comments, middle page", format!("/y-kien/{id}/nhom/{biggest}?page={middle}"), false),
        ("statistics", format!("/y-kien/{id}/thong-ke"), false),
        ("API positions of Điều 4", format!("/api/v1/consultations/{id}/positions?part=dieu-4"), false),
        ("unit: the consultation", format!("/admin/y-kien/{id}"), true),
        ("unit: moderation, all, from the middle", format!("/admin/y-kien/{id}/kiem-duyet?trang-thai=tat-ca&sau={}", ids[ids.len() / 2]), true),
        ("unit: to answer", format!("/admin/y-kien/{id}/tiep-thu"), true),
        ("unit: list", "/admin/y-kien".into(), true),
    ];
    let mut worst: f64 = 0.0;
    for (name, path, signed) in &pages {
        let client = if *signed { &office } else { &public };
        let (mut times, _) = timed(client, &base, vec![path.clone(); READS], 1).await?;
        let p95 = percentile(&mut times, 0.95);
        worst = worst.max(p95);
        println!("{name}: p50 {:.1} ms, p95 {p95:.1} ms", percentile(&mut times, 0.50));
    }
    println!("slowest page p95: {worst:.1} ms");
    for file in ["bao-cao.docx", "bao-cao.xlsx"] {
        let start = Instant::now();
        let response = office.get(format!("{base}/admin/y-kien/{id}/tai/{file}")).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            bail!("{file}: {status}");
        }
        println!("summary report {file} of {positions} positions: {:.2} s, {:.0} KB", start.elapsed().as_secs_f64(), body.len() as f64 / 1024.0);
    }
    Ok(())
}
