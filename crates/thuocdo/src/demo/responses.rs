//! A year of answers to the demo SIPAS survey, so that the dashboards have something to show:
//! units differ in how satisfied their visitors are, months drift, channels vary, and the
//! one-stop counters carry kiosk ratings by officer. Deterministic: the same seed, the same data.

use analytics::Sentiment;
use std::sync::Arc;

use anyhow::Context;
use domain::sampling::SplitMix;
use domain::surveys::{Answer, Answers, Layout, validate};
use storage::Store;
use storage::responses::NewResponse;

use super::SURVEY_CODE;

/// The repeatable generator of the sampling draws, with a pick from a list.
struct Dice(SplitMix);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn unit(&mut self) -> f64 {
        self.0.unit()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.0.below(items.len() as u64) as usize]
    }
}

/// Responses the demo starts with.
pub const COUNT: usize = 3_000;

const ELEMENTS: [(&str, usize); 5] = [("TC", 4), ("TT", 5), ("CC", 6), ("KQ", 3), ("PA", 4)];
const CHANNELS: [(&str, f64); 5] = [("web", 0.45), ("invitation", 0.2), ("kiosk", 0.15), ("phone", 0.1), ("paper", 0.1)];
const COUNTER_STAFF: [&str; 3] = ["mc-01", "mc-02", "mc-03"];

/// One answer sheet from a visitor of a unit whose quality is `q` (chance of a good experience).
fn sheet(dice: &mut Dice, unit_code: &str, q: f64) -> Answers {
    let mut a = Answers::new();
    a.insert("DV".into(), Answer::Text(unit_code.into()));
    let satisfaction = |dice: &mut Dice, q: f64| {
        // Most of the dissatisfied say "Bình thường" or "Không hài lòng"; few "Rất không hài lòng".
        let level = if dice.unit() < q {
            if dice.unit() < 0.4 { 5 } else { 4 }
        } else {
            let roll = dice.unit();
            if roll < 0.6 {
                3
            } else if roll < 0.98 {
                2
            } else {
                1
            }
        };
        Answer::Text(level.to_string())
    };
    let asked_feedback = dice.unit() < 0.4;
    a.insert("PA0".into(), Answer::Text(if asked_feedback { "co" } else { "chua" }.into()));
    for (element, criteria) in ELEMENTS {
        // Each element a little above or below the unit's quality.
        let qe = (q + (dice.unit() - 0.5) * 0.2).clamp(0.05, 0.99);
        for i in 1..=criteria {
            let roll = dice.unit();
            // Fees outside the rules (TT4) and rule-breaking (CC6) are rare, and alerted on.
            let qc = if matches!((element, i), ("TT", 4) | ("CC", 6)) { 0.995 } else { qe };
            let answer = if roll < qc {
                "co"
            } else if roll < 0.997 {
                "khong"
            } else {
                "kb"
            };
            a.insert(format!("{element}{i}"), Answer::Text(answer.into()));
        }
        let level = satisfaction(dice, qe);
        if matches!(&level, Answer::Text(l) if l.as_str() <= "3") {
            a.insert(format!("{element}_KV"), Answer::List(vec![format!("{element}{}", 1 + dice.next() % criteria as u64)]));
        }
        a.insert(format!("{element}_HL"), level);
    }
    let overall = satisfaction(dice, q);
    if dice.unit() < 0.1 {
        // What people write goes with how satisfied they are: the corpus's written comments
        // of the matching kind.
        let kind = match &overall {
            Answer::Text(l) if l.as_str() <= "2" => Sentiment::Negative,
            Answer::Text(l) if l.as_str() == "3" => Sentiment::Neutral,
            _ => Sentiment::Positive,
        };
        let pool: Vec<&str> = COMMENTS.iter().filter(|(k, _)| *k == kind).map(|(_, t)| t.as_str()).collect();
        a.insert("GOP_Y".into(), Answer::Text((*dice.pick(&pool)).to_string()));
    }
    a.insert("HL_CHUNG".into(), overall);
    a
}

/// The written comments of the shipped corpus, by the sentiment they were labelled with.
static COMMENTS: std::sync::LazyLock<Vec<(Sentiment, String)>> = std::sync::LazyLock::new(|| {
    analytics::corpus::parse(analytics::corpus::BUILTIN)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.source == analytics::corpus::Source::Written && e.text.chars().count() > 12)
        .map(|e| (e.label, e.text))
        .collect()
});

/// Stores `count` responses to the demo survey spread over 2026 up to `now`.
pub async fn load(store: &Store, count: usize, now: i64) -> anyhow::Result<()> {
    let start = domain::text::vn_midnight_ms(domain::text::parse_date("01/01/2026").context("date")?);
    let end = now.clamp(start + 86_400_000, domain::text::vn_midnight_ms(domain::text::parse_date("31/12/2026").context("date")?));
    generate(store, SURVEY_CODE, count, (start, end)).await
}

/// Stores `count` responses to a survey asked with the SIPAS 2017 form, submitted between the
/// two moments, through the ingest writer (a few thousand in flight at a time).
pub async fn generate(store: &Store, survey_code: &str, count: usize, window: (i64, i64)) -> anyhow::Result<()> {
    submit(store, survey_code, window, (0..count).map(|_| None)).await
}

/// Stores the answers of sampled people reached by telephone between the two moments: one per
/// dossier given (unit id, dossier code), tied to it as the sampling's interviews are.
pub async fn interviews(store: &Store, survey_code: &str, window: (i64, i64), dossiers: &[(i64, String)]) -> anyhow::Result<()> {
    submit(store, survey_code, window, dossiers.iter().map(Some)).await
}

/// Stores one response for each of `sources`: an interview of a sampled dossier, or (none) a
/// visitor of a random unit by a random channel. Submission ids follow the source: a dossier's
/// code or the visitor's number, so a second call stores nothing twice.
async fn submit<'a>(
    store: &Store,
    survey_code: &str,
    (start, end): (i64, i64),
    sources: impl Iterator<Item = Option<&'a (i64, String)>>,
) -> anyhow::Result<()> {
    let survey = store.survey_by_code(survey_code, end).await.context("the survey")?;
    let form = store.version(survey.version_id).await?;
    let layout = Arc::new(Layout::of(&form));
    let units = store.survey_targets(survey.id).await?;
    let ingest = store.start_ingest();
    let mut dice = Dice(SplitMix(2026));
    let mut pending = tokio::task::JoinSet::new();
    for (i, source) in sources.enumerate() {
        let (unit_id, unit_code) = match source {
            Some((unit_id, _)) => (*unit_id, units.iter().find(|u| u.0 == *unit_id).map_or_else(String::new, |u| u.1.clone())),
            None => {
                let (id, code, _) = dice.pick(&units);
                (*id, code.clone())
            }
        };
        // Quality per unit between 0.55 and 0.95, improving a little over the period.
        let at = start + ((end - start) as f64 * dice.unit()) as i64;
        let progress = (at - start) as f64 / (end - start).max(1) as f64;
        let q = 0.55 + (unit_id.unsigned_abs() * 7919 % 41) as f64 / 100.0 + 0.04 * progress;
        let answers = validate(&form, &sheet(&mut dice, &unit_code, q.min(0.97))).map_err(|e| anyhow::anyhow!("demo answers: {e:?}"))?;
        let roll = dice.unit();
        let mut acc = 0.0;
        let channel = CHANNELS.iter().find(|(_, share)| {
            acc += share;
            roll < acc
        });
        let channel = if source.is_some() { "phone" } else { channel.map_or("web", |(c, _)| c) };
        let staff = if channel == "kiosk" { dice.pick(&COUNTER_STAFF).to_string() } else { String::new() };
        let response = NewResponse {
            submission_id: source.map_or_else(|| format!("{survey_code}-{i}"), |(_, dossier)| format!("{survey_code}-{dossier}")),
            survey_id: survey.id,
            unit_id,
            channel: channel.into(),
            started_at: Some(at - 240_000),
            submitted_at: at,
            duration_ms: Some(240_000),
            token_hash: None,
            dossier_code: source.map(|(_, dossier)| dossier.clone()),
            fingerprint: format!("demo{}", i % 97),
            flags: 0,
            staff,
            positions: layout.positions(&form, &answers)?,
            layout: layout.clone(),
            answers: serde_json::to_string(&answers)?,
            follow_ups: Vec::new(),
        };
        let ingest = ingest.clone();
        pending.spawn(async move { ingest.submit(response).await });
        if pending.len() >= 4_096
            && let Some(done) = pending.join_next().await
        {
            done?.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    while let Some(done) = pending.join_next().await {
        done?.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}
