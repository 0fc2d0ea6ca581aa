//! Questions in headless Chromium: a citizen asks on a 360-pixel phone (the page's script does
//! the proof of work), the ward's official drafts the answer and its chairman approves it, the
//! citizen opens the tracking link and reads the answer, and the archive finds it typed without
//! diacritics. The public pages pass WCAG 2.1 AA and stay light on a phone.

use testkit::TestApp;
use testkit::browser::Browser;

async fn sign_out(browser: &Browser) {
    browser.click(".nav-button").await.unwrap();
    browser.click(".who form button").await.unwrap();
    browser.wait_text("Đăng nhập").await.unwrap();
}

#[tokio::test]
async fn a_citizen_asks_on_a_phone_the_ward_answers_and_the_archive_finds_it() {
    let Some(browser) = Browser::start(360, 740).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_questions().await;
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();
    let topic = app.store.qa_topics(true).await.unwrap().into_iter().find(|t| t.name == "Thủ tục hành chính tại Phường An Lạc").unwrap().id;

    // The citizen finds the form from the archive and asks.
    browser.goto(&format!("{}/hoi-dap", app.base)).await.unwrap();
    browser.click("a[href='/hoi-dap/gui']").await.unwrap();
    browser.wait_text("Gửi câu hỏi, phản ánh, kiến nghị").await.unwrap();
    browser.select("#topic", &topic.to_string()).await.unwrap();
    browser.fill("#title", "Giấy tờ cần mang khi đăng ký kết hôn").await.unwrap();
    browser.fill("#body", "Tôi và vợ sắp cưới muốn đăng ký kết hôn tại phường, cần mang những giấy tờ gì? Số của tôi 0987 654 321.").await.unwrap();
    browser.fill("#name", "Trần Văn Hùng").await.unwrap();
    browser.fill("#contact", "hung.tran@example.vn").await.unwrap();
    // The script finds the proof of work while the citizen types; the server checks it.
    let mut nonce = String::new();
    for _ in 0..100 {
        nonce = browser.execute("return document.querySelector('[name=nonce]').value;", vec![]).await.unwrap().as_str().unwrap_or_default().to_string();
        if !nonce.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let stamp = browser.execute("return document.querySelector('[name=stamp]').value;", vec![]).await.unwrap().as_str().unwrap().to_string();
    assert!(domain::qa::work_done(&stamp, &nonce, domain::qa::WORK_BITS), "the page's SHA-256 agrees with the server's: {nonce}");
    browser.screenshot(&shots.join("qa-ask-phone.png")).await.unwrap();
    app.clock.advance_ms(20_000);
    browser.click("#ask-form button[type=submit]").await.unwrap();
    let page = browser.wait_text("Đã gửi").await.unwrap();
    assert!(page.contains("Đang xử lý") && page.contains("Phường An Lạc"), "{page}");
    let tracking = browser.current_url().await.unwrap();
    let code = domain::qa::parse_code(tracking.split("ma=").nth(1).unwrap().split('&').next().unwrap()).unwrap();
    let (question, _) = app.store.track_question(&code).await.unwrap();
    let id = question.id;

    // The ward's official drafts the answer; the chairman approves and publishes it.
    browser.sign_in(&app.base, "anlac.canbo").await.unwrap();
    browser.goto(&format!("{}/admin/hoi-dap", app.base)).await.unwrap();
    browser.click(&format!("a[href='/admin/hoi-dap/{id}']")).await.unwrap();
    browser.wait_text("Dự thảo trả lời").await.unwrap();
    browser.fill("#answer", "Mang căn cước của hai bên và giấy xác nhận tình trạng hôn nhân nếu đăng ký thường trú ở nơi khác.").await.unwrap();
    browser.click("form[action$='/du-thao'] button[type=submit]").await.unwrap();
    browser.wait_text("Chờ lãnh đạo duyệt").await.unwrap();
    sign_out(&browser).await;
    browser.sign_in(&app.base, "anlac.chutich").await.unwrap();
    browser.goto(&format!("{}/admin/hoi-dap/{id}", app.base)).await.unwrap();
    browser.click("form[action$='/duyet'] input[value=duyet] ~ button[type=submit]").await.unwrap();
    browser.wait_text("Trả lời đã gửi").await.unwrap();
    sign_out(&browser).await;

    // The citizen opens the tracking link and reads the answer.
    browser.goto(&tracking).await.unwrap();
    let page = browser.wait_text("giấy xác nhận tình trạng hôn nhân").await.unwrap();
    assert!(page.contains("Đã trả lời"), "{page}");

    // The archive finds it without diacritics; personal data stays hidden.
    browser.goto(&format!("{}/hoi-dap", app.base)).await.unwrap();
    browser.fill("#q", "dang ky ket hon").await.unwrap();
    browser.click("form[role=search] button[type=submit]").await.unwrap();
    browser.wait_text("Tìm thấy").await.unwrap();
    browser.click(&format!("a[href='/hoi-dap/{id}']")).await.unwrap();
    let page = browser.wait_text("Câu trả lời này có hữu ích không?").await.unwrap();
    assert!(page.contains("[đã ẩn số điện thoại]") && !page.contains("0987 654 321") && !page.contains("Trần Văn Hùng"), "{page}");
    browser.screenshot(&shots.join("qa-answer-phone.png")).await.unwrap();

    // The public pages pass WCAG 2.1 AA, weigh little and never scroll sideways on the phone.
    let pages = ["/hoi-dap".to_string(), "/hoi-dap/gui".into(), format!("/hoi-dap/{id}"), tracking.trim_start_matches(&app.base).to_string()];
    let problems = browser.public_page_problems(&app.base, &pages).await.unwrap();
    assert!(problems.is_empty(), "on a phone:\n{}", problems.join("\n"));
    browser.quit().await.unwrap();
}
