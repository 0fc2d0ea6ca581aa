//! The satisfaction index over HTTP, on SQLite and PostgreSQL: figures computed by hand from the
//! answers submitted, the configurable rules, targets, the responses behind a number, exports,
//! and a publication that never changes afterwards.

use serde_json::{Value, json};
use testkit::TestApp;

/// A SIPAS 2017 sheet: satisfaction per element (TC, TT, CC, KQ, PA), overall, and TC1.
fn sheet(hl: [&str; 5], overall: &str, tc1: &str) -> Value {
    let mut answers = serde_json::Map::new();
    for ((element, criteria), level) in [("TC", 4), ("TT", 5), ("CC", 6), ("KQ", 3), ("PA", 4)].into_iter().zip(hl) {
        for i in 1..=criteria {
            answers.insert(format!("{element}{i}"), json!("co"));
        }
        answers.insert(format!("{element}_HL"), json!(level));
    }
    answers.insert("TC1".into(), json!(tc1));
    answers.insert("PA0".into(), json!("co"));
    answers.insert("HL_CHUNG".into(), json!(overall));
    Value::Object(answers)
}

async fn submit(app: &TestApp, body: Value) {
    let response = reqwest::Client::new().post(format!("{}/api/v1/surveys/sipas/responses", app.base)).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

/// Four answers to Phường An Lạc (28101), the last at its kiosk about its one-stop official.
async fn four_answers(app: &TestApp) {
    submit(app, json!({ "unit_code": "28101", "answers": sheet(["5", "4", "4", "5", "4"], "5", "co") })).await;
    submit(app, json!({ "unit_code": "28101", "answers": sheet(["4", "4", "1", "5", "4"], "4", "khong") })).await;
    submit(app, json!({ "unit_code": "28101", "answers": sheet(["2", "4", "5", "1", "3"], "2", "kb") })).await;
    let rated = app.rate_at_kiosk(&sheet(["3", "5", "5", "4", "4"], "4", "co")).await;
    assert_eq!(rated.status(), 303, "{}", rated.text().await.unwrap());
}

fn close(value: &Value, expected: f64) {
    let v = value.as_f64().unwrap_or_else(|| panic!("a number, got {value}"));
    assert!((v - expected).abs() < 0.005, "expected {expected}, got {v}");
}

#[tokio::test]
async fn figures_match_the_hand_computed_ones_and_follow_the_rules() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        four_answers(&app).await;
        let cchc = app.login("cchc").await;
        let overview: Value = cchc.get("/api/v1/sipas/overview?level=commune").await.json().await.unwrap();
        // Elements: TC 5,4,2,3 → 50; TT → 100; CC 4,1,5,5 → 75; KQ 5,5,1,4 → 75; PA 4,4,3,4 → 75.
        // SIPAS = (50 + 100 + 75 + 75 + 75) / 5 = 75.
        let row = overview["rows"].as_array().unwrap().iter().find(|r| r["code"] == "28101").unwrap().clone();
        close(&row["figure"]["value"], 75.0);
        assert_eq!(row["figure"]["n"], 4, "{backend}");
        assert_eq!(row["rank"], 1);
        for (column, expected) in [50.0, 100.0, 75.0, 75.0, 75.0].iter().enumerate() {
            close(&row["columns"][column], *expected);
        }
        close(&overview["total"]["figure"]["value"], 75.0);
        assert_eq!(overview["total"]["name"], "Tỉnh An Lạc");
        assert!(overview["methodology"].as_str().unwrap().contains("phiên bản 1"));
        assert!(overview["rows"].as_array().unwrap().iter().filter(|r| r["code"] != "28101").all(|r| r["figure"]["value"].is_null() && r["rank"].is_null()));

        let commune = app.unit_id("28101").await;
        let unit: Value = cchc.get(&format!("/api/v1/sipas/units/{commune}")).await.json().await.unwrap();
        let tc = &unit["report"]["elements"][0];
        close(&tc["figure"]["margin"], 49.0); // 1.96 · √(.25 / 4)
        // TC1: co, khong, "không biết", co → 2 of 3 valid.
        close(&tc["criteria"][0]["figure"]["value"], 66.6667);
        assert_eq!(tc["criteria"][0]["figure"]["valid"], 3);
        let channel = |code: &str| unit["channels"].as_array().unwrap().iter().find(|c| c["key"] == code).unwrap()["figure"].clone();
        assert_eq!(channel("web")["n"], 3);
        // The kiosk sheet: TC 3 → 0, TT 100, CC 100, KQ 100, PA 100 → 80.
        close(&channel("kiosk")["value"], 80.0);
        assert_eq!(unit["staff"][0]["key"], "motcua.anlac");
        assert_eq!(unit["staff"][0]["figure"]["n"], 1);

        // A new methodology version: overall = TC × 3 + TT × 1 → (150 + 100) / 4 = 62.5.
        let fields = [
            ("code", "sipas-2017"),
            ("element", "share_positive"),
            ("part", "mean_of_children"),
            ("overall", "weighted_mean"),
            ("overall_weights", "TC = 3\nTT = 1"),
            ("note", "Thử trọng số"),
        ];
        assert_eq!(cchc.post_form("/admin/sipas/methodologies", &fields).await.status(), 303);
        let versions = app.store.methodologies().await.unwrap();
        let v2 = versions.iter().find(|m| m.methodology.code == "sipas-2017" && m.version == 2).expect("version 2");
        let weighted: Value = cchc.get(&format!("/api/v1/sipas/overview?level=commune&methodology={}", v2.id)).await.json().await.unwrap();
        close(&weighted["total"]["figure"]["value"], 62.5);
        assert!(weighted["rules"].as_str().unwrap().contains("TC × 3"));
        // Without a choice the newest version applies; version 1 stays available.
        let newest: Value = cchc.get("/api/v1/sipas/overview?level=commune").await.json().await.unwrap();
        close(&newest["total"]["figure"]["value"], 62.5);
        let bad = cchc
            .post_form(
                "/admin/sipas/methodologies",
                &[
                    ("code", "sipas-2017"),
                    ("element", "share_positive"),
                    ("part", "mean_of_children"),
                    ("overall", "weighted_mean"),
                    ("overall_weights", "TC = -1"),
                ],
            )
            .await;
        assert_eq!(bad.status(), 422);
        assert!(bad.text().await.unwrap().contains("Trọng số phải là số không âm"));
        assert_eq!(app.store.methodologies().await.unwrap().len(), versions.len(), "nothing saved");

        // Bad queries are told in Vietnamese.
        let problem = cchc.get("/api/v1/sipas/overview?from=13/2026").await;
        assert_eq!(problem.status(), 422);
        assert!(problem.text().await.unwrap().contains("Tháng «13/2026» không hợp lệ"));
        assert_eq!(cchc.get("/api/v1/sipas/overview?level=province").await.status(), 422);
        assert_eq!(cchc.get("/api/v1/sipas/overview?version=999999").await.status(), 404);
    }
}

#[tokio::test]
async fn targets_responses_behind_and_exports() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        four_answers(&app).await;
        let commune = app.unit_id("28101").await.to_string();
        let cchc = app.login("cchc").await;
        let response =
            cchc.post_form("/admin/sipas/targets", &[("unit", &commune), ("year", "2026"), ("target", "80,5"), ("back", "https://evil.example/")]).await;
        assert_eq!(response.headers()["location"], "/admin/sipas", "never sent elsewhere");
        let overview: Value = cchc.get("/api/v1/sipas/overview?level=commune&to=12/2026").await.json().await.unwrap();
        let row = overview["rows"].as_array().unwrap().iter().find(|r| r["code"] == "28101").unwrap().clone();
        close(&row["target"], 80.5);
        assert_eq!(row["meets_target"], false, "75 < 80,5 on {backend}");
        let bad = cchc.post_form("/admin/sipas/targets", &[("unit", &commune), ("year", "2026"), ("target", "chín mươi")]).await;
        assert_eq!(bad.status(), 422);
        assert_eq!(app.store.targets(&admin(&app).await, 2026, "sipas").await.unwrap().len(), 1);

        // The responses behind TC_HL = 5 at the commune: one sheet; viewing is audited.
        let official = app.login("anlac.canbo").await;
        let (status, html) = official.text(&format!("/admin/sipas/responses?unit={commune}&question=TC_HL&option=5")).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains(r#"<strong id="behind-total">1</strong>"#), "{backend}: {html}");
        assert!(html.contains("Rất hài lòng"));
        let (_, all) = official.text(&format!("/admin/sipas/responses?unit={commune}")).await;
        assert!(all.contains(r#"<strong id="behind-total">4</strong>"#));
        let (_, kiosk) = official.text(&format!("/admin/sipas/responses?unit={commune}&channel=kiosk")).await;
        assert!(kiosk.contains(r#"<strong id="behind-total">1</strong>"#));
        let (_, staff) = official.text(&format!("/admin/sipas/responses?unit={commune}&staff=motcua.anlac")).await;
        assert!(staff.contains(r#"<strong id="behind-total">1</strong>"#) && staff.contains("công chức Ngô Thị Hương"));
        assert_eq!(official.get("/admin/sipas/responses?question=KHONG_CO").await.status(), 422);
        let filter = storage::audit::Filter { action: Some(domain::audit::AuditAction::ResponsesViewed), ..Default::default() };
        assert_eq!(app.store.audit_log(&admin(&app).await, &filter, storage::Paging::new(1, 10)).await.unwrap().total, 4);
        // A department's officials see no commune's responses.
        assert_eq!(app.login("stp.canbo").await.get(&format!("/admin/sipas/responses?unit={commune}")).await.status(), 404);

        // Exports: the ranked table as CSV and XLSX (with a chart), the drill-down's sheets.
        let (status, csv) = cchc.text("/admin/sipas/export.csv?level=commune").await;
        assert_eq!(status, 200);
        let line = csv.lines().find(|l| l.starts_with("Phường An Lạc,")).unwrap();
        assert!(line.starts_with("Phường An Lạc,75,"), "{line}");
        // Beside it, the same table for Excel set to Vietnamese.
        let excel_bytes = cchc.get("/admin/sipas/export.csv?level=commune&excel=1").await.bytes().await.unwrap();
        let excel = std::str::from_utf8(excel_bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a byte order mark")).unwrap().to_string();
        let line = excel.lines().find(|l| l.starts_with("Phường An Lạc;")).unwrap();
        assert!(line.starts_with("Phường An Lạc;75;"), "{line}");
        assert_eq!(excel.lines().count(), csv.lines().count());
        assert!(!line.contains('.') && line.contains(','), "decimal commas: {line}");
        // A spreadsheet set to Vietnamese reads it as the program reads the machine CSV: every
        // name whole, every figure a number (none left as text with its comma).
        if testkit::documents::calc() {
            let machine = sheets::read_table("bang.csv", csv.as_bytes(), &testkit::READ_BACK).unwrap();
            assert_eq!(testkit::documents::csv_in_vietnamese_calc(&excel_bytes), machine);
        }
        let xlsx = cchc.get("/admin/sipas/export.xlsx?level=commune").await.bytes().await.unwrap();
        let sheets = sheets::read_sheets(&xlsx, &testkit::READ_BACK).unwrap();
        assert_eq!(sheets[0].0, "Xếp hạng");
        assert_eq!(sheets[0].1[1][0], "Tỉnh An Lạc", "the area's total first");
        assert!(String::from_utf8_lossy(&xlsx).contains("xl/charts/chart1.xml"), "a native chart");
        let unit_xlsx = cchc.get(&format!("/admin/sipas/units/{commune}/export.xlsx")).await.bytes().await.unwrap();
        let names: Vec<String> = sheets::read_sheets(&unit_xlsx, &testkit::READ_BACK).unwrap().into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["Yếu tố, tiêu chí", "Theo tháng", "Theo kênh", "Theo công chức"]);
        // Each table of the drill-down also as its own CSV.
        let (_, officers) = cchc.text(&format!("/admin/sipas/units/{commune}/export.csv?table=cong-chuc")).await;
        assert!(officers.lines().nth(1).is_some_and(|l| l.starts_with("Ngô Thị Hương,80,")), "{officers}");
        assert_eq!(cchc.get(&format!("/admin/sipas/units/{commune}/export.csv?table=khac")).await.status(), 422);
    }
}

async fn admin(app: &TestApp) -> domain::auth::Access {
    let province = app.unit_id("99").await;
    domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::SystemAdmin, unit: province }])
}

#[tokio::test]
async fn a_published_figure_never_changes() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        four_answers(&app).await;
        let cchc = app.login("cchc").await;
        // The province's figure heads the first screen of the office and of the leader.
        for login in ["cchc", "lanhdao"] {
            let (_, home) = app.login(login).await.text("/admin").await;
            assert!(home.contains(r#"id="sipas-total">75,0</a>"#) && home.contains("trên 4 phiếu"), "{backend} {login}: {home}");
        }
        // This year is not over: publishing it must be confirmed, and is refused until it is.
        let (_, page) = cchc.text("/admin/sipas?level=commune").await;
        assert!(page.contains(r#"id="unfinished""#) && page.contains(r#"name="confirm" value="1" required"#), "{page}");
        let unconfirmed = cchc.post_form("/admin/sipas/publish", &[("query", "level=commune"), ("title", "Chỉ số hài lòng cấp xã năm 2026")]).await;
        assert_eq!(unconfirmed.status(), 409, "{backend}");
        assert!(unconfirmed.text().await.unwrap().contains("chưa kết thúc"));
        assert!(app.store.publications().await.unwrap().is_empty(), "nothing published");
        let response =
            cchc.post_form("/admin/sipas/publish", &[("query", "level=commune"), ("title", "Chỉ số hài lòng cấp xã năm 2026"), ("confirm", "1")]).await;
        assert_eq!(response.status(), 303, "{backend}");
        let page = response.headers()["location"].to_str().unwrap().to_string();
        let id = page.trim_start_matches("/ket-qua/");
        let public = reqwest::Client::new();
        let read = || async { public.get(format!("{}/api/v1/publications/{id}", app.base)).send().await.unwrap().text().await.unwrap() };
        let before = read().await;
        let figures: Value = serde_json::from_str(&before).unwrap();
        close(&figures["figures"]["total"]["figure"]["value"], 75.0);
        assert_eq!(figures["title"], "Chỉ số hài lòng cấp xã năm 2026");

        // More answers move the live figure, not the published one.
        submit(&app, json!({ "unit_code": "28101", "answers": sheet(["1", "1", "1", "1", "1"], "1", "khong") })).await;
        let live: Value = cchc.get("/api/v1/sipas/overview?level=commune").await.json().await.unwrap();
        close(&live["total"]["figure"]["value"], 60.0);
        assert_eq!(read().await, before, "to the last digit");
        let html = public.get(format!("{}{page}", app.base)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains(r#"<span class="number" id="published-total">75,0</span>"#), "{html}");
        let list = public.get(format!("{}/ket-qua", app.base)).send().await.unwrap().text().await.unwrap();
        assert!(list.contains("Chỉ số hài lòng cấp xã năm 2026"));
        assert_eq!(public.get(format!("{}/ket-qua/999999", app.base)).send().await.unwrap().status(), 404);
    }
}
