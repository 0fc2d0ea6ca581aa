//! The widget for agency portals: its frame policy, its loader's cross-origin headers, answers
//! taken without any cookie (on SQLite and PostgreSQL), and, in headless Chromium with
//! third-party cookies blocked, a portal on another site embedding it and a visitor answering.

use axum::response::Html;
use serde_json::Value;
use testkit::browser::Browser;
use testkit::{TestApp, csrf_in, page_fields};

async fn widget_answers(app: &TestApp) -> i64 {
    let cchc = app.login("cchc").await;
    let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id;
    let results: Value = cchc.get(&format!("/api/v1/surveys/{survey}/results")).await.json().await.unwrap();
    let channels = results["by_channel"].as_array().cloned().unwrap_or_default();
    channels.iter().find(|c| c[0] == "widget").and_then(|c| c[1].as_i64()).unwrap_or(0)
}

#[tokio::test]
async fn the_widget_frames_only_for_allowed_portals_and_needs_no_cookie() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        // A client that keeps no cookies, as a browser blocking third-party cookies in a frame.
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = http.get(format!("{}/w/sipas?u=28101", app.base)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
        assert!(csp.contains("frame-ancestors 'self' https://*.gov.vn"), "{csp}");
        assert!(page.headers().get("x-frame-options").is_none() && page.headers().get("set-cookie").is_none());
        let html = page.text().await.unwrap();
        assert!(html.contains("/static/widget.js") && !html.contains("Đăng nhập") && html.contains("Phường An Lạc"), "a bare frame");

        let mut fields = vec![("csrf".to_string(), csrf_in(&html).unwrap()), ("unit".to_string(), "28101".to_string())];
        fields.extend(page_fields("4"));
        let sent = http.post(format!("{}/w/sipas", app.base)).form(&fields).send().await.unwrap();
        assert_eq!((sent.status().as_u16(), sent.headers()["location"].to_str().unwrap()), (303, "/w/sipas/cam-on"), "{backend}");
        fields[0].1 = format!("{}.{}", app.clock.now_ms(), "00".repeat(32));
        assert_eq!(http.post(format!("{}/w/sipas", app.base)).form(&fields).send().await.unwrap().status(), 403, "a forged form token");
        assert_eq!(widget_answers(&app).await, 1, "{backend}");

        // Everything else stays out of frames; the loader may be fetched from anywhere.
        let admin = http.get(format!("{}/login", app.base)).send().await.unwrap();
        assert!(admin.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        assert_eq!(admin.headers()["x-frame-options"], "DENY");
        let loader = http.get(format!("{}/static/embed.js", app.base)).send().await.unwrap();
        assert_eq!(
            (loader.headers()["access-control-allow-origin"].to_str().unwrap(), loader.headers()["cross-origin-resource-policy"].to_str().unwrap()),
            ("*", "cross-origin")
        );

        let (_, snippets) = app
            .login("anlac.canbo")
            .await
            .text(&format!("/admin/surveys/{}/widget?u=28101", app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id))
            .await;
        assert!(snippets.contains("data-survey=&#34;sipas&#34;") && snippets.contains("data-unit=&#34;28101&#34;"), "{snippets}");
    }
}

#[tokio::test]
async fn a_portal_on_another_site_embeds_the_widget_and_a_visitor_answers() {
    let Some(browser) = Browser::start(1024, 900).await.unwrap() else { return };
    let config = web::Config { widget_origins: "http://localhost:*".into(), ..web::Config::default() };
    let app = TestApp::spawn_with(testkit::sqlite(), config).await;
    // The portal: another site (localhost, not 127.0.0.1) with the snippet in its page.
    let portal = format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Cổng thông tin Phường An Lạc</title></head><body>\
         <h1>Cổng thông tin Phường An Lạc</h1>\
         <script src=\"{}/static/embed.js\" data-survey=\"sipas\" data-unit=\"28101\" async></script></body></html>",
        app.base
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let site = axum::Router::new().route("/", axum::routing::get(move || async move { Html(portal) }));
        let _ = axum::serve(listener, site).await;
    });
    browser.goto(&format!("http://localhost:{port}/")).await.unwrap();
    browser.wait_text("Cổng thông tin Phường An Lạc").await.unwrap();
    for _ in 0..100 {
        if browser.find("iframe").await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser.enter_frame("iframe").await.unwrap();
    browser.wait_text("Đơn vị được đánh giá: Phường An Lạc").await.unwrap();
    browser.answer_with_keyboard().await.unwrap();
    browser.wait_text("đã được ghi nhận").await.unwrap();
    browser.leave_frame().await.unwrap();
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();
    browser.screenshot(&shots.join("widget-answered.png")).await.unwrap();
    assert_eq!(widget_answers(&app).await, 1);
    browser.quit().await.unwrap();
}
