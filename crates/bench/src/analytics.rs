//! `cargo run --release -p bench -- analytics [--count N] [--stored N] [--postgres URL]`
//!
//! Text analytics against its targets (issue 21): classifying ≥ 5,000 comments a second on
//! this machine, and classifying 1,000,000 stored comments again in under five minutes with the
//! progress shown. The comments are the corpus's, varied as people write (no tones, chat
//! spelling, two joined by a contrast, personal data written in) and mixed with hostile ones (a
//! pasted book, one word a thousand times, symbols and markup, nothing at all).

use std::time::Instant;

use analytics::Classifier;
use analytics::model::BUILTIN;
use analytics::topics::{Taxonomy, Topic};
use anyhow::Context;
use domain::auth::{Access, Grant, Role};
use domain::sampling::SplitMix;
use storage::analytics::{Analysed, Classified};
use storage::crypto::DataKey;
use storage::{Actor, Paging, Store};

use crate::{fresh_postgres, percentile};

/// Comment `i` of a varied and hostile stream.
fn comment(corpus: &[String], dice: &mut SplitMix, i: usize) -> String {
    let pick = |dice: &mut SplitMix| corpus[dice.below(corpus.len() as u64) as usize].clone();
    match i % 20 {
        0..=7 => pick(dice),
        8..=10 => domain::text::fold(&pick(dice)),
        11..=12 => pick(dice).to_lowercase().replace("không", "ko").replace("được", "dc").replace("người", "ng").replace("cán bộ", "cb"),
        13..=14 => format!("{} nhưng {}", pick(dice), pick(dice).to_lowercase()),
        15 => format!("Tôi tên là Nguyễn Văn {i}, số 09{:08}. {}", dice.below(100_000_000), pick(dice)),
        16 => (0..600).map(|_| pick(dice)).collect::<Vec<_>>().join(" "),
        17 => "không ".repeat(2_000),
        18 => format!("😡😡😡 !!! ??? <script>alert({i})</script> {} ¯\\_(ツ)_/¯ 𝔱𝔢𝔵𝔱", pick(dice)),
        _ => ["", "   ", ".", "\n\n"][i % 4].to_string(),
    }
}

pub async fn run(count: usize, stored: usize, postgres: Option<String>) -> anyhow::Result<()> {
    let corpus: Vec<String> = analytics::corpus::parse(analytics::corpus::BUILTIN)?.into_iter().map(|e| e.text).collect();
    let taxonomy = Taxonomy::builtin();
    let mut dice = SplitMix(21);
    let comments: Vec<String> = (0..count).map(|i| comment(&corpus, &mut dice, i)).collect();
    let bytes: usize = comments.iter().map(String::len).sum();

    // The model is trained once per process, before the first comment.
    let started = Instant::now();
    BUILTIN.model();
    let trained = started.elapsed().as_secs_f64();
    let mut each = Vec::with_capacity(count);
    let started = Instant::now();
    let mut negative = 0;
    for text in &comments {
        let one = Instant::now();
        let reading = analytics::read(text, &BUILTIN, &taxonomy)?;
        each.push(one.elapsed().as_secs_f64() * 1e6);
        negative += usize::from(reading.verdict.sentiment == analytics::Sentiment::Negative);
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "{count} comments ({:.1} MB, a fifth hostile) classified on one core in {took:.1} s: {:.0}/s; per comment p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs; {negative} negative; the model trained in {trained:.2} s",
        bytes as f64 / 1e6,
        count as f64 / took,
        percentile(&mut each, 0.5),
        percentile(&mut each, 0.99),
        percentile(&mut each, 1.0),
    );

    // A database holding `stored` comments of the demo province's units over a year.
    let dir = tempfile::Builder::new().prefix("thuocdo-analytics").tempdir_in(if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" })?;
    let url = match postgres.as_deref() {
        None => dir.path().join("bench.db").to_string_lossy().into_owned(),
        Some(admin) => fresh_postgres(admin).await?,
    };
    let store = Store::connect(&url, &DataKey::generate()).await?;
    store.migrate().await?;
    let now = domain::text::vn_midnight_ms(domain::text::parse_date("01/12/2026").context("date")?);
    thuocdo::demo::load(&store, now).await?;
    let roots = store.root_units().await?;
    let units: Vec<i64> = store.units(&roots, &Default::default(), Paging::ALL).await?.items.into_iter().map(|u| u.id).collect();
    let (version, _) = store.analytics_taxonomy().await?;
    let model = BUILTIN.id();
    let link = |id: i64| format!("/admin/alerts/{id}");
    store.read_new_comments(&BUILTIN, now, &link).await?;
    // Distinct readings of the corpus, laid out over units, months and a million ids.
    let readings: Vec<analytics::Reading> = corpus.iter().map(|t| analytics::read(t, &BUILTIN, &taxonomy)).collect::<Result<_, _>>()?;
    let started = Instant::now();
    let year = 365 * 86_400_000i64;
    for chunk in (0..stored).collect::<Vec<_>>().chunks(5_000) {
        let batch: Vec<Analysed> = chunk
            .iter()
            .map(|&i| {
                let r = &readings[i % readings.len()];
                Analysed {
                    source_id: 10_000_000 + i as i64,
                    part: "GOP_Y".into(),
                    survey_id: None,
                    unit_id: units[i % units.len()],
                    at: now - year + (i as i64 * year) / stored.max(1) as i64,
                    channel: if i % 7 == 0 { "kiosk" } else { "web" }.into(),
                    staff: if i % 7 == 0 { format!("mc-0{}", i % 3 + 1) } else { String::new() },
                    body: r.shown.clone(),
                    classified: Classified::of(r.clone()),
                    withheld: false,
                }
            })
            .collect();
        store.keep_comments("bench", 10_000_000 + *chunk.last().unwrap_or(&0) as i64, &batch, model, version).await?;
    }
    println!("{stored} comments stored in {:.1} s", started.elapsed().as_secs_f64());

    // The reform office adds a topic: every stored comment is classified again, pass by pass,
    // as the server's job does, with the progress the dashboard shows.
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: roots[0] }]);
    let topic = Topic::new("gui_xe", "Gửi xe", "gửi xe\nchỗ để xe\nbãi xe")?;
    store.save_analytics_topic(&Actor::system("bench", now), &office, &topic, 10).await?;
    let started = Instant::now();
    let mut passes = 0;
    loop {
        let done = store.reclassify_comments(&BUILTIN).await?;
        passes += 1;
        match store.analytics_state().await?.redo {
            Some(redo) => println!(
                "  {:>6.1} s: {} / {} ({:.0} %)",
                started.elapsed().as_secs_f64(),
                redo.done,
                redo.total,
                redo.done as f64 * 100.0 / redo.total.max(1) as f64
            ),
            None => break,
        }
        if done == 0 {
            anyhow::bail!("a reclassification that makes no progress");
        }
    }
    let took = started.elapsed().as_secs_f64();
    let backend = if postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("{stored} stored comments classified again in {took:.1} s ({:.0}/s, {passes} passes) on {backend}", stored as f64 / took);
    let idle = Instant::now();
    store.read_new_comments(&BUILTIN, now, &link).await?;
    store.reclassify_comments(&BUILTIN).await?;
    println!("a pass with nothing new took {:.1} ms", idle.elapsed().as_secs_f64() * 1000.0);
    Ok(())
}
