//! Interviewer mode: a draw's sample assigned to an interviewer, the device's sync API storing
//! each interview and call once however often it is sent (SQLite and PostgreSQL); then the app in
//! headless Chromium: the network is cut, two interviews are entered, the network comes back, and
//! both arrive exactly once.

use domain::auth::{Access, Grant, Role};
use domain::sampling::draw::DrawParams;
use domain::sampling::frame::RawFrameRow;
use serde_json::{Value, json};
use storage::sampling::DrawRequest;
use testkit::browser::Browser;
use testkit::{TestApp, sheet};

/// Registers `count` dossiers of Phường An Lạc, draws them all and assigns them to the demo
/// interviewer by phone; returns the draw.
async fn assigned(app: &TestApp, count: usize, survey: &str) -> i64 {
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]);
    let actor = storage::Actor::system("test", app.clock.now_ms());
    let rows: Vec<(usize, RawFrameRow)> = (0..count)
        .map(|i| {
            let row = RawFrameRow {
                dossier_code: format!("PV-{i:03}"),
                procedure: "Đăng ký khai sinh".into(),
                field: "Hộ tịch".into(),
                unit_code: "28101".into(),
                completed_on: "03/11/2026".into(),
                name: format!("Người Dân {i}"),
                phone: format!("0913000{i:03}"),
                email: String::new(),
                consent: "có".into(),
            };
            (i + 2, row)
        })
        .collect();
    assert!(app.store.import_frame(&actor, &office, &rows, "upload", true).await.unwrap().applied);
    let survey = app.store.survey_by_code(survey, app.clock.now_ms()).await.unwrap().id;
    let request = DrawRequest {
        survey_id: survey,
        from: domain::text::parse_date("01/11/2026").unwrap(),
        to: domain::text::parse_date("30/11/2026").unwrap(),
        params: DrawParams { total: count as u64, minimum: 0, strata: Default::default(), reserves_per_sample: 0, seed: 5 },
    };
    let draw = app.store.create_draw(&actor, &office, &request).await.unwrap();
    let cchc = app.login("cchc").await;
    let interviewer = app.store.user_id_by_name("dieutravien").await.unwrap().to_string();
    let response = cchc.post_form(&format!("/admin/sampling/draws/{draw}/assign"), &[("interviewer", &interviewer), ("mode", "phone"), ("unit", "")]).await;
    assert_eq!(response.status(), 303);
    draw
}

async fn phone_answers(app: &TestApp, survey: &str) -> i64 {
    let results: Value = app
        .login("cchc")
        .await
        .get(&format!("/api/v1/surveys/{}/results", app.store.survey_by_code(survey, app.clock.now_ms()).await.unwrap().id))
        .await
        .json()
        .await
        .unwrap();
    results["by_channel"].as_array().unwrap().iter().find(|c| c[0] == "phone").map_or(0, |c| c[1].as_i64().unwrap())
}

#[tokio::test]
async fn the_sync_api_stores_each_interview_and_call_once() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        assigned(&app, 2, "sipas").await;
        let interviewer = app.login("dieutravien").await;
        let work: Value = interviewer.get("/api/v1/interviews/assignments").await.json().await.unwrap();
        let assignments = work["assignments"].as_array().unwrap();
        assert_eq!(assignments.len(), 2, "{backend}: {work}");
        assert!(assignments[0]["phone"].as_str().unwrap().starts_with("0913") && work["forms"].as_object().unwrap().len() == 1);
        let (first, second) = (assignments[0]["id"].as_i64().unwrap(), assignments[1]["id"].as_i64().unwrap());
        let batch = json!({
            "interviews": [{ "submission_id": "device-1-a", "assignment_id": first, "answers": sheet("4"), "started_at": app.clock.now_ms() - 600_000 }],
            "calls": [
                { "client_id": "call-1", "assignment_id": first, "outcome": "completed", "at": app.clock.now_ms() },
                { "client_id": "call-2", "assignment_id": second, "outcome": "no_answer", "at": app.clock.now_ms() },
                { "client_id": "call-3", "assignment_id": second, "outcome": "gone", "at": app.clock.now_ms() }
            ]
        });
        let sync = |body: Value| {
            interviewer.client.post(interviewer.url("/api/v1/interviews/sync")).header("x-csrf-token", interviewer.csrf.clone()).json(&body).send()
        };
        // Answers that break the form's rules are refused with the reason per question, for the
        // interviewer to correct on the device.
        let invalid = json!({ "interviews": [{ "submission_id": "device-1-x", "assignment_id": first, "answers": {} }] });
        let refused: Value = sync(invalid).await.unwrap().json().await.unwrap();
        assert_eq!(refused["interviews"][0]["status"], "refused", "{backend}: {refused}");
        let errors = refused["interviews"][0]["errors"].as_array().unwrap();
        assert!(!errors.is_empty() && errors.iter().all(|e| e["message"] == "Vui lòng trả lời câu hỏi này." && e["question"].is_string()), "{refused}");
        let result: Value = sync(batch.clone()).await.unwrap().json().await.unwrap();
        assert_eq!(result["interviews"][0]["status"], "recorded", "{backend}: {result}");
        assert_eq!((result["calls"][0]["status"].as_str(), result["calls"][2]["status"].as_str()), (Some("recorded"), Some("refused")));
        let again: Value = sync(batch).await.unwrap().json().await.unwrap();
        assert_eq!(
            (again["interviews"][0]["status"].as_str(), again["calls"][1]["status"].as_str()),
            (Some("already"), Some("already")),
            "a re-sync stores nothing twice"
        );
        assert_eq!(phone_answers(&app, "sipas").await, 1, "{backend}");
        // Two more unanswered calls make the second assignment unreachable; it leaves the list.
        for n in 4..6 {
            sync(json!({ "calls": [{ "client_id": format!("call-{n}"), "assignment_id": second, "outcome": "no_answer", "at": app.clock.now_ms() }] }))
                .await
                .unwrap();
        }
        let work: Value = interviewer.get("/api/v1/interviews/assignments").await.json().await.unwrap();
        assert_eq!(work["assignments"].as_array().unwrap().len(), 0, "{backend}: done and unreachable are off the list");
        // The supervisor rejects the interview: it leaves every figure, and a recount agrees.
        let cchc = app.login("cchc").await;
        let (_, review) = cchc.text("/admin/interviews").await;
        assert!(review.contains("PV-00") && review.contains("Đỗ Văn Nam"), "{review}");
        let response = app
            .store
            .interviews_to_review(&domain::auth::Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]), false)
            .await
            .unwrap()[0]
            .response_id;
        let path = format!("/admin/interviews/{response}/review");
        assert_eq!(cchc.post_form(&path, &[("decision", "reject"), ("reason", "")]).await.status(), 422, "a reason is needed");
        assert_eq!(cchc.post_form(&path, &[("decision", "reject"), ("reason", "Người trả lời xác nhận không được phỏng vấn")]).await.status(), 303);
        assert_eq!(phone_answers(&app, "sipas").await, 0, "a rejected interview leaves the figures on {backend}");
        let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id;
        let recount = app.store.recompute(&storage::Actor::system("test", app.clock.now_ms()), survey).await.unwrap();
        assert!(recount.differences.is_empty(), "{backend}: {:?}", recount.differences);
        assert_eq!(cchc.post_form(&path, &[("decision", "approve")]).await.status(), 409, "a rejected interview stays rejected");
        let drawn = cchc.post_form("/admin/interviews/recheck", &[("survey", &survey.to_string()), ("percent", "100")]).await.text().await.unwrap();
        assert!(drawn.contains("Đã chọn 1 phiếu để phúc tra"), "{drawn}");
        assert_eq!(app.login("anlac.canbo").await.get("/admin/interviews").await.status(), 403);

        // Officials without the interviewer's role are kept out.
        let other = cchc.client.post(cchc.url("/api/v1/interviews/sync")).header("x-csrf-token", cchc.csrf.clone()).json(&json!({})).send().await.unwrap();
        assert_eq!(other.status(), 403, "{backend}");
    }
}

/// Signs the demo interviewer in and opens the app, waiting for `dossier` on the list.
async fn open_app(browser: &Browser, app: &TestApp, dossier: &str) {
    browser.sign_in(&app.base, "dieutravien").await.unwrap();
    browser.goto(&format!("{}/interviewer/", app.base)).await.unwrap();
    browser.wait_text(dossier).await.unwrap();
}

#[tokio::test]
async fn an_interviewer_works_offline_and_both_interviews_arrive_once() {
    let Some(browser) = Browser::start(412, 915).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    assigned(&app, 2, "sipas").await;
    open_app(&browser, &app, "PV-001").await;

    browser.set_offline(true).await.unwrap();
    for _ in 0..2 {
        browser.click(".assignment button").await.unwrap();
        browser.wait_text("Lưu phiếu").await.unwrap();
        browser.answer_with_keyboard().await.unwrap();
    }
    browser.wait_text("2 phiếu đang lưu trên máy").await.unwrap();
    assert_eq!(phone_answers(&app, "sipas").await, 0, "nothing reaches the server while offline");

    browser.set_offline(false).await.unwrap();
    browser.wait_text("Đã gửi hết").await.unwrap();
    assert_eq!(phone_answers(&app, "sipas").await, 2);
    // Opening the app again sends nothing twice.
    browser.goto(&format!("{}/interviewer/", app.base)).await.unwrap();
    browser.wait_text("Không còn phiếu được giao").await.unwrap();
    assert_eq!(phone_answers(&app, "sipas").await, 2);
    browser.quit().await.unwrap();
}

/// A small phone survey: whether to be called back, the number (a follow-up with a rule the
/// server checks) and a rating.
async fn call_back_survey(app: &TestApp) {
    let cchc = app.login("cchc").await;
    let post = |path: &str, body: Value| cchc.client.post(cchc.url(path)).header("x-csrf-token", cchc.csrf.clone()).json(&body).send();
    let scale: Vec<Value> = (1..=5).map(|n| json!({ "code": n.to_string(), "label": format!("Mức {n}"), "value": n })).collect();
    let form = json!({
        "code": "GOI-LAI", "title": "Gọi lại người dân",
        "sections": [{ "code": "A", "title": "Ý kiến", "questions": [
            { "code": "GOI", "text": "Anh/chị có muốn được gọi lại không?", "type": "single_choice", "required": true,
              "options": [{ "code": "co", "label": "Có" }, { "code": "khong", "label": "Không" }] },
            { "code": "SDT", "text": "Số điện thoại để gọi lại", "type": "text", "required": true,
              "pattern": "0[0-9]{9}", "pattern_message": "Nhập số điện thoại 10 chữ số, bắt đầu bằng 0.",
              "visible_if": { "op": "equals", "question": "GOI", "option": "co" } },
            { "code": "HL", "text": "Mức độ hài lòng chung", "type": "likert", "required": true, "scale": scale }
        ]}]
    });
    let created: Value = post("/api/v1/questionnaires", json!({ "unit_code": "99", "questionnaire": form })).await.unwrap().json().await.unwrap();
    let published: Value = post(&format!("/api/v1/questionnaires/{}/publish", created["id"]), json!({})).await.unwrap().json().await.unwrap();
    let survey = json!({
        "code": "goi-lai", "title": "Gọi lại người dân 2026", "unit_code": "99", "version_id": published["versions"][0]["id"],
        "recurrence": "once", "period_start": "01/11/2026", "period_end": "31/12/2026",
        "opens_at": 0, "closes_at": 4_000_000_000_000i64, "channels": ["phone"], "target_unit_codes": ["28101"]
    });
    assert_eq!(post("/api/v1/surveys", survey).await.unwrap().status(), 201);
}

#[tokio::test]
async fn the_app_follows_skip_logic_and_a_refused_interview_is_corrected_and_resent() {
    let Some(browser) = Browser::start(412, 915).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    call_back_survey(&app).await;
    assigned(&app, 1, "goi-lai").await;
    open_app(&browser, &app, "PV-000").await;

    browser.click(".assignment button").await.unwrap();
    browser.wait_text("Lưu phiếu").await.unwrap();
    assert!(!browser.page_text().await.unwrap().contains("Số điện thoại để gọi lại"), "the follow-up waits for its answer");
    browser.click("#interview button[type=submit]").await.unwrap();
    browser.wait_text("Vui lòng trả lời câu hỏi này.").await.unwrap();
    browser.click("input[name=GOI][value=co]").await.unwrap();
    browser.wait_text("Số điện thoại để gọi lại").await.unwrap();
    browser.fill("input[name=SDT]", "12345").await.unwrap();
    browser.click("input[name=HL][value='4']").await.unwrap();
    browser.click("#interview button[type=submit]").await.unwrap();

    // The server checks the number's rule, refuses, and the device keeps the interview to correct.
    browser.wait_text("Cần sửa: hồ sơ PV-000").await.unwrap();
    browser.wait_text("Nhập số điện thoại 10 chữ số, bắt đầu bằng 0.").await.unwrap();
    assert_eq!(phone_answers(&app, "goi-lai").await, 0);
    browser.click(".refused button").await.unwrap();
    browser.wait_text("Lưu phiếu").await.unwrap();
    browser.fill("input[name=SDT]", "0913000111").await.unwrap();
    browser.click("#interview button[type=submit]").await.unwrap();
    browser.wait_text("Đã gửi hết").await.unwrap();
    assert_eq!(phone_answers(&app, "goi-lai").await, 1, "the corrected interview arrives once");
    browser.goto(&format!("{}/interviewer/", app.base)).await.unwrap();
    browser.wait_text("Không còn phiếu được giao").await.unwrap();
    assert!(!browser.page_text().await.unwrap().contains("Cần sửa"));
    browser.quit().await.unwrap();
}

/// The device and the server judge skip logic alike: a table of conditions over answers as the
/// device holds them is judged by `domain::surveys::logic` (on the answers the server accepts)
/// and by the app's `skip-logic.js` in Chromium, and every verdict must agree; so must the two
/// readings of numbers.
#[tokio::test]
async fn the_device_and_the_server_judge_skip_logic_alike() {
    use domain::surveys::{Answer, Answers, Condition, Questionnaire, validate};
    let Some(browser) = Browser::start(412, 915).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    let form: Questionnaire = serde_json::from_value(json!({
        "code": "BANG-THU", "title": "Bảng thử", "sections": [{ "code": "A", "title": "A", "questions": [
            { "code": "N", "text": "Số", "type": "number" },
            { "code": "S", "text": "Mức", "type": "single_choice", "options": [
                { "code": "a", "label": "A", "value": 1.0 }, { "code": "b", "label": "B", "value": 5.0 }, { "code": "c", "label": "C" }] },
            { "code": "M", "text": "Nhiều", "type": "multiple_choice", "options": [
                { "code": "x", "label": "X" }, { "code": "y", "label": "Y" }, { "code": "z", "label": "Z" }] },
            { "code": "T", "text": "Chữ", "type": "text" }
        ]}]
    }))
    .unwrap();
    let condition = |value: Value| -> Condition { serde_json::from_value(value).unwrap() };
    let conditions = [
        condition(json!({ "op": "at_least", "question": "N", "value": 10.0 })),
        condition(json!({ "op": "at_most", "question": "N", "value": 12.5 })),
        condition(json!({ "op": "at_least", "question": "S", "value": 3.0 })),
        condition(json!({ "op": "at_most", "question": "S", "value": 1.0 })),
        condition(json!({ "op": "equals", "question": "S", "option": "a" })),
        condition(json!({ "op": "any_of", "question": "M", "options": ["x", "z"] })),
        condition(json!({ "op": "equals", "question": "M", "option": "y" })),
        condition(json!({ "op": "answered", "question": "T" })),
        condition(json!({ "op": "at_least", "question": "T", "value": 1.0 })),
        condition(json!({ "op": "not", "condition": { "op": "answered", "question": "N" } })),
        condition(
            json!({ "op": "all", "conditions": [{ "op": "at_least", "question": "N", "value": 1000.0 }, { "op": "equals", "question": "S", "option": "b" }] }),
        ),
        condition(
            json!({ "op": "any", "conditions": [{ "op": "at_most", "question": "N", "value": 0.2 }, { "op": "equals", "question": "M", "option": "x" }] }),
        ),
    ];
    let numbers = ["12.5", "12,5", "1.234", "0.125", "10", "9,99", "-3", "1 234", "12.500", "1.234,5", "abc", ""];
    let levels = ["a", "b", "c", ""];
    let many: [&[&str]; 3] = [&["x"], &["y", "z"], &[]];
    let texts = ["12", "xin chào", ""];
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (i, number) in numbers.iter().enumerate() {
        let mut shown = serde_json::Map::new();
        let mut raw = Answers::new();
        let mut put = |code: &str, value: &str| {
            if !value.is_empty() {
                shown.insert(code.into(), json!(value));
                raw.insert(code.into(), Answer::Text(value.into()));
            }
        };
        put("N", number);
        put("S", levels[i % levels.len()]);
        put("T", texts[i % texts.len()]);
        let chosen = many[i % many.len()];
        if !chosen.is_empty() {
            shown.insert("M".into(), json!(chosen));
            raw.insert("M".into(), Answer::List(chosen.iter().map(|c| c.to_string()).collect()));
        }
        // Only what the server accepts matters: it refuses the rest whatever the device showed.
        let Ok(valid) = validate(&form, &raw) else { continue };
        for c in &conditions {
            cases.push(json!({ "condition": c, "shown": shown }));
            expected.push(json!(c.holds(&form, &valid)));
        }
    }
    assert!(cases.len() >= 100, "{}", cases.len());
    let questions: serde_json::Map<String, Value> = form.questions().map(|(_, q)| (q.code.clone(), serde_json::to_value(q).unwrap())).collect();

    browser.sign_in(&app.base, "dieutravien").await.unwrap();
    browser.goto(&format!("{}/interviewer/", app.base)).await.unwrap();
    let judged = browser
        .execute(
            "var questions = arguments[1]; return arguments[0].map(function (c) { return ThuocDoLogic.holds(c.condition, questions, c.shown); });",
            vec![json!(cases), json!(questions)],
        )
        .await
        .unwrap();
    let judged = judged.as_array().unwrap();
    for (n, (device, server)) in judged.iter().zip(&expected).enumerate() {
        assert_eq!(device, server, "case {n}: {}", cases[n]);
    }
    assert_eq!(judged.len(), expected.len());

    let typed = [
        "12", "12,5", "1.234,5", "1.234", "12.500", "1 234", "12.5", "0.125", "-1.234", "-2,5", " 92,5 ", "", "abc", "1,2,3", "inf", "NaN", "1e999", "1e3",
        ".5",
    ];
    let device = browser.execute("return arguments[0].map(function (t) { return ThuocDoLogic.parseNumber(t); });", vec![json!(typed)]).await.unwrap();
    let device: Vec<Option<f64>> = device.as_array().unwrap().iter().map(Value::as_f64).collect();
    let server: Vec<Option<f64>> = typed.iter().map(|t| domain::text::parse_number(t)).collect();
    assert_eq!(device, server, "numbers are read alike");
    browser.quit().await.unwrap();
}
