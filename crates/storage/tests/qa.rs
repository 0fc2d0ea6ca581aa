//! Questions and feedback: the storage contract on both backends. Routing by topic and by the
//! dispatcher, a unit giving back what is not its own, the deadline in working days, reminders
//! and escalation with a moved clock, approval and the asker's messages, publication with
//! personal data masked, the tracking code, votes, statistics and who may do what.

mod common;

use common::{T0, actor, units};
use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use domain::calendar::DayChange;
use domain::qa::{AskForm, Channel, Periods, Status, Step};
use domain::search::Query;
use domain::text;
use storage::audit::Filter;
use storage::portal::PublicFilter;
use storage::qa::{ArchiveFilter, NewFile, QuestionFilter, Review, TopicSetting};
use storage::{Actor, Error, Paging, Store};
use time::macros::date;

const DAY: i64 = 86_400_000;

fn role(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

fn at(ms: i64) -> Actor {
    Actor::system("test", ms)
}

fn form(title: &str) -> AskForm {
    AskForm {
        kind: "hoi-dap".into(),
        title: title.into(),
        body: "Tôi nộp hồ sơ cấp giấy phép xây dựng từ 02/3 mà chưa có kết quả. Gọi tôi: 0912 345 678, email an.nguyen@vi-du.vn.".into(),
        name: "Nguyễn Văn An".into(),
        address: "Thôn 3, xã An Lạc".into(),
        contact: "an.nguyen@vi-du.vn".into(),
        consent: true,
        zalo: false,
        identity: None,
    }
}

fn topic(name: &str, unit_id: Option<i64>) -> TopicSetting {
    TopicSetting { name: name.into(), unit_id, active: true, requires_identity: false }
}

/// Topics: one routed to commune `a`, one left to the dispatcher.
async fn topics(store: &Store, office: &Access, a: i64) -> (i64, i64) {
    let routed = store.save_qa_topic(&actor(), office, None, &topic("Đất đai, xây dựng", Some(a))).await.unwrap();
    let open = store.save_qa_topic(&actor(), office, None, &topic("Khác", None)).await.unwrap();
    (routed, open)
}

#[tokio::test]
async fn a_question_is_routed_by_topic_or_dispatched_and_given_back() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let office = role(Role::ReformOffice, p);
        let (routed, open) = topics(&store, &office, a).await;
        assert!(matches!(store.save_qa_topic(&actor(), &role(Role::UnitHead, a), None, &topic("Y tế", None)).await, Err(Error::Forbidden)));
        assert!(matches!(store.save_qa_topic(&actor(), &office, None, &topic("Khác", None)).await, Err(Error::Conflict(_))), "{}", db.backend);

        let asked = form("Thời hạn cấp giấy phép xây dựng").checked().unwrap();
        let receipt = store.ask(&actor(), &asked, routed, None, Channel::Web, &[], "CODE0000000000A1", &Periods::default()).await.unwrap();
        assert_eq!(receipt.status, Status::Handling);
        // Friday 29/5/2026 (03:26 in Vietnam): 7 working days end on Tuesday 9/6.
        assert_eq!(receipt.deadline_at, text::vn_midnight_ms(date!(2026 - 06 - 10)), "{}", db.backend);
        let official_a = role(Role::UnitOfficial, a);
        let official_b = role(Role::UnitOfficial, b);
        assert!(store.question(&official_a, receipt.id).await.is_ok());
        assert!(matches!(store.question(&official_b, receipt.id).await, Err(Error::NotFound)), "another commune does not see it");

        let unmapped = store
            .ask(&actor(), &form("Câu hỏi chung").checked().unwrap(), open, Some(b), Channel::Web, &[], "CODE0000000000A2", &Periods::default())
            .await
            .unwrap();
        assert_eq!(unmapped.status, Status::Dispatch);
        assert!(matches!(store.question(&official_b, unmapped.id).await, Err(Error::NotFound)), "naming a unit does not send it there");
        let waiting = store.questions(&office, &QuestionFilter { unassigned: true, ..Default::default() }, Paging::new(1, 20)).await.unwrap();
        assert_eq!(waiting.items.iter().map(|q| q.id).collect::<Vec<_>>(), [unmapped.id]);
        assert!(matches!(store.dispatch_question(&actor(), &official_a, unmapped.id, b, "").await, Err(Error::Forbidden)));
        store.dispatch_question(&actor(), &office, unmapped.id, b, "Thuộc thẩm quyền của xã.").await.unwrap();
        // b gives it back: not its competence; it waits for the dispatcher again.
        assert!(matches!(store.return_question(&actor(), &official_a, unmapped.id, "Không thuộc thẩm quyền xã.").await, Err(Error::NotFound)));
        assert!(matches!(store.return_question(&actor(), &official_b, unmapped.id, "ngắn").await, Err(Error::Invalid(_))));
        store.return_question(&actor(), &official_b, unmapped.id, "Nội dung thuộc thẩm quyền của UBND xã 28101.").await.unwrap();
        let (back, _, _) = store.question(&office, unmapped.id).await.unwrap();
        assert_eq!((back.status(), back.unit_id), (Status::Dispatch, None));
        assert!(matches!(store.dispatch_question(&actor(), &office, unmapped.id, b, "").await, Err(Error::Conflict(m)) if m.contains("trả lại")));
        store.dispatch_question(&actor(), &office, unmapped.id, a, "").await.unwrap();
        let (moved, events, _) = store.question(&official_a, unmapped.id).await.unwrap();
        assert_eq!(moved.unit_id, Some(a));
        assert_eq!(moved.origin_unit_id, Some(b), "the first unit it went to stays its origin");
        let steps: Vec<Step> = events.iter().filter_map(|e| e.step()).collect();
        assert_eq!(steps, [Step::Received, Step::Dispatched, Step::Returned, Step::Dispatched]);
        assert!(events[2].note.contains("thẩm quyền") && events[2].from_unit.is_some());
        // Officials of `b`, where it began, still follow it.
        assert!(store.question(&official_b, unmapped.id).await.is_ok());
        // Both held questions are reminded before their deadline; the dispatched one too.
        let link = |id: i64| format!("/admin/hoi-dap/{id}");
        let run = store.process_questions(moved.deadline_at - 1, &Periods::default(), &link).await.unwrap();
        assert_eq!(run.reminded, 2, "{}", db.backend);
    }
}

#[tokio::test]
async fn a_topic_that_asks_for_an_identity_takes_only_identified_askers() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let office = role(Role::ReformOffice, p);
        let signed = TopicSetting { requires_identity: true, ..topic("Khiếu nại về đất đai", Some(a)) };
        let id = store.save_qa_topic(&actor(), &office, None, &signed).await.unwrap();
        assert!(store.qa_topics(true).await.unwrap().iter().any(|t| t.id == id && t.requires_identity));

        let anonymous = form("Tranh chấp ranh giới thửa đất").checked().unwrap();
        let refused = store.ask(&actor(), &anonymous, id, None, Channel::Web, &[], "CODE0000000000I1", &Periods::default()).await;
        assert!(matches!(&refused, Err(Error::Invalid(m)) if m[0].contains("VNeID")), "{}: {refused:?}", db.backend);
        let identified = AskForm { identity: Some("digest-of-an-identity".into()), ..form("Tranh chấp ranh giới thửa đất") }.checked().unwrap();
        let receipt = store.ask(&actor(), &identified, id, None, Channel::Web, &[], "CODE0000000000I2", &Periods::default()).await.unwrap();
        let (question, _, _) = store.question(&role(Role::UnitOfficial, a), receipt.id).await.unwrap();
        assert_eq!(question.identified_at, Some(T0), "{}", db.backend);
        let open = topics(&store, &office, a).await.1;
        let plain = store.ask(&actor(), &identified, open, None, Channel::Web, &[], "CODE0000000000I3", &Periods::default()).await.unwrap();
        assert!(store.question(&office, plain.id).await.unwrap().0.identified_at.is_some(), "an identity is kept wherever it is given");
    }
}

#[tokio::test]
async fn a_unit_is_reminded_then_the_unit_above_takes_an_overdue_question() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let office = role(Role::ReformOffice, p);
        let (routed, _) = topics(&store, &office, a).await;
        let periods = Periods::default();
        let receipt =
            store.ask(&actor(), &form("Giấy phép xây dựng").checked().unwrap(), routed, None, Channel::Web, &[], "CODE0000000000B1", &periods).await.unwrap();
        let link = |id: i64| format!("http://x/admin/hoi-dap/{id}");
        let nothing = store.process_questions(T0 + DAY, &periods, &link).await.unwrap();
        assert_eq!((nothing.reminded, nothing.escalated), (0, 0));
        // The working day before the last (Monday 8/6) brings the reminder, once.
        let monday = text::vn_midnight_ms(date!(2026 - 06 - 08)) + 3_600_000;
        assert_eq!(store.process_questions(monday, &periods, &link).await.unwrap().reminded, 1, "{}", db.backend);
        assert_eq!(store.process_questions(monday, &periods, &link).await.unwrap().reminded, 0);
        // Past the deadline it goes to the province, with a new deadline of 7 working days.
        let late = receipt.deadline_at + 3_600_000;
        assert_eq!(store.process_questions(late, &periods, &link).await.unwrap().escalated, 1);
        assert_eq!(store.process_questions(late, &periods, &link).await.unwrap().escalated, 0, "once");
        let (question, events, _) = store.question(&office, receipt.id).await.unwrap();
        assert_eq!(question.unit_id, Some(p));
        assert_eq!(question.escalations, 1);
        assert_eq!(question.first_deadline_at, receipt.deadline_at);
        assert_eq!(question.deadline_at, store.calendar_from(late).await.unwrap().deadline(late, 7));
        let escalated = events.iter().find(|e| e.step() == Some(Step::Escalated)).unwrap();
        assert!(escalated.note.contains("Quá hạn") && escalated.to_unit.is_some());
        assert!(events.iter().any(|e| e.step() == Some(Step::Reminded)));
        let audit = store
            .audit_log(&role(Role::SystemAdmin, p), &Filter { action: Some(AuditAction::QuestionEscalated), ..Default::default() }, Paging::new(1, 10))
            .await
            .unwrap();
        assert_eq!(audit.total, 1);
        // The province's answer now counts as late against the commune.
        let tallies = store.qa_tallies(&office, T0 - DAY, T0 + 60 * DAY, late).await.unwrap();
        let commune = tallies.iter().find(|t| t.unit_id == a).unwrap();
        assert_eq!((commune.tally.received, commune.tally.overdue), (1, 0), "the province holds it with a new deadline");
        // At the top, an overdue question stays.
        let later = question.deadline_at + DAY;
        assert_eq!(store.process_questions(later, &periods, &link).await.unwrap().escalated, 0);
        let tallies = store.qa_tallies(&office, T0 - DAY, T0 + 90 * DAY, later).await.unwrap();
        assert_eq!(tallies.iter().find(|t| t.unit_id == a).unwrap().tally.overdue, 1);
    }
}

#[tokio::test]
async fn the_head_approves_the_asker_is_told_and_the_archive_shows_it_masked() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let office = role(Role::ReformOffice, p);
        let (routed, _) = topics(&store, &office, a).await;
        let pdf = NewFile { name: "giay-hen.pdf".into(), media_type: "application/pdf", bytes: b"%PDF-1.4 giay hen".to_vec() };
        let code = "CODE0000000000C1";
        let receipt = store
            .ask(&actor(), &form("Giấy phép xây dựng quá hạn").checked().unwrap(), routed, None, Channel::Web, &[pdf], code, &Periods::default())
            .await
            .unwrap();
        let (official, head) = (role(Role::UnitOfficial, a), role(Role::UnitHead, a));
        let leader = role(Role::Leadership, p);
        // The asker's contact and files are for those who answer, every opening audited.
        assert!(store.question(&leader, receipt.id).await.is_ok(), "leaders read");
        assert!(matches!(store.open_asker(&actor(), &leader, receipt.id).await, Err(Error::Forbidden)));
        let asker = store.open_asker(&actor(), &official, receipt.id).await.unwrap();
        assert_eq!((asker.name.as_str(), asker.contact.as_str()), ("Nguyễn Văn An", "an.nguyen@vi-du.vn"));
        let (_, _, files) = store.question(&official, receipt.id).await.unwrap();
        let (file, bytes) = store.question_file(&actor(), &official, receipt.id, files[0].id).await.unwrap();
        assert_eq!((file.name.as_str(), bytes.as_slice()), ("giay-hen.pdf", b"%PDF-1.4 giay hen".as_slice()));
        let admin = role(Role::SystemAdmin, p);
        for action in [AuditAction::QuestionContactOpened, AuditAction::QuestionFileOpened] {
            let filter = Filter { action: Some(action), ..Default::default() };
            assert_eq!(store.audit_log(&admin, &filter, Paging::new(1, 10)).await.unwrap().total, 1, "{action:?}");
        }

        // Drafted by an official, approved only by the unit's own head.
        assert!(matches!(store.draft_answer(&actor(), &leader, receipt.id, "Trả lời đầy đủ nội dung.").await, Err(Error::Forbidden)));
        assert!(
            matches!(
                store.review_answer(&actor(), &head, receipt.id, &Review::SendBack { note: "Bổ sung căn cứ pháp lý.".into() }).await,
                Err(Error::Conflict(_))
            ),
            "nothing to review yet"
        );
        let answer = "Hồ sơ của ông đã được giải quyết ngày 05/6; liên hệ bộ phận một cửa, SĐT 0912 345 678 để nhận kết quả.";
        store.draft_answer(&actor(), &official, receipt.id, answer).await.unwrap();
        assert!(matches!(store.review_answer(&actor(), &official, receipt.id, &Review::Approve { answer: None, publish: true }).await, Err(Error::Forbidden)));
        assert!(matches!(
            store.review_answer(&actor(), &role(Role::UnitHead, b), receipt.id, &Review::Approve { answer: None, publish: true }).await,
            Err(Error::NotFound)
        ));
        store.review_answer(&actor(), &head, receipt.id, &Review::SendBack { note: "Bổ sung căn cứ pháp lý.".into() }).await.unwrap();
        store.draft_answer(&actor(), &official, receipt.id, answer).await.unwrap();
        store.review_answer(&at(T0 + 3_600_000), &head, receipt.id, &Review::Approve { answer: None, publish: true }).await.unwrap();
        assert!(
            matches!(store.review_answer(&actor(), &head, receipt.id, &Review::Approve { answer: None, publish: true }).await, Err(Error::Conflict(_))),
            "once"
        );

        // The asker's messages: received, then answered, with the code.
        let notices = store.due_qa_notices(T0 + 3_600_000, 10).await.unwrap();
        assert_eq!(notices.iter().map(|n| n.message.as_str()).collect::<Vec<_>>(), ["received", "answered"]);
        assert_eq!(notices[1].code, code);
        assert!(notices[1].answer.contains("05/6"));
        store.qa_notice_sent(notices[0].id, T0).await.unwrap();
        assert_eq!(store.due_qa_notices(T0 + 3_600_000, 10).await.unwrap().len(), 1);

        // The tracking code opens it, whoever types it.
        let (tracked, events) = store.track_question(code).await.unwrap();
        assert_eq!(tracked.status(), Status::Answered);
        assert!(events.iter().all(|e| e.author.is_none()), "the asker is not told officials' names");
        assert!(matches!(store.track_question("CODE00000000000X").await, Err(Error::NotFound)));

        // Published with the personal data masked, and found without diacritics.
        let archived = store.archived_question(receipt.id).await.unwrap();
        assert!(!archived.body.contains("0912") && !archived.body.contains("an.nguyen@") && archived.body.contains("[đã ẩn số điện thoại]"));
        assert!(!archived.answer.contains("0912"));
        let found = store.search(&Query::parse("giay phep xay dung").unwrap(), &PublicFilter::default(), T0 + DAY, Paging::new(1, 10)).await.unwrap();
        assert_eq!(found.items.iter().filter(|h| h.kind == "question").count(), 1, "{}", db.backend);
        let listed = store.archive(&ArchiveFilter::default(), Paging::new(1, 10)).await.unwrap();
        assert_eq!(listed.total, 1);

        // One vote per browser.
        assert!(store.vote_useful(receipt.id, "trinh-duyet-1", true, T0).await.unwrap());
        assert!(!store.vote_useful(receipt.id, "trinh-duyet-1", false, T0).await.unwrap());
        assert!(store.vote_useful(receipt.id, "trinh-duyet-2", false, T0).await.unwrap());
        let archived = store.archived_question(receipt.id).await.unwrap();
        assert_eq!((archived.useful, archived.not_useful), (1, 1));

        // Pinned among the frequently asked; withdrawn, it leaves the archive and the search.
        assert!(matches!(store.pin_question(&actor(), &head, receipt.id, true).await, Err(Error::Forbidden)));
        store.pin_question(&actor(), &office, receipt.id, true).await.unwrap();
        assert_eq!(store.archive(&ArchiveFilter { pinned: true, ..Default::default() }, Paging::new(1, 10)).await.unwrap().total, 1);
        store.publish_question(&actor(), &head, receipt.id, false).await.unwrap();
        assert!(matches!(store.archived_question(receipt.id).await, Err(Error::NotFound)));
        let found = store.search(&Query::parse("giay phep").unwrap(), &PublicFilter::default(), T0 + DAY, Paging::new(1, 10)).await.unwrap();
        assert_eq!(found.items.iter().filter(|h| h.kind == "question").count(), 0);

        // Without consent there is no publication.
        let private = AskForm { consent: false, ..form("Không công khai") }.checked().unwrap();
        let other = store.ask(&actor(), &private, routed, None, Channel::Hotline, &[], "CODE0000000000C2", &Periods::default()).await.unwrap();
        store.draft_answer(&actor(), &official, other.id, "Trả lời riêng cho người hỏi.").await.unwrap();
        store.review_answer(&actor(), &head, other.id, &Review::Approve { answer: None, publish: true }).await.unwrap();
        assert!(matches!(store.archived_question(other.id).await, Err(Error::NotFound)));
        assert!(matches!(store.publish_question(&actor(), &office, other.id, true).await, Err(Error::Conflict(m)) if m.contains("không đồng ý")));

        let tallies = store.qa_tallies(&role(Role::Leadership, p), T0 - DAY, T0 + DAY, T0 + DAY).await.unwrap();
        let unit = tallies.iter().find(|t| t.unit_id == a).unwrap();
        assert_eq!((unit.tally.received, unit.tally.answered, unit.tally.on_time, unit.tally.useful), (2, 2, 2, 1));
    }
}

#[tokio::test]
async fn the_dispatcher_declines_and_keeps_the_calendar() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let office = role(Role::ReformOffice, p);
        let (_, open) = topics(&store, &office, a).await;
        let spam = store
            .ask(
                &actor(),
                &form("Quảng cáo dịch vụ làm giấy tờ nhanh").checked().unwrap(),
                open,
                None,
                Channel::Web,
                &[],
                "CODE0000000000D1",
                &Periods::default(),
            )
            .await
            .unwrap();
        assert!(matches!(store.decline_question(&actor(), &role(Role::UnitHead, a), spam.id, "Nội dung quảng cáo.").await, Err(Error::Forbidden)));
        store.decline_question(&actor(), &office, spam.id, "Nội dung quảng cáo, không phải câu hỏi.").await.unwrap();
        let notices = store.due_qa_notices(T0, 10).await.unwrap();
        assert!(notices.iter().any(|n| n.message == "declined" && n.reason.contains("quảng cáo")));
        assert!(matches!(store.dispatch_question(&actor(), &office, spam.id, a, "").await, Err(Error::Conflict(_))));

        // The law's days of 2026 are there; a make-up Saturday moves the next deadline.
        let days = store.working_days(2026).await.unwrap();
        assert!(days.iter().any(|d| d.day == "2026-02-17" && !d.working), "Tết");
        assert!(matches!(store.set_working_day(&actor(), &role(Role::UnitHead, a), None, date!(2026 - 05 - 30)).await, Err(Error::Forbidden)));
        let saturday = DayChange { date: date!(2026 - 05 - 30), working: true, note: "Làm bù theo Thông báo số 1/TB-VPCP".into() };
        store.set_working_day(&actor(), &office, Some(&saturday), saturday.date).await.unwrap();
        let calendar = store.calendar_from(T0).await.unwrap();
        assert!(calendar.is_working(date!(2026 - 05 - 30)));
        assert_eq!(calendar.deadline(T0, 7), text::vn_midnight_ms(date!(2026 - 06 - 09)), "{}", db.backend);
        store.set_working_day(&actor(), &office, None, saturday.date).await.unwrap();
        assert!(!store.calendar_from(T0).await.unwrap().is_working(date!(2026 - 05 - 30)));
    }
}
