//! The dashboards in headless Chromium: an official opens the overview, drills down to a unit
//! and opens the responses behind a number; a leader sees every unit, on a phone; a commune's
//! official sees only that commune.

use testkit::TestApp;
use testkit::browser::Browser;

fn shots() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn from_the_overview_to_the_responses_behind_a_number() {
    let Some(browser) = Browser::start(1280, 900).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_answers(600).await;
    browser.sign_in(&app.base, "cchc").await.unwrap();
    // The menu's areas open on a click (or focus, or hover) to show their entries.
    assert!(browser.click("nav a[href='/admin/sipas']").await.is_err(), "an area's entries wait until it is opened");
    browser.click("nav .group:has(a[href='/admin/sipas']) > button").await.unwrap();
    browser.screenshot(&shots().join("menu-desktop.png")).await.unwrap();
    browser.click("nav a[href='/admin/sipas']").await.unwrap();
    browser.wait_text("Xếp hạng sở, ban, ngành").await.unwrap();
    let first = browser.text_of("#ranking tbody tr:first-child td:nth-child(2) a").await.unwrap();
    browser.click("#ranking tbody tr:first-child td:nth-child(2) a").await.unwrap();
    browser.wait_text("Theo yếu tố và tiêu chí").await.unwrap();
    assert_eq!(browser.text_of("h1").await.unwrap(), first);
    browser.screenshot(&shots().join("sipas-unit.png")).await.unwrap();
    // The first criterion's figure opens the responses that answered it.
    let criterion = browser.text_of("#elements tbody tr:nth-child(2) td:first-child").await.unwrap();
    browser.click("#elements tbody tr:nth-child(2) td:nth-child(2) a").await.unwrap();
    browser.wait_text("Phiếu trả lời").await.unwrap();
    let total: i64 = browser.text_of("#behind-total").await.unwrap().parse().unwrap();
    assert!(total > 0, "responses behind {criterion}");
    let text = browser.page_text().await.unwrap();
    assert!(text.contains(&first) && text.contains("Việc xem phiếu được ghi vào nhật ký"), "{text}");
}

#[tokio::test]
async fn a_leader_sees_every_unit_and_a_commune_only_its_own() {
    let Some(browser) = Browser::start(360, 640).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_answers(600).await;
    browser.sign_in(&app.base, "lanhdao").await.unwrap();
    // On a phone the menu folds behind one button; opened, it shows every area's entries.
    assert!(browser.click("nav a[href='/admin/alerts']").await.is_err(), "the menu is folded on a phone");
    browser.click("label.nav-button").await.unwrap();
    browser.screenshot(&shots().join("menu-phone.png")).await.unwrap();
    browser.click("nav a[href='/admin/alerts']").await.unwrap();
    browser.wait_text("Thống kê theo đơn vị").await.unwrap();
    browser.goto(&format!("{}/admin/sipas?level=commune", app.base)).await.unwrap();
    browser.wait_text("Xếp hạng cấp xã").await.unwrap();
    let text = browser.page_text().await.unwrap();
    for commune in ["Phường An Lạc", "Phường Đông Thành", "Xã An Bình", "Xã Lạc Thủy"] {
        assert!(text.contains(commune), "the leader sees {commune}");
    }
    browser.screenshot(&shots().join("sipas-leader-phone.png")).await.unwrap();
    // The leader reads figures, not raw responses.
    browser.goto(&format!("{}/admin/sipas/responses", app.base)).await.unwrap();
    browser.wait_text("không có quyền").await.unwrap();
    // The refusal keeps the leader's frame: who is signed in, and the menu.
    let text = browser.page_text().await.unwrap();
    assert!(text.contains("đang đăng nhập với tài khoản Lê Văn Thành") && text.contains("Đăng xuất"), "{text}");

    browser.goto(&format!("{}/admin", app.base)).await.unwrap();
    browser.click("form[action='/logout'] button").await.unwrap();
    // The click returns before the signed-out page has loaded; wait for it.
    browser.wait_text("Đăng nhập").await.unwrap();
    browser.sign_in(&app.base, "anlac.canbo").await.unwrap();
    // A commune's ranking opens among the communes.
    browser.goto(&format!("{}/admin/sipas", app.base)).await.unwrap();
    browser.wait_text("Xếp hạng cấp xã").await.unwrap();
    let text = browser.page_text().await.unwrap();
    assert!(text.contains("Phường An Lạc"));
    for other in ["Phường Đông Thành", "Xã An Bình", "Sở Tư pháp", "Tỉnh An Lạc"] {
        assert!(!text.contains(other), "a commune official must not see {other}: {text}");
    }
}
