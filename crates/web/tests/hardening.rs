//! The defects an outside probe found, each held shut: controlled channels cannot be forged,
//! CSV exports never carry a formula, proxies are believed only as far as they are trusted,
//! `next` cannot leave the site, throttled clients are told when to come back, the province's
//! plan shows each unit its own tasks only, the metrics are not public, a bad id in a path
//! gets a Vietnamese answer, and hostile spreadsheets are refused while the server answers.

use std::time::{Duration, Instant};

use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use fuzz::bombs::{sheet_xml, workbook};
use serde_json::{Value, json};
use storage::Paging;
use storage::audit::Filter;
use testkit::{PASSWORD, TestApp, sheet};
use web::Config;

fn responses_url(app: &TestApp) -> String {
    format!("{}/api/v1/surveys/sipas/responses", app.base)
}

async fn stored(app: &TestApp) -> i64 {
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]);
    let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap();
    let filter = storage::responses::BehindFilter { version_id: survey.version_id, ..Default::default() };
    app.store.responses_behind(&storage::Actor::system("test", 0), &office, &filter, Paging::ALL).await.unwrap().total
}

async fn api_token(app: &TestApp, username: &str) -> String {
    let (token, hash) = web::new_api_token();
    let user = app.store.user_id_by_name(username).await.unwrap();
    app.store.create_api_token(&storage::Actor::system("test", 0), user, "test", &hash, None, &Default::default()).await.unwrap();
    token
}

#[tokio::test]
async fn controlled_channels_come_only_through_their_own_doors() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let http = reqwest::Client::new();
        let before = stored(&app).await;
        // The probe's five calls: a kiosk rating about any official, paper, phone and an
        // invitation without a token, from nobody at all.
        for forged in [
            json!({ "channel": "kiosk", "staff": "motcua.anlac" }),
            json!({ "channel": "kiosk" }),
            json!({ "channel": "paper" }),
            json!({ "channel": "phone" }),
            json!({ "channel": "face_to_face" }),
            json!({ "channel": "invitation" }),
            json!({ "channel": "api" }),
        ] {
            let mut body = json!({ "unit_code": "28101", "answers": sheet("1") });
            body.as_object_mut().unwrap().extend(forged.as_object().unwrap().clone());
            let response = http.post(responses_url(&app)).json(&body).send().await.unwrap();
            assert_eq!(response.status(), 403, "{backend}: {forged}");
            let doc: Value = response.json().await.unwrap();
            assert!(doc["detail"].as_str().unwrap().contains("chỉ được nhận từ"), "{doc}");
        }
        assert_eq!(stored(&app).await, before, "{backend}: nothing written");

        // The API channel with a token that may send answers, for its own unit only.
        let one_stop = api_token(&app, "motcua.anlac").await;
        let sent = http
            .post(responses_url(&app))
            .bearer_auth(&one_stop)
            .json(&json!({ "unit_code": "28101", "channel": "api", "answers": sheet("4") }))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 201, "{backend}: {}", sent.text().await.unwrap());
        let elsewhere =
            http.post(responses_url(&app)).bearer_auth(&one_stop).json(&json!({ "unit_code": "28102", "answers": sheet("4") })).send().await.unwrap();
        assert_eq!(elsewhere.status(), 403, "{backend}: another commune's answers");
        let leader = api_token(&app, "lanhdao").await;
        let not_allowed =
            http.post(responses_url(&app)).bearer_auth(&leader).json(&json!({ "unit_code": "28101", "answers": sheet("4") })).send().await.unwrap();
        assert_eq!(not_allowed.status(), 403, "{backend}: a token without the permission");
        let forged_token =
            http.post(responses_url(&app)).bearer_auth("td_forged").json(&json!({ "unit_code": "28101", "answers": sheet("4") })).send().await.unwrap();
        assert_eq!(forged_token.status(), 401);
        // Anyone still answers through the public door.
        let public = http.post(responses_url(&app)).json(&json!({ "unit_code": "28101", "answers": sheet("4") })).send().await.unwrap();
        assert_eq!(public.status(), 201);
        assert_eq!(stored(&app).await, before + 2, "{backend}");

        let bad_dossier =
            http.post(responses_url(&app)).json(&json!({ "unit_code": "28101", "dossier_code": "<script>", "answers": sheet("4") })).send().await.unwrap();
        assert_eq!(bad_dossier.status(), 422, "{backend}");
        assert!(bad_dossier.text().await.unwrap().contains("Mã hồ sơ"));
        assert_eq!(stored(&app).await, before + 2);
    }
}

#[tokio::test]
async fn csv_exports_carry_no_formula() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"Bấm vào đây\")";
    let mut answers = sheet("5");
    answers["GOP_Y"] = json!(format!("\t{formula}"));
    let response = reqwest::Client::new().post(responses_url(&app)).json(&json!({ "unit_code": "28101", "answers": answers })).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let admin = app.login("quantri").await;
    let token = api_token(&app, "quantri").await;
    let unit = json!({ "code": "29901", "name": formula, "level": "xã", "parent_code": "99", "valid_from": "01/07/2025" });
    let created = reqwest::Client::new().post(format!("{}/api/v1/units", app.base)).bearer_auth(&token).json(&unit).send().await.unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());

    let cchc = app.login("cchc").await;
    let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap();
    let (_, responses) = cchc.text(&format!("/admin/surveys/{}/export.csv", survey.id)).await;
    let (_, units) = admin.text("/admin/units/export.csv").await;
    for csv in [&responses, &units] {
        for cell in csv.lines().flat_map(|line| line.split(',')) {
            let cell = cell.trim_matches('"');
            assert!(!cell.trim_start().starts_with(['=', '+', '@']) && !cell.starts_with('\t'), "a formula in an export: {cell:?}");
        }
    }
    assert!(responses.contains("'=HYPERLINK"), "the comment is kept, made inert: {responses}");
    assert!(units.contains("'=HYPERLINK"), "the unit's name is kept, made inert");
}

#[tokio::test]
async fn a_proxy_is_believed_only_for_the_address_it_saw() {
    let config = Config { trusted_proxies: web::TrustedProxies::parse("127.0.0.1").unwrap(), ..Config::default() };
    let app = TestApp::spawn_with(testkit::sqlite(), config).await;
    let http = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
    let csrf = testkit::csrf_in(&page).unwrap();
    // The client writes its own X-Forwarded-For; the proxy appends what it saw.
    for i in 0..12 {
        let response = http
            .post(format!("{}/login", app.base))
            .header("x-forwarded-for", format!("10.9.8.{i}, 203.0.113.9"))
            .form(&[("csrf", csrf.as_str()), ("username", &format!("nobody{i}")), ("password", "wrong-password")])
            .send()
            .await
            .unwrap();
        let expected = if i < 10 { 401 } else { 429 };
        assert_eq!(response.status(), expected, "a forged left-most address does not escape the limit (try {i})");
    }
    let admin = Access::new(vec![Grant { role: Role::SystemAdmin, unit: app.unit_id("99").await }]);
    let failures = app.store.audit_log(&admin, &Filter { action: Some(AuditAction::LoginFailed), ..Default::default() }, Paging::new(1, 50)).await.unwrap();
    assert_eq!(failures.total, 10);
    assert!(failures.items.iter().all(|r| r.ip == "203.0.113.9"), "the audit log holds the address the proxy saw");
}

#[tokio::test]
async fn headers_from_an_untrusted_peer_are_ignored() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let csrf = testkit::csrf_in(&http.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap()).unwrap();
    http.post(format!("{}/login", app.base))
        .header("x-forwarded-for", "203.0.113.9")
        .form(&[("csrf", csrf.as_str()), ("username", "nobody"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();
    let admin = Access::new(vec![Grant { role: Role::SystemAdmin, unit: app.unit_id("99").await }]);
    let failures = app.store.audit_log(&admin, &Filter { action: Some(AuditAction::LoginFailed), ..Default::default() }, Paging::new(1, 5)).await.unwrap();
    assert_eq!(failures.items[0].ip, "127.0.0.1");
}

#[tokio::test]
async fn after_login_next_stays_on_the_site() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    for next in ["/\t/evil.example", "/\n/x", "/\r\nSet-Cookie: a=b", "//evil.example", "/\\evil.example", "https://evil.example"] {
        let session = app.client();
        let csrf = session.csrf_of("/login").await;
        let response = session
            .client
            .post(session.url("/login"))
            .form(&[("csrf", csrf.as_str()), ("username", "cchc"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(response.headers()["location"], "/admin", "{next:?}");
    }
    let (status, page) = app.client().text("/login?next=%2F%09%2Fevil.example").await;
    assert_eq!(status, 200);
    assert!(!page.contains("evil.example"), "the form does not carry it either");
}

#[tokio::test]
async fn the_limited_are_told_when_to_return_and_a_stored_answer_is_confirmed() {
    let config = Config { submissions_per_minute: 2, ..Config::default() };
    let app = TestApp::spawn_with(testkit::sqlite(), config).await;
    let http = reqwest::Client::new();
    let send = |id: &str| http.post(responses_url(&app)).json(&json!({ "submission_id": id, "unit_code": "28101", "answers": sheet("5") })).send();
    assert_eq!(send("a-1").await.unwrap().status(), 201);
    assert_eq!(send("a-2").await.unwrap().status(), 201);
    let limited = send("a-3").await.unwrap();
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // A client unsure whether its answer arrived resends it: told it is stored, though limited.
    let confirmed = send("a-2").await.unwrap();
    assert_eq!(confirmed.status(), 200);
    assert_eq!(confirmed.json::<Value>().await.unwrap()["created"], false);
    app.clock.advance_ms(61_000);
    assert_eq!(send("a-3").await.unwrap().status(), 201);
}

#[tokio::test]
async fn the_province_plan_shows_each_unit_its_own_tasks_and_files() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_par().await;
    let province = app.unit_id("99").await;
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: province }]);
    let plan = app.store.par_plans(&office).await.unwrap().into_iter().find(|p| p.unit_id == province).unwrap();
    let whole = app.store.par_plan(&office, plan.id).await.unwrap();
    let other = whole.tasks.iter().find(|t| t.content.starts_with("Niêm yết")).unwrap();
    let update = storage::par::TaskUpdate {
        status: domain::par::plan::TaskStatus::Done,
        done_on: Some(time::OffsetDateTime::now_utc().date()),
        note: String::new(),
        file: Some(("bien-ban.pdf".into(), b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec())),
    };
    app.store.progress_par_task(&storage::Actor::system("test", app.clock.now_ms()), &office, other.id, &update).await.unwrap();
    let file = app.store.par_plan(&office, plan.id).await.unwrap().files.iter().find(|f| f.task_id == other.id).unwrap().id;

    let anlac = app.login("anlac.canbo").await;
    let (status, page) = anlac.text(&format!("/admin/par/plans/{}", plan.id)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Số hóa hồ sơ") && page.contains("Tổ chức đối thoại"), "its own tasks, led or coordinated");
    assert!(!page.contains("Niêm yết công khai") && !page.contains("bien-ban.pdf"), "not another commune's");
    assert_eq!(anlac.get(&format!("/admin/par/task-files/{file}")).await.status(), 404);
    // The council appraises units; it takes no part in the plan.
    let council = app.login("thamdinh").await;
    assert_eq!(council.get(&format!("/admin/par/plans/{}", plan.id)).await.status(), 404);
    assert_eq!(council.get(&format!("/admin/par/task-files/{file}")).await.status(), 404);
    let cchc = app.login("cchc").await;
    assert_eq!(cchc.get(&format!("/admin/par/task-files/{file}")).await.status(), 200);
}

#[tokio::test]
async fn metrics_are_not_public() {
    let closed = TestApp::spawn(testkit::sqlite()).await;
    assert_eq!(closed.client().get("/metrics").await.status(), 404);
    let config = Config { metrics_token: Some("bi-mat-giam-sat".into()), ..Config::default() };
    let app = TestApp::spawn_with(testkit::sqlite(), config).await;
    assert_eq!(app.client().get("/metrics").await.status(), 401);
    let wrong = reqwest::Client::new().get(format!("{}/metrics", app.base)).bearer_auth("doan-thu").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let scraped = reqwest::Client::new().get(format!("{}/metrics", app.base)).bearer_auth("bi-mat-giam-sat").send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(scraped.text().await.unwrap().contains("http_requests_total"));
}

#[tokio::test]
async fn a_bad_id_in_a_path_is_answered_in_vietnamese() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let cchc = app.login("cchc").await;
    for path in ["/admin/par/plans/abc", "/admin/units/9999999999999999999999", "/admin/surveys/1.5"] {
        let response = cchc.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        assert!(response.text().await.unwrap().contains("Không tìm thấy"), "{path}");
    }
    let api = cchc.get("/api/v1/units/abc").await;
    assert_eq!(api.status(), 404);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let query = cchc.get("/api/v1/audit?page=many").await;
    assert_eq!(query.status(), 400);
    assert!(query.text().await.unwrap().contains("Tham số trên đường dẫn không hợp lệ"));
}

/// The most memory this process has held (VmHWM), in MB.
fn peak_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<u64>().ok()).unwrap_or(0) / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_spreadsheets_are_refused_on_every_upload_while_the_server_answers() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_par().await;
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]);
    let (round, ..) = app.store.par_rounds(&storage::Actor::system("test", 0), &office).await.unwrap()[0].clone();
    let measured = format!("/admin/par/rounds/{round}/measured");
    let corners = workbook(&sheet_xml("A1:XFD1048576", &[("A1", "x"), ("XFD1048576", "y")]), None, 0);
    let zeros = workbook(&sheet_xml("A1", &[]), None, 512);
    assert!(corners.len() < 4_096 && zeros.len() < 2 << 20, "small on the wire: {} and {} bytes", corners.len(), zeros.len());
    let before = peak_mb();

    let cchc = app.login("cchc").await;
    let uploads: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("/admin/units/import", vec![]),
        ("/admin/questionnaires/import", vec![("unit_code", "99")]),
        ("/admin/par/trees/import", vec![]),
        ("/admin/sampling/import", vec![]),
        (&measured, vec![("module", "sipas")]),
    ];
    let healthy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let polling = {
        let (base, healthy) = (app.base.clone(), healthy.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().unwrap();
            for _ in 0..400 {
                let started = Instant::now();
                let ok = http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status() == 200);
                if !ok || started.elapsed() > Duration::from_secs(1) {
                    healthy.store(false, std::sync::atomic::Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    for (path, fields) in &uploads {
        for (bomb, expected) in [(&corners, "quá nhiều cho loại dữ liệu này"), (&zeros, "giải nén ra hơn")] {
            let mut form = reqwest::multipart::Form::new().text("csrf", cchc.csrf.clone());
            for (name, value) in fields {
                form = form.text(*name, *value);
            }
            form = form.part("file", reqwest::multipart::Part::bytes(bomb.clone()).file_name("bang.xlsx"));
            let response = cchc.client.post(cchc.url(path)).multipart(form).send().await.unwrap();
            let status = response.status().as_u16();
            let page = response.text().await.unwrap();
            assert!((400..500).contains(&status) && page.contains(expected), "{path}: {status} {expected}: {}", &page[..page.len().min(3000)]);
        }
    }
    // The API's XLSForm import.
    let token = api_token(&app, "cchc").await;
    let api = reqwest::Client::new()
        .post(format!("{}/api/v1/questionnaires/xlsform?unit_code=99", app.base))
        .bearer_auth(&token)
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(zeros.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 422);
    assert!(api.text().await.unwrap().contains("giải nén ra hơn"));
    polling.abort();
    assert!(healthy.load(std::sync::atomic::Ordering::SeqCst), "/healthz answered within a second throughout");
    let grown = peak_mb().saturating_sub(before);
    println!("peak memory grew by {grown} MB over {} bombs", uploads.len() * 2 + 1);
    assert!(grown < 100, "memory grew by {grown} MB");
}

/// A token made on its page reaches only its unit's subtree and its permissions, within its own
/// rate; revoked or expired, it opens nothing.
#[tokio::test]
async fn an_api_token_reaches_no_further_than_its_scope() {
    let shown = regex::Regex::new(r#"<code id="token">(td_[A-Za-z0-9_-]+)</code>"#).unwrap();
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let office = app.login("cchc").await;
        let fields = [("name", "LGSP"), ("unit", "28101"), ("permission", "view_units"), ("days", "1"), ("per_minute", "3")];
        let made = office.post_form("/admin/ma-api", &fields).await;
        assert_eq!(made.status(), 201, "{backend}");
        let html = made.text().await.unwrap();
        let token = shown.captures(&html).expect("the token, shown once")[1].to_string();
        let too_wide = [("name", "x"), ("permission", "view_respondents"), ("days", "1"), ("per_minute", "4")];
        assert_eq!(app.login("anlac.canbo").await.post_form("/admin/ma-api", &too_wide).await.status(), 422, "{backend}: a permission its owner lacks");
        let http = reqwest::Client::new();
        let get = |path: String| http.get(format!("{}{path}", app.base)).bearer_auth(&token).send();
        let (own, sibling) = (app.unit_id("28101").await, app.unit_id("28102").await);
        assert_eq!(get(format!("/api/v1/units/{own}")).await.unwrap().status(), 200, "{backend}");
        assert_eq!(get(format!("/api/v1/units/{sibling}")).await.unwrap().status(), 404, "{backend}: outside the token's unit");
        assert_eq!(get("/api/v1/alerts".into()).await.unwrap().status(), 403, "{backend}: a permission the token was not given");
        let throttled = get(format!("/api/v1/units/{own}")).await.unwrap();
        assert_eq!(throttled.status(), 429, "{backend}: the fourth call in the minute");
        assert!(throttled.headers().contains_key("retry-after"));
        app.clock.advance_ms(60_000);
        assert_eq!(get(format!("/api/v1/units/{own}")).await.unwrap().status(), 200, "{backend}: the next minute");
        app.clock.advance_ms(86_400_000);
        assert_eq!(get(format!("/api/v1/units/{own}")).await.unwrap().status(), 401, "{backend}: expired");
        let office = app.login("cchc").await;
        let listed = office.text("/admin/ma-api").await.1;
        assert!(listed.contains("đã hết hạn") && listed.contains("Xem danh mục đơn vị"), "{backend}");

        let token = api_token(&app, "cchc").await;
        let ok = http.get(format!("{}/api/v1/me", app.base)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(ok.status(), 200);
        let id = app.store.api_tokens(app.store.user_id_by_name("cchc").await.unwrap()).await.unwrap()[0].id;
        assert_eq!(office.post_form(&format!("/admin/ma-api/{id}/thu-hoi"), &[]).await.status(), 303, "{backend}");
        let refused = http.get(format!("{}/api/v1/me", app.base)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(refused.status(), 401, "{backend}: revoked");
    }
}
