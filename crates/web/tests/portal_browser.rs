//! The portal in headless Chromium: a ward's official writes an article with a picture and hands
//! it over; the head of another unit cannot reach it; the reform office publishes it, and a
//! citizen on a phone finds it on the home page, in search without accents and in the feed.

use testkit::TestApp;
use testkit::browser::Browser;

#[tokio::test]
async fn an_editor_writes_the_office_publishes_and_a_citizen_reads_it_on_a_phone() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let Some(browser) = Browser::start(360, 740).await.unwrap() else { return };
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();

    browser.sign_in(&app.base, "anlac.canbo").await.unwrap();
    browser.goto(&format!("{}/admin/portal/new?kind=article", app.base)).await.unwrap();
    browser.wait_text("Viết bài mới").await.unwrap();
    browser.fill("#title", "Phường An Lạc khai trương quầy hướng dẫn dịch vụ công trực tuyến").await.unwrap();
    browser.fill("#summary", "Người dân được hướng dẫn nộp hồ sơ trực tuyến ngay tại Bộ phận Một cửa.").await.unwrap();
    browser.fill("#body", "Quầy mở cửa trong giờ hành chính.\n\nCông chức hướng dẫn từng bước.").await.unwrap();
    browser.click("#item-form button[type=submit]").await.unwrap();
    browser.wait_text("Đã lưu.").await.unwrap();
    let item = browser.current_url().await.unwrap().split("/admin/portal/").nth(1).unwrap().split('?').next().unwrap().to_string();
    let picture = shots.join("quay-huong-dan.png");
    std::fs::write(&picture, media::images::illustration(1200, 700, 90)).unwrap();
    browser.fill("#alt", "Quầy hướng dẫn dịch vụ công trực tuyến").await.unwrap();
    browser.fill("#file", picture.to_str().unwrap()).await.unwrap();
    browser.click("#upload-form button[type=submit]").await.unwrap();
    browser.wait_text("Ảnh đại diện").await.unwrap();
    browser.click("form:has(input[value=submit]) button").await.unwrap();
    let text = browser.wait_text("Chờ duyệt").await.unwrap();
    assert!(!text.contains("Hẹn ngày đăng"), "the writer is offered no publishing: {text}");
    browser.screenshot(&shots.join("portal-submitted.png")).await.unwrap();
    browser.click(".nav-button").await.unwrap();
    browser.click(".who form button").await.unwrap();
    browser.wait_text("Đăng nhập").await.unwrap();

    // The head of another unit's section does not reach the ward's article.
    browser.sign_in(&app.base, "stp.giamdoc").await.unwrap();
    browser.goto(&format!("{}/admin/portal/{item}", app.base)).await.unwrap();
    browser.wait_text("Không tìm thấy").await.unwrap();
    browser.goto(&format!("{}/admin", app.base)).await.unwrap();
    browser.click(".nav-button").await.unwrap();
    browser.click(".who form button").await.unwrap();
    browser.wait_text("Đăng nhập").await.unwrap();

    browser.sign_in(&app.base, "cchc").await.unwrap();
    browser.goto(&format!("{}/admin/portal/{item}", app.base)).await.unwrap();
    browser.wait_text("Chờ duyệt").await.unwrap();
    browser.click("form:has(input[value=publish]) button").await.unwrap();
    browser.wait_text("Xem trên cổng thông tin").await.unwrap();
    browser.click(".nav-button").await.unwrap();
    browser.click(".who form button").await.unwrap();
    browser.wait_text("Đăng nhập").await.unwrap();

    // A citizen: the home page, search without accents, the article with its picture, the feed.
    browser.goto(&format!("{}/", app.base)).await.unwrap();
    browser.wait_text("Phường An Lạc khai trương quầy hướng dẫn").await.unwrap();
    browser.goto(&format!("{}/tim-kiem", app.base)).await.unwrap();
    browser.fill("#q", "dich vu cong truc tuyen").await.unwrap();
    browser.click("main form button[type=submit]").await.unwrap();
    browser.wait_text("Tìm thấy 1 kết quả").await.unwrap();
    let marked = browser.execute("return [...document.querySelectorAll('mark')].map(m => m.textContent);", vec![]).await.unwrap();
    assert!(marked.as_array().unwrap().iter().any(|m| m == "dịch vụ công trực tuyến"), "{marked}");
    browser.click(".results a").await.unwrap();
    browser.wait_text("Quầy mở cửa trong giờ hành chính.").await.unwrap();
    let picture = browser
        .execute("const i = document.querySelector('.reading figure img'); return [i.complete && i.naturalWidth > 0, i.currentSrc];", vec![])
        .await
        .unwrap();
    assert_eq!(picture[0], serde_json::json!(true), "the picture loads: {picture}");
    let overflow = browser.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap() <= 0, "no sideways scrolling on a 360 px phone: {overflow}");
    browser.screenshot(&shots.join("portal-article-phone.png")).await.unwrap();
    let feed = browser.execute("return fetch('/tin-tuc/rss.xml').then(r => r.text());", vec![]).await.unwrap();
    assert!(feed.as_str().unwrap().contains("<title>Phường An Lạc khai trương quầy hướng dẫn dịch vụ công trực tuyến</title>"), "{feed}");
    browser.quit().await.unwrap();
}

/// Every public page a citizen meets passes axe-core's WCAG 2.1 AA rules and, before pictures,
/// weighs under 100 KB (the page, its stylesheet and anything else it loads).
#[tokio::test]
async fn public_pages_pass_wcag_aa_and_stay_light() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_portal().await;
    let Some(browser) = Browser::start(360, 740).await.unwrap() else { return };
    browser.goto(&format!("{}/tin-tuc", app.base)).await.unwrap();
    let article = browser.execute("return document.querySelector('.story h3 a').getAttribute('href');", vec![]).await.unwrap();
    let pages = [
        "/".to_string(),
        "/danh-gia?q=an+lac".into(),
        "/don-vi/28101".into(),
        "/tin-tuc".into(),
        article.as_str().unwrap().to_string(),
        "/van-ban".into(),
        "/tim-kiem?q=cai+cach".into(),
        "/units".into(),
        "/ket-qua".into(),
        "/chi-so-cchc".into(),
        "/s/sipas?u=28101".into(),
    ];
    let problems = browser.public_page_problems(&app.base, &pages).await.unwrap();
    assert!(problems.is_empty(), "on a phone:\n{}", problems.join("\n"));
    // The checker sees what it should: a picture without a description is one.
    browser.execute("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/static/x.png\">');", vec![]).await.unwrap();
    let broken = browser.accessibility_problems().await.unwrap();
    assert!(broken.iter().any(|p| p.starts_with("image-alt")), "{broken:?}");
    browser.quit().await.unwrap();
}
