//! The rosters of the PAR INDEX surveys of officials, on both databases: a list checked whole
//! and locked at its deadline, invitations that move to the next channel when refused,
//! participation counted per agency, answers stored without any link to the person, and the
//! roster erased when the survey is over.

mod common;

use common::*;
use domain::auth::{Access, Grant, Role};
use domain::invitations::{InvitationStatus, InviteChannel};
use domain::par::roster::{RawMember, Standing};
use storage::crypto::digest;
use storage::responses::{IngestError, NewResponse, Stored};
use storage::{Actor, Error};

fn role_on(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

fn at(ms: i64) -> Actor {
    Actor::system("test", ms)
}

fn member(name: &str, email: &str, phone: &str) -> RawMember {
    RawMember { name: name.into(), position: "Chuyên viên".into(), workplace: "Văn phòng".into(), email: email.into(), phone: phone.into() }
}

fn numbered(members: Vec<RawMember>) -> Vec<(usize, RawMember)> {
    members.into_iter().enumerate().map(|(i, m)| (i + 2, m)).collect()
}

/// One number read straight from the database, past the store.
async fn raw_count(db: &testkit::TestDb, sql: &str) -> i64 {
    if db.backend == "sqlite" {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.url)).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&pool).await.unwrap()
    }
}

const DEADLINE: i64 = T0 + 3_600_000;

#[tokio::test]
async fn a_roster_is_checked_whole_sealed_and_locked_at_its_deadline() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let (survey, _) = published_survey(&store, p, vec![a, b]).await;
        let office = role_on(Role::ReformOffice, p);
        let focal = role_on(Role::UnitOfficial, a);
        assert!(matches!(store.open_roster(&actor(), &focal, survey, DEADLINE).await, Err(Error::Forbidden)), "{}: only the office opens a roster", db.backend);
        store.open_roster(&actor(), &office, survey, DEADLINE).await.unwrap();

        let rows = numbered(vec![
            member("Nguyễn Văn An", "an@snv.gov.vn", ""),
            member("Lê Thị Bình", "binh@snv.gov.vn", "0912 000 001"),
            member("Phạm Cường", "", "+84912000002"),
        ]);
        assert_eq!(store.add_roster_members(&actor(), &focal, survey, a, &rows).await.unwrap(), 3);
        // A second list with a broken row and someone listed already: nothing is added.
        let refused = numbered(vec![member("Đỗ Dung", "dung@snv.gov.vn", ""), member("Trần E", "", ""), member("An lần nữa", "AN@snv.gov.vn", "")]);
        let Err(Error::Invalid(problems)) = store.add_roster_members(&actor(), &focal, survey, a, &refused).await else { panic!("refused") };
        assert_eq!(
            problems,
            ["Dòng 3: cần ít nhất một cách liên lạc: thư điện tử hoặc điện thoại.", "Dòng 4: đã có trong danh sách của cuộc khảo sát này."],
            "{}",
            db.backend
        );
        assert!(matches!(store.add_roster_members(&actor(), &focal, survey, b, &numbered(vec![member("X", "x@b.vn", "")])).await, Err(Error::Forbidden)));

        let listed = store.roster_members(&actor(), &focal, survey, a).await.unwrap();
        assert_eq!(listed.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["Nguyễn Văn An", "Lê Thị Bình", "Phạm Cường"]);
        assert!(listed.iter().all(|m| m.standing == Standing::NotInvited));
        // Plain text that ciphertext (base64) can never hold by chance: a Vietnamese letter, an `@`.
        let plain = "SELECT COUNT(*) FROM roster_members WHERE name_sealed LIKE '%Nguyễn%' OR email_sealed LIKE '%@snv.gov.vn%'";
        assert_eq!(raw_count(&db, plain).await, 0, "sealed");
        assert_eq!(raw_count(&db, "SELECT COUNT(*) FROM audit_log WHERE action = 'roster.viewed'").await, 1, "every opening of the names is audited");

        store.remove_roster_member(&actor(), &focal, survey, listed[2].id).await.unwrap();
        let late = store.add_roster_members(&at(DEADLINE), &focal, survey, a, &numbered(vec![member("Muộn", "muon@snv.gov.vn", "")])).await;
        assert!(matches!(&late, Err(Error::Invalid(m)) if m[0].contains("Danh sách đã khóa")), "{late:?}");
        assert!(store.remove_roster_member(&at(DEADLINE), &focal, survey, listed[1].id).await.is_err());
        assert_eq!(store.roster_members(&actor(), &focal, survey, a).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn a_refused_invitation_moves_on_and_an_answer_never_leads_back() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let (survey, form) = published_survey(&store, p, vec![a, b]).await;
        let office = role_on(Role::ReformOffice, p);
        store.open_roster(&actor(), &office, survey, DEADLINE).await.unwrap();
        let rows = numbered(vec![
            member("An", "an@a.gov.vn", ""),
            member("Bình", "binh@a.gov.vn", "0912000001"),
            member("Cường", "", "0912000002"),
            member("Dung", "dung@a.gov.vn", "0912000003"),
        ]);
        store.add_roster_members(&actor(), &role_on(Role::UnitOfficial, a), survey, a, &rows).await.unwrap();
        store.add_roster_members(&actor(), &role_on(Role::UnitOfficial, b), survey, b, &numbered(vec![member("Em", "em@b.gov.vn", "")])).await.unwrap();

        assert_eq!(store.invite_roster(&actor(), &office, survey).await.unwrap(), 5);
        assert_eq!(store.invite_roster(&actor(), &office, survey).await.unwrap(), 0, "nobody is invited twice");
        let due = store.due_invitations(T0, 100).await.unwrap();
        let by_to = |to: &str| due.iter().find(|d| d.to == to).unwrap_or_else(|| panic!("{to} due: {due:?}"));
        assert_eq!(due.len(), 5);
        assert!(due.iter().all(|d| d.dossier_code.is_none()));
        assert_eq!(by_to("0912000002").channel, InviteChannel::Sms, "no e-mail: a text first");
        // An is reached; Bình's mailbox refuses, Dung's mail goes; Cường's text goes and is then
        // reported undelivered; Em's goes.
        for d in &due {
            match d.to.as_str() {
                "binh@a.gov.vn" => store.invitation_not_sent(d.id, "550 mailbox unavailable", true, T0, T0).await.unwrap(),
                _ => store.invitation_sent(d.id, &format!("m-{}", d.id), T0).await.unwrap(),
            }
        }
        let cuong = by_to("0912000002").id;

        assert!(store.invitation_delivery(InviteChannel::Sms, Some(cuong), "", false, T0).await.unwrap());
        let next = store.due_invitations(T0, 100).await.unwrap();
        let mut moved: Vec<(&str, InviteChannel)> = next.iter().map(|d| (d.to.as_str(), d.channel)).collect();
        moved.sort_by_key(|(to, _)| *to);
        // Bình's refused e-mail moved to SMS by itself; Cường has a phone only: SMS refused, Zalo.
        assert_eq!(moved, [("0912000001", InviteChannel::Sms), ("0912000002", InviteChannel::Zalo)], "{}", db.backend);
        let binh_sms = next.iter().find(|d| d.channel == InviteChannel::Sms).unwrap();
        let bounced_token = digest(&by_to("binh@a.gov.vn").token);
        assert_eq!(store.token_state(&bounced_token, T0 + 1).await.unwrap(), storage::surveys::TokenState::Expired, "one live link per person");
        store.invitation_sent(binh_sms.id, "m-binh-sms", T0).await.unwrap();

        // An and Bình answer; the answers keep no token, and the times of their links are days.
        let ingest = store.start_ingest();
        let answer_at = T0 + 5 * 3_600_000 + 1_234;
        let with = |token: &str, submission: &str| NewResponse {
            token_hash: Some(digest(token)),
            submitted_at: answer_at,
            channel: "invitation".into(),
            ..response(&form, survey, a, "28101", 5, submission)
        };
        let an = with(&by_to("an@a.gov.vn").token, "an-1");
        assert!(matches!(ingest.submit(an.clone()).await, Ok(Stored::New(_))));
        assert!(matches!(ingest.submit(an.clone()).await, Ok(Stored::AlreadyStored(_))), "a resend is acknowledged, not stored twice");
        assert_eq!(ingest.submit(NewResponse { submission_id: "an-2".into(), ..an }).await, Err(IngestError::TokenUsed));
        assert!(matches!(ingest.submit(with(&binh_sms.token, "binh-1")).await, Ok(Stored::New(_))));
        assert_eq!(raw_count(&db, &format!("SELECT COUNT(*) FROM responses WHERE survey_id = {survey}")).await, 2);
        assert_eq!(raw_count(&db, "SELECT COUNT(*) FROM responses WHERE token_hash IS NOT NULL").await, 0, "no answer holds its token");
        let day = answer_at - answer_at % 86_400_000;
        assert_eq!(raw_count(&db, &format!("SELECT COUNT(*) FROM invitations WHERE completed_at = {day}")).await, 2, "kept to the day");
        assert_eq!(raw_count(&db, &format!("SELECT COUNT(*) FROM survey_tokens WHERE used_at = {answer_at}")).await, 0);

        // Participation, by hand: agency a chose 4 — all invited; An, Bình (after the bounce),
        // Dung reached; Cường refused on SMS, Zalo still queued; An and Bình answered, one by
        // e-mail, one by SMS. Agency b: Em invited and reached, not answered.
        let participation = store.roster_participation(&office, survey).await.unwrap();
        let agency = &participation.rows.iter().find(|(unit, _, _)| *unit == a).unwrap().2;
        assert_eq!(
            (agency.chosen, agency.invited, agency.reached, agency.answered, agency.bounced, agency.rescued, agency.answered_by),
            (4, 4, 3, 2, 2, 1, [1, 1, 0]),
            "{}",
            db.backend
        );
        assert_eq!((participation.total.chosen, participation.total.answered, participation.total.reached), (5, 2, 4));
        let scoped = store.roster_participation(&role_on(Role::UnitOfficial, b), survey).await.unwrap();
        assert_eq!(scoped.rows.len(), 1, "an agency sees its own row");
        assert_eq!(scoped.total.chosen, 1);

        // The focal point sees who has not answered and chases Dung, once a day.
        let focal = role_on(Role::UnitOfficial, a);
        let listed = store.roster_members(&actor(), &focal, survey, a).await.unwrap();
        let standing: Vec<Standing> = listed.iter().map(|m| m.standing).collect();
        assert_eq!(standing[..2], [Standing::Answered, Standing::Answered]);
        assert_eq!(standing[2], Standing::Waiting(InviteChannel::Zalo, InvitationStatus::Queued));
        assert!(store.chase_roster_member(&actor(), &focal, survey, listed[3].id).await.is_err(), "sent less than a day ago");
        store.chase_roster_member(&at(T0 + 86_400_000), &focal, survey, listed[3].id).await.unwrap();
        assert!(store.chase_roster_member(&at(T0 + 86_400_000), &focal, survey, listed[0].id).await.is_err(), "an answer is not chased");
        assert!(matches!(store.chase_roster_member(&at(T0 + 86_400_000), &role_on(Role::UnitOfficial, b), survey, listed[3].id).await, Err(Error::Forbidden)));

        // Raw answers of a roster survey are the province's alone.
        let filter = storage::responses::ExportFilter::default();
        assert!(matches!(store.export_responses(&actor(), &focal, survey, &filter).await, Err(Error::Forbidden)));
        assert!(store.export_responses(&actor(), &office, survey, &filter).await.is_ok());

        // When the survey closes the roster is erased: no name, no contact, no link; the counts stay.
        let closed = at(T0 + 86_400_000);
        assert_eq!(store.erase_finished_rosters(&closed).await.unwrap(), 1);
        assert_eq!(store.erase_finished_rosters(&closed).await.unwrap(), 0, "once");
        assert_eq!(raw_count(&db, "SELECT COUNT(*) FROM roster_members WHERE name_sealed <> '' OR email_index <> '' OR phone_index <> ''").await, 0);
        assert_eq!(raw_count(&db, "SELECT COUNT(*) FROM invitations WHERE member_id IS NOT NULL AND token_hash NOT LIKE 'erased-%'").await, 0);
        assert_eq!(raw_count(&db, &format!("SELECT COUNT(*) FROM survey_tokens WHERE survey_id = {survey}")).await, 0);
        assert_eq!(store.roster_participation(&office, survey).await.unwrap().total.answered, 2);
        let names: Vec<String> = store.roster_members(&actor(), &focal, survey, a).await.unwrap().into_iter().map(|m| m.name).collect();
        assert!(names.iter().all(|n| n == "(đã xóa sau đợt)"), "{names:?}");
    }
}
