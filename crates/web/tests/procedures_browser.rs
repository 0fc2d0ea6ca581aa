//! The procedure question in headless Chromium: the reform office replaces a commune's catalogue
//! from a national export (a bad file is refused whole, each bad line named); a citizen on a
//! phone types a procedure's name without accents and gets it stored by its code, or types one
//! the catalogue lacks and gets it stored as typed; links and receipts fill the question in.

use domain::auth::{Access, Grant, Role};
use storage::responses::BehindFilter;
use testkit::TestApp;
use testkit::browser::Browser;

fn csv(path: &std::path::Path, lines: &[&str]) {
    std::fs::write(path, lines.join("\n")).unwrap();
}

/// The procedure answers stored for Phường An Lạc, oldest first.
async fn stored(app: &TestApp) -> Vec<String> {
    let province = app.unit_id("99").await;
    let access = Access::new(vec![Grant { role: Role::ReformOffice, unit: province }]);
    let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap();
    let filter = BehindFilter { version_id: survey.version_id, unit_id: Some(app.unit_id("28101").await), ..Default::default() };
    let actor = storage::Actor::system("test", app.clock.now_ms());
    let mut page = app.store.responses_behind(&actor, &access, &filter, storage::Paging::new(1, 100)).await.unwrap().items;
    page.sort_by_key(|r| r.id);
    page.iter().map(|r| serde_json::from_str::<serde_json::Value>(&r.answers).unwrap()["TTHC"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn a_citizen_types_a_procedure_and_the_catalogue_comes_from_the_national_list() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let Some(browser) = Browser::start(390, 844).await.unwrap() else { return };
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();
    let an_lac = app.unit_id("28101").await;

    // The office: a file with a bad line is refused whole; a good one replaces the catalogue.
    browser.sign_in(&app.base, "cchc").await.unwrap();
    browser.goto(&format!("{}/admin/units/{an_lac}/procedures", app.base)).await.unwrap();
    browser.wait_text("Danh mục hiện có (6 thủ tục)").await.unwrap();
    let bad = shots.join("tthc-loi.csv");
    csv(&bad, &["Mã TTHC,Tên TTHC,Lĩnh vực", "1.001193,Đăng ký khai sinh,Hộ tịch", ",Thiếu mã,Hộ tịch"]);
    browser.fill("#file", bad.to_str().unwrap()).await.unwrap();
    browser.click("main form button[type=submit]").await.unwrap();
    let text = browser.wait_text("chưa nhập dòng nào").await.unwrap();
    assert!(text.contains("Dòng 3: Mã thủ tục «» không hợp lệ") && text.contains("Danh mục hiện có (6 thủ tục)"), "{text}");
    let good = shots.join("tthc.csv");
    csv(&good, &["Mã TTHC,Tên TTHC,Lĩnh vực", "1.001193,Đăng ký khai sinh,Hộ tịch", "1.004222,Đăng ký thường trú,Đăng ký, quản lý cư trú"]);
    browser.fill("#file", good.to_str().unwrap()).await.unwrap();
    browser.click("main form button[type=submit]").await.unwrap();
    browser.wait_text("Đã nhập 2 thủ tục").await.unwrap();
    browser.click(".who form button").await.unwrap();
    browser.wait_text("Đăng nhập").await.unwrap();

    // A citizen types the name without accents, is offered the catalogue, and sends.
    browser.goto(&format!("{}/s/sipas?u=28101", app.base)).await.unwrap();
    browser.wait_text("Đơn vị được đánh giá: Phường An Lạc").await.unwrap();
    let offered = browser.execute("return [...document.querySelectorAll('datalist option')].map(o => o.value);", vec![]).await.unwrap();
    assert_eq!(offered, serde_json::json!(["Đăng ký khai sinh", "Đăng ký thường trú"]));
    browser.fill("#f-TTHC", "dang ky thuong tru").await.unwrap();
    browser.screenshot(&shots.join("procedure-typed.png")).await.unwrap();
    browser.answer_with_keyboard().await.unwrap();
    browser.wait_text("đã được ghi nhận").await.unwrap();
    // One the catalogue lacks is taken as typed.
    browser.goto(&format!("{}/s/sipas?u=28101", app.base)).await.unwrap();
    browser.fill("#f-TTHC", "Xin xác nhận tình trạng   hôn nhân").await.unwrap();
    browser.answer_with_keyboard().await.unwrap();
    browser.wait_text("đã được ghi nhận").await.unwrap();
    assert_eq!(stored(&app).await, ["1.004222", "Xin xác nhận tình trạng hôn nhân"]);

    // The link of the one-stop system names the procedure by its code; the form shows its name.
    browser.goto(&format!("{}/s/sipas?u=28101&tthc=1.001193", app.base)).await.unwrap();
    let value = browser.execute("return document.getElementById('f-TTHC').value;", vec![]).await.unwrap();
    assert_eq!(value, serde_json::json!("Đăng ký khai sinh"));
    browser.quit().await.unwrap();
}

#[tokio::test]
async fn a_receipts_qr_code_fills_in_the_unit_and_the_procedure() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_sample().await;
    let Some(browser) = Browser::start(390, 844).await.unwrap() else { return };
    let province = app.unit_id("99").await;
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: province }]);
    let filter = storage::sampling::FrameFilter::default();
    let entry = app.store.frame_entries(&office, &filter, storage::Paging::new(1, 1)).await.unwrap().items.remove(0);
    browser.goto(&format!("{}/s/sipas?hs={}", app.base, entry.dossier_code)).await.unwrap();
    let text = browser.wait_text("Đơn vị được đánh giá").await.unwrap();
    assert!(text.contains(&format!("Đơn vị được đánh giá: {}", entry.unit_name)), "{text}");
    let value = browser.execute("return document.getElementById('f-TTHC').value;", vec![]).await.unwrap();
    assert_eq!(value, serde_json::json!(entry.procedure));
    browser.quit().await.unwrap();
}
