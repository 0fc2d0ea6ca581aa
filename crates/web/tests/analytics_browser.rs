//! Text analytics in headless Chromium: the reform office opens the dashboard, picks a ward and
//! follows the number of its negative comments about delays to the comments themselves.

use testkit::TestApp;
use testkit::browser::Browser;

#[tokio::test]
async fn the_reform_office_opens_a_wards_negative_comments_about_delays() {
    let Some(browser) = Browser::start(1280, 900).await.unwrap() else { return };
    let app = TestApp::spawn_with(testkit::sqlite(), web::Config { alert_interval_ms: 200, ..web::Config::default() }).await;
    for comment in ["Hồ sơ trễ hẹn hai tuần mà không ai báo", "Cán bộ nhiệt tình, đúng hẹn", "Phòng chờ nóng bức"] {
        app.answer_with_comment("28101", "3", comment).await;
    }
    browser.sign_in(&app.base, "cchc").await.unwrap();
    // The job reads new comments every 200 ms; the dashboard shows them once read.
    let mut page = String::new();
    for _ in 0..50 {
        browser.goto(&format!("{}/admin/phan-tich-y-kien?don-vi=28101", app.base)).await.unwrap();
        page = browser.wait_text("Phân tích ý kiến người dân").await.unwrap();
        if page.contains("3 ý kiến") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(page.contains("3 ý kiến"), "{page}");
    browser.click("a[aria-label^='Ý kiến tiêu cực về Thời gian giải quyết']").await.unwrap();
    let page = browser.wait_text("Ý kiến người dân").await.unwrap();
    assert!(page.contains("Hồ sơ trễ hẹn hai tuần") && page.contains("Tiêu cực"), "{page}");
    assert!(!page.contains("Phòng chờ nóng bức") && !page.contains("đúng hẹn"), "{page}");
    let problems = browser.accessibility_problems().await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}
