//! Consultation's storage contract on both backends: the deadline lock, who may take part, one
//! vote per participant, moderation and its counts, masking, verification codes, answers, the
//! report and its notices, and the grouping of near-duplicates scored on a generated set.

mod common;

use std::collections::HashMap;

use common::{T0, actor, units};
use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use domain::consultation::{self, Audience, CommentForm, CommentStatus, Decision, Moderation, ParticipantKind, Rules, Settings, Subject, Verdict, Vote};
use domain::personal::Contact;
use storage::audit::Filter;
use storage::consultation::Visitor;
use storage::{Actor, Error, Paging, Store};
use thuocdo::demo::consultation::{comments, draft_lines};

const DAY: i64 = 86_400_000;

fn role(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

fn settings(audience: Audience, invited: Vec<i64>, moderation: Moderation) -> Settings {
    Settings {
        title: "Dự thảo Quy chế tiếp nhận, xử lý phản ánh, kiến nghị".into(),
        summary: "Lấy ý kiến người dân, doanh nghiệp.".into(),
        subject: Subject::LegalDraft,
        audience,
        invited,
        moderation,
        opens_at: T0,
        closes_at: T0 + 30 * DAY,
    }
}

fn visitor(token: &str) -> Visitor<'_> {
    Visitor { token, units: &[], identity: None }
}

fn said(body: &str) -> CommentForm {
    CommentForm { body: body.into(), ..Default::default() }
}

/// A published consultation of unit `a`, run by `official`; returns its id.
async fn published(store: &Store, official: &Access, a: i64, settings: Settings) -> i64 {
    let id = store.create_consultation(&actor(), official, a, settings, &Rules::default()).await.unwrap();
    let outline = consultation::outline(&draft_lines()).unwrap();
    store.save_consultation_text(&actor(), official, id, &outline).await.unwrap();
    store.publish_consultation(&actor(), official, id).await.unwrap();
    id
}

#[tokio::test]
async fn a_consultation_takes_comments_only_in_its_period_and_scope() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (_, a, b) = units(&store).await;
        let official = role(Role::UnitOfficial, a);
        // Another unit's officials neither set one up for `a` nor see it.
        let other = role(Role::UnitOfficial, b);
        assert!(matches!(
            store.create_consultation(&actor(), &other, a, settings(Audience::Everyone, vec![], Moderation::Before), &Rules::default()).await,
            Err(Error::Forbidden)
        ));
        let id = store.create_consultation(&actor(), &official, a, settings(Audience::Everyone, vec![], Moderation::Before), &Rules::default()).await.unwrap();
        assert!(matches!(store.managed_consultation(&other, id).await, Err(Error::NotFound)));
        assert!(matches!(store.public_consultation(id).await, Err(Error::NotFound)), "a draft is not public");
        assert!(matches!(store.publish_consultation(&actor(), &official, id).await, Err(Error::Invalid(_))), "no text, no publication");
        store.save_consultation_text(&actor(), &official, id, &consultation::outline(&draft_lines()).unwrap()).await.unwrap();
        store.publish_consultation(&actor(), &official, id).await.unwrap();
        assert!(matches!(
            store.update_consultation(&actor(), &official, id, settings(Audience::Everyone, vec![], Moderation::After), &Rules::default()).await,
            Err(Error::Conflict(_))
        ));

        let draft = store.consultation_draft(id).await.unwrap();
        assert!(draft.index_of_anchor("dieu-3-khoan-1").is_some(), "{}", db.backend);
        let early = store.submit_comment(id, visitor("t1"), ParticipantKind::Person, "dieu-3", &said("Quá sớm"), T0 - 1).await;
        assert!(matches!(early, Err(Error::Conflict(ref m)) if m.contains("chưa bắt đầu")), "{early:?}");
        let receipt = store.submit_comment(id, visitor("t1"), ParticipantKind::Person, "dieu-3", &said("Đúng hạn, gọi 0912 345 678"), T0).await.unwrap();
        assert_eq!(receipt.status, CommentStatus::Pending, "moderated before publication");
        let late = store.submit_comment(id, visitor("t1"), ParticipantKind::Person, "dieu-3", &said("Đã quá hạn"), T0 + 30 * DAY).await;
        assert!(matches!(late, Err(Error::Conflict(ref m)) if m.contains("hết hạn")), "the deadline is the server's: {late:?}");
        let nowhere = store.submit_comment(id, visitor("t1"), ParticipantKind::Person, "dieu-99", &said("Không có điều này"), T0).await;
        assert!(matches!(nowhere, Err(Error::Invalid(_))));
        let own = store.own_comments(id, "t1", 10).await.unwrap();
        assert_eq!(own.len(), 1, "refused comments wrote nothing");
        assert_eq!(own[0].text, "Đúng hạn, gọi [đã ẩn số điện thoại]", "masked before anyone reads it");
        assert!(store.positions(id, &[], Paging::new(1, 20)).await.unwrap().items.is_empty(), "nothing shows before moderation");
    }
}

#[tokio::test]
async fn the_audience_is_checked_at_the_door() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let office = role(Role::ReformOffice, p);
        let businesses = published(&store, &office, p, settings(Audience::Businesses, vec![], Moderation::After)).await;
        let form = CommentForm { body: "Ý kiến của doanh nghiệp".into(), organisation: "Công ty TNHH Phú An".into(), ..Default::default() };
        let refused = store.submit_comment(businesses, visitor("biz"), ParticipantKind::Business, "toan-van", &form, T0 + 1).await;
        assert!(matches!(refused, Err(Error::Invalid(ref m)) if m[0].contains("doanh nghiệp")), "unverified: {refused:?}");
        let contact = Contact::Email("ketoan@phuan.vn".into());
        let code = store.request_code(businesses, visitor("biz"), &contact, T0 + 1).await.unwrap();
        assert_eq!(code.len(), 6);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert!(matches!(store.confirm_code(businesses, visitor("biz"), wrong, T0 + 2).await, Err(Error::Invalid(_))));
        store.confirm_code(businesses, visitor("biz"), &code, T0 + 3).await.unwrap();
        assert!(store.is_verified(businesses, "biz").await.unwrap());
        store.submit_comment(businesses, visitor("biz"), ParticipantKind::Business, "toan-van", &form, T0 + 4).await.unwrap();
        // Those who proved who they are with VNeID are counted beside those who verified a
        // contact: at their first comment, or when they prove it after taking part.
        let everyone = published(&store, &office, p, settings(Audience::Everyone, vec![], Moderation::After)).await;
        let proved = Visitor { token: "vneid", units: &[], identity: Some("digest-1") };
        store.submit_comment(everyone, proved, ParticipantKind::Person, "toan-van", &said("Đồng ý với dự thảo"), T0 + 1).await.unwrap();
        store.submit_comment(everyone, proved, ParticipantKind::Person, "toan-van", &said("Thêm một ý kiến"), T0 + 2).await.unwrap();
        store.submit_comment(everyone, visitor("later"), ParticipantKind::Person, "toan-van", &said("Chưa xác thực"), T0 + 3).await.unwrap();
        let counts = store.consultation_statistics(everyone).await.unwrap();
        assert_eq!((counts.participants_total(), counts.identified, counts.verified), (2, 1, 0), "{}", db.backend);
        let later = Visitor { token: "later", units: &[], identity: Some("digest-2") };
        store.submit_comment(everyone, later, ParticipantKind::Person, "toan-van", &said("Nay đã xác thực"), T0 + 4).await.unwrap();
        assert_eq!(store.consultation_statistics(everyone).await.unwrap().identified, 2, "{}", db.backend);
        // A code past its time is refused.
        let late = store.request_code(businesses, visitor("late"), &contact, T0 + 5).await.unwrap();
        assert!(store.confirm_code(businesses, visitor("late"), &late, T0 + 5 + consultation::CODE_TTL_MS).await.is_err());

        let invited = published(&store, &office, p, settings(Audience::Invited, vec![a], Moderation::After)).await;
        let official_a = Visitor { token: "anlac", units: &[a], identity: None };
        let official_b = Visitor { token: "other", units: &[b], identity: None };
        let org = CommentForm { body: "Ý kiến của đơn vị".into(), organisation: "Đơn vị 28101".into(), ..Default::default() };
        assert!(store.submit_comment(invited, official_b, ParticipantKind::Organisation, "toan-van", &org, T0 + 1).await.is_err());
        assert!(store.submit_comment(invited, visitor("citizen"), ParticipantKind::Person, "toan-van", &said("Người dân góp ý"), T0 + 1).await.is_err());
        store.submit_comment(invited, official_a, ParticipantKind::Organisation, "toan-van", &org, T0 + 1).await.unwrap();
        assert_eq!(store.consultation_statistics(invited).await.unwrap().participants_total(), 1, "{}", db.backend);
    }
}

#[tokio::test]
async fn moderation_votes_answers_and_the_report() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (_, a, _) = units(&store).await;
        let official = role(Role::UnitOfficial, a);
        let id = published(&store, &official, a, settings(Audience::Everyone, vec![], Moderation::Before)).await;
        let with_contact =
            CommentForm {
                body: "Đề nghị rút ngắn thời hạn xử lý xuống 03 ngày làm việc".into(), contact: "0912345678".into(), ..Default::default()
            };
        let first = store.submit_comment(id, visitor("an"), ParticipantKind::Person, "dieu-3-khoan-1", &with_contact, T0 + 1).await.unwrap();
        let second =
            store.submit_comment(id, visitor("binh"), ParticipantKind::Person, "dieu-4", &said("Đề nghị bỏ phí thẩm định hồ sơ"), T0 + 2).await.unwrap();
        let queue = store.moderation_queue(&official, id, Some(CommentStatus::Pending), 0, 20).await.unwrap();
        assert_eq!(queue.total, 2);
        assert!(matches!(store.moderate_comment(&actor(), &official, id, first.id, &Decision::Reject { reason: " ".into() }).await, Err(Error::Invalid(_))));
        store.moderate_comment(&actor(), &official, id, first.id, &Decision::Publish).await.unwrap();
        store.moderate_comment(&actor(), &official, id, second.id, &Decision::Publish).await.unwrap();
        // Not placed in its position yet: weighed once it is.
        assert!(matches!(store.vote(id, visitor("chi"), first.id, Vote::Agree, T0 + 3).await, Err(Error::Conflict(_))));
        assert_eq!(store.group_comments(100).await.unwrap(), 2);
        assert_eq!(store.positions(id, &[], Paging::new(1, 20)).await.unwrap().total, 2, "decided before placing, counted on placing");
        store.moderate_comment(&actor(), &official, id, second.id, &Decision::Reject { reason: "Trùng ý kiến đã trả lời".into() }).await.unwrap();
        let draft = store.consultation_draft(id).await.unwrap();
        let article_3 = draft.index_of_anchor("dieu-3").unwrap();
        assert_eq!(draft.comments_within(article_3), 1, "counts follow moderation: {}", db.backend);
        assert_eq!(draft.comments(), 1);
        let own = store.own_comments(id, "binh", 10).await.unwrap();
        assert_eq!((own[0].status.as_str(), own[0].reason.as_str()), ("rejected", "Trùng ý kiến đã trả lời"));

        // One vote per participant; a second replaces the first; not on one's own comment.
        assert!(matches!(store.vote(id, visitor("an"), first.id, Vote::Agree, T0 + 3).await, Err(Error::Invalid(_))));
        assert!(store.vote(id, visitor("chi"), second.id, Vote::Agree, T0 + 3).await.is_err(), "not on a rejected comment");
        store.vote(id, visitor("chi"), first.id, Vote::Agree, T0 + 3).await.unwrap();
        store.vote(id, visitor("chi"), first.id, Vote::Agree, T0 + 4).await.unwrap();
        store.vote(id, visitor("dung"), first.id, Vote::Agree, T0 + 4).await.unwrap();
        store.vote(id, visitor("dung"), first.id, Vote::Disagree, T0 + 5).await.unwrap();
        let shown = store.positions(id, &[], Paging::new(1, 20)).await.unwrap();
        assert_eq!(shown.total, 1);
        assert_eq!((shown.items[0].agree, shown.items[0].disagree, shown.items[0].supporters), (1, 1, 1));
        assert!(store.vote(id, visitor("em"), first.id, Vote::Agree, T0 + 30 * DAY).await.is_err(), "votes close with the period");

        // The report waits for the deadline and every answer.
        assert!(store.publish_report(&actor(), &official, id, "Văn bản cuối", T0 + 10).await.is_err());
        let after = T0 + 31 * DAY;
        let err = store.publish_report(&actor(), &official, id, "Văn bản cuối", after).await.unwrap_err();
        assert!(err.to_string().contains("Còn 1 ý kiến chưa có nội dung tiếp thu"), "{err}");
        let group = shown.items[0].group_id;
        store.answer_position(&actor(), &official, id, group, Verdict::Accepted, "Đã sửa Khoản 1 Điều 3: 03 ngày làm việc.").await.unwrap();
        assert!(matches!(store.publish_report(&actor(), &official, id, "  ", after).await, Err(Error::Invalid(_))), "the final text goes with it");
        let told = store.publish_report(&actor(), &official, id, "Điều 3. Thời hạn xử lý\n1. Trong 03 ngày làm việc…", after).await.unwrap();
        assert_eq!(told, 1, "the one who left a contact is told");
        let notices = store.due_notices(after, 10).await.unwrap();
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].contact, Contact::Phone("0912345678".into()));
        store.notice_sent(notices[0].id, after).await.unwrap();
        assert!(store.due_notices(after, 10).await.unwrap().is_empty());
        let report = store.report_data(store.public_consultation(id).await.unwrap()).await.unwrap();
        assert_eq!(report.positions.len(), 1);
        assert_eq!(report.positions[0].verdict(), Some(Verdict::Accepted));
        assert_eq!(report.statistics.participants_total(), 4, "two commenters and two voters: {}", db.backend);
        assert_eq!((report.statistics.comments_in(CommentStatus::Rejected), report.statistics.answered), (1, 1));
        assert!(store.answer_position(&actor(), &official, id, group, Verdict::Explained, "Sửa lại").await.is_err(), "answers are final with the report");

        // Opening what was typed is audited.
        let original = store.original_comment(&Actor { user_id: None, ..actor() }, &official, id, first.id).await.unwrap();
        assert_eq!(original.contact.as_deref(), Some("0912345678"));
        let log = store.audit_log(&role(Role::SystemAdmin, a), &Filter::default(), Paging::new(1, 50)).await.unwrap();
        let actions: Vec<&str> = log.items.iter().map(|r| r.action.as_str()).collect();
        for action in
            [AuditAction::PersonalDataViewed, AuditAction::ConsultationReported, AuditAction::ConsultationAnswered, AuditAction::ConsultationCommentModerated]
        {
            assert!(actions.contains(&action.code()), "{action:?} in {actions:?}");
        }
    }
}

/// Pairwise precision and recall of the stored grouping against the positions the generator
/// knows: a pair is right when both put it in one position.
fn scored(truth: &[String], groups: &[i64]) -> (f64, f64) {
    let pairs = |n: usize| (n * n.saturating_sub(1) / 2) as f64;
    let mut cells: HashMap<(&str, i64), usize> = HashMap::new();
    let mut by_truth: HashMap<&str, usize> = HashMap::new();
    let mut by_group: HashMap<i64, usize> = HashMap::new();
    for (t, g) in truth.iter().zip(groups) {
        *cells.entry((t.as_str(), *g)).or_default() += 1;
        *by_truth.entry(t.as_str()).or_default() += 1;
        *by_group.entry(*g).or_default() += 1;
    }
    let right: f64 = cells.values().map(|n| pairs(*n)).sum();
    (right / by_group.values().map(|n| pairs(*n)).sum::<f64>(), right / by_truth.values().map(|n| pairs(*n)).sum::<f64>())
}

#[tokio::test]
async fn near_duplicates_are_grouped_into_positions() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (_, a, _) = units(&store).await;
        let official = role(Role::UnitOfficial, a);
        let id = published(&store, &official, a, settings(Audience::Everyone, vec![], Moderation::After)).await;
        let generated = comments(11, 600, 0.7);
        for (i, c) in generated.iter().enumerate() {
            let token = format!("p{i}");
            store.submit_comment(id, visitor(&token), ParticipantKind::Person, c.anchor, &said(&c.text), T0 + i as i64).await.unwrap();
        }
        assert!(store.positions(id, &[], Paging::new(1, 10)).await.unwrap().items.is_empty(), "placed by the grouping step");
        // Steps of a few comments: seeds met in earlier steps are found through their bands.
        while store.group_comments(64).await.unwrap() > 0 {}
        let first = store.moderation_queue(&official, id, None, 0, 300).await.unwrap();
        assert_eq!(first.total, 600);
        let rest = store.moderation_queue(&official, id, None, first.items.last().unwrap().id, 300).await.unwrap();
        let groups: Vec<i64> = first.items.iter().chain(&rest.items).map(|c| c.group_id.unwrap()).collect();
        let truth: Vec<String> = generated.iter().map(|c| c.position.clone()).collect();
        let (precision, recall) = scored(&truth, &groups);
        println!("{}: 600 comments, 70 % campaign copies: precision {precision:.3}, recall {recall:.3}", db.backend);
        assert!(precision >= 0.95 && recall >= 0.9, "precision {precision:.3}, recall {recall:.3}");
        let positions = store.positions(id, &[], Paging::new(1, 10)).await.unwrap();
        assert!(positions.items[0].supporters >= 80, "a campaign is one position with its supporters: {}", positions.items[0].supporters);
    }
}

/// A comment rejected in moderation leaves the comment analysis — not counted, not listed, not
/// under a topic, also after the topics are classified again — whether it was rejected before
/// the analysis read it or after; published on second thought, it is counted again.
#[tokio::test]
async fn a_rejected_comment_leaves_the_comment_analysis() {
    use analytics::model::BUILTIN;
    use storage::analytics::{CommentFilter, CountBy};
    for db in testkit::backends().await {
        let backend = db.backend;
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let official = role(Role::UnitOfficial, a);
        let id = published(&store, &official, a, settings(Audience::Everyone, vec![], Moderation::Before)).await;
        let abuse =
            store.submit_comment(id, visitor("an"), ParticipantKind::Person, "dieu-4", &said("Bọn cán bộ chậm trễ, thái độ hách dịch"), T0 + 1).await.unwrap();
        let late = store.submit_comment(id, visitor("binh"), ParticipantKind::Person, "dieu-4", &said("Hồ sơ trễ hẹn, không ai báo"), T0 + 2).await.unwrap();
        store.submit_comment(id, visitor("chi"), ParticipantKind::Person, "dieu-4", &said("Đề nghị rút ngắn thời hạn xử lý"), T0 + 3).await.unwrap();
        let reject = Decision::Reject { reason: "Lời lẽ xúc phạm".into() };
        store.moderate_comment(&actor(), &official, id, abuse.id, &reject).await.unwrap();

        let link = |id: i64| format!("/admin/alerts/{id}");
        assert_eq!(store.read_new_comments(&BUILTIN, T0, &link).await.unwrap(), 3, "{backend}: every comment is read");
        let office = role(Role::ReformOffice, p);
        let all = CommentFilter::default();
        let counted = |by| {
            let (store, office, all) = (&store, &office, &all);
            async move { store.count_comments(office, all, by).await.unwrap().iter().map(|c| c.total()).sum::<i64>() }
        };
        let listed = || async { store.comments(&actor(), &office, &all, None, 50).await.unwrap().iter().map(|c| c.source_id).collect::<Vec<_>>() };
        assert_eq!(counted(CountBy::Month).await, 2, "{backend}: rejected before it was read");
        assert!(!listed().await.contains(&abuse.id), "{backend}");
        let topics = counted(CountBy::Topic).await;
        assert!(topics > 0, "{backend}: the late dossier has a topic");

        store.moderate_comment(&actor(), &official, id, late.id, &reject).await.unwrap();
        assert_eq!(counted(CountBy::Month).await, 1, "{backend}: rejected after it was read");
        assert!(counted(CountBy::Topic).await < topics, "{backend}: its topics go with it");
        assert!(!listed().await.contains(&late.id), "{backend}");
        let edited = analytics::topics::Topic::new("bao_tin", "Báo tin", "không ai báo").unwrap();
        store.save_analytics_topic(&actor(), &office, &edited, 20).await.unwrap();
        store.reclassify_comments(&BUILTIN).await.unwrap();
        let by_topic = store.count_comments(&office, &all, CountBy::Topic).await.unwrap();
        assert!(!by_topic.iter().any(|c| c.key == "bao_tin"), "{backend}: classified again, still withheld: {by_topic:?}");

        store.moderate_comment(&actor(), &official, id, late.id, &Decision::Publish).await.unwrap();
        assert_eq!(counted(CountBy::Month).await, 2, "{backend}: published on second thought");
        let by_topic = store.count_comments(&office, &all, CountBy::Topic).await.unwrap();
        assert_eq!(by_topic.iter().find(|c| c.key == "bao_tin").map(|c| c.total()), Some(1), "{backend}");
        assert!(listed().await.contains(&late.id), "{backend}");
    }
}
