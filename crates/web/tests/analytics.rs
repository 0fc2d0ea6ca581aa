//! Text analytics through the web on both backends: comments that arrive are classified by the
//! server's job within seconds, the dashboard counts them by month, topic and unit with the
//! comments behind each number (personal data masked, the reading audited), a topic the reform
//! office adds is applied to every kept comment, and those without the right are refused.

use std::time::Duration;

use testkit::{TestApp, sheet};

/// The reform office's view of the whole province.
async fn office(app: &TestApp) -> domain::auth::Access {
    let province = app.unit_id("99").await;
    domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit: province }])
}

async fn admin(app: &TestApp) -> domain::auth::Access {
    let province = app.unit_id("99").await;
    domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::SystemAdmin, unit: province }])
}

/// Waits for `count` comments in `topic` (all comments when none), the job having run.
async fn wait_for(app: &TestApp, topic: Option<&str>, count: i64) {
    let access = office(app).await;
    let by = if topic.is_some() { storage::analytics::CountBy::Topic } else { storage::analytics::CountBy::Month };
    for _ in 0..100 {
        let counted = app.store.count_comments(&access, &Default::default(), by).await.unwrap();
        let found: i64 = counted.iter().filter(|c| topic.is_none_or(|t| c.key == t)).map(|c| c.total()).sum();
        if found == count && app.store.analytics_state().await.unwrap().redo.is_none() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {count} comments in {topic:?} within ten seconds");
}

#[tokio::test]
async fn comments_are_classified_on_arrival_counted_and_read_behind_each_number() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn_with(db, web::Config { alert_interval_ms: 200, ..web::Config::default() }).await;
        app.answer_with_comment("28101", "3", "Hồ sơ trễ hẹn hai tuần mà không ai báo, rất bức xúc").await;
        app.answer_with_comment("28101", "3", "Cán bộ nhiệt tình, hướng dẫn rõ ràng").await;
        app.answer_with_comment("28101", "3", "ko hai long, cho doi qua lau").await;
        app.answer_with_comment("28102", "3", "Tôi tên là Nguyễn Văn An, gọi 0912 345 678 khi có kết quả").await;
        // A rating at the ward's counter, about the official on duty.
        let mut rating = sheet("5");
        rating["GOP_Y"] = "Chị cán bộ ở quầy rất vui vẻ".into();
        assert_eq!(app.rate_at_kiosk(&rating).await.status(), 303);
        wait_for(&app, None, 5).await;

        let cchc = app.login("cchc").await;
        let (status, page) = cchc.text("/admin/phan-tich-y-kien?don-vi=28101").await;
        assert_eq!(status, 200, "{backend}: {page}");
        assert!(page.contains("4 ý kiến") && page.contains("Thời gian giải quyết, trễ hẹn") && page.contains("Chờ đợi, xếp hàng"), "{backend}: {page}");
        assert!(page.contains("Theo công chức (máy đánh giá tại quầy)"), "kiosk ratings by the official: {page}");
        assert!(page.contains("<svg class=\"chart\""), "the trend is drawn");

        // The negative comments about delays of the commune: only the one.
        let (status, page) = cchc.text("/admin/phan-tich-y-kien/y-kien?don-vi=28101&cam-xuc=neg&chu-de=tre_hen").await;
        assert_eq!(status, 200);
        assert!(page.contains("Hồ sơ trễ hẹn hai tuần") && !page.contains("nhiệt tình") && !page.contains("cho doi"), "{backend}: {page}");
        // Personal data written into a comment never shows.
        let (_, page) = cchc.text("/admin/phan-tich-y-kien/y-kien?don-vi=28102").await;
        assert!(page.contains("[đã ẩn họ tên]") && page.contains("[đã ẩn số điện thoại]"), "{page}");
        assert!(!page.contains("Nguyễn Văn An") && !page.contains("345 678"), "{page}");
        let audit = app
            .store
            .audit_log(
                &admin(&app).await,
                &storage::audit::Filter { action: Some(domain::audit::AuditAction::CommentsViewed), ..Default::default() },
                storage::Paging::ALL,
            )
            .await
            .unwrap();
        assert!(audit.total >= 2, "every reading is audited: {}", audit.total);

        // The reform office adds a topic; every kept comment is classified again.
        let csrf = cchc.csrf_of("/admin/phan-tich-y-kien/chu-de").await;
        let saved = cchc
            .post_form(
                "/admin/phan-tich-y-kien/chu-de",
                &[("csrf", &csrf), ("code", "bao_ket_qua"), ("name", "Báo kết quả"), ("phrases", "khi có kết quả\nkhông ai báo")],
            )
            .await;
        assert_eq!(saved.status(), 303);
        wait_for(&app, Some("bao_ket_qua"), 2).await;
        // A topic with no phrase is refused with a message, and nothing changes.
        let refused = cchc.post_form("/admin/phan-tich-y-kien/chu-de", &[("csrf", &csrf), ("code", "trong"), ("name", "Trống"), ("phrases", " ,, ")]).await;
        assert_eq!(refused.status(), 200);
        assert!(refused.text().await.unwrap().contains("Chủ đề cần ít nhất một từ khóa."));

        let (status, body) = cchc.text("/admin/phan-tich-y-kien.xlsx?don-vi=28101").await;
        assert_eq!(status, 200, "{body}");

        // A ward's head sees its own ward and is refused another's; an interviewer sees nothing.
        let head = app.login("anlac.chutich").await;
        assert_eq!(head.get("/admin/phan-tich-y-kien?don-vi=28101").await.status(), 200);
        assert_eq!(head.get("/admin/phan-tich-y-kien?don-vi=28102").await.status(), 403);
        assert_eq!(head.get("/admin/phan-tich-y-kien/chu-de").await.status(), 403);
        let interviewer = app.login("dieutravien").await;
        assert_eq!(interviewer.get("/admin/phan-tich-y-kien").await.status(), 403);
        assert_eq!(interviewer.get("/admin/phan-tich-y-kien/y-kien").await.status(), 403);
    }
}

#[tokio::test]
async fn questions_and_consultation_comments_are_read_too() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn_with(db, web::Config { alert_interval_ms: 200, ..web::Config::default() }).await;
        app.demo_questions().await;
        app.demo_consultations().await;
        let access = office(&app).await;
        let asked = app.store.questions(&access, &Default::default(), storage::Paging::new(1, 1)).await.unwrap().total;
        let mut counted = 0;
        for _ in 0..100 {
            let (questions, consultations) = (
                app.store.analytics_cursor(storage::analytics::QUESTIONS).await.unwrap(),
                app.store.analytics_cursor(storage::analytics::CONSULTATIONS).await.unwrap(),
            );
            let months = app.store.count_comments(&access, &Default::default(), storage::analytics::CountBy::Month).await.unwrap();
            counted = months.iter().map(|c| c.total()).sum::<i64>();
            if questions > 0 && consultations > 0 && counted > asked {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(asked > 0 && counted > asked, "{backend}: {counted} comments read, {asked} questions among them and consultation comments besides");
        let cchc = app.login("cchc").await;
        let (status, page) = cchc.text("/admin/phan-tich-y-kien/y-kien").await;
        assert_eq!(status, 200);
        // The newest fifty, of whichever source came last.
        assert!(page.contains("Hỏi đáp, phản ánh") || page.contains("Góp ý dự thảo"), "{backend}: {page}");
    }
}
