//! The results database in headless Chromium: a citizen on a 360-pixel phone goes from the list
//! of indices to the PCI trend, reads the chart and the table without sideways scrolling, and
//! the pages pass axe-core's WCAG 2.1 AA rules and stay light.

use testkit::TestApp;
use testkit::browser::Browser;

#[tokio::test]
async fn a_citizen_reads_the_pci_trend_on_a_phone() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_par().await;
    app.demo_results().await;
    let Some(browser) = Browser::start(360, 740).await.unwrap() else { return };
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();

    browser.goto(&format!("{}/chi-so", app.base)).await.unwrap();
    browser.wait_text("Các chỉ số qua các năm").await.unwrap();
    browser.click("#indices a[href='/chi-so/pci']").await.unwrap();
    let text = browser.wait_text("Tỉnh trong cả nước").await.unwrap();
    assert!(text.contains("Chỉ số năng lực cạnh tranh cấp tỉnh"), "{text}");
    let chart = browser
        .execute(
            "const svg = document.querySelector('figure svg.chart'); const box = svg.getBoundingClientRect();
             return [box.width, box.height, svg.querySelectorAll('path.line').length, svg.getAttribute('aria-label')];",
            vec![],
        )
        .await
        .unwrap();
    assert!(chart[0].as_f64().unwrap() >= 300.0 && chart[1].as_f64().unwrap() >= 150.0, "the chart fills the phone's width: {chart}");
    assert_eq!(chart[2], 2, "the province and the national average: {chart}");
    assert!(chart[3].as_str().unwrap().contains("Cả nước: 2019: 64,50 điểm"), "{chart}");
    let first_row = browser.text_of("#national tbody tr").await.unwrap();
    assert!(first_row.contains("2024") && first_row.contains("68,52 điểm") && first_row.contains("12/63"), "newest first: {first_row}");
    let overflow = browser.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "no sideways scrolling on a 360 px phone: {overflow}");
    browser.screenshot(&shots.join("results-pci-phone.png")).await.unwrap();

    // Two communes side by side, picked in the year's table.
    browser.goto(&format!("{}/chi-so/par-index", app.base)).await.unwrap();
    browser.click("#units-table input[value='28101']").await.unwrap();
    browser.click("#units-table input[value='28102']").await.unwrap();
    browser.click("form[action='/chi-so/par-index/so-sanh'] button[type=submit]").await.unwrap();
    let text = browser.wait_text("So sánh PAR INDEX qua các năm").await.unwrap();
    assert!(text.contains("Phường An Lạc") && text.contains("Phường Đông Thành"), "{text}");

    let pages: Vec<String> = [
        "/chi-so",
        "/chi-so/pci",
        "/chi-so/papi",
        "/chi-so/par-index",
        "/chi-so/par-index/don-vi/28101",
        "/chi-so/par-index/so-sanh?don-vi=28101&don-vi=28102",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    let problems = browser.public_page_problems(&app.base, &pages).await.unwrap();
    assert!(problems.is_empty(), "on a phone:\n{}", problems.join("\n"));
    browser.quit().await.unwrap();
}
