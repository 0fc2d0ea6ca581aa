//! The citizen's way in, on both databases: a unit is found by its name with or without accents,
//! by its code and by the name of a unit merged into it; its page offers the surveys open for it.

use testkit::TestApp;

#[tokio::test]
async fn a_citizen_finds_the_ward_by_any_name_and_sees_its_open_surveys() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        app.demo_answers(600).await;
        app.demo_par().await;
        let cchc = app.login("cchc").await;
        let published = cchc.post_form("/admin/sipas/publish", &[("query", "level=commune"), ("title", "Chỉ số hài lòng cấp xã"), ("confirm", "1")]).await;
        assert_eq!(published.status(), 303, "{backend}");
        let visitor = app.client();
        let found = |q: &str| {
            let visitor = &visitor;
            let path = format!("/danh-gia?q={}", q.replace(' ', "+"));
            async move { visitor.text(&path).await }
        };
        for q in ["phuong an lac", "Phường An Lạc", "AN LAC", "28101"] {
            let (status, page) = found(q).await;
            assert_eq!(status, 200, "{backend}");
            assert!(page.contains(r#"<a href="/don-vi/28101"><strong>Phường An Lạc</strong></a>"#), "{backend}: «{q}» {page}");
        }
        // Phường Bắc Sơn merged into Phường An Lạc on 1 July 2025: its name leads to the ward.
        let (_, page) = found("bac son").await;
        assert!(page.contains("/don-vi/28101") && page.contains("Trước đây: Phường Bắc Sơn"), "{backend}: {page}");
        assert!(!page.contains("/don-vi/28001"), "{backend}: a former unit is not offered itself");
        let (_, page) = found("khong co dau ca").await;
        assert!(page.contains("Không tìm thấy cơ quan, đơn vị nào"), "{backend}");
        // A search as long as a book is cut, not refused.
        assert_eq!(found(&"a".repeat(5_000)).await.0, 200, "{backend}");

        let (status, page) = visitor.text("/don-vi/28101").await;
        assert_eq!(status, 200, "{backend}");
        assert!(
            page.contains("<dt>Địa chỉ</dt><dd>Số 12 đường Trần Hưng Đạo") && page.contains(r#"<a class="code" href="tel:02353812345">0235 3812 345</a>"#),
            "{backend}: where to find the ward"
        );
        assert!(
            page.contains(r#"Hình thành từ</dt><dd><a href="/don-vi/28001">Phường Bắc Sơn</a>, <a href="/don-vi/28002">Phường Nam Sơn</a>"#),
            "{backend}: {page}"
        );
        // Each open survey that takes public answers, by its stable link, for this ward.
        let now = app.clock.now_ms();
        let anlac = app.unit_id("28101").await;
        let open = app.store.open_surveys_of_unit(anlac, now).await.unwrap();
        let (public, by_invitation): (Vec<_>, Vec<_>) =
            open.iter().partition(|s| domain::surveys::admission::admit(s, &domain::surveys::admission::Door::Public, None, now).is_ok());
        assert!(public.len() >= 2, "{backend}: the demo's full and short forms");
        for survey in public {
            assert!(page.contains(&format!(r#"href="/s/{}?u=28101""#, survey.series)), "{backend}: {} {page}", survey.title);
        }
        for survey in by_invitation {
            assert!(!page.contains(&survey.title), "{backend}: {} is answered by invitation only", survey.title);
        }
        // Its published results, as published: the newest commune round of the PAR INDEX and
        // the newest satisfaction publication that ranks it.
        let rounds = app.store.published_par_rounds().await.unwrap();
        let round = rounds.iter().find(|r| r.level == "commune").unwrap_or_else(|| panic!("{backend}: no commune round in {rounds:?}"));
        let results = app.store.published_par_results(round.id).await.unwrap();
        let line = results.units.iter().find(|u| u.unit_id == anlac).expect("the ward in its round");
        let expected = format!("{} ({})</strong>, hạng {}/{}", line.scorecard.index.display(), line.scorecard.class.label(), line.rank, results.units.len());
        assert!(page.contains(&expected) && page.contains(&format!("/chi-so-cchc/{}", round.id)), "{backend}: {expected} {page}");
        let mut satisfaction = None;
        for listed in app.store.publications().await.unwrap() {
            let figures = app.store.publication(listed.id).await.unwrap().figures().unwrap();
            if let Some(row) = figures.rows.iter().find(|r| r.unit_id == anlac) {
                satisfaction = Some((listed.id, domain::text::format_number(row.figure.value.unwrap(), 1)));
                break;
            }
        }
        let (publication, value) = satisfaction.expect("the demo publishes a year's satisfaction figures");
        assert!(page.contains(&format!(r#"<a href="/ket-qua/{publication}">"#)) && page.contains(&format!("<strong>{value} %</strong>")), "{backend}: {page}");
        // A former unit's page says so and offers nothing to answer; an unknown code is not found.
        let (status, page) = visitor.text("/don-vi/28001").await;
        assert_eq!(status, 200, "{backend}");
        assert!(page.contains("Đơn vị này không còn hoạt động") && !page.contains("/s/"), "{backend}: {page}");
        assert!(page.contains(r#"Nay là: <a href="/don-vi/28101">Phường An Lạc</a>"#), "{backend}: it leads to the ward it became");
        assert_eq!(visitor.text("/don-vi/khong-co").await.0, 404, "{backend}");
        // The counter's A4 poster: a PDF whose QR code leads to this page, made for the officials
        // who see the unit (a visitor is sent to sign in; an official of another unit is refused).
        let poster_path = format!("/admin/units/{anlac}/ap-phich.pdf");
        assert_ne!(visitor.get(&poster_path).await.status(), 200, "{backend}: no public door");
        assert_eq!(app.login("stp.canbo").await.get(&poster_path).await.status(), 404, "{backend}: outside the official's units");
        let poster = cchc.get(&poster_path).await;
        assert_eq!(poster.status(), 200, "{backend}");
        assert_eq!(poster.headers()["content-type"], "application/pdf");
        let bytes = poster.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{backend}");
        assert!(bytes.len() < 2_000_000, "{backend}: the two faces embedded once each, {} bytes", bytes.len());
        // A visitor's browser asks again with the page's tag and gets no body when nothing
        // changed; an official's pages, which carry their name and form tokens, are never kept.
        let http = reqwest::Client::new();
        let first = http.get(visitor.url("/don-vi/28101")).send().await.unwrap();
        assert_eq!(first.headers()["cache-control"], "no-cache", "{backend}");
        let tag = first.headers()["etag"].clone();
        let again = http.get(visitor.url("/don-vi/28101")).header("if-none-match", tag.clone()).send().await.unwrap();
        assert_eq!(again.status(), 304, "{backend}");
        assert!(again.bytes().await.unwrap().is_empty());
        let stale = http.get(visitor.url("/don-vi/28102")).header("if-none-match", tag).send().await.unwrap();
        assert_eq!(stale.status(), 200, "{backend}: another page's tag is not this one's");
        let official = cchc.get("/don-vi/28101").await;
        assert!(!official.headers().contains_key("etag") && official.headers()["cache-control"] == "no-store", "{backend}");
        // Search engines are told of the ward's page and the publications, not of the officials' side.
        let (status, sitemap) = visitor.text("/sitemap.xml").await;
        assert_eq!(status, 200, "{backend}");
        assert!(sitemap.contains("/don-vi/28101</loc>") && sitemap.contains(&format!("/ket-qua/{publication}</loc>")), "{backend}: {sitemap}");
        assert!(!sitemap.contains("/don-vi/28001<") && !sitemap.contains("/admin"), "{backend}: {sitemap}");
        let (_, robots) = visitor.text("/robots.txt").await;
        assert!(robots.contains("Disallow: /admin") && robots.contains("/sitemap.xml"), "{backend}: {robots}");
        // Before the first opens and once the last has closed, none is open.
        let first = open.iter().map(|s| s.opens_at).min().unwrap();
        let last = open.iter().map(|s| s.closes_at).max().unwrap();
        for moment in [first - 1, last] {
            assert!(app.store.open_surveys_of_unit(anlac, moment).await.unwrap().iter().all(|s| !open.iter().any(|o| o.id == s.id)), "{backend}");
        }
    }
}

/// The register's managers give a unit's address, telephone and hours on its page; the public
/// page shows them; an official of the unit cannot change them.
#[tokio::test]
async fn a_managers_contact_details_reach_the_public_page() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let stp = app.unit_id("STP").await;
        let fields = [("address", "Số 10 Lê Lợi"), ("phone", "0235 3999 000"), ("hours", "Thứ Hai đến thứ Sáu")];
        let official = app.login("stp.canbo").await;
        assert_eq!(official.post_form(&format!("/admin/units/{stp}/contact"), &fields).await.status(), 403, "{backend}");
        let office = app.login("cchc").await;
        let bad = office.post_form(&format!("/admin/units/{stp}/contact"), &[("phone", "gọi cho tôi")]).await;
        assert_eq!(bad.status(), 422, "{backend}");
        assert!(bad.text().await.unwrap().contains("Số điện thoại chỉ gồm chữ số"), "{backend}");
        assert_eq!(office.post_form(&format!("/admin/units/{stp}/contact"), &fields).await.status(), 303, "{backend}");
        let (_, page) = app.client().text("/don-vi/STP").await;
        assert!(page.contains("<dd>Số 10 Lê Lợi</dd>") && page.contains("<dd>Thứ Hai đến thứ Sáu</dd>"), "{backend}: {page}");
    }
}
