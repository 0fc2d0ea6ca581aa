//! Officials' flows over HTTP: login, lockout, rate limit, password change, logout, API tokens,
//! importing units from a spreadsheet, the audit trail, and the operational endpoints.

use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use storage::Paging;
use storage::audit::Filter;
use testkit::{PASSWORD, TestApp};

async fn audit_actions(app: &TestApp, action: AuditAction) -> i64 {
    let province = app.unit_id("99").await;
    let admin = Access::new(vec![Grant { role: Role::SystemAdmin, unit: province }]);
    let filter = Filter { action: Some(action), ..Default::default() };
    app.store.audit_log(&admin, &filter, Paging::new(1, 1)).await.unwrap().total
}

/// The message of a refused login page.
async fn login_error(response: reqwest::Response) -> (u16, Option<u64>, String) {
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().parse().unwrap());
    let html = response.text().await.unwrap();
    let at = html.find("role=\"alert\"").expect("an error is shown");
    let message = html[at..].split('>').nth(1).unwrap().split('<').next().unwrap().trim().to_string();
    (status, retry_after, message)
}

#[tokio::test]
async fn wrong_passwords_throttle_a_name_without_telling_whether_it_exists() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let mut session = app.client();
    let mut held_back = Vec::new();
    for name in ["stp.canbo", "khong.co.ai"] {
        for _ in 0..5 {
            let (status, _, message) = login_error(session.login(name, "wrong-password").await).await;
            assert_eq!((status, message.as_str()), (401, "Tên đăng nhập hoặc mật khẩu không đúng."), "{name}");
        }
        // The sixth try waits, even with the right password, and says the same for both names.
        let (status, retry_after, message) = login_error(session.login(name, PASSWORD).await).await;
        assert_eq!(status, 429, "{name}");
        assert!(retry_after.is_some_and(|s| s > 0 && s <= 15 * 60), "{retry_after:?}");
        held_back.push(message);
        // Another official behind the same address is not held back.
        assert_eq!(app.client().login("cchc", PASSWORD).await.status(), 303);
        // Limits count in fixed windows, the same on every server: the next name starts at the
        // same point of its window.
        app.clock.advance_ms(15 * 60_000);
    }
    assert_eq!(held_back[0], held_back[1], "a known and an unknown name are held back alike");
    assert!(held_back[0].contains("Có quá nhiều lần đăng nhập sai") && !held_back[0].contains("khóa"), "{}", held_back[0]);
    app.clock.advance_ms(16 * 60_000);
    assert_eq!(session.login("stp.canbo", PASSWORD).await.status(), 303);
    assert_eq!(audit_actions(&app, AuditAction::LoginFailed).await, 10);
    assert_eq!(audit_actions(&app, AuditAction::AccountLocked).await, 1, "the register still records the lock for administrators");
}

#[tokio::test]
async fn too_many_failures_from_one_address_are_slowed_down() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let mut session = app.client();
    for i in 0..10 {
        let response = session.login(&format!("nobody{i}"), "wrong-password").await;
        assert_eq!(response.status(), 401);
    }
    let (status, retry_after, message) = login_error(session.login("cchc", PASSWORD).await).await;
    assert_eq!(status, 429);
    assert!(retry_after.is_some_and(|s| s <= 60), "{retry_after:?}");
    assert_eq!(message, "Có quá nhiều lần đăng nhập sai. Vui lòng thử lại sau 1 phút.");
    app.clock.advance_ms(61_000);
    assert_eq!(session.login("cchc", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let laptop = app.login("anlac.canbo").await;
    let phone = app.login("anlac.canbo").await;
    let weak = laptop.post_form("/account/password", &[("current", PASSWORD), ("new", "12345"), ("confirm", "12345")]).await;
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("Mật khẩu phải có ít nhất 10 ký tự"));
    let wrong = laptop.post_form("/account/password", &[("current", "nope"), ("new", "An-Lac-2027!"), ("confirm", "An-Lac-2027!")]).await;
    assert!(wrong.text().await.unwrap().contains("Mật khẩu hiện tại không đúng"));
    let done = laptop.post_form("/account/password", &[("current", PASSWORD), ("new", "An-Lac-2027!"), ("confirm", "An-Lac-2027!")]).await;
    assert_eq!(done.status(), 303);
    assert_eq!(laptop.get("/admin").await.status(), 200, "this session stays");
    assert_eq!(phone.get("/admin").await.status(), 303, "the other session ended");
    let mut fresh = app.client();
    assert_eq!(fresh.login("anlac.canbo", PASSWORD).await.status(), 401);
    assert_eq!(fresh.login("anlac.canbo", "An-Lac-2027!").await.status(), 303);
    assert_eq!(audit_actions(&app, AuditAction::PasswordChanged).await, 1);
}

#[tokio::test]
async fn logout_revokes_the_session() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let session = app.login("lanhdao").await;
    let response = session.post_form("/logout", &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(session.get("/admin").await.status(), 303);
    assert_eq!(audit_actions(&app, AuditAction::Logout).await, 1);
}

#[tokio::test]
async fn an_administrator_ends_every_session_of_an_official() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let official = app.login("stp.canbo").await;
    let admin = app.login("quantri").await;
    let id = app.store.user_id_by_name("stp.canbo").await.unwrap();
    let response = admin.post_form(&format!("/admin/users/{id}/sessions/revoke"), &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(official.get("/admin").await.status(), 303, "signed out");
    assert_eq!(admin.get("/admin").await.status(), 200);
    assert_eq!(audit_actions(&app, AuditAction::SessionsRevoked).await, 1);
    let leader = app.login("lanhdao").await;
    let refused = leader.post_form(&format!("/admin/users/{id}/sessions/revoke"), &[]).await;
    assert_eq!(refused.status(), 403, "leadership reads, it does not manage accounts");
}

#[tokio::test]
async fn an_officials_contacts_show_only_when_asked_and_each_showing_is_audited() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let leader = app.login("lanhdao").await;
    let id = app.store.user_id_by_name("anlac.canbo").await.unwrap();
    let (status, page) = leader.text(&format!("/admin/users/{id}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("anlac_canbo@anlac.gov.vn") && page.contains(r#"id="reveal""#), "{page}");
    assert_eq!(audit_actions(&app, AuditAction::PersonalDataViewed).await, 0, "nothing opened, nothing recorded");
    let (_, page) = leader.text(&format!("/admin/users/{id}?lien_he=1")).await;
    assert!(page.contains(r#"<dd id="email">anlac_canbo@anlac.gov.vn</dd>"#), "{page}");
    assert_eq!(audit_actions(&app, AuditAction::PersonalDataViewed).await, 1);
    // The log names what was opened, not an id.
    let (_, log) = app.login("quantri").await.text("/admin/audit").await;
    assert!(log.contains("người dùng «Đặng Thị Mai»"), "{log}");
}

#[tokio::test]
async fn api_tokens_authenticate_machine_clients() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let (token, hash) = web::new_api_token();
    let user = app.store.user_id_by_name("lanhdao").await.unwrap();
    app.store.create_api_token(&storage::Actor::system("test", 0), user, "lgsp", &hash, None, &Default::default()).await.unwrap();
    let http = reqwest::Client::new();
    let me: serde_json::Value = http.get(format!("{}/api/v1/me", app.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["username"], "lanhdao");
    assert_eq!(me["grants"][0]["role"], "leadership");
    let user_detail = http.get(format!("{}/api/v1/users/{user}", app.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(user_detail.status(), 200);
    let body: serde_json::Value = user_detail.json().await.unwrap();
    assert_eq!(body["email"], "lanhdao@anlac.gov.vn");
    assert_eq!(audit_actions(&app, AuditAction::PersonalDataViewed).await, 1, "the view of personal data is audited");
}

/// Every list of the API read by page number answers in one shape — `total`, `page`, `per_page`, `items` —
/// with the page as asked: the lists are found in the OpenAPI document, so a new list that
/// strays is caught.
#[tokio::test]
async fn every_paged_list_of_the_api_has_one_shape() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_questions().await;
    app.demo_consultations().await;
    let api = app.api("quantri", Default::default()).await;
    let (_, doc) = api.get("/api/openapi.json").await;
    let schemas = &doc["components"]["schemas"];
    let mut lists = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let Some(reference) = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].as_str() else { continue };
        let schema = &schemas[reference.rsplit('/').next().unwrap()];
        // Lists read by page number; the moderation queue goes on from the last comment seen.
        let paged = get["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == "page"));
        let fields: Vec<&str> = schema["properties"].as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        if paged && fields.contains(&"items") {
            let shape = ["items", "page", "per_page", "total"];
            assert!(shape.iter().all(|f| fields.contains(f)), "{path}: {reference} has {fields:?}");
            lists.push(path.clone());
        }
    }
    assert!(lists.len() >= 9, "the paged lists: {lists:?}");
    // Asked for the second page of one: page 2 of one item each, wherever a list takes no
    // identifier in its address.
    for path in lists.iter().filter(|p| !p.contains('{')) {
        let (status, page) = api.get(&format!("{path}?page=2&per_page=1")).await;
        assert_eq!(status, 200, "{path}: {page}");
        assert_eq!((page["page"].as_i64(), page["per_page"].as_i64()), (Some(2), Some(1)), "{path}: {page}");
        assert!(page["items"].as_array().unwrap().len() <= 1 && page["total"].as_i64().is_some(), "{path}: {page}");
    }
}

#[tokio::test]
async fn units_import_from_a_spreadsheet_with_preview_and_row_errors() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let session = app.login("cchc").await;
    let imports_before = audit_actions(&app, AuditAction::UnitsImported).await;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().text("csrf", session.csrf.clone()).part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
        session.client.post(session.url("/admin/units/import")).multipart(form).send()
    };
    let header = ["Mã", "Tên", "Cấp", "Mã cấp trên", "Hiệu lực từ", "Hiệu lực đến", "Mã tiền thân"];
    let bad = xlsx(&header, &[["28901", "Xã Mới", "xã", "99", "01/07/2025", "", ""], ["28902", "Xã Sai", "thôn", "NOPE", "01/07/2025", "", ""]]);
    let response = upload("don-vi.xlsx", bad).await.unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("Có 1 dòng lỗi") && html.contains("Cấp đơn vị «thôn» không hợp lệ"), "{html}");
    assert!(app.store.public_unit_by_code("28901").await.is_err(), "nothing half-imported");

    let good = xlsx(&header, &[["28901", "Xã Mới", "xã", "99", "01/07/2025", "", "28030"]]);
    let response = upload("don-vi.xlsx", good).await.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("Xác nhận nhập 1 dòng"));
    assert!(app.store.public_unit_by_code("28901").await.is_err(), "a preview writes nothing");
    let rows = html.split("name=\"rows\" value=\"").nth(1).unwrap().split('"').next().unwrap().replace("&#34;", "\"").replace("&quot;", "\"");
    let response = session.post_form("/admin/units/import/apply", &[("rows", rows.as_str()), ("file_name", "don-vi.xlsx")]).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("Đã nhập xong"));
    assert!(app.store.public_unit_by_code("28901").await.is_ok());
    assert_eq!(audit_actions(&app, AuditAction::UnitsImported).await, imports_before + 1);

    let response = upload("notes.pdf", b"%PDF-1.4".to_vec()).await.unwrap();
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("Chỉ nhận tệp .csv hoặc .xlsx"));
    let forged = reqwest::multipart::Form::new().text("csrf", "forged").part("file", reqwest::multipart::Part::bytes(b"a".to_vec()).file_name("a.csv"));
    let response = session.client.post(session.url("/admin/units/import")).multipart(forged).send().await.unwrap();
    assert_eq!(response.status(), 403);
}

fn xlsx<const N: usize>(header: &[&str; N], rows: &[[&str; N]]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, title) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *title).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *value).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

#[tokio::test]
async fn operations_endpoints_openapi_and_security_headers() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let anonymous = app.client();
    assert_eq!(anonymous.text("/healthz").await, (200, "ok".into()));
    assert_eq!(anonymous.text("/readyz").await, (200, "ready".into()));
    let home = anonymous.get("/").await;
    let headers = home.headers().clone();
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // The public home page is revalidated by its tag; a sign-in form, with its token, never kept.
    assert_eq!(headers["cache-control"], "no-cache");
    assert!(headers.contains_key("etag"));
    assert!(home.text().await.unwrap().contains("Tỉnh An Lạc"));
    assert_eq!(anonymous.get("/login").await.headers()["cache-control"], "no-store");
    assert_eq!(anonymous.get("/metrics").await.status(), 404, "metrics are not public");
    let (status, doc) = anonymous.text("/api/openapi.json").await;
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    for path in ["/api/v1/units", "/api/v1/units/{id}", "/api/v1/units/{id}/lineage", "/api/v1/users", "/api/v1/users/{id}", "/api/v1/me", "/api/v1/audit"] {
        assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"]["ProblemDocument"].is_object());
    let (status, directory) = anonymous.text("/units?q=dong%20hoa").await;
    assert_eq!(status, 200);
    assert!(directory.contains("Xã Đông Hòa") && !directory.contains("Huyện Đông Hòa"), "only units in force today");
}
