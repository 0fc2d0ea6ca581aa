//! Consultation in headless Chromium: a citizen on a 360-pixel phone, without JavaScript,
//! comments on Điều 3 of a draft; the drafting unit's official publishes it and answers it; when
//! the period is over the unit publishes the report, and the report the citizen downloads lists
//! the comment with its answer. The public pages pass WCAG 2.1 AA and stay light.

use domain::auth::{Access, Grant, Role};
use domain::consultation::{Audience, Moderation, Rules, Settings, Subject};
use testkit::TestApp;
use testkit::browser::Browser;

const DAY: i64 = 86_400_000;

/// The Department of Justice's draft, open from now for three weeks, moderated before
/// publication.
async fn open_draft(app: &TestApp) -> i64 {
    let justice = app.unit_id("STP").await;
    let official = Access::new(vec![Grant { role: Role::UnitOfficial, unit: justice }]);
    let actor = storage::Actor::system("stp.canbo", app.clock.now_ms());
    let settings = Settings {
        title: "Dự thảo Quy chế tiếp nhận, xử lý phản ánh, kiến nghị".into(),
        summary: "Sở Tư pháp lấy ý kiến về thời hạn xử lý và phí thẩm định.".into(),
        subject: Subject::LegalDraft,
        audience: Audience::Everyone,
        invited: Vec::new(),
        moderation: Moderation::Before,
        opens_at: app.clock.now_ms() - 60_000,
        closes_at: app.clock.now_ms() + 21 * DAY,
    };
    let id = app.store.create_consultation(&actor, &official, justice, settings, &Rules::default()).await.unwrap();
    let outline = domain::consultation::outline(&thuocdo::demo::consultation::draft_lines()).unwrap();
    app.store.save_consultation_text(&actor, &official, id, &outline).await.unwrap();
    app.store.publish_consultation(&actor, &official, id).await.unwrap();
    id
}

async fn sign_out(browser: &Browser) {
    browser.click(".nav-button").await.unwrap();
    browser.click(".who form button").await.unwrap();
    browser.wait_text("Đăng nhập").await.unwrap();
}

#[tokio::test]
async fn a_citizen_comments_on_article_3_and_the_report_answers_it() {
    let Some(browser) = Browser::start_without_javascript(360, 740).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    let id = open_draft(&app).await;
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();
    let said = "Đề nghị rút ngắn thời hạn xử lý phản ánh đơn giản xuống 02 ngày làm việc. Số của tôi 0987 654 321.";

    // The citizen finds the draft, opens Điều 3 and comments on its first clause.
    browser.goto(&format!("{}/y-kien", app.base)).await.unwrap();
    browser.click(".story h2 a").await.unwrap();
    browser.wait_text("Nội dung dự thảo").await.unwrap();
    browser.click(&format!("a[href='/y-kien/{id}/dieu-3']")).await.unwrap();
    browser.wait_text("Trong thời hạn 05 ngày làm việc").await.unwrap();
    browser.select("#part", "dieu-3-khoan-1").await.unwrap();
    browser.fill("#body", said).await.unwrap();
    browser.fill("#contact", "nguoidan@example.vn").await.unwrap();
    browser.click("#gop-y button[type=submit]").await.unwrap();
    let page = browser.wait_text("sẽ được đăng sau khi cơ quan soạn thảo duyệt").await.unwrap();
    assert!(page.contains("Chờ duyệt") && page.contains("[đã ẩn số điện thoại]"), "{page}");
    assert!(!page.contains("0987 654 321"), "the number is never shown");
    browser.screenshot(&shots.join("consultation-comment-phone.png")).await.unwrap();

    // The drafting unit publishes it and answers it.
    browser.sign_in(&app.base, "stp.canbo").await.unwrap();
    browser.goto(&format!("{}/admin/y-kien/{id}/kiem-duyet", app.base)).await.unwrap();
    browser.wait_text("rút ngắn thời hạn").await.unwrap();
    browser.click("form:has(input[value=dang]) button").await.unwrap();
    browser.wait_text("0 ý kiến").await.unwrap();
    // The server's grouping step places it within a second; the test does not wait for it.
    app.store.group_comments(1_000).await.unwrap();
    browser.goto(&format!("{}/admin/y-kien/{id}/tiep-thu", app.base)).await.unwrap();
    browser.wait_text("rút ngắn thời hạn").await.unwrap();
    browser.click("input[name=verdict][value=tiep-thu]").await.unwrap();
    browser.fill("textarea[name=answer]", "Tiếp thu: phản ánh đơn giản được xử lý trong 02 ngày làm việc (Khoản 1 Điều 3).").await.unwrap();
    browser.click("form[action*='tiep-thu'] button[type=submit]").await.unwrap();
    browser.wait_text("0 nhóm ý kiến đã đăng chưa có trả lời").await.unwrap();
    sign_out(&browser).await;

    // The citizen sees it published with its answer.
    browser.goto(&format!("{}/y-kien/{id}/dieu-3", app.base)).await.unwrap();
    let page = browser.wait_text("Các ý kiến đã đăng (1 nhóm)").await.unwrap();
    assert!(page.contains("Tiếp thu") && page.contains("02 ngày làm việc (Khoản 1 Điều 3)"), "{page}");

    // The period ends; the unit publishes the report with the final text.
    app.clock.advance_ms(22 * DAY);
    browser.sign_in(&app.base, "stp.canbo").await.unwrap();
    browser.goto(&format!("{}/admin/y-kien/{id}", app.base)).await.unwrap();
    browser.fill("#final_text", "Điều 3. Thời hạn xử lý\n1. Phản ánh đơn giản được xử lý trong 02 ngày làm việc.").await.unwrap();
    browser.click("#bao-cao button[type=submit]").await.unwrap();
    browser.wait_text("Đã công bố báo cáo tiếp thu, giải trình").await.unwrap();
    sign_out(&browser).await;

    browser.goto(&format!("{}/y-kien/{id}", app.base)).await.unwrap();
    browser.click(&format!("a[href='/y-kien/{id}/tai/bao-cao.docx']")).await.unwrap();
    let (name, docx) = browser.downloaded(".docx").await.unwrap();
    assert!(name.starts_with("bao-cao-tiep-thu-giai-trinh"), "{name}");
    let xml = testkit::documents::docx_xml(&docx);
    for needle in ["Khoản 1 Điều 3", "rút ngắn thời hạn xử lý phản ánh đơn giản", "Tiếp thu: phản ánh đơn giản được xử lý trong 02 ngày làm việc"]
    {
        assert!(xml.contains(needle), "the report lists {needle}");
    }
    assert!(!xml.contains("0987 654 321"));
    browser.quit().await.unwrap();
}

#[tokio::test]
async fn public_consultation_pages_pass_wcag_aa_and_stay_light() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_consultations().await;
    let Some(browser) = Browser::start(360, 740).await.unwrap() else { return };
    let pages = ["/y-kien", "/y-kien/1", "/y-kien/1/dieu-3", "/y-kien/1/toan-van", "/y-kien/1/tat-ca", "/y-kien/1/thong-ke", "/y-kien/2/van-ban-cuoi"];
    let pages: Vec<String> = pages.iter().map(|p| p.to_string()).collect();
    let problems = browser.public_page_problems(&app.base, &pages).await.unwrap();
    assert!(problems.is_empty(), "on a phone:\n{}", problems.join("\n"));
    browser.quit().await.unwrap();
}
