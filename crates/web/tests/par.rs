//! PAR INDEX on SQLite and PostgreSQL: the reform office opens a round from the built-in
//! template; a commune official self-scores with an evidence file; bad points, bad files and
//! survey-measured items are refused with nothing written; the deadline (Vietnam time, on the
//! application's controllable clock) locks the self-assessment; drafts stay within their unit,
//! council members see only the units they are assigned, and a head approves only their own.

use domain::auth::{Access, Grant, Role};
use domain::par::{Points, Stage};
use domain::text;
use reqwest::multipart::{Form, Part};
use storage::Actor;
use storage::auth::NewUser;
use storage::par::Mark;
use testkit::{Session, TestApp};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

/// dd/mm/yyyy of the Vietnamese day `days` after the clock's.
fn day_after(app: &TestApp, days: i64) -> String {
    text::format_date(text::vn_datetime(app.clock.now_ms()).date() + time::Duration::days(days))
}

/// The instant the self-assessment locks: midnight after its last day, two days from now.
fn self_lock(app: &TestApp) -> i64 {
    text::vn_midnight_ms(text::vn_datetime(app.clock.now_ms()).date() + time::Duration::days(3))
}

/// Opens this year's commune round from the template; returns (round, An Lạc's assessment,
/// Đông Thành's assessment).
async fn open_round(app: &TestApp) -> (i64, i64, i64) {
    let cchc = app.login("cchc").await;
    let year = text::vn_datetime(app.clock.now_ms()).year().to_string();
    assert_eq!(cchc.post_form("/admin/par/trees/template", &[("level", "commune"), ("year", &year)]).await.status(), 303);
    let tree = app.store.par_trees().await.unwrap()[0].id.to_string();
    let dates = [day_after(app, 2), day_after(app, 10), day_after(app, 15), day_after(app, 20)];
    let response = cchc
        .post_form(
            "/admin/par/rounds",
            &[
                ("tree", &tree),
                ("title", "Chỉ số CCHC cấp xã"),
                ("self_deadline", &dates[0]),
                ("appraisal_deadline", &dates[1]),
                ("explanation_deadline", &dates[2]),
                ("final_deadline", &dates[3]),
                ("good", "80"),
                ("fair", "65"),
                ("average", "50"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let round: i64 = response.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();
    let province = Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]);
    let sheets = app.store.par_sheets(&Actor::system("test", app.clock.now_ms()), &province, round).await.unwrap();
    let of = |code: &str| sheets.iter().find(|s| s.assessment.unit_code == code).unwrap().assessment.id;
    (round, of("28101"), of("28102"))
}

async fn save_item(session: &Session, assessment: i64, code: &str, stage: &str, points: &str, note: &str, file: Option<(&str, &[u8])>) -> reqwest::Response {
    let mut form = Form::new().text("csrf", session.csrf.clone()).text("stage", stage.to_string()).text("points", points.to_string()).text("note", note.to_string());
    if let Some((name, bytes)) = file {
        form = form.part("file", Part::bytes(bytes.to_vec()).file_name(name.to_string()));
    }
    session.client.post(session.url(&format!("/admin/par/assessments/{assessment}/items/{code}"))).multipart(form).send().await.unwrap()
}

/// A demo-like official with the password of the demo's.
async fn official(app: &TestApp, username: &str, unit: &str, role: Role) {
    let actor = Actor::system("test", app.clock.now_ms());
    let hash = app.store.password_hash(app.store.user_id_by_name("anlac.canbo").await.unwrap()).await.unwrap();
    let unit = app.unit_id(unit).await;
    let user = NewUser { username: username.into(), full_name: username.into(), email: None, phone: None, unit_id: unit, password_hash: hash };
    let id = app.store.insert_user(&actor, &user).await.unwrap();
    app.store.insert_grant(&actor, id, Grant { role, unit }).await.unwrap();
}

#[tokio::test]
async fn a_commune_self_scores_with_evidence_until_the_deadline_locks_it() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let (_, anlac, _) = open_round(&app).await;
        let canbo = app.login("anlac.canbo").await;

        let saved = save_item(&canbo, anlac, "1.1.1", "self", "1", "Kế hoạch số 12/KH-UBND", Some(("Kế hoạch CCHC 2026.pdf", PDF))).await;
        assert_eq!(saved.status(), 303, "{backend}");
        let (_, page) = canbo.text(&format!("/admin/par/assessments/{anlac}?saved=1.1.1")).await;
        assert!(page.contains("Đã lưu mục 1.1.1") && page.contains("Kế hoạch CCHC 2026.pdf"), "{backend}");
        let document = page.split("/admin/par/documents/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let file = canbo.get(&format!("/admin/par/documents/{document}")).await;
        assert_eq!(file.headers()["content-type"], "application/pdf");
        assert_eq!(file.bytes().await.unwrap().as_ref(), PDF, "the evidence comes back byte for byte");

        // Bad points, a file that is not what it says, a survey-measured item: refused, nothing written.
        let over = save_item(&canbo, anlac, "1.1.1", "self", "5", "", None).await;
        assert_eq!(over.status(), 422);
        assert!(over.text().await.unwrap().contains("Điểm của mục 1.1.1 phải từ 0 đến 1."));
        let fake = save_item(&canbo, anlac, "1.1.1", "self", "0,5", "", Some(("bao-cao.pdf", b"MZ\x90\x00 not a pdf"))).await;
        assert_eq!(fake.status(), 422);
        assert!(fake.text().await.unwrap().contains("không phải PDF"));
        let surveyed = save_item(&canbo, anlac, "8.1.1", "self", "10", "", None).await;
        assert_eq!(surveyed.status(), 422);
        assert!(surveyed.text().await.unwrap().contains("lấy điểm từ kết quả điều tra xã hội học"));
        let unit_access = Access::new(vec![Grant { role: Role::UnitOfficial, unit: app.unit_id("28101").await }]);
        let actor = Actor { user_id: Some(app.store.user_id_by_name("anlac.canbo").await.unwrap()), ..Actor::system("anlac.canbo", app.clock.now_ms()) };
        let history = app.store.par_item_history(&actor, &unit_access, anlac, "1.1.1").await.unwrap();
        assert_eq!(history.len(), 1, "{backend}: refused edits leave no trace in the history");
        assert_eq!(history[0].points, Some(Points::whole(1).0));

        // A minute before the deadline an edit passes; at the deadline everything locks.
        let lock = self_lock(&app);
        app.clock.advance_ms(lock - 60_000 - app.clock.now_ms());
        let canbo = app.login("anlac.canbo").await;
        assert_eq!(save_item(&canbo, anlac, "1.1.2", "self", "2,5", "", None).await.status(), 303, "{backend}");
        app.clock.advance_ms(60_000);
        let late = save_item(&canbo, anlac, "1.1.2", "self", "3", "", None).await;
        assert_eq!(late.status(), 409, "{backend}");
        let message = late.text().await.unwrap();
        assert!(message.contains("Đã hết hạn tự đánh giá lúc") && message.contains("đã bị khóa"), "{backend}: {message}");
        let late_file = save_item(&canbo, anlac, "1.2.1", "self", "1", "", Some(("muon.pdf", PDF))).await;
        assert_eq!(late_file.status(), 409);
        let sheet = app.store.par_assessment(&Actor { at: app.clock.now_ms(), ..actor.clone() }, &unit_access, anlac).await.unwrap();
        assert_eq!(sheet.mark("1.1.2", Stage::SelfAssessment).and_then(|m| m.points), Some(250), "{backend}: the last edit before the deadline stands");
        assert!(sheet.mark("1.2.1", Stage::SelfAssessment).is_none() && sheet.documents.len() == 1, "{backend}");
        let submit = canbo.post_form(&format!("/admin/par/assessments/{anlac}/action"), &[("action", "submit")]).await;
        assert_eq!(submit.status(), 409, "{backend}: nor can it be submitted after the deadline");
    }
}

async fn action(session: &Session, id: i64, action: &str, note: &str) -> reqwest::Response {
    session.post_form(&format!("/admin/par/assessments/{id}/action"), &[("action", action), ("note", note)]).await
}

#[tokio::test]
async fn drafts_stay_in_their_unit_the_council_sees_its_units_and_heads_approve_their_own() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let (round, anlac, dongthanh) = open_round(&app).await;
        official(&app, "dongthanh.canbo", "28102", Role::UnitOfficial).await;
        official(&app, "thamdinh2", "SNV", Role::AppraisalCouncil).await;
        let canbo = app.login("anlac.canbo").await;
        assert_eq!(save_item(&canbo, anlac, "1.1.1", "self", "1", "", Some(("kh.pdf", PDF))).await.status(), 303);

        let neighbour = app.login("dongthanh.canbo").await;
        assert_eq!(neighbour.get(&format!("/admin/par/assessments/{anlac}")).await.status(), 404, "{backend}: another commune's draft");
        assert_eq!(save_item(&neighbour, anlac, "1.1.1", "self", "0", "", None).await.status(), 404);
        assert_eq!(neighbour.get(&format!("/admin/par/assessments/{dongthanh}")).await.status(), 200);
        let (_, listing) = neighbour.text(&format!("/admin/par/rounds/{round}")).await;
        assert!(listing.contains("Phường Đông Thành") && !listing.contains("Phường An Lạc"), "{backend}: the round lists only the caller's unit");

        // The council: nothing until assigned, then only the assigned unit.
        let thamdinh = app.login("thamdinh").await;
        assert_eq!(thamdinh.get(&format!("/admin/par/assessments/{anlac}")).await.status(), 404, "{backend}");
        let member = app.store.user_id_by_name("thamdinh").await.unwrap().to_string();
        let cchc = app.login("cchc").await;
        assert_eq!(cchc.post_form(&format!("/admin/par/assessments/{anlac}/council"), &[("member", &member)]).await.status(), 303);
        assert_eq!(thamdinh.get(&format!("/admin/par/assessments/{anlac}")).await.status(), 200, "{backend}");
        assert_eq!(thamdinh.get(&format!("/admin/par/assessments/{dongthanh}")).await.status(), 404);
        assert_eq!(app.login("thamdinh2").await.get(&format!("/admin/par/assessments/{anlac}")).await.status(), 404, "{backend}: another council member");
        let not_council = app.store.user_id_by_name("anlac.chutich").await.unwrap().to_string();
        assert_eq!(cchc.post_form(&format!("/admin/par/assessments/{anlac}/council"), &[("member", &not_council)]).await.status(), 422);

        // Submission needs every item scored; the head approves only their own unit.
        let early = action(&canbo, anlac, "submit", "").await;
        assert_eq!(early.status(), 422);
        assert!(early.text().await.unwrap().contains("chưa được chấm điểm"));
        let unit_access = Access::new(vec![Grant { role: Role::UnitOfficial, unit: app.unit_id("28101").await }]);
        let actor = Actor { user_id: Some(app.store.user_id_by_name("anlac.canbo").await.unwrap()), ..Actor::system("anlac.canbo", app.clock.now_ms()) };
        let tree = app.store.par_round(round).await.unwrap().tree;
        for (_, _, item) in tree.items().filter(|(_, _, i)| i.self_assessed() && i.code != "1.1.1") {
            let mark = Mark { stage: Stage::SelfAssessment, item: &item.code, points: Some(item.max), note: "Có văn bản, đang số hóa" };
            app.store.mark_par_item(&actor, &unit_access, anlac, &mark).await.unwrap();
        }
        assert_eq!(action(&canbo, anlac, "submit", "").await.status(), 303, "{backend}");
        assert_eq!(action(&canbo, anlac, "approve", "").await.status(), 403, "{backend}: an official is not the head");
        assert_eq!(action(&app.login("stp.giamdoc").await, anlac, "approve", "").await.status(), 404, "{backend}: another unit's head");
        let head = app.login("anlac.chutich").await;
        assert_eq!(action(&head, anlac, "return", "").await.status(), 422, "a return needs its reason");
        assert_eq!(action(&head, anlac, "return", "Bổ sung tài liệu mục 3.2.1").await.status(), 303);
        let (_, page) = canbo.text(&format!("/admin/par/assessments/{anlac}")).await;
        assert!(page.contains("Bổ sung tài liệu mục 3.2.1") && page.contains("Đang tự chấm"), "{backend}");
        assert_eq!(action(&canbo, anlac, "submit", "").await.status(), 303);
        assert_eq!(action(&head, anlac, "approve", "").await.status(), 303);
        let approved = save_item(&canbo, anlac, "1.1.1", "self", "0", "", None).await;
        assert_eq!(approved.status(), 409, "{backend}: an approved self-assessment is not edited");
        let (_, page) = head.text(&format!("/admin/par/assessments/{anlac}")).await;
        assert!(page.contains("Thủ trưởng đã phê duyệt"), "{backend}");
    }
}

#[tokio::test]
async fn the_council_appraises_the_unit_explains_and_round_two_settles_with_every_step_in_the_history() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let (_, anlac, _) = open_round(&app).await;
        let member = app.store.user_id_by_name("thamdinh").await.unwrap().to_string();
        assert_eq!(app.login("cchc").await.post_form(&format!("/admin/par/assessments/{anlac}/council"), &[("member", &member)]).await.status(), 303);
        let canbo = app.login("anlac.canbo").await;
        assert_eq!(save_item(&canbo, anlac, "1.1.2", "self", "3", "", Some(("bao-cao.pdf", PDF))).await.status(), 303);
        let thamdinh = app.login("thamdinh").await;
        assert_eq!(save_item(&thamdinh, anlac, "1.1.2", "appraisal", "2", "Chưa hoàn thành 2 nhiệm vụ", None).await.status(), 409, "{backend}: not before the self-assessment closes");

        // Round 1, the day after the self-assessment locked.
        app.clock.advance_ms(self_lock(&app) + 3_600_000 - app.clock.now_ms());
        let thamdinh = app.login("thamdinh").await;
        assert_eq!(save_item(&thamdinh, anlac, "1.1.2", "appraisal", "2", "Chưa hoàn thành 2 nhiệm vụ", None).await.status(), 303, "{backend}");
        assert_eq!(save_item(&thamdinh, anlac, "1.1.2", "appraisal", "4", "", None).await.status(), 422, "over the maximum");
        let canbo = app.login("anlac.canbo").await;
        assert_eq!(save_item(&canbo, anlac, "1.1.2", "appraisal", "3", "", None).await.status(), 403, "{backend}: a unit does not appraise itself");
        assert_eq!(save_item(&canbo, anlac, "1.1.2", "explanation", "", "Đã hoàn thành", None).await.status(), 409, "explanations wait for round 1 to end");

        // The explanation window: words and a file.
        app.clock.advance_ms(8 * 86_400_000);
        let canbo = app.login("anlac.canbo").await;
        assert_eq!(save_item(&canbo, anlac, "1.1.2", "explanation", "", "", None).await.status(), 422, "an explanation needs its words");
        let explained = save_item(&canbo, anlac, "1.1.2", "explanation", "", "Hai nhiệm vụ đã xong trong tháng 12", Some(("bien-ban.pdf", PDF))).await;
        assert_eq!(explained.status(), 303, "{backend}");

        // Round 2: final points and a bonus, and the sheet adds them up.
        app.clock.advance_ms(5 * 86_400_000);
        let thamdinh = app.login("thamdinh").await;
        assert_eq!(save_item(&thamdinh, anlac, "1.1.2", "final", "3", "Chấp nhận giải trình", None).await.status(), 303, "{backend}");
        assert_eq!(save_item(&thamdinh, anlac, "T1", "final", "1", "Sáng kiến cấp tỉnh", None).await.status(), 303);
        let (_, page) = thamdinh.text(&format!("/admin/par/assessments/{anlac}")).await;
        assert!(page.contains("4/100 điểm"), "{backend}: 3 for 1.1.2 and a bonus point");
        let unit_access = Access::new(vec![Grant { role: Role::UnitOfficial, unit: app.unit_id("28101").await }]);
        let actor = Actor { user_id: Some(app.store.user_id_by_name("anlac.canbo").await.unwrap()), ..Actor::system("anlac.canbo", app.clock.now_ms()) };
        let history = app.store.par_item_history(&actor, &unit_access, anlac, "1.1.2").await.unwrap();
        let stages: Vec<(&str, Option<i64>)> = history.iter().map(|h| (h.stage.as_str(), h.points)).collect();
        assert_eq!(stages, vec![("self", Some(300)), ("appraisal", Some(200)), ("explanation", None), ("final", Some(300))], "{backend}");

        // After the last deadline nothing moves.
        app.clock.advance_ms(10 * 86_400_000);
        let thamdinh = app.login("thamdinh").await;
        assert_eq!(save_item(&thamdinh, anlac, "1.1.2", "final", "1", "", None).await.status(), 409, "{backend}");
    }
}
