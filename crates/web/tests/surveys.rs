//! Surveys over HTTP, on SQLite and PostgreSQL: authoring through the API, the public answer page
//! and the response API, bad submissions refused with nothing stored, tokens used once.

use serde_json::{Value, json};
use testkit::{TestApp, csrf_in, page_fields, sheet};

const SURVEY: &str = "sipas";

async fn responses(app: &TestApp) -> i64 {
    let cchc = app.login("cchc").await;
    let surveys: Value = cchc.get("/api/v1/surveys").await.json().await.unwrap();
    let id = surveys.as_array().unwrap().iter().find(|s| s["code"] == SURVEY).unwrap()["id"].as_i64().unwrap();
    let results: Value = cchc.get(&format!("/api/v1/surveys/{id}/results")).await.json().await.unwrap();
    results["responses"].as_i64().unwrap()
}

#[tokio::test]
async fn the_response_api_stores_good_answers_once_and_refuses_bad_ones() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let http = reqwest::Client::new();
        let post = |body: Value| http.post(format!("{}/api/v1/surveys/{SURVEY}/responses", app.base)).json(&body).send();

        let ok = post(json!({ "submission_id": "abc-1", "unit_code": "28101", "answers": sheet("5") })).await.unwrap();
        assert_eq!(ok.status(), 201, "{backend}: {}", ok.text().await.unwrap());
        let again = post(json!({ "submission_id": "abc-1", "unit_code": "28101", "answers": sheet("5") })).await.unwrap();
        assert_eq!(again.status(), 200, "a resend is acknowledged, not stored twice");
        assert_eq!(again.json::<Value>().await.unwrap()["created"], false);
        assert_eq!(responses(&app).await, 1);

        let mut missing = sheet("5");
        missing.as_object_mut().unwrap().remove("HL_CHUNG");
        let mut wrong_type = sheet("5");
        wrong_type["HL_CHUNG"] = json!(5);
        let cases = [
            (json!({ "unit_code": "28101", "answers": missing }), 422, "HL_CHUNG"),
            (json!({ "unit_code": "28101", "answers": sheet("9") }), 422, "HL_CHUNG"),
            (json!({ "unit_code": "28101", "answers": wrong_type }), 422, "HL_CHUNG"),
            (json!({ "unit_code": "STP-X", "answers": sheet("5") }), 422, ""),
            (json!({ "unit_code": "28101", "token": "forged", "answers": sheet("5") }), 409, ""),
            (json!({ "unit_code": "28101", "channel": "face_to_face", "answers": sheet("5") }), 403, ""),
            (json!({ "unit_code": "28101", "answers": sheet("5"), "extra": 1, "submission_id": "" }), 422, ""),
        ];
        for (body, status, field) in cases {
            let response = post(body.clone()).await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{backend}: {body}");
            assert_eq!(response.headers()["content-type"], "application/problem+json");
            let doc: Value = response.json().await.unwrap();
            assert!(!doc["detail"].as_str().unwrap().is_empty());
            if !field.is_empty() {
                assert_eq!(doc["errors"][0]["field"], field, "{doc}");
            }
        }
        let malformed =
            http.post(format!("{}/api/v1/surveys/{SURVEY}/responses", app.base)).header("content-type", "application/json").body("{").send().await.unwrap();
        assert_eq!(malformed.status(), 400);
        let huge = json!({ "answers": { "GOP_Y": "x".repeat(2 * 1024 * 1024) } });
        assert_eq!(post(huge).await.unwrap().status(), 413);
        let unknown = http.post(format!("{}/api/v1/surveys/khong-co/responses", app.base)).json(&json!({ "answers": {} })).send().await.unwrap();
        assert_eq!(unknown.status(), 404);
        assert_eq!(responses(&app).await, 1, "nothing stored on {backend}");

        app.clock.advance_ms(400 * 86_400_000);
        let closed = post(json!({ "unit_code": "28101", "answers": sheet("5") })).await.unwrap();
        assert_eq!(closed.status(), 409);
        assert!(closed.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("đã kết thúc"));
    }
}

#[tokio::test]
async fn questionnaires_are_authored_and_published_through_the_api() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let cchc = app.login("cchc").await;
    let with_csrf = |request: reqwest::RequestBuilder| request.header("x-csrf-token", cchc.csrf.clone());
    let templates: Value = cchc.get("/api/v1/questionnaire-templates").await.json().await.unwrap();
    let mut form = templates[1].clone();
    assert_eq!(form["code"], "SIPAS-2023");
    form["code"] = json!("SIPAS-2023-AL");
    let created =
        with_csrf(cchc.client.post(cchc.url("/api/v1/questionnaires"))).json(&json!({ "unit_code": "99", "questionnaire": form })).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let published: Value = with_csrf(cchc.client.post(cchc.url(&format!("/api/v1/questionnaires/{id}/publish")))).send().await.unwrap().json().await.unwrap();
    let version = published["versions"][0]["id"].as_i64().unwrap();
    let survey = json!({
        "code": "cs-2026", "title": "Khảo sát chính sách 2026", "unit_code": "99", "version_id": version,
        "recurrence": "once", "period_start": "01/12/2026", "period_end": "31/12/2026",
        "opens_at": 0, "closes_at": 4_000_000_000_000i64, "channels": ["web"], "target_unit_codes": ["28101", "28102"]
    });
    let response = with_csrf(cchc.client.post(cchc.url("/api/v1/surveys"))).json(&survey).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.json::<Value>().await.unwrap()["link"], "/s/cs-2026");
    let duplicate = with_csrf(cchc.client.post(cchc.url("/api/v1/surveys"))).json(&survey).send().await.unwrap();
    assert_eq!(duplicate.status(), 409);
    let mut broken = templates[0].clone();
    broken["code"] = json!("BROKEN");
    broken["sections"][1]["questions"][0]["options"] = json!([]);
    let created =
        with_csrf(cchc.client.post(cchc.url("/api/v1/questionnaires"))).json(&json!({ "unit_code": "99", "questionnaire": broken })).send().await.unwrap();
    let id = created.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let refused = with_csrf(cchc.client.post(cchc.url(&format!("/api/v1/questionnaires/{id}/publish")))).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("cần ít nhất hai lựa chọn"));
    let official = app.login("anlac.canbo").await;
    assert_eq!(official.get("/api/v1/questionnaire-templates").await.status(), 200);
    let denied = official
        .client
        .post(official.url("/api/v1/questionnaires"))
        .header("x-csrf-token", official.csrf.clone())
        .json(&json!({ "unit_code": "28101", "questionnaire": templates[0] }))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
}

#[tokio::test]
async fn the_public_page_takes_answers_without_javascript() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let visitor = app.client();
        let (status, html) = visitor.text(&format!("/s/{SURVEY}?u=28101")).await;
        assert_eq!(status, 200);
        assert!(html.len() < 100 * 1024, "the page is {} bytes", html.len());
        assert!(html.contains("Đơn vị được đánh giá: <strong>Phường An Lạc</strong>"));
        assert!(html.contains("Chỉ trả lời nếu ở câu"), "skip logic is told in words");
        // Script only hides what does not apply; the page needs none: no inline code, only the
        // form's logic as data and deferred files.
        for script in html.split("<script").skip(1).map(|s| s.split('>').next().unwrap_or_default()) {
            assert!(script.contains(r#"type="application/json""#) || (script.contains(r#"src="/static/"#) && script.contains("defer")), "{script}");
        }
        // Without script every question shows: one asked only after a "yes" must not block the
        // form when the answer was "no"; it is marked as required only then.
        assert!(html.contains(r#"name="a.TC1" value="co" required"#), "an unconditional question is required");
        assert!(html.contains(r#"name="a.PA3" value="co">"#) && !html.contains(r#"name="a.PA3" value="co" required"#), "{backend}");
        assert!(html.contains("(bắt buộc nếu phải trả lời)"));
        let csrf = csrf_in(&html).unwrap();
        let submission = html.split("name=\"submission_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let started = (app.clock.now_ms() - 300_000).to_string();
        let mut fields: Vec<(String, String)> =
            vec![("csrf".into(), csrf.clone()), ("unit".into(), "28101".into()), ("submission_id".into(), submission), ("started_at".into(), started)];
        let mut incomplete = fields.clone();
        incomplete.push(("a.TC1".into(), "co".into()));
        let response = visitor.client.post(visitor.url(&format!("/s/{SURVEY}"))).form(&incomplete).send().await.unwrap();
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        assert!(html.contains("Phiếu còn") && html.contains("href=\"#q-TC2\"") && html.contains("Vui lòng trả lời câu hỏi này."), "{backend}");
        assert!(html.contains("value=\"co\" checked"), "answers given are kept");
        assert_eq!(responses(&app).await, 0);

        fields.extend(page_fields("5"));
        let response = visitor.client.post(visitor.url(&format!("/s/{SURVEY}"))).form(&fields).send().await.unwrap();
        assert_eq!(response.status(), 303, "{backend}");
        assert_eq!(response.headers()["location"], format!("/s/{SURVEY}/cam-on"));
        let (_, thanks) = visitor.text(&format!("/s/{SURVEY}/cam-on")).await;
        assert!(thanks.contains("đã được ghi nhận") && thanks.contains(r#"<a href="/ket-qua">"#), "the published results are a click away");
        assert!(thanks.contains(r#"<a href="/hoi-dap/gui">"#), "and the feedback channel");
        // Pressing "send" again (the same page) stores nothing twice.
        let resent = visitor.client.post(visitor.url(&format!("/s/{SURVEY}"))).form(&fields).send().await.unwrap();
        assert_eq!(resent.status(), 303);
        assert_eq!(responses(&app).await, 1);

        let forged: Vec<(String, String)> =
            fields.iter().map(|(k, v)| if k == "csrf" { (k.clone(), "forged".into()) } else { (k.clone(), v.clone()) }).collect();
        let response = visitor.client.post(visitor.url(&format!("/s/{SURVEY}"))).form(&forged).send().await.unwrap();
        assert_eq!(response.status(), 403);
        assert_eq!(responses(&app).await, 1);
    }
}

#[tokio::test]
async fn an_invitation_link_answers_once() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let cchc = app.login("cchc").await;
    let surveys: Value = cchc.get("/api/v1/surveys").await.json().await.unwrap();
    let id = surveys[0]["id"].as_i64().unwrap();
    let issued: Value = cchc
        .client
        .post(cchc.url(&format!("/api/v1/surveys/{id}/tokens")))
        .header("x-csrf-token", cchc.csrf.clone())
        .json(&json!({ "unit_code": "28102", "count": 2 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = issued["links"][0].as_str().unwrap().to_string();
    let visitor = app.client();
    let (status, html) = visitor.text(&link).await;
    assert_eq!(status, 200);
    assert!(html.contains("Phường Đông Thành"), "the token carries the unit");
    let mut fields = vec![("csrf".to_string(), csrf_in(&html).unwrap())];
    fields.extend(page_fields("4"));
    let response = visitor.client.post(visitor.url(&link)).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let response = visitor.client.post(visitor.url(&link)).form(&fields).send().await.unwrap();
    assert_eq!(response.status(), 409, "a used link answers no more");
    assert!(response.text().await.unwrap().contains("chỉ dùng được một lần"));
    let (status, html) = visitor.text(&link).await;
    assert_eq!(status, 422);
    assert!(html.contains("đã được dùng"));
    assert_eq!(visitor.text("/t/khong-hop-le").await.0, 422);
    assert_eq!(responses(&app).await, 1);
}

#[tokio::test]
async fn responses_export_as_csv_and_xlsx_with_codes_and_labels() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let http = reqwest::Client::new();
    for (i, unit) in ["28101", "28101", "28102"].iter().enumerate() {
        let body = json!({ "submission_id": format!("x{i}"), "unit_code": unit, "answers": sheet("4") });
        let response = http.post(format!("{}/api/v1/surveys/{SURVEY}/responses", app.base)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201);
    }
    let survey = app.store.survey_by_code(SURVEY, app.clock.now_ms()).await.unwrap().id;
    let cchc = app.login("cchc").await;
    let (status, csv) = cchc.text(&format!("/admin/surveys/{survey}/export.csv")).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("\u{feff}Mã phiếu,Thời điểm gửi,Mã đơn vị,Đơn vị,Kênh"));
    assert!(lines[0].contains("HL_CHUNG,HL_CHUNG (nhãn)"));
    assert!(lines[1].contains("Phường An Lạc") && lines[1].contains(",4,Hài lòng,"), "{}", lines[1]);
    let commune = app.unit_id("28101").await;
    let (_, filtered) = cchc.text(&format!("/admin/surveys/{survey}/export.csv?unit_id={commune}")).await;
    assert_eq!(filtered.lines().count(), 3);
    let (status, _) = cchc.text(&format!("/admin/surveys/{survey}/export.csv?from=32/13/2026")).await;
    assert_eq!(status, 422);
    let xlsx = cchc.get(&format!("/admin/surveys/{survey}/export.xlsx")).await;
    assert_eq!(xlsx.status(), 200);
    let table = sheets::read_table("phieu.xlsx", &xlsx.bytes().await.unwrap(), &testkit::READ_BACK).unwrap();
    assert_eq!(table.len(), 4);
    assert_eq!(table[0][3], "Đơn vị");
    let leader = app.login("lanhdao").await;
    assert_eq!(leader.get(&format!("/admin/surveys/{survey}/export.csv")).await.status(), 403, "raw responses are not for every official");
    let province = app.unit_id("99").await;
    let admin = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::SystemAdmin, unit: province }]);
    let filter = storage::audit::Filter { action: Some(domain::audit::AuditAction::ResponsesExported), ..Default::default() };
    assert_eq!(app.store.audit_log(&admin, &filter, storage::Paging::new(1, 10)).await.unwrap().total, 3, "every export is audited");
}

#[tokio::test]
async fn a_questionnaire_round_trips_through_an_xlsform_workbook() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let cchc = app.login("cchc").await;
    let list: Value = cchc.get("/api/v1/surveys").await.json().await.unwrap();
    assert!(!list.as_array().unwrap().is_empty());
    let province = app.unit_id("99").await;
    let admin = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::SystemAdmin, unit: province }]);
    let id = app.store.questionnaires(&admin).await.unwrap()[0].id;
    let workbook = cchc.get(&format!("/api/v1/questionnaires/{id}/xlsform")).await;
    assert_eq!(workbook.status(), 200);
    let bytes = workbook.bytes().await.unwrap();
    // An official edits the code in Excel, then uploads the workbook.
    let mut sheets = sheets::read_sheets(&bytes, &testkit::READ_BACK).unwrap();
    assert_eq!(sheets.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), vec!["survey", "choices", "settings"]);
    sheets[2].1[1][0] = "SIPAS-2017-BAN-SAO".into();
    let edited = sheets::write_sheets(&sheets.iter().map(|(n, rows)| (n.as_str(), rows.as_slice())).collect::<Vec<_>>()).unwrap();
    let upload = |bytes: Vec<u8>| {
        cchc.client
            .post(cchc.url("/api/v1/questionnaires/xlsform?unit_code=99"))
            .header("x-csrf-token", cchc.csrf.clone())
            .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .body(bytes)
            .send()
    };
    let created = upload(edited).await.unwrap();
    assert_eq!(created.status(), 201);
    let copy: Value = created.json().await.unwrap();
    let mut expected = domain::sipas::sipas_2017();
    expected.code = "SIPAS-2017-BAN-SAO".into();
    assert_eq!(serde_json::from_value::<domain::surveys::Questionnaire>(copy["draft"].clone()).unwrap(), expected);
    sheets[0].1[3][0] = "select_one khong_co".into();
    let broken = sheets::write_sheets(&sheets.iter().map(|(n, rows)| (n.as_str(), rows.as_slice())).collect::<Vec<_>>()).unwrap();
    let refused = upload(broken).await.unwrap();
    assert_eq!(refused.status(), 422);
    let doc: Value = refused.json().await.unwrap();
    assert_eq!(doc["errors"][0]["field"], "survey!4", "{doc}");
    assert_eq!(upload(b"not a workbook".to_vec()).await.unwrap().status(), 422);
}

#[tokio::test]
async fn officials_copy_import_preview_and_publish_questionnaires_on_pages() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let cchc = app.login("cchc").await;
    let (status, html) = cchc.text("/admin/questionnaires").await;
    assert_eq!(status, 200);
    assert!(html.contains("SIPAS-2023"));
    let response = cchc.post_form("/admin/questionnaires/copy", &[("template", "SIPAS-2023"), ("code", "CS-2026"), ("unit_code", "99")]).await;
    assert_eq!(response.status(), 303);
    let detail = response.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = cchc.text(&detail).await;
    assert!(html.contains("Bản nháp hợp lệ") && html.contains("chưa phát hành"), "{html}");
    let id = detail.trim_start_matches("/admin/questionnaires/").split('?').next().unwrap().to_string();
    let (status, preview) = cchc.text(&format!("/admin/questionnaires/{id}/preview")).await;
    assert_eq!(status, 200);
    assert!(preview.contains("class=\"phone\"") && preview.contains("Chính sách giáo dục phổ thông"));
    assert_eq!(cchc.post_form(&format!("/admin/questionnaires/{id}/publish"), &[]).await.status(), 303);
    let (_, html) = cchc.text(&format!("/admin/questionnaires/{id}?published=1")).await;
    assert!(html.contains("Đã phát hành phiên bản mới") && html.contains("1 ("));
    let json = cchc.get(&format!("/admin/questionnaires/{id}/json")).await;
    let mut form: Value = json.json().await.unwrap();
    assert_eq!(form["code"], "CS-2026");

    let upload = |name: &'static str, bytes: Vec<u8>| {
        let parts = reqwest::multipart::Form::new()
            .text("csrf", cchc.csrf.clone())
            .text("unit_code", "99")
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        cchc.client.post(cchc.url("/admin/questionnaires/import")).multipart(parts).send()
    };
    form["code"] = json!("CS-2026-JSON");
    assert_eq!(upload("cs.json", serde_json::to_vec(&form).unwrap()).await.unwrap().status(), 303);
    let xlsx = cchc.get(&format!("/api/v1/questionnaires/{id}/xlsform")).await.bytes().await.unwrap().to_vec();
    let duplicate = upload("cs.xlsx", xlsx).await.unwrap();
    assert_eq!(duplicate.status(), 422, "the same code again");
    assert!(duplicate.text().await.unwrap().contains("Mã mẫu phiếu «CS-2026» đã được dùng"));
    let broken = upload("cs.json", b"{\"code\": 1}".to_vec()).await.unwrap();
    assert_eq!(broken.status(), 422);
    assert!(broken.text().await.unwrap().contains("Tệp JSON không đúng định dạng mẫu phiếu"));

    // From a blank form: titled, one question added, then it can be published.
    let blank = cchc
        .post_form("/admin/questionnaires/copy", &[("template", "TRONG"), ("code", "Y-KIEN"), ("title", "Lấy ý kiến về giờ làm việc"), ("unit_code", "99")])
        .await;
    let blank = blank.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let (_, html) = cchc.text(&blank).await;
    assert!(html.contains("Lấy ý kiến về giờ làm việc") && html.contains("Phiếu phải có tiêu đề và ít nhất một câu hỏi"));
    cchc.post_form(&format!("{blank}/questions"), &[("section", "A"), ("code", "GIO"), ("kind", "likert"), ("text", "Giờ làm việc có thuận tiện?")]).await;
    assert_eq!(cchc.post_form(&format!("{blank}/publish"), &[]).await.status(), 303);

    let official = app.login("anlac.canbo").await;
    assert_eq!(official.get("/admin/questionnaires").await.status(), 403);
}

#[tokio::test]
async fn a_long_form_is_saved_and_continued_later() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let visitor = app.client();
    let (_, html) = visitor.text(&format!("/s/{SURVEY}?u=28101")).await;
    let csrf = csrf_in(&html).unwrap();
    let submission = html.split("name=\"submission_id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let partial = vec![
        ("csrf".to_string(), csrf.clone()),
        ("unit".into(), "28101".into()),
        ("submission_id".into(), submission.clone()),
        ("a.TC1".into(), "khong".into()),
        ("action".into(), "save".into()),
    ];
    let saved = visitor.client.post(visitor.url(&format!("/s/{SURVEY}"))).form(&partial).send().await.unwrap();
    assert_eq!(saved.status(), 200);
    let page = saved.text().await.unwrap();
    assert!(page.contains("Đã lưu phiếu"));
    let link = page.split("class=\"link-box\"><a href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let path = format!("/{}", link.splitn(4, '/').nth(3).unwrap());
    assert!(path.starts_with(&format!("/s/{SURVEY}/tiep-tuc/")), "{path}");
    assert_eq!(responses(&app).await, 0, "a saved draft is not a response");

    // Later, perhaps on another device: the form comes back as it was left.
    let later = app.client();
    let (status, html) = later.text(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"khong\" checked") && html.contains("Phường An Lạc"));
    let secret = path.rsplit('/').next().unwrap().to_string();
    let mut fields =
        vec![("csrf".to_string(), csrf_in(&html).unwrap()), ("unit".into(), "28101".into()), ("submission_id".into(), submission), ("draft".into(), secret)];
    fields.extend(page_fields("3"));
    let sent = later.client.post(later.url(&format!("/s/{SURVEY}"))).form(&fields).send().await.unwrap();
    assert_eq!(sent.status(), 303);
    assert_eq!(responses(&app).await, 1);
    assert_eq!(later.text(&path).await.0, 404, "a sent draft is gone");
}

#[tokio::test]
async fn the_reform_office_creates_a_regular_survey_on_a_page() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let cchc = app.login("cchc").await;
    let (status, html) = cchc.text("/admin/surveys/new").await;
    assert_eq!(status, 200);
    let version = html.split("<option value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let fields = |start: &str, channels: &[&'static str]| {
        let mut fields = vec![
            ("title", "Hài lòng hằng tháng".to_string()),
            ("code", "hl-thang".into()),
            ("version_id", version.clone()),
            ("recurrence", "monthly".into()),
            ("period_start", start.to_string()),
            ("period_end", "31/12/2026".into()),
            ("unit_code", "99".into()),
            ("levels", "commune".into()),
        ];
        fields.extend(channels.iter().map(|c| ("channels", c.to_string())));
        fields
    };
    let bad = fields("32/12/2026", &[]);
    let refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = cchc.post_form("/admin/surveys", &refs).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("phải có dạng dd/mm/yyyy"));
    let good = fields("01/12/2026", &["web", "kiosk"]);
    let refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let created = cchc.post_form("/admin/surveys", &refs).await;
    assert_eq!(created.status(), 303);
    let survey = app.store.survey_by_code("hl-thang", app.clock.now_ms()).await.unwrap();
    assert_eq!(survey.period_label(), "12/2026");
    assert_eq!(survey.channels.len(), 2);
    assert_eq!(app.store.survey_targets(survey.id).await.unwrap().len(), 8, "the communes in force in December 2026");
    let no_channel = fields("01/12/2026", &[]);
    let refs: Vec<(&str, &str)> = no_channel.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = cchc.post_form("/admin/surveys", &refs).await;
    assert_eq!(refused.status(), 422, "and the code is taken");
    assert!(refused.text().await.unwrap().contains("Chọn ít nhất một kênh khảo sát"));
    let official = app.login("anlac.canbo").await;
    assert_eq!(official.get("/admin/surveys/new").await.status(), 403);
}

#[tokio::test]
async fn the_designer_edits_moves_adds_and_removes_questions() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let cchc = app.login("cchc").await;
    let response = cchc.post_form("/admin/questionnaires/copy", &[("template", "SIPAS-2017"), ("code", "HL-XA"), ("unit_code", "99")]).await;
    let detail = response.headers()["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let id: i64 = detail.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(cchc.post_form(&format!("{detail}/questions/TC2/move"), &[("direction", "up")]).await.status(), 303);
    let edited = cchc
        .post_form(
            &format!("{detail}/questions/HL_CHUNG"),
            &[
                ("text", "Nhìn chung, anh/chị hài lòng đến đâu?"),
                ("help", ""),
                ("required", "1"),
                ("options", "1 | Rất tệ\n2 | Tệ\n3 | Được\n4 | Tốt\n5 | Rất tốt"),
            ],
        )
        .await;
    assert_eq!(edited.status(), 303);
    assert_eq!(
        cchc.post_form(
            &format!("{detail}/questions"),
            &[("section", "CHUNG"), ("code", "LAI"), ("kind", "single_choice"), ("text", "Anh/chị có quay lại không?")]
        )
        .await
        .status(),
        303
    );
    assert_eq!(cchc.post_form(&format!("{detail}/questions/GOP_Y/delete"), &[]).await.status(), 303);
    let duplicate = cchc.post_form(&format!("{detail}/questions"), &[("section", "CHUNG"), ("code", "LAI"), ("kind", "text"), ("text", "Lại")]).await;
    assert_eq!(duplicate.status(), 422);
    assert_eq!(cchc.post_form(&format!("{detail}/questions/DV/move"), &[("direction", "up")]).await.status(), 422);

    let province = app.unit_id("99").await;
    let admin = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::SystemAdmin, unit: province }]);
    let draft = app.store.questionnaire(&admin, id).await.unwrap().draft;
    let codes: Vec<String> = draft.questions().map(|(_, q)| q.code.clone()).collect();
    assert_eq!(&codes[4..6], ["TC2", "TC1"]);
    assert_eq!(&codes[codes.len() - 2..], ["HL_CHUNG", "LAI"]);
    assert_eq!(draft.question("HL_CHUNG").unwrap().kind.options()[4].label, "Rất tốt");
    assert!(draft.question("GOP_Y").is_none());
    let (_, html) = cchc.text(&format!("{detail}?saved=1")).await;
    assert!(html.contains("Đã lưu bản nháp") && html.contains("Bản nháp hợp lệ"), "{html}");
    assert_eq!(cchc.post_form(&format!("{detail}/publish"), &[]).await.status(), 303);
    let versions = app.store.questionnaire(&admin, id).await.unwrap().versions;
    assert_eq!(*app.store.version(versions[0].0).await.unwrap(), draft);
}
