//! The survey contract on SQLite and PostgreSQL: questionnaire versions, surveys, tokens, the
//! ingest writer and its counters, the recount from raw responses, and the sampling frame and
//! draws that choose who is asked.

use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use domain::sampling::draw::{DrawParams, Strata};
use domain::sampling::frame::RawFrameRow;
use domain::sipas::sipas_2017;
use domain::surveys::quality::Flags;
use domain::surveys::{Cell, Channel, Counts, Layout, Recurrence};
use domain::text::parse_date;
use storage::audit::Filter as AuditFilter;
use storage::crypto::digest;
use storage::responses::{BehindFilter, CellFilter, IngestError, NewResponse, Stored};
use storage::sampling::{DrawCheck, DrawRequest, FrameAction, FrameFilter};
use storage::surveys::{NewSurvey, TokenBatch, TokenState};
use storage::{Actor, Error, Paging, Store};

mod common;

use common::{T0, actor, admin_on, published_survey, response, units};

/// The cells of a survey the caller may see, and their sum.
async fn counted(store: &Store, access: &Access, survey: i64, layout: &Layout, channel: Option<Channel>) -> (Vec<Cell>, Counts) {
    let version_id = store.survey(access, survey).await.unwrap().version_id;
    let filter = CellFilter { version_id, survey_id: Some(survey), channel, ..Default::default() };
    let cells = store.cells(access, &filter, layout).await.unwrap();
    let mut total = Counts::zero(layout);
    for cell in &cells {
        total.add(&cell.counts);
    }
    (cells, total)
}

#[tokio::test]
async fn published_versions_are_immutable_and_checked() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let admin = admin_on(p);
        let mut form = sipas_2017();
        let id = store.create_questionnaire(&actor(), &admin, p, &form).await.unwrap();
        assert!(matches!(store.create_questionnaire(&actor(), &admin, p, &form).await, Err(Error::Conflict(_))), "{}", db.backend);
        let v1 = store.publish_questionnaire(&actor(), &admin, id).await.unwrap();
        assert_eq!(store.publish_questionnaire(&actor(), &admin, id).await.unwrap(), v1, "an unchanged draft is not copied");
        form.title = "Phiếu đã sửa".into();
        form.sections[0].questions.truncate(1);
        store.update_questionnaire(&actor(), &admin, id, &form).await.unwrap();
        let v2 = store.publish_questionnaire(&actor(), &admin, id).await.unwrap();
        assert_ne!(v1, v2);
        assert_eq!(*store.version(v1).await.unwrap(), sipas_2017(), "version 1 is untouched");
        assert_eq!(store.version(v2).await.unwrap().title, "Phiếu đã sửa");
        assert_eq!(store.questionnaire(&admin, id).await.unwrap().versions.len(), 2);

        form.sections[0].questions[0].code = "bad code".into();
        store.update_questionnaire(&actor(), &admin, id, &form).await.unwrap();
        let refused = store.publish_questionnaire(&actor(), &admin, id).await;
        assert!(matches!(&refused, Err(Error::Invalid(m)) if m[0].contains("bad code")), "{refused:?}");

        let commune = Access::new(vec![Grant { role: Role::ReformOffice, unit: a }]);
        assert!(matches!(store.questionnaire(&commune, id).await, Err(Error::NotFound)));
        assert!(store.questionnaires(&commune).await.unwrap().is_empty());
        assert_eq!(store.questionnaires(&admin).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn surveys_check_their_inputs_and_scope() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let (survey_id, _) = published_survey(&store, p, vec![a, b]).await;
        let survey = store.survey_by_code("sipas", T0).await.unwrap();
        assert_eq!(survey.id, survey_id);
        assert_eq!(survey.channels, vec![Channel::Web, Channel::Invitation]);
        assert_eq!(survey.period_label(), "2026");
        assert!(survey.is_open(T0) && !survey.is_open(T0 + 86_400_000));
        assert_eq!(store.survey_targets(survey_id).await.unwrap().len(), 2, "{}", db.backend);
        let viewer = Access::new(vec![Grant { role: Role::UnitOfficial, unit: a }]);
        assert_eq!(store.surveys(&viewer).await.unwrap().len(), 1, "a target unit sees the survey");
        let bad = NewSurvey {
            code: "x y".into(),
            title: " ".into(),
            unit_id: p,
            version_id: survey.version_id,
            recurrence: Recurrence::Once,
            period_start: parse_date("02/01/2026").unwrap(),
            period_end: parse_date("01/01/2026").unwrap(),
            opens_at: T0,
            closes_at: T0,
            channels: vec![],
            targets: vec![],
        };
        let refused = store.create_survey(&actor(), &admin_on(p), &bad).await;
        assert!(matches!(&refused, Err(Error::Invalid(m)) if m.len() == 6), "{refused:?}");
        let outsider = Access::new(vec![Grant { role: Role::ReformOffice, unit: a }]);
        let elsewhere = NewSurvey {
            code: "khac".into(),
            title: "Khác".into(),
            period_start: bad.period_end,
            period_end: bad.period_start,
            closes_at: T0 + 1,
            channels: vec![Channel::Web],
            targets: vec![b],
            unit_id: a,
            ..bad
        };
        assert!(matches!(store.create_survey(&actor(), &outsider, &elsewhere).await, Err(Error::Forbidden)));
    }
}

#[tokio::test]
async fn ingest_stores_each_submission_once_and_counts_it() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let (survey, form) = published_survey(&store, p, vec![a, b]).await;
        let ingest = store.start_ingest();
        let mut tasks = Vec::new();
        for seed in 0..300u64 {
            let (unit, code) = if seed % 2 == 0 { (a, "28101") } else { (b, "28102") };
            let r = response(&form, survey, unit, code, seed, &format!("sub-{seed}"));
            let ingest = ingest.clone();
            tasks.push(tokio::spawn(async move { ingest.submit(r).await }));
        }
        for task in tasks {
            assert!(matches!(task.await.unwrap(), Ok(Stored::New(_))));
        }
        // A resend of an acknowledged submission changes nothing.
        let again = ingest.submit(response(&form, survey, a, "28101", 0, "sub-0")).await.unwrap();
        assert!(matches!(again, Stored::AlreadyStored(_)), "{}", db.backend);
        let layout = Layout::of(&form);
        let (cells, total) = counted(&store, &admin_on(p), survey, &layout, None).await;
        assert_eq!(total.responses(), 300, "{}", db.backend);
        let satisfied: u64 = (1..=5).map(|o| total.get(layout.position("HL_CHUNG", &o.to_string()).unwrap())).sum();
        assert_eq!(satisfied, 300);
        assert_eq!(cells.iter().map(|c| c.month).collect::<std::collections::BTreeSet<_>>().len(), 1, "one month");
        let commune = Access::new(vec![Grant { role: Role::UnitOfficial, unit: a }]);
        let (mine, mine_total) = counted(&store, &commune, survey, &layout, None).await;
        assert!(mine.iter().all(|c| c.unit_id == a));
        assert_eq!(mine_total.responses(), 150);
        assert_eq!(counted(&store, &admin_on(p), survey, &layout, Some(Channel::Web)).await.1.responses(), 200);

        let report = store.recompute(&actor(), survey).await.unwrap();
        assert_eq!(report.responses, 300);
        assert!(report.differences.is_empty(), "incremental counters equal the recount on {}: {:?}", db.backend, report.differences);
        assert_eq!(counted(&store, &admin_on(p), survey, &layout, None).await.1, total);
    }
}

/// What an answer brings with it goes in with it, in one transaction: when any of it cannot be
/// written, the answer is not either (as after a crash between the two), and the answers sent
/// with it in the same group are written all the same.
#[tokio::test]
async fn an_answer_and_what_it_brings_are_written_together_or_not_at_all() {
    use storage::responses::FollowUp;
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let (survey, form) = published_survey(&store, p, vec![a, b]).await;
        for draft in ["draft-good", "draft-poisoned"] {
            store.save_draft(&digest(draft), survey, "{}", T0, T0 + 86_400_000).await.unwrap();
        }
        let ingest = store.start_ingest();
        let good = NewResponse { follow_ups: vec![FollowUp::DraftSent { token_hash: digest("draft-good") }], ..response(&form, survey, a, "28101", 1, "good") };
        // Its draft's deletion would go through, but its kiosk does not exist.
        let poisoned = NewResponse {
            follow_ups: vec![
                FollowUp::DraftSent { token_hash: digest("draft-poisoned") },
                FollowUp::KioskRating { kiosk_id: 999_999, staff_user_id: None, ticket: "7".into() },
            ],
            ..response(&form, survey, a, "28101", 2, "poisoned")
        };
        let (good, poisoned) = tokio::join!(ingest.submit(good), ingest.submit(poisoned));
        assert!(matches!(good, Ok(Stored::New(_))), "{}: {good:?}", db.backend);
        assert_eq!(poisoned, Err(IngestError::Failed), "{}", db.backend);
        assert!(store.stored_submission(survey, "good").await.unwrap().is_some());
        assert_eq!(store.draft(&digest("draft-good"), survey, T0).await.unwrap(), None, "the draft went with its answer");
        assert_eq!(store.stored_submission(survey, "poisoned").await.unwrap(), None, "{}: neither the answer", db.backend);
        assert!(store.draft(&digest("draft-poisoned"), survey, T0).await.unwrap().is_some(), "nor anything it brought");
        let report = store.recompute(&actor(), survey).await.unwrap();
        assert_eq!((report.responses, report.differences.len()), (1, 0), "{}", db.backend);
    }
}

#[tokio::test]
async fn a_token_answers_once_even_when_sent_twice_at_the_same_time() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let (survey, form) = published_survey(&store, p, vec![a, b]).await;
        let batch = TokenBatch { survey_id: survey, unit_id: a, count: 3, expires_at: Some(T0 + 1000) };
        let tokens = store.issue_tokens(&actor(), &admin_on(p), &batch).await.unwrap();
        assert_eq!(tokens.len(), 3);
        assert_eq!(store.token_state(&digest(&tokens[0]), T0).await.unwrap(), TokenState::Valid { survey_id: survey, unit_id: a, dossier_code: None });
        assert_eq!(store.token_state(&digest(&tokens[2]), T0 + 1000).await.unwrap(), TokenState::Expired);
        assert_eq!(store.token_state(&digest("nope"), T0).await.unwrap(), TokenState::Unknown);
        let ingest = store.start_ingest();
        let with_token = |submission: &str| NewResponse { token_hash: Some(digest(&tokens[0])), ..response(&form, survey, a, "28101", 5, submission) };
        let (first, second) = tokio::join!(ingest.submit(with_token("one")), ingest.submit(with_token("two")));
        let outcomes = [first, second];
        assert_eq!(outcomes.iter().filter(|o| matches!(o, Ok(Stored::New(_)))).count(), 1, "{}: {outcomes:?}", db.backend);
        assert_eq!(outcomes.iter().filter(|o| **o == Err(IngestError::TokenUsed)).count(), 1);
        assert_eq!(store.token_state(&digest(&tokens[0]), T0).await.unwrap(), TokenState::Used);
        let winner = if outcomes[0].is_ok() { "one" } else { "two" };
        assert!(matches!(ingest.submit(with_token(winner)).await, Ok(Stored::AlreadyStored(_))), "the winner may resend safely");
        assert_eq!(counted(&store, &admin_on(p), survey, &Layout::of(&form), None).await.1.responses(), 1);
        // The same answer twice at once (a button tapped twice) is stored once, and both hear so.
        let same = |_| NewResponse { token_hash: Some(digest(&tokens[1])), ..response(&form, survey, a, "28101", 4, "tapped") };
        let (first, second) = tokio::join!(ingest.submit(same(1)), ingest.submit(same(2)));
        let ids: Vec<i64> = [first, second]
            .into_iter()
            .map(|o| match o {
                Ok(Stored::New(id) | Stored::AlreadyStored(id)) => id,
                other => panic!("{}: {other:?}", db.backend),
            })
            .collect();
        assert_eq!(ids[0], ids[1], "{}", db.backend);
        assert_eq!(counted(&store, &admin_on(p), survey, &Layout::of(&form), None).await.1.responses(), 2);
        let outside = TokenBatch { unit_id: p, ..batch };
        assert!(store.issue_tokens(&actor(), &admin_on(p), &outside).await.is_err(), "only target units get tokens");
    }
}

#[tokio::test]
async fn regular_surveys_start_their_next_period_once() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let form = sipas_2017();
        let q = store.create_questionnaire(&actor(), &admin_on(p), p, &form).await.unwrap();
        let version = store.publish_questionnaire(&actor(), &admin_on(p), q).await.unwrap();
        let nov = |d: &str| domain::text::vn_midnight_ms(parse_date(d).unwrap());
        let survey = NewSurvey {
            code: "hl-thang".into(),
            title: "Hài lòng hằng tháng".into(),
            unit_id: p,
            version_id: version,
            recurrence: Recurrence::Monthly,
            period_start: parse_date("01/11/2026").unwrap(),
            period_end: parse_date("30/11/2026").unwrap(),
            opens_at: nov("01/11/2026"),
            closes_at: nov("01/12/2026"),
            channels: vec![Channel::Web],
            targets: vec![a, b],
        };
        let first = store.create_survey(&actor(), &admin_on(p), &survey).await.unwrap();
        let at = |ms: i64| Actor::system("lịch", ms);
        assert!(store.roll_regular_surveys(&at(nov("15/11/2026"))).await.unwrap().is_empty(), "too early on {}", db.backend);
        let created = store.roll_regular_surveys(&at(nov("30/11/2026") + 3_600_000)).await.unwrap();
        assert_eq!(created.len(), 1, "{}", db.backend);
        assert!(store.roll_regular_surveys(&at(nov("30/11/2026") + 7_200_000)).await.unwrap().is_empty(), "one successor only");
        let december = store.survey_by_code("hl-thang-2026-12", 0).await.unwrap();
        assert_eq!((december.period_label(), december.series.as_str()), ("12/2026".to_string(), "hl-thang"));
        assert_eq!((december.opens_at, december.closes_at), (nov("01/12/2026"), nov("01/01/2027")));
        assert_eq!(store.survey_targets(december.id).await.unwrap().len(), 2);
        // The series link answers with the period open at the time.
        assert_eq!(store.survey_by_code("hl-thang", nov("20/11/2026")).await.unwrap().id, first);
        assert_eq!(store.survey_by_code("hl-thang", nov("02/12/2026")).await.unwrap().id, december.id);
        assert_eq!(store.survey_by_code("hl-thang-2026-12", nov("20/11/2026")).await.unwrap().id, december.id);
        // December rolls into January of the next year.
        let january = store.roll_regular_surveys(&at(nov("31/12/2026"))).await.unwrap();
        assert_eq!(store.survey_by_code("hl-thang-2027-01", 0).await.unwrap().id, january[0]);
    }
}

fn frame_row(dossier: &str, unit: &str, phone: &str, consent: &str, completed: &str) -> RawFrameRow {
    RawFrameRow {
        dossier_code: dossier.into(),
        procedure: "Đăng ký khai sinh".into(),
        field: "Hộ tịch".into(),
        unit_code: unit.into(),
        completed_on: completed.into(),
        name: "Nguyễn Thị Bích".into(),
        phone: phone.into(),
        email: String::new(),
        consent: consent.into(),
    }
}

fn numbered(rows: Vec<RawFrameRow>) -> Vec<(usize, RawFrameRow)> {
    rows.into_iter().enumerate().map(|(i, r)| (i + 2, r)).collect()
}

fn role_on(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

#[tokio::test]
async fn the_frame_register_imports_whole_seals_contacts_and_audits_every_opening() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let office = role_on(Role::ReformOffice, p);
        let good = vec![
            frame_row("HS-0001", "28101", "0912 345 678", "có", "05/03/2026"),
            frame_row("HS-0002", "28101", "", "có", "06/03/2026"),
            frame_row("HS-0003", "28102", "+84987654321", "không", "2026-03-07"),
        ];
        let mut bad = good.clone();
        bad.push(frame_row("HS-0004", "28101", "12", "có", "07/03/2026"));
        bad.push(frame_row("HS-0001", "28101", "", "có", "07/03/2026"));
        bad.push(frame_row("HS-0005", "99999", "", "có", "07/03/2026"));
        let report = store.import_frame(&actor(), &office, &numbered(bad), "upload", true).await.unwrap();
        assert!(!report.applied);
        let lines: Vec<usize> = report.rows.iter().filter(|r| r.action == FrameAction::Rejected).map(|r| r.line).collect();
        assert_eq!(lines, vec![5, 6, 7], "{}: {report:?}", db.backend);
        assert!(report.rows[4].errors[0].contains("dòng 2"), "{:?}", report.rows[4]);
        assert!(store.frame_summary(&office).await.unwrap().is_empty(), "nothing half-imported on {}", db.backend);

        let report = store.import_frame(&actor(), &office, &numbered(good.clone()), "upload", true).await.unwrap();
        assert!(report.applied && report.count(FrameAction::Add) == 3);
        // A resend is harmless; the same dossier under another unit is refused.
        let again = store.import_frame(&actor(), &office, &numbered(good.clone()), "api", true).await.unwrap();
        assert_eq!(again.count(FrameAction::Known), 3);
        let moved = store.import_frame(&actor(), &office, &numbered(vec![frame_row("HS-0001", "28102", "", "có", "05/03/2026")]), "api", true).await.unwrap();
        assert_eq!(moved.error_count(), 1);
        // Counter staff register dossiers of their own commune only.
        let counter = role_on(Role::CounterStaff, a);
        let theirs = store.import_frame(&actor(), &counter, &numbered(vec![frame_row("HS-0009", "28102", "", "có", "05/03/2026")]), "api", true).await.unwrap();
        assert!(theirs.rows[0].errors[0].contains("28102"));

        let summary = store.frame_summary(&office).await.unwrap();
        assert_eq!(
            summary.iter().map(|u| (u.code.as_str(), u.dossiers, u.consenting, u.with_phone)).collect::<Vec<_>>(),
            vec![("28101", 2, 2, 1), ("28102", 1, 0, 1)]
        );
        let entries = store.frame_entries(&office, &FrameFilter { dossier: "HS-0001".into(), ..Default::default() }, Paging::new(1, 10)).await.unwrap();
        assert_eq!(entries.total, 1);
        let id = entries.items[0].id;
        assert!(entries.items[0].has_phone && entries.items[0].consent);

        // Contacts open for the reform office only, and each opening is in the audit log.
        assert!(matches!(store.frame_contact(&actor(), &admin_on(p), id, "kiểm tra").await, Err(Error::Forbidden)));
        let contact = store.frame_contact(&actor(), &office, id, "mời trả lời phiếu").await.unwrap();
        assert_eq!((contact.name.as_str(), contact.phone.as_str()), ("Nguyễn Thị Bích", "0912345678"));
        let log = store
            .audit_log(&admin_on(p), &AuditFilter { action: Some(AuditAction::FrameContactViewed), ..Default::default() }, Paging::new(1, 10))
            .await
            .unwrap();
        assert_eq!(log.total, 1, "{}", db.backend);

        // Erasure on request keeps the dossier and drops the person.
        assert!(matches!(store.erase_frame_entry(&actor(), &office, id, " ").await, Err(Error::Invalid(_))));
        store.erase_frame_entry(&actor(), &office, id, "theo yêu cầu ngày 10/03/2026").await.unwrap();
        let contact = store.frame_contact(&actor(), &office, id, "kiểm tra sau khi xóa").await.unwrap();
        assert_eq!((contact.name.as_str(), contact.phone.as_str()), ("", ""));
        assert_eq!(store.frame_summary(&office).await.unwrap()[0].erased, 1);

        // Retention: set by the reform office, applied to dossiers completed before the window.
        assert!(matches!(store.set_frame_retention_days(&actor(), &admin_on(p), 60).await, Err(Error::Forbidden)));
        assert!(matches!(store.set_frame_retention_days(&actor(), &office, 5).await, Err(Error::Invalid(_))));
        store.set_frame_retention_days(&actor(), &office, 60).await.unwrap();
        assert_eq!(store.frame_retention_days().await.unwrap(), 60);
        // T0 is 28/05/2026: 60 days back is 29/03/2026, so the two March dossiers still held go.
        assert_eq!(store.apply_frame_retention(&actor()).await.unwrap(), 2, "{}", db.backend);
        assert_eq!(store.apply_frame_retention(&actor()).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn draws_take_exact_quotas_replay_and_call_reserves_in_order() {
    let mut drawn_on = Vec::new();
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let office = role_on(Role::ReformOffice, p);
        let (survey, form) = published_survey(&store, p, vec![a, b]).await;
        let mut rows = Vec::new();
        for i in 0..60 {
            rows.push(frame_row(&format!("A-{i:03}"), "28101", "", "có", "10/03/2026"));
        }
        for i in 0..40 {
            rows.push(frame_row(&format!("B-{i:03}"), "28102", "", "có", "11/03/2026"));
        }
        for i in 0..5 {
            rows.push(frame_row(&format!("N-{i:03}"), "28101", "", "không", "10/03/2026"));
        }
        rows.push(frame_row("LATE-1", "28101", "", "có", "10/04/2026"));
        assert!(store.import_frame(&actor(), &office, &numbered(rows), "upload", true).await.unwrap().applied);
        let request = DrawRequest {
            survey_id: survey,
            from: parse_date("01/03/2026").unwrap(),
            to: parse_date("31/03/2026").unwrap(),
            params: DrawParams { total: 10, minimum: 0, strata: Strata::Unit, reserves_per_sample: 1, seed: 42 },
        };
        let unit_official = role_on(Role::UnitOfficial, a);
        assert!(store.create_draw(&actor(), &unit_official, &request).await.is_err());
        let too_many = DrawRequest { params: DrawParams { total: 101, ..request.params.clone() }, ..request.clone() };
        assert!(matches!(store.create_draw(&actor(), &office, &too_many).await, Err(Error::Invalid(_))));
        let id = store.create_draw(&actor(), &office, &request).await.unwrap();
        let draw = store.draw(&office, id).await.unwrap();
        assert_eq!((draw.frame_size, draw.params.seed), (100, 42), "consent and the window decide the frame");
        let progress = store.draw_progress(&office, id).await.unwrap();
        let quota = |code: &str| progress.iter().find(|q| q.code == code).unwrap().clone();
        assert_eq!((quota("28101").allocated, quota("28101").selected, quota("28101").reserves_left), (6, 6, 6));
        assert_eq!((quota("28102").allocated, quota("28102").selected, quota("28102").reserves_left), (4, 4, 4));
        let members = store.draw_members(&office, id, None, "", Paging::ALL).await.unwrap();
        assert_eq!(members.total, 20);
        drawn_on.push(members.items.iter().map(|m| (m.dossier_code.clone(), m.rank, m.status.clone())).collect::<Vec<_>>());

        // The same seed on the same frame draws the same; later changes to the register do not
        // disturb the replay of what was drawn.
        let again = store.create_draw(&actor(), &office, &request).await.unwrap();
        let twice = store.draw_members(&office, again, None, "", Paging::ALL).await.unwrap();
        assert_eq!(twice.items.iter().map(|m| &m.dossier_code).collect::<Vec<_>>(), members.items.iter().map(|m| &m.dossier_code).collect::<Vec<_>>());
        let erased = store
            .frame_entries(&office, &FrameFilter { dossier: members.items[0].dossier_code.clone(), ..Default::default() }, Paging::new(1, 1))
            .await
            .unwrap()
            .items[0]
            .id;
        let later = Actor::system("test", T0 + 60_000);
        store.erase_frame_entry(&later, &office, erased, "theo yêu cầu").await.unwrap();
        assert_eq!(store.check_draw(&office, id).await.unwrap(), DrawCheck { same_frame: true, same_members: true }, "{}", db.backend);

        // A reserve replaces the unreachable, in draw order, within the same unit.
        let in_a: Vec<_> = members.items.iter().filter(|m| m.unit_id == a).collect();
        let (first, next_reserve) = (in_a[0], in_a.iter().find(|m| m.status == "reserve").unwrap());
        assert_eq!(next_reserve.rank, 6);
        let replacement = store.replace_member(&later, &office, id, first.entry_id, "gọi 3 lần không nghe máy").await.unwrap();
        assert_eq!(replacement.as_deref(), Some(next_reserve.dossier_code.as_str()));
        assert!(matches!(store.replace_member(&later, &office, id, first.entry_id, "lại").await, Err(Error::Invalid(_))));
        assert!(matches!(store.replace_member(&later, &office, id, in_a[1].entry_id, "").await, Err(Error::Invalid(_))));

        // An answer carrying a sampled dossier's code counts towards its unit's quota.
        let mut answered = response(&form, survey, a, "28101", 1, "sampled-1");
        answered.dossier_code = Some(in_a[1].dossier_code.clone());
        let ingest = store.start_ingest();
        ingest.submit(answered).await.unwrap();
        // The same dossier answering again by phone is kept, and flagged as a repeat.
        let mut again = response(&form, survey, a, "28101", 2, "sampled-1-phone");
        again.channel = "phone".into();
        again.dossier_code = Some(in_a[1].dossier_code.clone());
        ingest.submit(again).await.unwrap();
        let version_id = store.survey(&office, survey).await.unwrap().version_id;
        let behind = store.responses_behind(&actor(), &office, &BehindFilter { version_id, ..Default::default() }, Paging::ALL).await.unwrap();
        let flagged: Vec<(&str, bool)> = behind.items.iter().map(|r| (r.channel.as_str(), Flags(r.flags).contains(Flags::REPEAT_DOSSIER))).collect();
        assert!(flagged.contains(&("phone", true)) && flagged.iter().filter(|(_, repeat)| *repeat).count() == 1, "{}: {flagged:?}", db.backend);
        let progress = store.draw_progress(&office, id).await.unwrap();
        let a_row = progress.iter().find(|q| q.unit_id == a).unwrap();
        assert_eq!((a_row.selected, a_row.responded, a_row.unreachable, a_row.reserves_left), (6, 1, 1, 5), "{}", db.backend);
        assert!(matches!(store.replace_member(&later, &office, id, in_a[1].entry_id, "không liên lạc được").await, Err(Error::Invalid(_))));
        assert_eq!(store.draws(&office).await.unwrap().len(), 2);
        assert!(store.draws(&unit_official).await.unwrap().is_empty());
        assert!(matches!(store.draw(&unit_official, id).await, Err(Error::NotFound)));
    }
    // SQLite and PostgreSQL draw the very same dossiers.
    assert!(drawn_on.windows(2).all(|w| w[0] == w[1]));
}
