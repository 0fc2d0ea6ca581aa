//! Text analytics kept, the storage contract on both backends: comments read from responses
//! once (a second keep of the same comment changes nothing), the cursor moved with them, the
//! counts by month, unit, topic and officer in the caller's scope, the comments behind a number
//! audited, a topic edit classifying every kept comment again with its progress, and a new
//! model doing the same once.

mod common;

use analytics::model::BUILTIN;
use analytics::topics::{Taxonomy, Topic};
use analytics::{Classifier, Sentiment};
use common::{T0, actor, admin_on, published_survey, response, units};
use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use domain::calendar::Month;
use storage::analytics::{Analysed, Classified, CommentFilter, CountBy, RESPONSES, Redone};
use storage::audit::Filter;
use storage::{Error, Paging, Store};

fn role(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

/// Reads `text` as the job does and makes it the comment of response `id`.
async fn analysed(store: &Store, id: i64, unit: i64, staff: &str, text: &str) -> Analysed {
    let (_, taxonomy) = store.analytics_taxonomy().await.unwrap();
    let mut reading = analytics::read(text, &BUILTIN, &taxonomy).unwrap();
    Analysed {
        source_id: id,
        part: "GOP_Y".into(),
        survey_id: None,
        unit_id: unit,
        at: T0,
        channel: if staff.is_empty() { "web" } else { "kiosk" }.into(),
        staff: staff.into(),
        body: std::mem::take(&mut reading.shown),
        classified: Classified::of(reading),
        withheld: false,
    }
}

/// Kept comments classified again as the job does.
fn redone(taxonomy: &Taxonomy, rows: Vec<(i64, String)>) -> Vec<Redone> {
    rows.into_iter().map(|(id, body)| Redone { id, classified: Classified::of(analytics::read(&body, &BUILTIN, taxonomy).unwrap()) }).collect()
}

#[tokio::test]
async fn comments_are_kept_once_counted_in_scope_and_read_with_an_audit() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let (survey, form) = published_survey(&store, p, vec![a, b]).await;
        let ingest = store.start_ingest();
        for seed in 0..3 {
            let unit = if seed == 2 { b } else { a };
            ingest.submit(response(&form, survey, unit, if unit == a { "28101" } else { "28102" }, seed, &format!("s{seed}"))).await.unwrap();
        }
        let read = store.responses_to_read(0, 10).await.unwrap();
        assert_eq!(read.len(), 3, "{}", db.backend);
        assert_eq!(store.analytics_cursor(RESPONSES).await.unwrap(), 0);
        let (version, taxonomy) = store.analytics_taxonomy().await.unwrap();
        assert_eq!((version, taxonomy.topics().len()), (1, 9), "the built-in topics are written once");

        let comments = vec![
            analysed(&store, read[0].id, a, "", "Hồ sơ trễ hẹn hai tuần, gọi 0912 345 678 không ai nghe").await,
            analysed(&store, read[1].id, a, "mc-01", "Cán bộ nhiệt tình, hướng dẫn rõ ràng").await,
            analysed(&store, read[2].id, b, "", "Không có ý kiến").await,
        ];
        assert_eq!(comments[0].classified.sentiment, Sentiment::Negative.value());
        assert!(comments[0].body.contains("[đã ẩn số điện thoại]"), "{}", comments[0].body);
        store.keep_comments(RESPONSES, read[2].id, &comments, "m1", version).await.unwrap();
        // A pass that died after keeping and is run again keeps nothing twice.
        store.keep_comments(RESPONSES, read[2].id, &comments, "m1", version).await.unwrap();
        assert_eq!(store.analytics_cursor(RESPONSES).await.unwrap(), read[2].id);
        assert!(store.responses_to_read(read[2].id, 10).await.unwrap().is_empty());

        let office = role(Role::ReformOffice, p);
        let all = CommentFilter::default();
        let months = store.count_comments(&office, &all, CountBy::Month).await.unwrap();
        assert_eq!(months.len(), 1);
        assert_eq!((months[0].key.as_str(), months[0].negative, months[0].neutral, months[0].positive), (Month::at(T0).iso().as_str(), 1, 1, 1));
        let topics = store.count_comments(&office, &all, CountBy::Topic).await.unwrap();
        let delays = topics.iter().find(|c| c.key == "tre_hen").expect("the delay is a topic");
        assert_eq!((delays.negative, delays.total()), (1, 1));
        let staff = store.count_comments(&office, &all, CountBy::Staff).await.unwrap();
        assert_eq!(staff.iter().map(|c| (c.key.as_str(), c.positive)).collect::<Vec<_>>(), [("mc-01", 1)]);

        // Commune b's head sees only b's comment; asking for a's is refused.
        let head_b = role(Role::UnitHead, b);
        let units_b = store.count_comments(&head_b, &all, CountBy::Unit).await.unwrap();
        assert_eq!(units_b.iter().map(|c| c.key.clone()).collect::<Vec<_>>(), [b.to_string()]);
        let of_a = CommentFilter { unit_id: Some(a), ..Default::default() };
        assert!(matches!(store.count_comments(&head_b, &of_a, CountBy::Month).await, Err(Error::Forbidden)));

        // The negative comments about delays of commune a, read and audited.
        let behind = CommentFilter { unit_id: Some(a), sentiment: Some(-1), topic: Some("tre_hen".into()), ..Default::default() };
        let shown = store.comments(&actor(), &office, &behind, None, 50).await.unwrap();
        assert_eq!(shown.len(), 1);
        assert!(shown[0].topics.contains("tre_hen") && shown[0].body.starts_with("Hồ sơ trễ hẹn"), "{:?}", shown[0]);
        let audit = store.audit_log(&admin_on(p), &Filter { action: Some(AuditAction::CommentsViewed), ..Default::default() }, Paging::ALL).await.unwrap();
        assert_eq!(audit.total, 1);
        // Counting is for those who read results; reading comments is for those who read responses.
        let leader = role(Role::Leadership, p);
        if !leader.has(domain::auth::Permission::ViewResponses) {
            assert!(matches!(store.comments(&actor(), &leader, &behind, None, 50).await, Err(Error::Forbidden)));
        }
        assert!(matches!(store.count_comments(&role(Role::Interviewer, p), &all, CountBy::Month).await, Err(Error::Forbidden)));
    }
}

#[tokio::test]
async fn a_topic_edit_or_a_new_model_classifies_every_kept_comment_again() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let (survey, form) = published_survey(&store, p, vec![a]).await;
        let ingest = store.start_ingest();
        for seed in 0..5 {
            ingest.submit(response(&form, survey, a, "28101", seed, &format!("s{seed}"))).await.unwrap();
        }
        let read = store.responses_to_read(0, 10).await.unwrap();
        let texts = ["Không có chỗ gửi xe, phải gửi ngoài", "Phí gửi xe đắt", "Cán bộ vui vẻ", "Chờ lâu", "Bình thường"];
        let mut comments = Vec::new();
        for (r, text) in read.iter().zip(texts) {
            comments.push(analysed(&store, r.id, a, "", text).await);
        }
        let (version, _) = store.analytics_taxonomy().await.unwrap();
        assert!(store.reclassify_for_model("m1").await.unwrap(), "a first model classifies again (nothing yet)");
        store.keep_comments(RESPONSES, read[4].id, &comments, "m1", version).await.unwrap();
        // Nothing kept yet when the model came: its redo ends at once.
        let batch = store.comments_to_redo(10).await.unwrap();
        assert!(batch.is_empty(), "{batch:?}");
        store.keep_redone(0, &[], true, "m1", version).await.unwrap();
        assert_eq!(store.analytics_state().await.unwrap().redo, None);
        assert!(!store.reclassify_for_model("m1").await.unwrap(), "the same model does not start again");

        let office = role(Role::ReformOffice, p);
        let parking = |store: Store| async move {
            let counted = store.count_comments(&role(Role::ReformOffice, p), &CommentFilter::default(), CountBy::Topic).await.unwrap();
            counted.into_iter().find(|c| c.key == "gui_xe").map_or(0, |c| c.total())
        };
        assert_eq!(parking(store.clone()).await, 0);
        let topic = Topic::new("gui_xe", "Gửi xe", "gửi xe\nchỗ để xe").unwrap();
        assert!(matches!(store.save_analytics_topic(&actor(), &role(Role::UnitHead, a), &topic, 10).await, Err(Error::Forbidden)));
        store.save_analytics_topic(&actor(), &office, &topic, 10).await.unwrap();
        let state = store.analytics_state().await.unwrap();
        assert_eq!(state.taxonomy, version + 1);
        assert_eq!(state.redo.as_ref().map(|r| (r.done, r.total)), Some((0, 5)));

        // Two batches of three: the progress moves, and the second ends the work.
        let (version, taxonomy) = store.analytics_taxonomy().await.unwrap();
        let redo = |rows| redone(&taxonomy, rows);
        let first = store.comments_to_redo(3).await.unwrap();
        assert_eq!(first.len(), 3);
        let upto = first.last().unwrap().0;
        // A batch classified with a taxonomy that changed meanwhile is dropped.
        store.keep_redone(upto, &redo(first.clone()), false, "m1", version - 1).await.unwrap();
        assert_eq!(store.analytics_state().await.unwrap().redo.map(|r| r.done), Some(0));
        store.keep_redone(upto, &redo(first), false, "m1", version).await.unwrap();
        assert_eq!(store.analytics_state().await.unwrap().redo.map(|r| r.done), Some(3));
        let rest = store.comments_to_redo(3).await.unwrap();
        assert_eq!(rest.len(), 2);
        store.keep_redone(rest.last().unwrap().0, &redo(rest), true, "m1", version).await.unwrap();
        assert_eq!(store.analytics_state().await.unwrap().redo, None);
        assert_eq!(parking(store.clone()).await, 2, "both parking comments are in the new topic");

        // Removing it takes it off again, once redone.
        store.delete_analytics_topic(&actor(), &office, "gui_xe").await.unwrap();
        assert!(matches!(store.delete_analytics_topic(&actor(), &office, "gui_xe").await, Err(Error::NotFound)));
        let (version, taxonomy) = store.analytics_taxonomy().await.unwrap();
        let all = store.comments_to_redo(10).await.unwrap();
        store.keep_redone(0, &redone(&taxonomy, all), true, "m1", version).await.unwrap();
        assert_eq!(parking(store.clone()).await, 0);
        let audit = store.audit_log(&admin_on(p), &Filter { action: Some(AuditAction::AnalyticsTopicSaved), ..Default::default() }, Paging::ALL).await.unwrap();
        assert_eq!(audit.total, 2);

        // A new model starts the work over.
        assert!(store.reclassify_for_model("m2").await.unwrap());
        assert_eq!(store.analytics_state().await.unwrap().redo.map(|r| r.total), Some(5));
    }
}

#[tokio::test]
async fn the_job_reads_each_new_comment_once_and_classifies_again_after_an_edit() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let (survey, form) = published_survey(&store, p, vec![a]).await;
        let ingest = store.start_ingest();
        let comments = ["Trễ hẹn 2 tuần, không ai báo", "Cán bộ tận tình", "", "ko dc huong dan j het"];
        for (seed, comment) in comments.iter().enumerate() {
            let mut r = response(&form, survey, a, "28101", seed as u64, &format!("c{seed}"));
            let mut answers: domain::surveys::Answers = serde_json::from_str(&r.answers).unwrap();
            answers.insert("GOP_Y".into(), domain::surveys::Answer::Text(comment.to_string()));
            r.answers = serde_json::to_string(&answers).unwrap();
            ingest.submit(r).await.unwrap();
        }
        let link = |id: i64| format!("/admin/alerts/{id}");
        assert_eq!(store.read_new_comments(&BUILTIN, T0, &link).await.unwrap(), 4, "{}", db.backend);
        assert_eq!(store.read_new_comments(&BUILTIN, T0, &link).await.unwrap(), 0, "nothing new, nothing read");
        let office = role(Role::ReformOffice, p);
        let counted = store.count_comments(&office, &CommentFilter::default(), CountBy::Month).await.unwrap();
        assert_eq!((counted[0].negative, counted[0].positive, counted[0].total()), (2, 1, 3), "the blank answer is no comment");

        store.save_analytics_topic(&actor(), &office, &Topic::new("bao_tin", "Báo tin", "không ai báo").unwrap(), 20).await.unwrap();
        assert_eq!(store.reclassify_comments(&BUILTIN).await.unwrap(), 3);
        assert_eq!(store.analytics_state().await.unwrap().redo, None);
        let topics = store.count_comments(&office, &CommentFilter::default(), CountBy::Topic).await.unwrap();
        assert_eq!(topics.iter().find(|c| c.key == "bao_tin").map(|c| c.negative), Some(1));

        // The operator plugs in a model file (here the built-in model written as one): every
        // kept comment is classified again by it, to the same counts.
        let plugged = &*PLUGGED;
        assert_eq!(store.read_new_comments(plugged, T0, &link).await.unwrap(), 0);
        assert_eq!(store.analytics_state().await.unwrap().model, plugged.id());
        assert_eq!(store.reclassify_comments(plugged).await.unwrap(), 3);
        let counted = store.count_comments(&office, &CommentFilter::default(), CountBy::Month).await.unwrap();
        assert_eq!((counted[0].negative, counted[0].positive, counted[0].total()), (2, 1, 3));
    }
}

/// The built-in model exported and loaded back as a plugged ONNX model.
static PLUGGED: std::sync::LazyLock<onnx::OnnxModel> =
    std::sync::LazyLock::new(|| onnx::OnnxModel::load(&onnx::export(BUILTIN.model(), BUILTIN.id())).expect("the exported model loads"));

#[tokio::test]
async fn a_unit_whose_comments_turn_negative_gets_one_alert_case() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let (survey, form) = published_survey(&store, p, vec![a, b]).await;
        let ingest = store.start_ingest();
        let link = |id: i64| format!("/admin/alerts/{id}");
        let mut seed = 0u64;
        let mut send = async |unit: i64, code: &str, comment: &str| {
            seed += 1;
            let mut r = response(&form, survey, unit, code, seed, &format!("k{seed}"));
            let mut answers: domain::surveys::Answers = serde_json::from_str(&r.answers).unwrap();
            answers.insert("GOP_Y".into(), domain::surveys::Answer::Text(comment.to_string()));
            r.answers = serde_json::to_string(&answers).unwrap();
            ingest.submit(r).await.unwrap();
        };
        // Commune a: 6 of 12 comments negative about delays; commune b: 12 content ones.
        for i in 0..12 {
            let comment =
                if i % 2 == 0 { format!("Hồ sơ trễ hẹn {} ngày, rất bức xúc", i + 3) } else { "Cán bộ nhiệt tình, chu đáo".to_string() };
            send(a, "28101", &comment).await;
            send(b, "28102", "Cán bộ vui vẻ, hướng dẫn rõ ràng").await;
        }
        store.read_new_comments(&BUILTIN, T0, &link).await.unwrap();
        let office = role(Role::ReformOffice, p);
        let filter = storage::alerts::CaseFilter { kind: Some(domain::alerts::AlertKind::CommentSpike), ..Default::default() };
        let cases = store.alert_cases(&office, &filter, Paging::new(1, 10)).await.unwrap().items;
        assert_eq!(cases.len(), 1, "{}: {cases:?}", db.backend);
        assert_eq!((cases[0].unit_id, cases[0].responses), (a, 6));
        assert!(cases[0].detail.contains("6/12 ý kiến tiêu cực (50,0 %)"), "{}", cases[0].detail);
        // More of the same month grow the case; no second one opens.
        for _ in 0..3 {
            send(a, "28101", "Chờ mãi không có kết quả, trễ hẹn").await;
        }
        store.read_new_comments(&BUILTIN, T0, &link).await.unwrap();
        let cases = store.alert_cases(&office, &filter, Paging::new(1, 10)).await.unwrap().items;
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].responses, 9);
    }
}
