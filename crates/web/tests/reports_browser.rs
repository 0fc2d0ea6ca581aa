//! The reform office in headless Chromium: on the reports page it writes its introduction,
//! then downloads the annual SIPAS report and the decision announcing the results, and reads
//! them back (pdftotext). The page passes axe-core's WCAG 2.1 AA rules.

use testkit::TestApp;
use testkit::browser::Browser;
use testkit::documents::{pdf_text, poppler};

#[tokio::test]
async fn the_reform_office_downloads_the_annual_report_and_the_decision() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_answers(300).await;
    app.demo_par().await;
    let Some(browser) = Browser::start(1280, 900).await.unwrap() else { return };
    browser.sign_in(&app.base, "cchc").await.unwrap();

    browser.goto(&format!("{}/admin", app.base)).await.unwrap();
    let listed = browser.execute("return document.querySelector(\"nav a[href='/admin/bao-cao']\") !== null;", vec![]).await.unwrap();
    assert_eq!(listed, true, "the menu leads to the reports");
    browser.goto(&format!("{}/admin/bao-cao", app.base)).await.unwrap();
    browser.wait_text("Lời văn của báo cáo").await.unwrap();
    let problems = browser.accessibility_problems().await.unwrap();
    assert!(problems.is_empty(), "WCAG 2.1 AA problems:\n{}", problems.join("\n"));

    // The office's words for the 2026 report, saved as a version.
    browser.goto(&format!("{}/admin/bao-cao?loai=sipas-nam&nam=2026#loi-van", app.base)).await.unwrap();
    browser.fill("#introduction", "Năm 2026, Ủy ban nhân dân tỉnh tổ chức khảo sát trên toàn tỉnh.").await.unwrap();
    browser.fill("#signer", "Lê Văn Thành").await.unwrap();
    browser.click("form[action='/admin/bao-cao/loi-van'] button[type=submit]").await.unwrap();
    browser.wait_text("Đã lưu phiên bản 1 của lời văn.").await.unwrap();

    // The annual report as PDF.
    browser.select("#sipas-year", "2026").await.unwrap();
    browser.click("#form-sipas-nam button[value=pdf]").await.unwrap();
    let (name, pdf) = browser.downloaded(".pdf").await.unwrap();
    assert_eq!(name, "sipas-nam-2026.pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    if poppler() {
        let text = pdf_text(&pdf);
        assert!(text.contains("BÁO CÁO") && text.contains("khảo sát trên toàn tỉnh") && text.contains("Lê Văn Thành"), "{text}");
    }

    // The decision of 2025, as DOCX to edit before signing and as PDF.
    browser.select("#decision-year", "2025").await.unwrap();
    browser.click("#form-quyet-dinh button[value=docx]").await.unwrap();
    let (name, docx) = browser.downloaded(".docx").await.unwrap();
    assert_eq!(name, "quyet-dinh-2025.docx");
    assert!(testkit::documents::docx_xml(&docx).contains("QUYẾT ĐỊNH"));
    browser.click("#form-quyet-dinh button[value=pdf]").await.unwrap();
    let (_, pdf) = browser.downloaded(".pdf").await.unwrap();
    if poppler() {
        let text = pdf_text(&pdf);
        assert!(text.contains("QUYẾT ĐỊNH") && text.contains("Phụ lục I") && text.contains("Phường An Lạc"), "{text}");
    }
    browser.quit().await.unwrap();
}
