//! A respondent fills the SIPAS form on a 360×640 phone with the keyboard only (Tab to move,
//! Space to choose, Enter to send), and the official sees the live results go up; then the same
//! with JavaScript switched off.

use testkit::TestApp;
use testkit::browser::Browser;

async fn responses_seen_by_official(browser: &Browser, base: &str, survey_id: i64) -> String {
    browser.goto(&format!("{base}/admin/surveys/{survey_id}")).await.unwrap();
    browser.text_of("#responses").await.unwrap()
}

async fn run(javascript: bool) {
    let browser = if javascript { Browser::start(360, 640).await } else { Browser::start_without_javascript(360, 640).await };
    let Some(browser) = browser.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    let base = app.base.clone();
    let survey_id = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id;

    browser.sign_in(&base, "anlac.canbo").await.unwrap();
    assert_eq!(responses_seen_by_official(&browser, &base, survey_id).await, "0");

    // The respondent: same browser, the survey link of the commune (the official's session
    // cookie does not matter to the public page).
    browser.goto(&format!("{base}/s/sipas?u=28101")).await.unwrap();
    browser.wait_text("Đơn vị được đánh giá: Phường An Lạc").await.unwrap();
    browser.answer_with_keyboard().await.unwrap();
    browser.wait_text("đã được ghi nhận").await.unwrap();

    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();
    assert_eq!(responses_seen_by_official(&browser, &base, survey_id).await, "1", "javascript: {javascript}");
    let text = browser.page_text().await.unwrap();
    assert!(text.contains("Phường An Lạc") && text.contains("Đường dẫn, mã QR"), "{text}");
    browser.screenshot(&shots.join(format!("results-js-{javascript}.png"))).await.unwrap();
}

#[tokio::test]
async fn a_respondent_answers_with_the_keyboard_on_a_phone() {
    run(true).await;
}

#[tokio::test]
async fn the_same_without_javascript() {
    run(false).await;
}
