//! The alert step under a flood, on SQLite and PostgreSQL: its database work is in proportion to
//! the new answers, whatever the table holds, and a flood for one unit is one case per cause.
//! Every statement is counted as sqlx reports it (`sqlx::query` events, with the rows each
//! returned), so a query per answer or a scan of old rows shows in the figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use domain::surveys::Answer;
use domain::surveys::quality::Flags;
use storage::Paging;
use storage::alerts::{CaseFilter, STEP};
use storage::responses::Stored;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

mod common;

use common::{T0, admin_on, published_survey, response, units};

/// Statements run and rows they returned, since the counter was made.
#[derive(Default)]
struct Statements {
    run: AtomicU64,
    rows: AtomicU64,
}

struct Counting(Arc<Statements>);

struct Rows(u64);

impl Visit for Rows {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "rows_returned" {
            self.0 = value;
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Counting {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            let mut rows = Rows(0);
            event.record(&mut rows);
            self.0.run.fetch_add(1, Ordering::Relaxed);
            self.0.rows.fetch_add(rows.0, Ordering::Relaxed);
        }
    }
}

impl Statements {
    fn now(&self) -> (u64, u64) {
        (self.run.load(Ordering::Relaxed), self.rows.load(Ordering::Relaxed))
    }
}

/// Answers a step's work may not exceed, whatever the table holds: a few statements per
/// survey, per unit and per cause, never one per answer.
const STATEMENTS_PER_STEP: u64 = 60;

#[tokio::test]
async fn a_step_costs_the_new_answers_only_and_a_flood_is_one_case() {
    let statements = Arc::new(Statements::default());
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Counting(statements.clone()))).unwrap();
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let (survey, form) = published_survey(&store, p, vec![a, b]).await;
        let ingest = store.start_ingest();
        // 20.000 older answers, already past the alert step.
        let old = 20_000u64;
        let mut tasks = Vec::new();
        for seed in 0..old {
            let (unit, code) = if seed % 2 == 0 { (a, "28101") } else { (b, "28102") };
            let r = response(&form, survey, unit, code, seed, &format!("old-{seed}"));
            let ingest = ingest.clone();
            tasks.push(tokio::spawn(async move { ingest.submit(r).await }));
        }
        for task in tasks {
            assert!(matches!(task.await.unwrap(), Ok(Stored::New(_))));
        }
        // A flood on commune a, five days on: every answer very dissatisfied and flagged, in
        // one hour. The older answers' cases are opened that day, and not yet overdue.
        let day = T0 + 5 * 86_400_000;
        let link = |id: i64| format!("/admin/alerts/{id}");
        while store.process_alerts(day, &link).await.unwrap().read == STEP {}
        let flood = 1_500u64;
        for seed in 0..flood {
            let mut r = response(&form, survey, a, "28101", seed, &format!("flood-{seed}"));
            let mut answers: domain::surveys::Answers = serde_json::from_str(&r.answers).unwrap();
            answers.insert("HL_CHUNG".into(), Answer::Text("1".into()));
            r.answers = serde_json::to_string(&answers).unwrap();
            r.submitted_at = day + 60_000 + seed as i64;
            r.flags = Flags::SUSPICIOUS.0;
            assert!(matches!(ingest.submit(r).await, Ok(Stored::New(_))));
        }
        let (run_before, rows_before) = statements.now();
        let run = store.process_alerts(day + 3_600_000, &link).await.unwrap();
        let (run_after, rows_after) = statements.now();
        let backend = db.backend;
        assert_eq!(run.read as u64, flood, "{backend}");
        let (ran, rows) = (run_after - run_before, rows_after - rows_before);
        assert!(ran <= STATEMENTS_PER_STEP, "{backend}: {ran} statements for one step");
        assert!(rows <= flood + 100, "{backend}: {rows} rows read for {flood} new answers over {old} older ones");

        // One case per cause: the day's very dissatisfied answers, and the hour's burst.
        let office = admin_on(p);
        let cases = store.alert_cases(&office, &CaseFilter::default(), Paging::ALL).await.unwrap().items;
        let of = |kind: &str| cases.iter().filter(|c| c.kind == kind && c.origin_unit_id == a && c.opened_at == day + 3_600_000).collect::<Vec<_>>();
        let dissatisfied = of("very_dissatisfied");
        assert_eq!(dissatisfied.len(), 1, "{backend}: {cases:?}");
        assert_eq!(dissatisfied[0].responses, flood as i64, "{backend}");
        let burst = of("burst");
        assert_eq!(burst.len(), 1, "{backend}");
        assert_eq!(burst[0].responses, flood as i64, "{backend}: every flagged answer of the hour");

        // More of the same cause join the open case; after it is resolved, a new one opens.
        let more = |from: u64, to: u64| {
            let (form, ingest) = (&form, &ingest);
            async move {
                for seed in from..to {
                    let mut r = response(form, survey, a, "28101", seed, &format!("more-{seed}"));
                    let mut answers: domain::surveys::Answers = serde_json::from_str(&r.answers).unwrap();
                    answers.insert("HL_CHUNG".into(), Answer::Text("1".into()));
                    r.answers = serde_json::to_string(&answers).unwrap();
                    r.submitted_at = day + 120_000 + seed as i64;
                    ingest.submit(r).await.unwrap();
                }
            }
        };
        more(0, 10).await;
        let grown = store.process_alerts(day + 3_600_000, &link).await.unwrap();
        assert_eq!(grown.opened, 0, "{backend}: no new case for the same causes");
        let (case, _) = store.alert_case(&office, dissatisfied[0].id).await.unwrap();
        assert_eq!(case.responses, flood as i64 + 10, "{backend}");
        store.resolve_case(&common::actor(), &office, case.id, "Đã liên hệ từng người, sắp xếp lại quầy.").await.unwrap();
        more(10, 12).await;
        store.process_alerts(day + 3_600_000, &link).await.unwrap();
        let cases = store.alert_cases(&office, &CaseFilter::default(), Paging::ALL).await.unwrap().items;
        let reopened: Vec<_> =
            cases.iter().filter(|c| c.kind == "very_dissatisfied" && c.origin_unit_id == a && c.status == "open" && c.opened_at == day + 3_600_000).collect();
        assert_eq!(reopened.len(), 1, "{backend}: a resolved case gives its cause up");
        assert_eq!((reopened[0].responses, reopened[0].id == case.id), (2, false), "{backend}");
    }
}
