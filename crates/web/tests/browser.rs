//! In headless Chromium, as a person would: the reform office logs in, creates a district,
//! imports its communes from an XLSX file, creates an official for it; that official logs in and
//! sees only the district's subtree.

use testkit::browser::Browser;
use testkit::{PASSWORD, TestApp};

fn xlsx(path: &std::path::Path) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let rows = [
        ["Mã", "Tên", "Cấp", "Mã cấp trên", "Hiệu lực từ", "Hiệu lực đến"],
        ["28501", "Xã Thử Một", "xã", "985", "01/01/2010", "30/06/2025"],
        ["28502", "Xã Thử Hai", "xã", "985", "01/01/2010", "30/06/2025"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    workbook.save(path).unwrap();
}

async fn submit(browser: &Browser) {
    browser.click("main form.stack button[type=submit]").await.unwrap();
}

async fn login(browser: &Browser, base: &str, username: &str, password: &str) {
    browser.goto(&format!("{base}/login")).await.unwrap();
    browser.fill("#username", username).await.unwrap();
    browser.fill("#password", password).await.unwrap();
    submit(browser).await;
}

#[tokio::test]
async fn reform_office_builds_a_subtree_and_its_official_sees_only_it() {
    let Some(browser) = Browser::start(1280, 900).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    let base = app.base.clone();
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();

    login(&browser, &base, "cchc", PASSWORD).await;
    browser.wait_text("Sở Nội vụ (phòng CCHC) — Tỉnh An Lạc").await.unwrap();

    browser.goto(&format!("{base}/admin/units/new")).await.unwrap();
    browser.fill("#code", "985").await.unwrap();
    browser.fill("#name", "Huyện Thử Nghiệm").await.unwrap();
    browser.select("#level", "district").await.unwrap();
    browser.select("#parent_code", "99").await.unwrap();
    browser.fill("#valid_from", "01/01/2010").await.unwrap();
    browser.fill("#valid_to", "30/06/2025").await.unwrap();
    submit(&browser).await;
    let text = browser.wait_text("Đã lưu đơn vị").await.unwrap();
    assert!(text.contains("Huyện Thử Nghiệm"), "{text}");

    let file = shots.join("xa-thu.xlsx");
    xlsx(&file);
    browser.goto(&format!("{base}/admin/units/import")).await.unwrap();
    browser.fill("#file", file.to_str().unwrap()).await.unwrap();
    submit(&browser).await;
    browser.wait_text("2 dòng hợp lệ").await.unwrap();
    browser.screenshot(&shots.join("import-preview.png")).await.unwrap();
    browser.click("main form[action='/admin/units/import/apply'] button").await.unwrap();
    browser.wait_text("Đã nhập xong").await.unwrap();

    browser.goto(&format!("{base}/admin/users/new")).await.unwrap();
    browser.fill("#username", "huyen985.canbo").await.unwrap();
    browser.fill("#full_name", "Trịnh Văn Thử").await.unwrap();
    browser.select("#unit_code", "985").await.unwrap();
    browser.select("#role", "unit_official").await.unwrap();
    browser.fill("#password", "Huyen-985-Moi").await.unwrap();
    submit(&browser).await;
    let text = browser.wait_text("Đã tạo tài khoản").await.unwrap();
    assert!(text.contains("Cán bộ phụ trách CCHC của đơn vị"), "{text}");

    browser.click(".who form button").await.unwrap();
    browser.wait_text("Đăng nhập").await.unwrap();
    login(&browser, &base, "huyen985.canbo", "Huyen-985-Moi").await;
    browser.wait_text("Trịnh Văn Thử").await.unwrap();
    browser.goto(&format!("{base}/admin/units")).await.unwrap();
    let text = browser.wait_text("đơn vị.").await.unwrap();
    browser.screenshot(&shots.join("official-units.png")).await.unwrap();
    assert!(text.contains("3 đơn vị"), "{text}");
    for name in ["Huyện Thử Nghiệm", "Xã Thử Một", "Xã Thử Hai"] {
        assert!(text.contains(name), "{name} missing: {text}");
    }
    // The province appears only as the parent of the district (its name is public), never as a row.
    let rows = browser.text_of("main table tbody").await.unwrap();
    assert_eq!(rows.lines().count(), 3, "{rows}");
    for name in ["Sở Tư pháp", "Phường An Lạc", "Cấp tỉnh"] {
        assert!(!rows.contains(name), "{name} must not be visible: {rows}");
    }
    let stp = app.unit_id("STP").await;
    browser.goto(&format!("{base}/admin/units/{stp}")).await.unwrap();
    browser.wait_text("Không tìm thấy").await.unwrap();
    browser.goto(&format!("{base}/admin/users")).await.unwrap();
    browser.wait_text("Không có quyền").await.unwrap();
    browser.quit().await.unwrap();
}
