//! A respondent fills the SIPAS form on a 360×640 phone with the keyboard only (Tab to move,
//! Space to choose, Enter to send), and the official sees the live results go up; then the same
//! with JavaScript switched off. The short form of the counters goes in by keyboard in under a
//! minute, and fits about one phone screen.

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

#[tokio::test]
async fn the_short_form_goes_in_under_a_minute_by_keyboard() {
    let Some(browser) = Browser::start(390, 844).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    browser.goto(&format!("{}/s/danh-gia?u=28101&tthc=1.001193", app.base)).await.unwrap();
    browser.wait_text("Đơn vị được đánh giá: Phường An Lạc").await.unwrap();
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();
    browser.screenshot(&shots.join("short-form-phone.png")).await.unwrap();
    // About one phone screen: the whole form, heading to button, within 1.15 of a screen (the
    // rating and four criteria with the comment box). The four criteria share a scale: its labels
    // are written once, over the first row, and the rows under it keep them for screen readers.
    let height = browser.execute("return document.querySelector('main').scrollHeight;", vec![]).await.unwrap().as_f64().unwrap();
    let label_widths = "return ['TC_HL', 'TT_HL', 'KQ_HL'].map(q => document.querySelector(`#q-${q} label span`).getBoundingClientRect().width);";
    let widths = browser.execute(label_widths, vec![]).await.unwrap();
    let widths: Vec<f64> = serde_json::from_value(widths).unwrap();
    assert!(widths[0] > 20.0 && widths[1] <= 1.0 && widths[2] <= 1.0, "label widths {widths:?}");
    let spoken = "return document.querySelector('#q-KQ_HL label').textContent.trim();";
    assert_eq!(browser.execute(spoken, vec![]).await.unwrap(), serde_json::json!("Rất không hài lòng"));
    // The reasons are asked only of the dissatisfied: hidden until "Không hài lòng" is chosen.
    let hidden = "return document.getElementById('q-LY_DO').hidden;";
    assert_eq!(browser.execute(hidden, vec![]).await.unwrap(), serde_json::json!(true));
    browser.click("input[name='a.DG'][value='1']").await.unwrap();
    assert_eq!(browser.execute(hidden, vec![]).await.unwrap(), serde_json::json!(false));
    browser.click("input[name='a.DG'][value='3']").await.unwrap();
    assert_eq!(browser.execute(hidden, vec![]).await.unwrap(), serde_json::json!(true));
    browser.execute("document.activeElement.blur(); window.scrollTo(0, 0);", vec![]).await.unwrap();
    assert!(height <= 1.15 * 844.0, "the short form is {height}px tall");
    // At a key a second, well under a minute: a few Tabs and Spaces, then Enter.
    let keys = browser.answer_with_keyboard().await.unwrap();
    browser.wait_text("đã được ghi nhận").await.unwrap();
    assert!(keys < 40, "{keys} keys");
    let survey = app.store.survey_by_code("danh-gia", app.clock.now_ms()).await.unwrap();
    let province = app.unit_id("99").await;
    let access = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit: province }]);
    let filter = storage::responses::BehindFilter { version_id: survey.version_id, ..Default::default() };
    let actor = storage::Actor::system("test", app.clock.now_ms());
    let stored = app.store.responses_behind(&actor, &access, &filter, storage::Paging::new(1, 10)).await.unwrap().items;
    assert_eq!(stored.len(), 1);
    let answers: serde_json::Value = serde_json::from_str(&stored[0].answers).unwrap();
    assert_eq!((answers["DG"].as_str(), answers["TTHC"].as_str()), (Some("3"), Some("1.001193")), "{answers}");
    browser.quit().await.unwrap();
}

#[tokio::test]
async fn a_citizen_on_a_small_phone_finds_the_ward_without_accents_and_answers() {
    let Some(browser) = Browser::start(360, 740).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    browser.goto(&app.base).await.unwrap();
    browser.fill("#find-q", "phuong an lac").await.unwrap();
    browser.click("form[action='/danh-gia'] button").await.unwrap();
    browser.wait_text("1 cơ quan, đơn vị").await.unwrap();
    browser.click("#found a[href='/don-vi/28101']").await.unwrap();
    browser.wait_text("Hình thành từ").await.unwrap();
    let overflow = browser.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(0) <= 0, "the ward's page is wider than the phone by {overflow}px");
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();
    browser.screenshot(&shots.join("ward-page-phone.png")).await.unwrap();
    browser.click("#open-surveys a[href^='/s/danh-gia?']").await.unwrap();
    browser.wait_text("Đơn vị được đánh giá: Phường An Lạc").await.unwrap();
    browser.answer_with_keyboard().await.unwrap();
    browser.wait_text("đã được ghi nhận").await.unwrap();
    browser.quit().await.unwrap();
}
