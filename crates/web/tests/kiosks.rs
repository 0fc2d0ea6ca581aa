//! The rating kiosk at a one-stop counter, on SQLite and PostgreSQL: set up by the counter's
//! official, a rating only when invited, attributed to the official on duty, never too close
//! together, never by the official rating themself; then in headless Chromium on a tablet, the
//! screen waits, shows the form once invited, thanks, and goes back to waiting by itself.

use storage::responses::BehindFilter;
use testkit::browser::Browser;
use testkit::{Session, TestApp, csrf_in, page_fields};

/// Sends a full rating from the tablet; the status and page. The form token comes from the kiosk's
/// form, or, while the kiosk waits, from the public answer page (a forged post would have one).
async fn rate(tablet: &Session, path: &str) -> (u16, String) {
    let (_, html) = tablet.text(path).await;
    let token = match csrf_in(&html) {
        Some(token) => token,
        None => csrf_in(&tablet.text("/s/sipas").await.1).unwrap(),
    };
    let mut fields = vec![("csrf".to_string(), token)];
    fields.extend(page_fields("5"));
    let response = tablet.client.post(tablet.url(path)).form(&fields).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn ratings_about(app: &TestApp, staff: &str) -> i64 {
    let office = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit: app.unit_id("99").await }]);
    let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap();
    let filter = BehindFilter { version_id: survey.version_id, staff: Some(staff.into()), channel: Some("kiosk".into()), ..Default::default() };
    app.store.responses_behind(&storage::Actor::system("test", app.clock.now_ms()), &office, &filter, storage::Paging::ALL).await.unwrap().total
}

#[tokio::test]
async fn a_kiosk_rates_when_invited_for_the_official_on_duty_and_refuses_abuse() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let official = app.login("motcua.anlac").await;
        let (id, path) = app.set_up_kiosk(&official).await;
        let tablet = app.client();

        let (status, waiting) = tablet.text(&path).await;
        assert!(status == 200 && waiting.contains("Mời anh/chị đánh giá") && waiting.contains("http-equiv=\"refresh\""), "{backend}: {waiting}");
        let (status, refused) = rate(&tablet, &path).await;
        assert!(status == 409 && refused.contains("sau khi được công chức tiếp nhận"), "not invited: {status}");

        official.post_form(&format!("/admin/kiosks/{id}/duty"), &[]).await;
        let invited = official.post_form(&format!("/admin/kiosks/{id}/invite"), &[("ticket", "15")]).await.text().await.unwrap();
        assert!(invited.contains("Đã mời công dân đánh giá"), "{invited}");
        let (_, form) = tablet.text(&path).await;
        assert!(form.contains("class=\"kiosk\"") && form.contains("Phường An Lạc") && form.contains(&format!("action=\"{path}\"")), "{form}");
        let (status, _) = rate(&tablet, &path).await;
        assert_eq!(status, 303, "{backend}");
        let (_, thanks) = tablet.text(&format!("{path}/cam-on")).await;
        assert!(thanks.contains("Cảm ơn") && thanks.contains(&format!("url={path}")));
        assert_eq!(ratings_about(&app, "motcua.anlac").await, 1, "attributed to the official on duty on {backend}");
        // The commune's figures name the officer, not their login.
        let unit = app.unit_id("28101").await;
        let (_, figures) = app.login("anlac.canbo").await.text(&format!("/admin/sipas/units/{unit}")).await;
        assert!(figures.contains("<td>Ngô Thị Hương</td>") && !figures.contains(">motcua.anlac<"), "{backend}: {figures}");
        assert_eq!(rate(&tablet, &path).await.0, 409, "one rating per invitation");

        // Invited again at once: too soon after the last rating; a little later, taken.
        official.post_form(&format!("/admin/kiosks/{id}/invite"), &[("ticket", "16")]).await;
        let (status, refused) = rate(&tablet, &path).await;
        assert!(status == 409 && refused.contains("vui lòng chờ"), "{status}");
        app.clock.advance_ms(20_000);
        let official = app.login("motcua.anlac").await;
        official.post_form(&format!("/admin/kiosks/{id}/invite"), &[]).await;
        // The official on the tablet, signed in: a rating of themself is refused.
        let (_, own) = official.text(&path).await;
        assert!(own.contains("không được tự đánh giá"), "{own}");
        assert_eq!(rate(&official, &path).await.0, 409);
        assert_eq!(rate(&tablet, &path).await.0, 303);
        assert_eq!(ratings_about(&app, "motcua.anlac").await, 2, "{backend}");

        // Other units' officials do not see the kiosk; stopped, its address answers no more.
        assert_eq!(app.login("stp.canbo").await.get(&format!("/admin/kiosks/{id}")).await.status(), 404);
        official.post_form(&format!("/admin/kiosks/{id}/disable"), &[]).await;
        assert_eq!(tablet.get(&path).await.status(), 404);
    }
}

#[tokio::test]
async fn the_tablet_waits_shows_the_form_when_invited_and_resets_itself() {
    let Some(browser) = Browser::start(800, 1280).await.unwrap() else { return };
    let config = web::Config { kiosk_reset_seconds: 2, ..web::Config::default() };
    let app = TestApp::spawn_with(testkit::sqlite(), config).await;
    let official = app.login("motcua.anlac").await;
    let (id, path) = app.set_up_kiosk(&official).await;
    official.post_form(&format!("/admin/kiosks/{id}/duty"), &[]).await;

    browser.goto(&format!("{}{path}", app.base)).await.unwrap();
    browser.wait_text("Mời anh/chị đánh giá").await.unwrap();
    // The official invites; the waiting screen, reloading itself, turns into the form.
    official.post_form(&format!("/admin/kiosks/{id}/invite"), &[("ticket", "7")]).await;
    browser.wait_text("Đơn vị được đánh giá: Phường An Lạc").await.unwrap();
    browser.answer_with_keyboard().await.unwrap();
    browser.wait_text("Đánh giá của anh/chị đã được ghi nhận").await.unwrap();
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();
    browser.screenshot(&shots.join("kiosk-thanks.png")).await.unwrap();
    // Nobody touches it: back to waiting for the next citizen.
    browser.wait_text("Mời anh/chị đánh giá sự phục vụ").await.unwrap();
    assert!(browser.current_url().await.unwrap().ends_with(&path));
    assert_eq!(ratings_about(&app, "motcua.anlac").await, 1);
    browser.quit().await.unwrap();
}
