//! Text analytics on the officials' side (SPEC §3.2, action programme 3441 part 2 item 2): the
//! job that reads every new comment and classifies it, and classifies all kept ones again when
//! the model or the taxonomy changes; the dashboard of sentiment and topics per unit, month and
//! counter officer with the comments behind each number; the taxonomy the reform office edits.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use domain::surveys::{Answer, Answers, Questionnaire};
use storage::analytics::{Analysed, RESPONSES, Redone, ResponseToRead};

use crate::AppState;

mod pages;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/phan-tich-y-kien", get(pages::dashboard))
        .route("/admin/phan-tich-y-kien.xlsx", get(pages::export))
        .route("/admin/phan-tich-y-kien/y-kien", get(pages::comments))
        .route("/admin/phan-tich-y-kien/chu-de", get(pages::topics).post(pages::save_topic))
        .route("/admin/phan-tich-y-kien/chu-de/xoa", post(pages::delete_topic))
}

/// Comments read or classified again in one batch, and the most batches of each in one pass
/// (the job's next pass goes on where this one stopped).
const BATCH: i64 = 2_000;
const BATCHES_PER_PASS: usize = 25;

/// One pass of the job: new comments first, then a reclassification under way.
pub async fn process(state: &AppState) {
    if let Err(e) = read_new(state).await {
        tracing::error!(error = %e, "reading new comments failed");
    }
    if let Err(e) = redo(state).await {
        tracing::error!(error = %e, "classifying comments again failed");
    }
}

async fn read_new(state: &AppState) -> anyhow::Result<()> {
    let store = &state.store;
    let model = analytics::model::builtin_id();
    store.reclassify_for_model(model).await?;
    let (version, taxonomy) = store.analytics_taxonomy().await?;
    let taxonomy = Arc::new(taxonomy);
    let mut forms: HashMap<i64, Arc<Questionnaire>> = HashMap::new();
    for _ in 0..BATCHES_PER_PASS {
        let after = store.analytics_cursor(RESPONSES).await?;
        let batch = store.responses_to_read(after, BATCH).await?;
        let Some(last) = batch.last().map(|r| r.id) else { break };
        for r in &batch {
            if let std::collections::hash_map::Entry::Vacant(slot) = forms.entry(r.version_id) {
                slot.insert(store.version(r.version_id).await?);
            }
        }
        let full = batch.len() as i64 == BATCH;
        let comments: Vec<(ResponseToRead, String, String)> = batch
            .into_iter()
            .flat_map(|r| {
                let found = comments_of(&forms[&r.version_id], &r.answers);
                found.into_iter().map(move |(part, text)| (r.clone(), part, text))
            })
            .collect();
        let taxonomy = taxonomy.clone();
        let analysed = tokio::task::spawn_blocking(move || {
            comments
                .into_iter()
                .map(|(r, part, text)| {
                    let reading = analytics::read(&text, &taxonomy);
                    Analysed {
                        source_id: r.id,
                        part,
                        unit_id: r.unit_id,
                        at: r.submitted_at,
                        channel: r.channel,
                        staff: r.staff,
                        body: reading.shown,
                        sentiment: reading.verdict.sentiment.value(),
                        confidence: per_mille(reading.verdict.confidence),
                        topics: reading.topics,
                    }
                })
                .collect::<Vec<_>>()
        })
        .await?;
        store.keep_comments(RESPONSES, last, &analysed, model, version).await?;
        if !full {
            break;
        }
    }
    Ok(())
}

async fn redo(state: &AppState) -> anyhow::Result<()> {
    let store = &state.store;
    let model = analytics::model::builtin_id();
    for _ in 0..BATCHES_PER_PASS {
        if store.analytics_state().await?.redo.is_none() {
            break;
        }
        let (version, taxonomy) = store.analytics_taxonomy().await?;
        let batch = store.comments_to_redo(BATCH).await?;
        let last = (batch.len() as i64) < BATCH;
        let upto = batch.last().map_or(0, |(id, _)| *id);
        let redone = tokio::task::spawn_blocking(move || {
            batch
                .into_iter()
                .map(|(id, body)| {
                    let reading = analytics::read(&body, &taxonomy);
                    Redone { id, sentiment: reading.verdict.sentiment.value(), confidence: per_mille(reading.verdict.confidence), topics: reading.topics }
                })
                .collect::<Vec<_>>()
        })
        .await?;
        store.keep_redone(upto, &redone, last, model, version).await?;
        if last {
            break;
        }
    }
    Ok(())
}

fn per_mille(confidence: f32) -> i64 {
    (f64::from(confidence) * 1000.0).round() as i64
}

/// The comment answers of a response: (question code, text) for each answered question that
/// takes a comment and holds more than blanks.
fn comments_of(form: &Questionnaire, answers: &str) -> Vec<(String, String)> {
    let answers: Answers = serde_json::from_str(answers).unwrap_or_default();
    form.questions()
        .filter(|(_, q)| q.takes_comment())
        .filter_map(|(_, q)| match answers.get(&q.code) {
            Some(Answer::Text(t)) if !t.trim().is_empty() => Some((q.code.clone(), t.clone())),
            _ => None,
        })
        .collect()
}
