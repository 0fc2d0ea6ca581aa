//! The portal over HTTP on both databases: a unit's official writes and hands over, the reform
//! office publishes, and the article shows on the home page, in its category, in search and in
//! the feed; the documents library and its files; videos served in pieces; what is not
//! published stays out of sight.

use testkit::{Session, TestApp};

fn multipart(session: &Session, fields: &[(&str, &str)], file: (&str, Vec<u8>)) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("csrf", session.csrf.clone());
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    form.part("file", reqwest::multipart::Part::bytes(file.1).file_name(file.0.to_string()))
}

async fn upload(session: &Session, item: &str, fields: &[(&str, &str)], file: (&str, Vec<u8>)) -> reqwest::Response {
    let form = multipart(session, fields, file);
    session.client.post(session.url(&format!("/admin/portal/{item}/files"))).multipart(form).send().await.unwrap()
}

fn item_id(response: &reqwest::Response) -> String {
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default();
    location.trim_start_matches("/admin/portal/").split('?').next().unwrap_or_default().to_string()
}

/// A few bytes that start as an MP4 file does (the `ftyp` box), then a counted pattern.
fn mp4() -> Vec<u8> {
    let mut bytes = vec![0, 0, 0, 24];
    bytes.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    bytes.extend((0..3_000_000u32).map(|i| (i % 251) as u8));
    bytes
}

#[tokio::test]
async fn an_article_goes_from_a_ward_official_to_the_home_page_search_and_feed() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let writer = app.login("anlac.canbo").await;
        let body = "Phường tiếp nhận hồ sơ cải cách hành chính vào sáng thứ Bảy.\n\n<script>alert(1)</script>Bấm <a href=\"javascript:alert(2)\">đây</a>.";
        let created = writer
            .post_form(
                "/admin/portal",
                &[("kind", "article"), ("unit", "28101"), ("category", "tin-cai-cach-hanh-chinh"), ("title", "Phường An Lạc mở cửa thứ Bảy"), ("body", body)],
            )
            .await;
        assert_eq!(created.status(), 303, "{backend}");
        let id = item_id(&created);
        // A picture, re-encoded in its widths; a description is required.
        let png = media::images::illustration(900, 500, 40);
        let refused = upload(&writer, &id, &[("what", "image"), ("alt", "")], ("anh.png", png.clone())).await;
        assert_eq!(refused.status(), 422, "{backend}");
        let stored = upload(&writer, &id, &[("what", "image"), ("alt", "Quầy một cửa")], ("anh.png", png)).await;
        assert_eq!(stored.status(), 303, "{backend}");
        let hostile = upload(&writer, &id, &[("what", "attachment")], ("bao-cao.pdf", b"<html><script>x</script>".to_vec())).await;
        assert_eq!(hostile.status(), 422, "{backend}: a page named as a PDF");
        let (_, page) = writer.text(&format!("/admin/portal/{id}")).await;
        assert!(page.contains("Ảnh đại diện") && page.contains("/admin/portal/tep/"), "{backend}: {page}");
        // Not yet public: neither the page nor its picture.
        let visitor = app.client();
        assert_eq!(visitor.text("/tin-tuc/phuong-an-lac-mo-cua-thu-bay").await.0, 404, "{backend}");
        let picture = page.split("/admin/portal/tep/").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_string();
        assert_eq!(visitor.get(&format!("/tep/{picture}")).await.status(), 404, "{backend}");
        assert_eq!(writer.get(&format!("/admin/portal/tep/{picture}")).await.status(), 200, "{backend}");

        assert_eq!(writer.post_form(&format!("/admin/portal/{id}/step"), &[("step", "submit")]).await.status(), 303, "{backend}");
        // The writer may not publish; the head of another unit does not even see it.
        assert_eq!(writer.post_form(&format!("/admin/portal/{id}/step"), &[("step", "publish")]).await.status(), 403, "{backend}");
        let other_head = app.login("stp.giamdoc").await;
        assert_eq!(other_head.post_form(&format!("/admin/portal/{id}/step"), &[("step", "publish")]).await.status(), 404, "{backend}");
        let office = app.login("cchc").await;
        assert_eq!(office.post_form(&format!("/admin/portal/{id}/step"), &[("step", "publish")]).await.status(), 303, "{backend}");

        let (status, article) = visitor.text("/tin-tuc/phuong-an-lac-mo-cua-thu-bay").await;
        assert_eq!(status, 200, "{backend}");
        assert!(!article.contains("<script>alert") && !article.contains("javascript:"), "{backend}: the body is sanitised: {article}");
        assert!(article.contains("<p>Phường tiếp nhận hồ sơ cải cách hành chính"), "{backend}: {article}");
        assert!(article.contains(r#"<meta property="og:title" content="Phường An Lạc mở cửa thứ Bảy">"#), "{backend}");
        assert!(article.contains(r#"<meta property="og:image" content="http"#) && article.contains(r#"<link rel="canonical" href="http"#), "{backend}");
        assert!(article.contains("srcset=\"/tep/"), "{backend}: the picture in its widths");
        assert_eq!(visitor.get(&format!("/tep/{picture}")).await.status(), 200, "{backend}: published with its article");
        let (_, home) = visitor.text("/").await;
        assert!(home.contains("/tin-tuc/phuong-an-lac-mo-cua-thu-bay"), "{backend}: on the home page");
        let (_, category) = visitor.text("/tin-tuc/chuyen-muc/tin-cai-cach-hanh-chinh").await;
        assert!(category.contains("Phường An Lạc mở cửa thứ Bảy"), "{backend}");
        let (_, found) = visitor.text("/tim-kiem?q=cai+cach+hanh+chinh").await;
        assert!(found.contains("<mark>cải cách hành chính</mark>") && found.contains("/tin-tuc/phuong-an-lac-mo-cua-thu-bay"), "{backend}: {found}");
        let feed = visitor.get("/tin-tuc/chuyen-muc/tin-cai-cach-hanh-chinh/rss.xml").await;
        assert_eq!(feed.headers()["content-type"], "application/rss+xml; charset=utf-8");
        let feed = feed.text().await.unwrap();
        assert!(feed.contains("<title>Phường An Lạc mở cửa thứ Bảy</title>") && feed.contains("<pubDate>"), "{backend}: {feed}");
        let (_, sitemap) = visitor.text("/sitemap.xml").await;
        assert!(sitemap.contains("/tin-tuc/phuong-an-lac-mo-cua-thu-bay</loc>"), "{backend}");

        // Withdrawn, it leaves every public place.
        assert_eq!(office.post_form(&format!("/admin/portal/{id}/step"), &[("step", "withdraw")]).await.status(), 303);
        assert_eq!(visitor.text("/tin-tuc/phuong-an-lac-mo-cua-thu-bay").await.0, 404, "{backend}");
        assert!(!visitor.text("/tim-kiem?q=thu+bay").await.1.contains("mở cửa thứ Bảy"), "{backend}");
    }
}

#[tokio::test]
async fn a_return_names_its_reason_and_a_schedule_waits_for_its_time() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let writer = app.login("anlac.canbo").await;
        let head = app.login("anlac.chutich").await;
        let created = writer
            .post_form("/admin/portal", &[("kind", "article"), ("unit", "28101"), ("category", "huong-dan"), ("title", "Hướng dẫn nộp hồ sơ"), ("body", "x")])
            .await;
        let id = item_id(&created);
        writer.post_form(&format!("/admin/portal/{id}/step"), &[("step", "submit")]).await;
        let no_reason = head.post_form(&format!("/admin/portal/{id}/step"), &[("step", "return"), ("reason", " ")]).await;
        assert_eq!(no_reason.status(), 409, "{backend}");
        head.post_form(&format!("/admin/portal/{id}/step"), &[("step", "return"), ("reason", "Bổ sung ảnh chụp màn hình")]).await;
        let (_, page) = writer.text(&format!("/admin/portal/{id}")).await;
        assert!(page.contains("Lý do trả lại: Bổ sung ảnh chụp màn hình") && page.contains("Trả lại để sửa"), "{backend}");
        // The head publishes in the ward's own section, at a later moment.
        let tomorrow = domain::text::vn_datetime(app.clock.now_ms() + 86_400_000).date();
        let day = domain::text::format_date(tomorrow);
        let scheduled = head.post_form(&format!("/admin/portal/{id}/step"), &[("step", "publish"), ("publish_on", &day), ("publish_time", "07:30")]).await;
        assert_eq!(scheduled.status(), 303, "{backend}");
        let (_, page) = head.text(&format!("/admin/portal/{id}")).await;
        assert!(page.contains("Hẹn giờ đăng") && page.contains(&format!("{day} 07:30")), "{backend}: {page}");
        let visitor = app.client();
        assert_eq!(visitor.text("/tin-tuc/huong-dan-nop-ho-so").await.0, 404, "{backend}");
        app.clock.advance_ms(2 * 86_400_000);
        assert_eq!(visitor.text("/tin-tuc/huong-dan-nop-ho-so").await.0, 200, "{backend}");
        // Every step is in the audit log.
        let (_, log) = app.login("cchc").await.text("/admin/audit").await;
        for label in ["Gửi duyệt bài viết", "Trả lại bài viết", "Đăng bài viết"] {
            assert!(log.contains(label), "{backend}: {label}");
        }
    }
}

#[tokio::test]
async fn documents_are_filtered_found_by_number_and_their_files_served_in_pieces() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        app.demo_portal().await;
        let visitor = app.client();
        let (status, library) = visitor.text("/van-ban?loai=quyet-dinh").await;
        assert_eq!(status, 200, "{backend}");
        assert!(library.contains("3509/QĐ-UBND") && library.contains("766/QĐ-TTg") && !library.contains("06/KH-UBND"), "{backend}: {library}");
        let (_, by_year) = visitor.text("/van-ban?nam=2026").await;
        assert!(by_year.contains("06/KH-UBND") && !by_year.contains("3509/QĐ-UBND"), "{backend}");
        let (_, found) = visitor.text("/van-ban?q=3509").await;
        assert!(found.contains("/van-ban/phe-duyet-de-an-he-thong"), "{backend}: {found}");
        // Words and the type filter together: the plan, not the decision on the same subject.
        let (_, both) = visitor.text("/van-ban?q=su+hai+long+nguoi+dan&loai=ke-hoach").await;
        assert!(both.contains("/van-ban/ke-hoach-khao-sat") && !both.contains("/van-ban/phe-duyet-de-an-he-thong"), "{backend}: {both}");
        let plan_path = by_year.split("href=\"/van-ban/ke-hoach-khao-sat").nth(1).and_then(|s| s.split('"').next()).expect("the plan's link");
        let (status, plan) = visitor.text(&format!("/van-ban/ke-hoach-khao-sat{plan_path}")).await;
        assert_eq!(status, 200, "{backend}");
        assert!(plan.contains("<dt>Số/ký hiệu</dt><dd>06/KH-UBND</dd>") && plan.contains("<dt>Ngày ban hành</dt><dd>12/01/2026</dd>"), "{backend}: {plan}");
        let link = plan.split("href=\"/tep/").nth(1).and_then(|s| s.split('"').next()).expect("the appendix link");
        let file = visitor.get(&format!("/tep/{link}")).await;
        assert_eq!(file.status(), 200, "{backend}");
        assert!(file.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''Phu-luc-"), "{backend}");
        assert!(file.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        // What waits in the workflow is not public.
        assert_eq!(visitor.text("/tin-tuc/phuong-an-lac-tiep-nhan-ho-so-ngoai-gio-hanh-chinh").await.0, 404, "{backend}");
        assert_eq!(visitor.text("/tin-tuc/lich-tiep-cong-dan-thang-01-nam-2027").await.0, 404, "{backend}");

        // A video uploaded to an article, played in pieces.
        let office = app.login("cchc").await;
        let created = office
            .post_form("/admin/portal", &[("kind", "article"), ("unit", "99"), ("category", "video"), ("title", "Video hướng dẫn"), ("body", "Xem video")])
            .await;
        let id = item_id(&created);
        assert_eq!(upload(&office, &id, &[("what", "video")], ("clip.avi", b"RIFF....AVI ".to_vec())).await.status(), 422, "{backend}");
        let video = mp4();
        assert_eq!(upload(&office, &id, &[("what", "video")], ("clip.mp4", video.clone())).await.status(), 303, "{backend}");
        office.post_form(&format!("/admin/portal/{id}/step"), &[("step", "publish")]).await;
        let (_, page) = visitor.text("/tin-tuc/video-huong-dan").await;
        let src = page.split("<video controls preload=\"metadata\" src=\"").nth(1).and_then(|s| s.split('"').next()).expect("a video element").to_string();
        let ranged = |range: &'static str| {
            let (visitor, src) = (&visitor, &src);
            async move { visitor.client.get(visitor.url(src)).header("range", range).send().await.unwrap() }
        };
        let part = ranged("bytes=1000-1999").await;
        assert_eq!(part.status(), 206, "{backend}");
        assert_eq!(part.headers()["content-range"], format!("bytes 1000-1999/{}", video.len()).as_str());
        assert_eq!(part.bytes().await.unwrap().as_ref(), &video[1000..2000], "{backend}");
        let tail = ranged("bytes=-10").await;
        assert_eq!(tail.bytes().await.unwrap().as_ref(), &video[video.len() - 10..]);
        // Across the pieces read from the database (a mebibyte each).
        let across = ranged("bytes=1048570-1048589").await;
        assert_eq!(across.bytes().await.unwrap().as_ref(), &video[1_048_570..1_048_590], "{backend}");
        assert_eq!(ranged("bytes=99999999-").await.status(), 416, "{backend}");
        let whole = visitor.get(&src).await;
        assert_eq!((whole.status().as_u16(), whole.headers()["accept-ranges"].to_str().unwrap()), (200, "bytes"));
        assert_eq!(whole.bytes().await.unwrap().len(), video.len(), "{backend}");
    }
}
