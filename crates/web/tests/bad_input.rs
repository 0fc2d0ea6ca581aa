//! Bad input of every kind gets a clear Vietnamese answer with the right 4xx status, and
//! nothing is written. Runs on SQLite and PostgreSQL.

use domain::auth::{Access, Grant, Role};
use storage::Paging;
use storage::audit::Filter;
use storage::units::UnitFilter;
use testkit::TestApp;

/// Units and audit entries: what a refused request must leave untouched.
async fn footprint(app: &TestApp) -> (i64, i64) {
    let province = app.unit_id("99").await;
    let admin = Access::new(vec![Grant { role: Role::SystemAdmin, unit: province }]);
    let units = app.store.units(&[province], &UnitFilter::default(), Paging::new(1, 1)).await.unwrap().total;
    let audit = app.store.audit_log(&admin, &Filter::default(), Paging::new(1, 1)).await.unwrap().total;
    (units, audit)
}

async fn problem(response: reqwest::Response) -> (u16, String, serde_json::Value) {
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, content_type, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn api_rejects_bad_requests_with_problem_documents_and_writes_nothing() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let (token, hash) = web::new_api_token();
        let cchc = app.store.user_id_by_name("cchc").await.unwrap();
        app.store.create_api_token(&storage::Actor::system("test", 0), cchc, "test", &hash, None, &Default::default()).await.unwrap();
        let http = reqwest::Client::new();
        let url = |path: &str| format!("{}{path}", app.base);
        let post = |body: String, content_type: &'static str| {
            http.post(url("/api/v1/units")).bearer_auth(&token).header("content-type", content_type).body(body).send()
        };
        let session = app.login("cchc").await;
        let before = footprint(&app).await;

        let (status, content_type, doc) = problem(post("{\"code\": ".into(), "application/json").await.unwrap()).await;
        assert_eq!((status, content_type.as_str()), (400, "application/problem+json"), "malformed JSON on {backend}");
        assert_eq!(doc["status"], 400);
        assert!(doc["detail"].as_str().unwrap().contains("JSON không đúng cú pháp"), "{doc}");

        let (status, _, doc) = problem(post("{\"code\": 5, \"name\": []}".into(), "application/json").await.unwrap()).await;
        assert_eq!(status, 422, "wrong types: {doc}");

        let (status, _, _) = problem(post("code=1".into(), "application/x-www-form-urlencoded").await.unwrap()).await;
        assert_eq!(status, 415);

        let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
        let (status, _, doc) = problem(post(huge, "application/json").await.unwrap()).await;
        assert_eq!(status, 413, "oversize body: {doc}");
        assert!(doc["detail"].as_str().unwrap().contains("vượt quá dung lượng"));

        let unit = |code: &str, parent: &str, from: &str| {
            serde_json::json!({ "code": code, "name": "Xã Thử", "level": "xã", "parent_code": parent, "valid_from": from }).to_string()
        };
        let (status, _, doc) = problem(post(unit("29001", "NOPE", "01/07/2025"), "application/json").await.unwrap()).await;
        assert_eq!(status, 422);
        assert_eq!(doc["errors"][0]["field"], "parent_code");
        assert!(doc["detail"].as_str().unwrap().contains("Không tìm thấy đơn vị cấp trên có mã «NOPE»"));

        let (status, _, doc) = problem(post(unit("28101", "99", "01/07/2025"), "application/json").await.unwrap()).await;
        assert_eq!(status, 409, "duplicate code: {doc}");
        assert!(doc["detail"].as_str().unwrap().contains("28101"));

        let (status, _, doc) = problem(post(unit("bad code!", "99", "31/02/2025"), "application/json").await.unwrap()).await;
        assert_eq!(status, 422);
        assert_eq!(doc["errors"].as_array().unwrap().len(), 2, "{doc}");

        let (status, _, doc) = problem(http.get(url("/api/v1/units/999999")).bearer_auth(&token).send().await.unwrap()).await;
        assert_eq!((status, doc["type"].as_str()), (404, Some("/problems/not-found")));

        let (status, _, _) = problem(http.get(url("/api/v1/units")).bearer_auth("td_forged").send().await.unwrap()).await;
        assert_eq!(status, 401);
        let (status, _, _) = problem(http.get(url("/api/v1/nothing-here")).send().await.unwrap()).await;
        assert_eq!(status, 404);

        // A browser session must send the CSRF token for API writes.
        let response = session
            .client
            .post(session.url("/api/v1/units"))
            .header("content-type", "application/json")
            .body(unit("29002", "99", "01/07/2025"))
            .send()
            .await
            .unwrap();
        let (status, _, doc) = problem(response).await;
        assert_eq!(status, 403, "{doc}");
        assert_eq!(doc["type"], "/problems/csrf");

        assert_eq!(footprint(&app).await, before, "nothing written on {backend}");

        let response = session
            .client
            .post(session.url("/api/v1/units"))
            .header("content-type", "application/json")
            .header("x-csrf-token", &session.csrf)
            .body(unit("29003", "99", "01/07/2025"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "with the token it is accepted");
    }
}

#[tokio::test]
async fn pages_reject_bad_forms_in_vietnamese_and_write_nothing() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let session = app.login("cchc").await;
        let before = footprint(&app).await;

        let response = session
            .post_form("/admin/units", &[("code", "29001"), ("name", "Xã Thử"), ("level", "xã"), ("parent_code", "NOPE"), ("valid_from", "01/07/2025")])
            .await;
        assert_eq!(response.status(), 422, "{backend}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Chưa lưu được") && html.contains("Không tìm thấy đơn vị cấp trên có mã «NOPE»"), "{html}");
        assert!(html.contains("value=\"29001\""), "what was typed is kept");

        let response = session
            .post_form("/admin/units", &[("code", "28101"), ("name", "Trùng"), ("level", "xã"), ("parent_code", "99"), ("valid_from", "01/07/2025")])
            .await;
        assert_eq!(response.status(), 409);
        assert!(response.text().await.unwrap().contains("Mã đơn vị «28101» đã được dùng"));

        let response = session
            .post_raw_form(
                "/admin/units",
                &[("csrf", "forged"), ("code", "29002"), ("name", "Xã"), ("level", "xã"), ("parent_code", "99"), ("valid_from", "01/07/2025")],
            )
            .await;
        assert_eq!(response.status(), 403);
        assert!(response.text().await.unwrap().contains("Biểu mẫu đã hết hạn hoặc không được gửi từ trang của hệ thống"));

        let response = session.post_raw_form("/admin/units", &[("code", "29002")]).await;
        assert_eq!(response.status(), 403, "a missing token is refused too");

        let someone = app.store.user_id_by_name("nhaplieu").await.unwrap();
        let response = session.post_form(&format!("/admin/users/{someone}/status"), &[("enabled", "yes")]).await;
        assert_eq!(response.status(), 400, "malformed form");
        assert!(response.text().await.unwrap().contains("Yêu cầu không đúng định dạng"));

        let response = session
            .client
            .post(session.url("/admin/units"))
            .header("content-type", "application/json")
            .body(format!("{{\"csrf\": \"{}\"}}", session.csrf))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415, "a form endpoint takes forms");

        let big = "x".repeat(2 * 1024 * 1024);
        let response = session.post_form("/admin/units", &[("name", big.as_str())]).await;
        assert_eq!(response.status(), 413);

        let response =
            session.post_form("/admin/users", &[("username", "ab"), ("full_name", ""), ("unit_code", "NOPE"), ("role", "king"), ("password", "short")]).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        for message in [
            "Tên đăng nhập gồm 3–64 ký tự",
            "Họ và tên không được để trống",
            "Mật khẩu phải có ít nhất 10 ký tự",
            "Hãy chọn vai trò",
            "Không tìm thấy đơn vị có mã «NOPE»",
        ] {
            assert!(html.contains(message), "missing «{message}»");
        }
        let response = session
            .post_form(
                "/admin/users",
                &[("username", "cchc"), ("full_name", "Trùng Tên"), ("unit_code", "SNV"), ("role", "unit_official"), ("password", "ThuocDo@2027")],
            )
            .await;
        assert_eq!(response.status(), 409);
        assert!(response.text().await.unwrap().contains("Tên đăng nhập «cchc» đã có người dùng"));

        let (status, html) = session.text("/admin/units/999999").await;
        assert_eq!(status, 404);
        assert!(html.contains("Không tìm thấy"));
        let (status, _) = session.text("/admin/units?on=32/13/2025").await;
        assert_eq!(status, 422);

        assert_eq!(footprint(&app).await, before, "nothing written on {backend}");
    }
}

#[tokio::test]
async fn an_expired_session_sends_the_browser_to_login_and_the_api_gets_401() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let session = app.login("cchc").await;
    assert_eq!(session.get("/admin/units").await.status(), 200);
    app.clock.advance_ms(31 * 60_000);
    let response = session.get("/admin/units?level=commune").await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, "/login?next=%2Fadmin%2Funits%3Flevel%3Dcommune&expired=1");
    let (_, html) = session.text(&location).await;
    assert!(html.contains("Phiên làm việc đã hết hạn"));
    let response = session.get("/api/v1/me").await;
    assert_eq!(response.status(), 401);
    let before = footprint(&app).await;
    let response =
        session.post_form("/admin/units", &[("code", "29009"), ("name", "Xã"), ("level", "xã"), ("parent_code", "99"), ("valid_from", "01/07/2025")]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(footprint(&app).await, before);
}
