//! PAR INDEX on SQLite and PostgreSQL: the reform office opens a round from the built-in
//! template; a commune official self-scores with an evidence file; bad points, bad files and
//! survey-measured items are refused with nothing written; the deadline (Vietnam time, on the
//! application's controllable clock) locks the self-assessment; drafts stay within their unit,
//! council members see only the units they are assigned, and a head approves only their own.

use domain::auth::{Access, Grant, Role};
use domain::par::marking::ItemPost;
use domain::par::{Deadlines, Points, Stage};
use domain::text;
use reqwest::multipart::{Form, Part};
use storage::Actor;
use storage::auth::NewUser;
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
    let sheets = app.store.par_assessments(&Actor::system("test", app.clock.now_ms()), &province, round).await.unwrap();
    let of = |code: &str| sheets.iter().find(|s| s.assessment.unit_code == code).unwrap().assessment.id;
    (round, of("28101"), of("28102"))
}

async fn save_item(session: &Session, assessment: i64, code: &str, stage: &str, points: &str, note: &str, file: Option<(&str, &[u8])>) -> reqwest::Response {
    let mut form =
        Form::new().text("csrf", session.csrf.clone()).text("stage", stage.to_string()).text("points", points.to_string()).text("note", note.to_string());
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
        assert!(surveyed.text().await.unwrap().contains("lấy điểm từ kết quả điều tra hoặc theo dõi kế hoạch"));
        let unit_access = Access::new(vec![Grant { role: Role::UnitOfficial, unit: app.unit_id("28101").await }]);
        let actor = Actor { user_id: Some(app.store.user_id_by_name("anlac.canbo").await.unwrap()), ..Actor::system("anlac.canbo", app.clock.now_ms()) };
        let history = app.store.par_history(&app.store.par_assessment(&actor, &unit_access, anlac).await.unwrap()).await.unwrap();
        assert_eq!(history.len(), 1, "{backend}: refused edits leave no trace in the history");
        assert_eq!(history[0].points, Some(Points::whole(1).0));

        // A minute before the deadline an edit passes; at the deadline everything locks.
        let lock = self_lock(&app);
        app.clock.advance_ms(lock - 60_000 - app.clock.now_ms());
        let canbo = app.login("anlac.canbo").await;
        assert_eq!(save_item(&canbo, anlac, "3.2.1", "self", "2,5", "", None).await.status(), 303, "{backend}");
        app.clock.advance_ms(60_000);
        let late = save_item(&canbo, anlac, "3.2.1", "self", "3", "", None).await;
        assert_eq!(late.status(), 409, "{backend}");
        let message = late.text().await.unwrap();
        assert!(message.contains("Đã hết hạn tự đánh giá (khóa lúc 23:59 ngày") && message.contains("không sửa được nữa"), "{backend}: {message}");
        let late_file = save_item(&canbo, anlac, "1.2.1", "self", "1", "", Some(("muon.pdf", PDF))).await;
        assert_eq!(late_file.status(), 409);
        let sheet = app.store.par_assessment(&Actor { at: app.clock.now_ms(), ..actor.clone() }, &unit_access, anlac).await.unwrap();
        assert_eq!(sheet.mark("3.2.1", Stage::SelfAssessment).and_then(|m| m.points), Some(250), "{backend}: the last edit before the deadline stands");
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
            let post = ItemPost::mark(Stage::SelfAssessment, &item.code, Some(item.max), "Có văn bản, đang số hóa");
            app.store.save_par_items(&actor, &unit_access, anlac, &[post]).await.unwrap();
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
        assert_eq!(save_item(&canbo, anlac, "3.2.1", "self", "3", "", Some(("bao-cao.pdf", PDF))).await.status(), 303);
        let thamdinh = app.login("thamdinh").await;
        assert_eq!(
            save_item(&thamdinh, anlac, "3.2.1", "appraisal", "2", "Chưa hoàn thành 2 nhiệm vụ", None).await.status(),
            409,
            "{backend}: not before the self-assessment closes"
        );

        // Round 1, the day after the self-assessment locked.
        app.clock.advance_ms(self_lock(&app) + 3_600_000 - app.clock.now_ms());
        let thamdinh = app.login("thamdinh").await;
        assert_eq!(save_item(&thamdinh, anlac, "3.2.1", "appraisal", "2", "Chưa hoàn thành 2 nhiệm vụ", None).await.status(), 303, "{backend}");
        assert_eq!(save_item(&thamdinh, anlac, "3.2.1", "appraisal", "4", "", None).await.status(), 422, "over the maximum");
        let canbo = app.login("anlac.canbo").await;
        assert_eq!(save_item(&canbo, anlac, "3.2.1", "appraisal", "3", "", None).await.status(), 403, "{backend}: a unit does not appraise itself");
        assert_eq!(save_item(&canbo, anlac, "3.2.1", "explanation", "", "Đã hoàn thành", None).await.status(), 409, "explanations wait for round 1 to end");

        // The explanation window: words and a file.
        app.clock.advance_ms(8 * 86_400_000);
        let canbo = app.login("anlac.canbo").await;
        assert_eq!(save_item(&canbo, anlac, "3.2.1", "explanation", "", "", None).await.status(), 422, "an explanation needs its words");
        let explained = save_item(&canbo, anlac, "3.2.1", "explanation", "", "Hai nhiệm vụ đã xong trong tháng 12", Some(("bien-ban.pdf", PDF))).await;
        assert_eq!(explained.status(), 303, "{backend}");

        // Round 2: final points and a bonus, and the sheet adds them up.
        app.clock.advance_ms(5 * 86_400_000);
        let thamdinh = app.login("thamdinh").await;
        assert_eq!(save_item(&thamdinh, anlac, "3.2.1", "final", "3", "Chấp nhận giải trình", None).await.status(), 303, "{backend}");
        assert_eq!(save_item(&thamdinh, anlac, "T1", "final", "1", "Sáng kiến cấp tỉnh", None).await.status(), 303);
        let (_, page) = thamdinh.text(&format!("/admin/par/assessments/{anlac}")).await;
        assert!(page.contains("4/100 điểm"), "{backend}: 3 for 3.2.1 and a bonus point");
        assert!(page.contains("Lịch sử chấm điểm (4 lần)"), "{backend}: the item's history on its sheet");
        let unit_access = Access::new(vec![Grant { role: Role::UnitOfficial, unit: app.unit_id("28101").await }]);
        let actor = Actor { user_id: Some(app.store.user_id_by_name("anlac.canbo").await.unwrap()), ..Actor::system("anlac.canbo", app.clock.now_ms()) };
        let history = app.store.par_history(&app.store.par_assessment(&actor, &unit_access, anlac).await.unwrap()).await.unwrap();
        let stages: Vec<(&str, Option<i64>)> = history.iter().filter(|h| h.item_code == "3.2.1").map(|h| (h.stage.as_str(), h.points)).collect();
        assert_eq!(stages, vec![("self", Some(300)), ("appraisal", Some(200)), ("explanation", None), ("final", Some(300))], "{backend}");

        // After the last deadline nothing moves.
        app.clock.advance_ms(10 * 86_400_000);
        let thamdinh = app.login("thamdinh").await;
        assert_eq!(save_item(&thamdinh, anlac, "3.2.1", "final", "1", "", None).await.status(), 409, "{backend}");
    }
}

async fn survey_table(session: &Session, round: i64, module: &str, name: &str, table: &str) -> reqwest::Response {
    let form = Form::new()
        .text("csrf", session.csrf.clone())
        .text("module", module.to_string())
        .text("version", "")
        .part("file", Part::bytes(table.as_bytes().to_vec()).file_name(name.to_string()));
    session.client.post(session.url(&format!("/admin/par/rounds/{round}/measured"))).multipart(form).send().await.unwrap()
}

/// A new commune formed from An Lạc (whole) and half of Đông Thành, from today.
async fn merged_commune(app: &TestApp) -> i64 {
    use domain::units::{UnitCode, UnitLevel, Validity};
    use storage::units::{LineageInput, UnitInput};
    let actor = Actor::system("test", app.clock.now_ms());
    let admin = Access::new(vec![Grant { role: Role::SystemAdmin, unit: app.unit_id("99").await }]);
    let today = text::vn_datetime(app.clock.now_ms()).date();
    let parent = app.store.unit(&admin, app.unit_id("28101").await).await.unwrap().parent_id;
    let input = UnitInput {
        code: UnitCode::parse("28199").unwrap(),
        name: "Phường Hợp Nhất".into(),
        level: UnitLevel::Commune,
        parent_id: parent,
        validity: Validity { from: today, to: None },
    };
    let id = app.store.create_unit(&actor, &admin, &input).await.unwrap().id;
    for (code, share) in [("28101", None), ("28102", Some(0.5))] {
        let link = LineageInput { predecessor_id: app.unit_id(code).await, successor_id: id, effective: today, share, note: String::new() };
        app.store.add_lineage(&actor, &admin, &link).await.unwrap();
    }
    id
}

#[tokio::test]
async fn survey_points_rank_publish_and_compare_with_last_year_across_lineage() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let (round, anlac, dongthanh) = open_round(&app).await;
        official(&app, "dongthanh.canbo", "28102", Role::UnitOfficial).await;
        let cchc = app.login("cchc").await;
        let table = "Mã đơn vị;Chỉ số SIPAS\n28101;87,3\n28102;60\n99999;50\n";
        assert_eq!(survey_table(&cchc, round, "sipas", "sipas.csv", table).await.status(), 409, "{backend}: survey points wait for round 2");
        for (user, assessment) in [("anlac.canbo", anlac), ("dongthanh.canbo", dongthanh)] {
            assert_eq!(save_item(&app.login(user).await, assessment, "3.2.1", "self", "3", "", Some(("bao-cao.pdf", PDF))).await.status(), 303);
        }

        // Round 2: the SIPAS result of each commune gives 8.1.1 (14 points) its points.
        app.clock.advance_ms(self_lock(&app) + 16 * 86_400_000 - app.clock.now_ms());
        let cchc = app.login("cchc").await;
        let anlac_canbo = app.login("anlac.canbo").await;
        assert_eq!(survey_table(&anlac_canbo, round, "sipas", "sipas.csv", table).await.status(), 403, "{backend}: only the reform office");
        let refused = survey_table(&cchc, round, "sipas", "sipas.csv", "Mã;Chỉ số\n28101;87,3\n28102;hai\n28103;120\n").await;
        assert_eq!(refused.status(), 422, "{backend}");
        let body = refused.text().await.unwrap();
        assert!(body.contains("Dòng 3") && body.contains("Dòng 4"), "every bad line is named: {body}");
        let totals =
            |results: &storage::par::Results| results.units.iter().map(|u| (u.unit_code.clone(), u.scorecard.total, u.rank)).take(2).collect::<Vec<_>>();
        let before = app.store.par_results(&province(&app).await, round).await.unwrap();
        assert_eq!(
            totals(&before),
            vec![("28101".to_string(), Points(300), 1), ("28102".to_string(), Points(300), 1)],
            "{backend}: nothing written, a tie shares the rank"
        );

        // From the SIPAS survey run in the system: each commune's index as the dashboards compute it.
        app.demo_answers(400).await;
        let version = app.store.surveys(&province(&app).await).await.unwrap()[0].version_id.to_string();
        let year = text::vn_datetime(app.clock.now_ms()).year();
        let form = Form::new()
            .text("csrf", cchc.csrf.clone())
            .text("module", "sipas")
            .text("version", version)
            .text("from", format!("01/{year}"))
            .text("to", format!("12/{year}"));
        let computed = cchc.client.post(cchc.url(&format!("/admin/par/rounds/{round}/measured"))).multipart(form).send().await.unwrap();
        assert_eq!(computed.status(), 303, "{backend}");
        let sheet = app.store.par_assessment(&Actor::system("test", app.clock.now_ms()), &province(&app).await, anlac).await.unwrap();
        let mark = sheet.mark("8.1.1", Stage::Measured).expect("An Lạc has SIPAS answers in the demo");
        let index: f64 = mark.note.strip_prefix("Chỉ số ").and_then(|n| n.split(" %").next()).unwrap().replace('.', "").replace(',', ".").parse().unwrap();
        assert_eq!(mark.points, Some((1400.0 * index / 100.0).round() as i64), "{backend}: 14 × {index} ÷ 100, {}", mark.note);
        assert!(mark.note.contains("kỳ 01/"), "the source is named: {}", mark.note);

        let set = survey_table(&cchc, round, "sipas", "sipas.csv", table).await;
        assert_eq!(set.status(), 303, "{backend}");
        let (_, page) = cchc.text(set.headers()["location"].to_str().unwrap()).await;
        assert!(page.contains("cho 2 đơn vị") && page.contains("1 mã đơn vị trong nguồn không thuộc đợt"), "{backend}: {page}");

        // 3 + 14 × 87,3 % = 3 + 12,22; 3 + 14 × 60 % = 3 + 8,40.
        let results = app.store.par_results(&province(&app).await, round).await.unwrap();
        let of = |code: &str| results.units.iter().find(|u| u.unit_code == code).map(|u| (u.scorecard.total, u.rank)).unwrap();
        assert_eq!(of("28101"), (Points(1522), 1), "{backend}: the table's index replaced the survey's");
        assert_eq!(of("28102").0, Points(1140), "{backend}");
        assert!(results.units.windows(2).all(|w| w[0].scorecard.index >= w[1].scorecard.index && w[0].rank <= w[1].rank), "best first");
        assert!(page.contains("15,22") && page.contains("11,40"), "{backend}: the ranking on the round page");

        // The score sheet, printed and as XLSX.
        let (status, print) = anlac_canbo.text(&format!("/admin/par/assessments/{anlac}/print")).await;
        assert_eq!(status, 200);
        assert!(print.contains("Bảng điểm Chỉ số cải cách hành chính năm") && print.contains("12,22") && print.contains("15,22"), "{backend}");
        let xlsx = anlac_canbo.get(&format!("/admin/par/assessments/{anlac}/export.xlsx")).await;
        assert_eq!(xlsx.status(), 200);
        let sheets = sheets::read_sheets(&xlsx.bytes().await.unwrap(), &testkit::READ_BACK).unwrap();
        let rows = &sheets[0].1;
        let item = rows.iter().find(|r| r[0] == "8.1.1").unwrap();
        assert_eq!((item[6].as_str(), item[7].as_str()), ("12.22", "12.22"), "{backend}: survey column and points that stand");
        assert!(rows.iter().any(|r| r[1] == "Tổng điểm" && r[7] == "15.22"));
        let (status, _) = app.login("dongthanh.canbo").await.text(&format!("/admin/par/assessments/{anlac}/print")).await;
        assert_eq!(status, 404, "{backend}: another commune's sheet stays hidden");

        // Published only once the last deadline has passed, then shown to everyone.
        let public = app.client();
        assert_eq!(public.get(&format!("/chi-so-cchc/{round}")).await.status(), 404, "{backend}: not before publication");
        assert_eq!(cchc.post_form(&format!("/admin/par/rounds/{round}/publish"), &[]).await.status(), 409, "{backend}: round 2 still open");
        app.clock.advance_ms(5 * 86_400_000);
        let cchc = app.login("cchc").await;
        assert_eq!(cchc.post_form(&format!("/admin/par/rounds/{round}/publish"), &[]).await.status(), 303, "{backend}");
        assert_eq!(cchc.post_form(&format!("/admin/par/rounds/{round}/publish"), &[]).await.status(), 409, "published once");
        let (_, page) = cchc.text(&format!("/admin/par/rounds/{round}")).await;
        assert!(page.contains(r#"<dd id="phase">Đã công bố kết quả</dd>"#) && page.contains("khóa lúc 23:59 ngày"), "{backend}: {page}");
        let (_, list) = cchc.text("/admin/par").await;
        assert!(list.contains(r#"Chỉ số CCHC cấp xã</a> — <span class="tag">đã công bố</span>"#), "{backend}: {list}");
        // The province's leader reads the ranking too.
        let (_, page) = app.login("lanhdao").await.text(&format!("/admin/par/rounds/{round}")).await;
        assert!(
            page.contains(r#"<table id="par-ranking""#) && page.contains("Phường An Lạc") && !page.contains("Công bố kết quả</button>"),
            "{backend}: {page}"
        );
        let (_, list) = public.text("/chi-so-cchc").await;
        assert!(list.contains("Chỉ số CCHC cấp xã"), "{backend}");
        let (status, shown) = public.text(&format!("/chi-so-cchc/{round}")).await;
        assert_eq!(status, 200);
        assert!(shown.contains("Phường An Lạc") && shown.contains("15,22") && shown.contains("Yếu"), "{backend}");

        // Next year: An Lạc compares with itself, a commune formed from it and half of Đông Thành with both.
        let merged = merged_commune(&app).await;
        let next_year = (text::vn_datetime(app.clock.now_ms()).year() + 1).to_string();
        assert_eq!(cchc.post_form("/admin/par/trees/template", &[("level", "commune"), ("year", &next_year)]).await.status(), 303);
        let tree = app.store.par_trees().await.unwrap().into_iter().find(|t| t.year.to_string() == next_year).unwrap().id;
        let day = |n: i64| app.clock.now_ms() + n * 86_400_000;
        let next = app
            .store
            .open_par_round(
                &Actor::system("test", app.clock.now_ms()),
                &province(&app).await,
                &storage::par::NewRound {
                    tree_id: tree,
                    title: "Năm sau".into(),
                    deadlines: Deadlines { self_assessment: day(30), appraisal: day(31), explanation: day(32), final_appraisal: day(33) },
                    classes: Default::default(),
                    unit_ids: vec![app.unit_id("28101").await, merged],
                },
            )
            .await
            .unwrap();
        let later = app.store.par_results(&province(&app).await, next).await.unwrap();
        assert_eq!(later.previous_round.as_ref().map(|(id, _)| *id), Some(round), "{backend}");
        let previous: Vec<(&str, Option<i64>, usize)> = later
            .units
            .iter()
            .map(|u| (u.unit_code.as_str(), u.previous.as_ref().map(|p| p.index.0), u.previous.as_ref().map_or(0, |p| p.carried_from.len())))
            .collect();
        // (15,22 × 1 + 11,40 × 0,5) ÷ 1,5 = 13,95.
        assert!(previous.contains(&("28101", Some(1522), 0)) && previous.contains(&("28199", Some(1395), 2)), "{backend}: {previous:?}");
    }
}

async fn province(app: &TestApp) -> Access {
    Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }])
}

async fn import_tree(session: &Session, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = Form::new().text("csrf", session.csrf.clone()).part("file", Part::bytes(bytes).file_name(name.to_string()));
    session.client.post(session.url("/admin/par/trees/import")).multipart(form).send().await.unwrap()
}

fn workbook(sheets: &[(String, Vec<Vec<String>>)]) -> Vec<u8> {
    let borrowed: Vec<(&str, &[Vec<String>])> = sheets.iter().map(|(n, rows)| (n.as_str(), rows.as_slice())).collect();
    sheets::write_sheets(&borrowed).unwrap()
}

#[tokio::test]
async fn a_tree_goes_to_excel_and_back_adapted() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let (_, _, _) = open_round(&app).await;
        let cchc = app.login("cchc").await;
        let template = app.store.par_trees().await.unwrap()[0].id;
        let download = cchc.get(&format!("/admin/par/trees/{template}/export.xlsx")).await;
        assert_eq!(download.status(), 200, "{backend}");
        let mut sheets = sheets::read_sheets(&download.bytes().await.unwrap(), &testkit::READ_BACK).unwrap();
        assert_eq!(sheets.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), vec!["Thông tin", "Tiêu chí"]);

        // Used by a round: the same code cannot change.
        let same = workbook(&sheets);
        assert_eq!(import_tree(&cchc, "bo-tieu-chi.xlsx", same).await.status(), 409, "{backend}");

        // The province's own: a new code, 1.1.1 worth 2,5 instead of 2, no longer a template.
        let info = &mut sheets[0].1;
        info.iter_mut().find(|r| r[0] == "Mã").unwrap()[1] = "PAR-XA-TINH".into();
        info.iter_mut().find(|r| r[0] == "Bộ mẫu").unwrap()[1] = "không".into();
        let criteria = &mut sheets[1].1;
        let row = criteria.iter().position(|r| r[0] == "1.1.1").unwrap();
        let max: f64 = criteria[row][3].replace(',', ".").parse().unwrap();
        criteria[row][3] = "2,5".into();
        let imported = import_tree(&cchc, "bo-tieu-chi.xlsx", workbook(&sheets)).await;
        assert_eq!(imported.status(), 303, "{backend}");
        let (_, page) = cchc.text(imported.headers()["location"].to_str().unwrap()).await;
        assert!(page.contains("PAR-XA-TINH") && page.contains(&text::format_number(100.0 - max + 2.5, 1)), "{backend}: {page}");
        assert!(!page.contains("bộ tiêu chí <strong>mẫu</strong>"));

        // Mistakes are named by row and nothing is saved.
        let count = app.store.par_trees().await.unwrap().len();
        sheets[0].1.iter_mut().find(|r| r[0] == "Mã").unwrap()[1] = "PAR-XA-SAI".into();
        sheets[1].1[row][3] = "hai".into();
        let refused = import_tree(&cchc, "bo-tieu-chi.xlsx", workbook(&sheets)).await;
        assert_eq!(refused.status(), 422, "{backend}");
        assert!(refused.text().await.unwrap().contains(&format!("Dòng {}", row + 1)));
        assert_eq!(import_tree(&cchc, "bo-tieu-chi.csv", b"a,b".to_vec()).await.status(), 415);
        assert_eq!(app.store.par_trees().await.unwrap().len(), count, "{backend}");
        assert_eq!(app.login("anlac.canbo").await.get(&format!("/admin/par/trees/{template}/export.xlsx")).await.status(), 403);
    }
}

async fn progress_task(session: &Session, task: i64, status: &str, done_on: &str, file: Option<(&str, &[u8])>) -> reqwest::Response {
    let mut form = Form::new().text("csrf", session.csrf.clone()).text("status", status.to_string()).text("done_on", done_on.to_string()).text("note", "");
    if let Some((name, bytes)) = file {
        form = form.part("file", Part::bytes(bytes.to_vec()).file_name(name.to_string()));
    }
    session.client.post(session.url(&format!("/admin/par/tasks/{task}"))).multipart(form).send().await.unwrap()
}

fn id_in(response: &reqwest::Response) -> i64 {
    let location = response.headers()["location"].to_str().unwrap();
    location.split(['?', '#']).next().unwrap().rsplit('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn plan_tasks_are_tracked_by_their_units_and_their_completion_scores_the_plan_criterion() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let (round, anlac, _) = open_round(&app).await;
        official(&app, "dongthanh.canbo", "28102", Role::UnitOfficial).await;
        let year = text::vn_datetime(app.clock.now_ms()).year().to_string();
        let (today, soon, later) = (day_after(&app, 0), day_after(&app, 5), day_after(&app, 20));

        // The province's plan assigns two tasks to An Lạc; An Lạc's own plan has one more.
        let cchc = app.login("cchc").await;
        let province_unit = app.unit_id("99").await.to_string();
        let created = cchc.post_form("/admin/par/plans", &[("unit", &province_unit), ("year", &year), ("title", "Kế hoạch CCHC của tỉnh")]).await;
        assert_eq!(created.status(), 303, "{backend}");
        let province_plan = id_in(&created);
        assert_eq!(
            cchc.post_form("/admin/par/plans", &[("unit", &province_unit), ("year", &year), ("title", "Lần hai")]).await.status(),
            409,
            "one plan a year"
        );
        let task = |content: &'static str, lead: &'static str, partners: &'static str, deadline: String| {
            vec![
                ("content", content.to_string()),
                ("lead", lead.to_string()),
                ("partners", partners.to_string()),
                ("product", "Báo cáo".to_string()),
                ("deadline", deadline),
            ]
        };
        for fields in [task("Rà soát thủ tục hành chính", "28101", "", soon.clone()), task("Số hóa hồ sơ", "28101", "28102", later.clone())] {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(cchc.post_form(&format!("/admin/par/plans/{province_plan}/tasks"), &fields).await.status(), 303, "{backend}");
        }
        let bad: Vec<(&str, &str)> = vec![("content", ""), ("lead", "00000"), ("product", ""), ("deadline", "mai")];
        assert_eq!(cchc.post_form(&format!("/admin/par/plans/{province_plan}/tasks"), &bad).await.status(), 422);

        let canbo = app.login("anlac.canbo").await;
        let own = canbo
            .post_form("/admin/par/plans", &[("unit", &app.unit_id("28101").await.to_string()), ("year", &year), ("title", "Kế hoạch CCHC phường An Lạc")])
            .await;
        assert_eq!(own.status(), 303, "{backend}");
        let own_plan = id_in(&own);
        let fields = task("Niêm yết thủ tục", "28101", "", later.clone());
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(canbo.post_form(&format!("/admin/par/plans/{own_plan}/tasks"), &fields).await.status(), 303);
        assert_eq!(
            canbo.post_form(&format!("/admin/par/plans/{province_plan}/tasks"), &fields).await.status(),
            403,
            "{backend}: the province's plan is the office's"
        );
        let dongthanh = app.login("dongthanh.canbo").await;
        assert_eq!(dongthanh.get(&format!("/admin/par/plans/{own_plan}")).await.status(), 404, "{backend}: another commune's plan");
        assert_eq!(dongthanh.get(&format!("/admin/par/plans/{province_plan}")).await.status(), 200, "the province's plan is for every unit");

        // The lead unit reports progress with evidence; a coordinating unit does not.
        let plan = app.store.par_plan(&province(&app).await, province_plan).await.unwrap();
        let (first, second) = (plan.tasks[0].id, plan.tasks[1].id);
        assert_eq!(progress_task(&dongthanh, second, "done", &today, None).await.status(), 403, "{backend}");
        assert_eq!(progress_task(&canbo, first, "done", "", None).await.status(), 422, "done needs its day");
        assert_eq!(progress_task(&canbo, first, "done", &today, Some(("bao-cao.pdf", b"not a pdf"))).await.status(), 422);
        assert_eq!(app.store.par_plan(&province(&app).await, province_plan).await.unwrap().tasks[0].status, "not_started", "{backend}: nothing written");
        assert_eq!(progress_task(&canbo, first, "done", &today, Some(("bao-cao.pdf", PDF))).await.status(), 303, "{backend}");
        assert_eq!(progress_task(&canbo, second, "in_progress", "", None).await.status(), 303);
        let own_task = app.store.par_plan(&province(&app).await, own_plan).await.unwrap().tasks[0].id;
        assert_eq!(progress_task(&canbo, own_task, "done", &today, None).await.status(), 303);
        let (_, page) = canbo.text(&format!("/admin/par/plans/{province_plan}")).await;
        assert!(page.contains("bao-cao.pdf") && page.contains(">50,0<"), "{backend}: one of two done on time");
        let file = page.split("/admin/par/task-files/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let download = canbo.get(&format!("/admin/par/task-files/{file}")).await;
        assert_eq!(download.bytes().await.unwrap().as_ref(), PDF);

        // In round 2 the office takes 1.1.2 from the tracking: An Lạc 2 of 3 on time (66,67 %) → 0;
        // with the third done on time, 100 % → 3 points.
        app.clock.advance_ms(self_lock(&app) + 16 * 86_400_000 - app.clock.now_ms());
        let canbo = app.login("anlac.canbo").await;
        let cchc = app.login("cchc").await;
        let compute = || async {
            let form = Form::new().text("csrf", cchc.csrf.clone()).text("module", "plan").text("version", "");
            cchc.client.post(cchc.url(&format!("/admin/par/rounds/{round}/measured"))).multipart(form).send().await.unwrap()
        };
        assert_eq!(compute().await.status(), 303, "{backend}");
        let points = |sheet: storage::par::AssessmentRecord| sheet.mark("1.1.2", Stage::Measured).and_then(|m| m.points);
        let office = province(&app).await;
        let system = Actor::system("test", app.clock.now_ms());
        assert_eq!(points(app.store.par_assessment(&system, &office, anlac).await.unwrap()), Some(0), "{backend}");
        assert_eq!(progress_task(&canbo, second, "done", &day_after(&app, 0), None).await.status(), 303);
        assert_eq!(compute().await.status(), 303);
        let sheet = app.store.par_assessment(&system, &office, anlac).await.unwrap();
        assert!(sheet.mark("1.1.2", Stage::Measured).unwrap().note.starts_with("Chỉ số 100,00 %: tỷ lệ nhiệm vụ kế hoạch CCHC"), "{backend}");
        assert_eq!(points(sheet), Some(300), "{backend}");
    }
}

#[tokio::test]
async fn a_round_may_assess_a_chosen_group_of_units() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let cchc = app.login("cchc").await;
        let year = text::vn_datetime(app.clock.now_ms()).year().to_string();
        assert_eq!(cchc.post_form("/admin/par/trees/template", &[("level", "commune"), ("year", &year)]).await.status(), 303);
        let tree = app.store.par_trees().await.unwrap()[0].id.to_string();
        // The units are ticked in a list of the tree's level, not typed as codes.
        let (status, page) = cchc.text("/admin/par").await;
        assert_eq!(status, 200, "{backend}: {page}");
        let anlac = app.unit_id("28101").await;
        assert!(page.contains(&format!(r#"<input type="checkbox" name="unit" value="{anlac}"> <span>Phường An Lạc</span>"#)), "{backend}: {page}");
        let dates = [day_after(&app, 2), day_after(&app, 10), day_after(&app, 15), day_after(&app, 20)];
        let session = &cchc;
        let ids = |codes: &'static [&'static str]| {
            let app = &app;
            async move {
                let mut ids = Vec::new();
                for code in codes {
                    ids.push(match app.store.public_unit_by_code(code).await {
                        Ok(unit) => unit.id.to_string(),
                        Err(_) => "999999".into(),
                    });
                }
                ids
            }
        };
        let open = |units: Vec<String>| {
            let mut fields = vec![
                ("tree", tree.clone()),
                ("title", "Hai phường".to_string()),
                ("self_deadline", dates[0].clone()),
                ("appraisal_deadline", dates[1].clone()),
                ("explanation_deadline", dates[2].clone()),
                ("final_deadline", dates[3].clone()),
                ("good", "80".into()),
                ("fair", "65".into()),
                ("average", "50".into()),
            ];
            fields.extend(units.into_iter().map(|id| ("unit", id)));
            async move {
                let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                session.post_form("/admin/par/rounds", &fields).await
            }
        };
        assert_eq!(open(ids(&["28101", "99999"]).await).await.status(), 422, "{backend}: an unknown unit");
        assert_eq!(open(ids(&["28101", "STP"]).await).await.status(), 422, "{backend}: a department in a commune round");
        assert_eq!(open(vec!["28101".into()]).await.status(), 422, "{backend}: an id no unit has");
        let opened = open(ids(&["28101", "28102"]).await).await;
        assert_eq!(opened.status(), 303, "{backend}");
        let round = id_in(&opened);
        let sheets = app.store.par_assessments(&Actor::system("test", app.clock.now_ms()), &province(&app).await, round).await.unwrap();
        assert_eq!(sheets.iter().map(|s| s.assessment.unit_code.as_str()).collect::<Vec<_>>(), vec!["28101", "28102"]);
    }
}

#[tokio::test]
async fn the_demo_publishes_two_years_and_the_merged_communes_compare_with_their_predecessors() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let started = std::time::Instant::now();
        app.demo_par().await;
        eprintln!("{backend}: PAR demo loaded in {:?}", started.elapsed());
        let rounds = app.store.published_par_rounds().await.unwrap();
        assert_eq!(rounds.iter().map(|r| r.year).collect::<Vec<_>>(), vec![2025, 2024], "{backend}");
        let (latest, earlier) = (app.store.published_par_results(rounds[0].id).await.unwrap(), app.store.published_par_results(rounds[1].id).await.unwrap());
        assert_eq!((latest.units.len(), earlier.units.len()), (8, 16), "{backend}: the merged communes, then the communes under the districts");
        let index_2024 = |code: &str| earlier.units.iter().find(|u| u.unit_code == code).unwrap().scorecard.index.0;
        let an_lac = latest.units.iter().find(|u| u.unit_code == "28101").unwrap();
        let previous = an_lac.previous.as_ref().expect("carried from 2024");
        assert_eq!(previous.carried_from, vec!["Phường Bắc Sơn".to_string(), "Phường Nam Sơn".to_string()], "{backend}");
        // Each predecessor became An Lạc whole: the plain mean of their indices.
        assert_eq!(previous.index.0, ((index_2024("28001") + index_2024("28002")) as f64 / 2.0).round() as i64, "{backend}");
        assert!(latest.units.iter().all(|u| u.scorecard.total > Points::ZERO && u.scorecard.total <= u.scorecard.max));
        let (status, page) = app.client().text(&format!("/chi-so-cchc/{}", rounds[0].id)).await;
        assert_eq!(status, 200);
        assert!(page.contains("suy từ Phường Bắc Sơn, Phường Nam Sơn") && page.contains("So sánh với Chỉ số cải cách hành chính cấp xã năm 2024"), "{backend}");
        let today = text::vn_datetime(app.clock.now_ms()).date();
        let completion = app.store.par_plan_completion(today.year(), today).await.unwrap();
        let an_lac = completion["28101"];
        assert_eq!((an_lac.total, an_lac.on_time), (3, 2), "{backend}: the three tasks it leads, two done on time");
    }
}

#[tokio::test]
async fn published_results_are_read_through_the_api_at_the_address_the_webhook_names() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        app.demo_par().await;
        let round = app.store.published_par_rounds().await.unwrap().into_iter().next().expect("the demo publishes a round");
        let expected = app.store.published_par_results(round.id).await.unwrap();
        let anyone = app.client();

        let rounds: serde_json::Value = anyone.get("/api/v1/par/rounds").await.json().await.unwrap();
        assert!(rounds.as_array().unwrap().iter().any(|r| r["id"] == round.id && r["year"] == round.year), "{backend}: {rounds}");

        let path = domain::webhooks::EventKind::ParPublished.api_path(&round.id.to_string()).unwrap();
        let response = anyone.get(&path).await;
        assert_eq!(response.status(), 200, "{backend}: {path}");
        let results: serde_json::Value = response.json().await.unwrap();
        let units = results["units"].as_array().unwrap();
        assert_eq!(units.len(), expected.units.len(), "{backend}");
        for (got, want) in units.iter().zip(&expected.units) {
            assert_eq!(got["unit_code"], want.unit_code.as_str());
            assert_eq!(got["rank"], want.rank);
            assert_eq!(got["index"].as_f64().unwrap(), want.scorecard.index.percent());
            assert_eq!(got["total"].as_f64().unwrap(), want.scorecard.total.as_f64());
            let fields: f64 = got["fields"].as_array().unwrap().iter().map(|f| f["points"].as_f64().unwrap()).sum();
            assert!((fields - want.scorecard.items.as_f64()).abs() < 1e-9, "the fields add up to the items' points");
        }

        let missing = anyone.get("/api/v1/par/rounds/999999/results").await;
        assert_eq!(missing.status(), 404);
        assert!(missing.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
        let openapi = anyone.text("/api/openapi.json").await.1;
        assert!(openapi.contains("/api/v1/par/rounds/{id}/results") && openapi.contains("/api/v1/par/rounds\""));
    }
}

#[tokio::test]
async fn the_api_reads_trees_rounds_under_way_assessments_and_plans_within_the_callers_units() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let (round, anlac, dong_thanh) = open_round(&app).await;
    let canbo = app.login("anlac.canbo").await;
    assert_eq!(save_item(&canbo, anlac, "1.1.1", "self", "1", "Kế hoạch số 12/KH-UBND", Some(("Kế hoạch.pdf", PDF))).await.status(), 303);
    let api = app.api("anlac.canbo", Default::default()).await;

    // The tree in full: its maximum is its fields', an item measured by a survey says so.
    let (status, trees) = api.get("/api/v1/par/trees").await;
    assert_eq!((status, trees.as_array().unwrap().len()), (200, 1), "{trees}");
    let tree_id = trees[0]["id"].as_i64().unwrap();
    let (_, tree) = api.get(&format!("/api/v1/par/trees/{tree_id}")).await;
    let stored = app.store.par_tree(tree_id).await.unwrap();
    assert_eq!(tree["max"].as_f64().unwrap(), stored.max().as_f64());
    let fields: f64 = tree["fields"].as_array().unwrap().iter().map(|f| f["max"].as_f64().unwrap()).sum();
    assert!((fields - stored.max().as_f64()).abs() < 1e-9);
    let items: Vec<&serde_json::Value> =
        tree["fields"].as_array().unwrap().iter().flat_map(|f| f["criteria"].as_array().unwrap()).flat_map(|c| c["items"].as_array().unwrap()).collect();
    let item = |code: &str| items.iter().find(|i| i["code"] == code).copied().unwrap();
    assert!(item("1.1.1")["measured_by"].is_null() && !item("8.1.1")["measured_by"].is_null(), "{tree}");

    // The round under way shows the caller's own unit alone, with where it stands.
    let (_, rounds) = api.get("/api/v1/par/assessments").await;
    assert_eq!(rounds[0]["id"], round);
    assert_eq!(rounds[0]["phase"]["code"], "self_assessment");
    let ids: Vec<i64> = rounds[0]["assessments"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [anlac]);

    // The assessment read-only: the mark, its note and evidence, the scores.
    let (status, sheet) = api.get(&format!("/api/v1/par/assessments/{anlac}")).await;
    assert_eq!(status, 200, "{sheet}");
    assert_eq!((sheet["state"].as_str(), sheet["unit_code"].as_str()), (Some("draft"), Some("28101")));
    let marked = sheet["items"].as_array().unwrap().iter().find(|i| i["code"] == "1.1.1").unwrap();
    assert_eq!(marked["marks"][0]["stage"], "self");
    assert_eq!(marked["marks"][0]["points"].as_f64(), Some(1.0));
    assert_eq!(marked["marks"][0]["note"], "Kế hoạch số 12/KH-UBND");
    assert_eq!(sheet["self_score"]["total"].as_f64(), Some(1.0));
    let document = marked["documents"][0].as_i64().unwrap();
    assert_eq!(sheet["documents"][0]["name"], "Kế hoạch.pdf");
    let file = api.raw(reqwest::Method::GET, &format!("/api/v1/par/documents/{document}"), None).await;
    assert_eq!(file.bytes().await.unwrap().as_ref(), PDF);
    assert_eq!(api.get(&format!("/api/v1/par/assessments/{dong_thanh}")).await.0, 404, "another commune's draft is not found");

    // The reform office's token narrowed to Đông Thành reads that commune alone; counter staff
    // take no part in PAR.
    let scoped = app.api("cchc", storage::auth::TokenScope { unit_id: Some(app.unit_id("28102").await), ..Default::default() }).await;
    let (_, rounds) = scoped.get("/api/v1/par/assessments").await;
    let ids: Vec<i64> = rounds[0]["assessments"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [dong_thanh]);
    assert_eq!(scoped.get(&format!("/api/v1/par/assessments/{anlac}")).await.0, 404);
    assert_eq!(app.api("motcua.anlac", Default::default()).await.get("/api/v1/par/assessments").await.0, 403);

    // A plan with a task led by An Lạc and shared with Đông Thành.
    let actor = Actor::system("test", app.clock.now_ms());
    let unit = Access::new(vec![Grant { role: Role::UnitOfficial, unit: app.unit_id("28101").await }]);
    let year = text::vn_datetime(app.clock.now_ms()).year();
    let plan = app.store.create_par_plan(&actor, &unit, app.unit_id("28101").await, year, "Kế hoạch CCHC phường An Lạc").await.unwrap();
    let task = storage::par::NewTask {
        content: "Số hóa hồ sơ hộ tịch".into(),
        lead_unit_id: app.unit_id("28101").await,
        partner_ids: vec![app.unit_id("28102").await],
        product: "Kho dữ liệu hộ tịch".into(),
        deadline: text::parse_date(&day_after(&app, 30)),
    };
    app.store.add_par_task(&actor, &unit, plan, &task).await.unwrap();
    let (_, plans) = api.get("/api/v1/par/plans").await;
    assert_eq!(plans[0]["id"], plan, "{plans}");
    let (_, found) = api.get(&format!("/api/v1/par/plans/{plan}")).await;
    let task = &found["tasks"][0];
    assert_eq!((task["lead"]["name"].as_str(), task["partners"][0]["name"].as_str()), (Some("Phường An Lạc"), Some("Phường Đông Thành")), "{found}");
    assert_eq!((task["status"].as_str(), task["status_label"].as_str()), (Some("not_started"), Some("Chưa thực hiện")));
    let openapi = app.client().text("/api/openapi.json").await.1;
    assert!(["/api/v1/par/trees/{id}", "/api/v1/par/assessments/{id}", "/api/v1/par/plans/{id}"].iter().all(|p| openapi.contains(p)));
}
