//! The citizen's way in, on both databases: a unit is found by its name with or without accents,
//! by its code and by the name of a unit merged into it; its page offers the surveys open for it.

use testkit::TestApp;

#[tokio::test]
async fn a_citizen_finds_the_ward_by_any_name_and_sees_its_open_surveys() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
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
        assert!(page.contains("Hình thành từ</dt><dd>Phường Bắc Sơn, Phường Nam Sơn"), "{backend}: {page}");
        // Each open survey that takes public answers, by its stable link, for this ward.
        let now = app.clock.now_ms();
        let anlac = app.unit_id("28101").await;
        let open = app.store.open_surveys_of_unit(anlac, now).await.unwrap();
        assert!(open.len() >= 2, "{backend}: the demo's full and short forms");
        for survey in &open {
            assert!(page.contains(&format!(r#"href="/s/{}?u=28101""#, survey.series)), "{backend}: {} {page}", survey.title);
        }
        // A former unit's page says so and offers nothing to answer; an unknown code is not found.
        let (status, page) = visitor.text("/don-vi/28001").await;
        assert_eq!(status, 200, "{backend}");
        assert!(page.contains("Đơn vị này không còn hoạt động") && !page.contains("/s/"), "{backend}: {page}");
        assert_eq!(visitor.text("/don-vi/khong-co").await.0, 404, "{backend}");
        // Before the first opens and once the last has closed, none is open.
        let first = open.iter().map(|s| s.opens_at).min().unwrap();
        let last = open.iter().map(|s| s.closes_at).max().unwrap();
        for moment in [first - 1, last] {
            assert!(app.store.open_surveys_of_unit(anlac, moment).await.unwrap().iter().all(|s| !open.iter().any(|o| o.id == s.id)), "{backend}");
        }
    }
}
