//! Consultation through the web on both backends: a draft imported from text and published,
//! a citizen's comment (and refused ones that write nothing), moderation, verification by a code
//! sent by e-mail or SMS, the deadline, the answers and the report as DOCX and XLSX, the public API.

use std::time::Duration;

use testkit::smtp::MailSink;
use testkit::{Session, TestApp};

const DAY: i64 = 86_400_000;

/// A citizen's browser: its own cookies, the CSRF token of the page it read.
async fn citizen(app: &TestApp, page: &str) -> Session {
    let mut session = app.client();
    session.csrf = session.csrf_of(page).await;
    assert!(!session.csrf.is_empty(), "{page} carries a form token");
    session
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string()
}

/// Sets up and publishes a consultation of the Department of Justice through its pages;
/// returns its id.
async fn published(app: &TestApp, official: &Session, moderation: &str) -> i64 {
    let today = domain::text::format_date(domain::text::vn_datetime(app.clock.now_ms() - DAY).date());
    let later = domain::text::format_date(domain::text::vn_datetime(app.clock.now_ms() + 30 * DAY).date());
    let fields = [
        ("unit", "STP"),
        ("title", "Dự thảo Quy chế tiếp nhận, xử lý phản ánh"),
        ("summary", "Lấy ý kiến về thời hạn xử lý."),
        ("subject", "du-thao-van-ban"),
        ("audience", "moi-nguoi"),
        ("moderation", moderation),
        ("opens_on", today.as_str()),
        ("opens_time", "08:00"),
        ("closes_on", later.as_str()),
        ("closes_time", "17:00"),
    ];
    let created = official.post_form("/admin/y-kien", &fields).await;
    assert_eq!(created.status(), 303, "{}", created.text().await.unwrap_or_default());
    let id: i64 = location(&created).trim_start_matches("/admin/y-kien/").split('?').next().unwrap().parse().unwrap();
    let form = reqwest::multipart::Form::new().text("csrf", official.csrf.clone()).text("text", thuocdo::demo::consultation::DRAFT);
    let imported = official.client.post(official.url(&format!("/admin/y-kien/{id}/toan-van"))).multipart(form).send().await.unwrap();
    assert_eq!(imported.status(), 303);
    let (_, page) = official.text(&format!("/admin/y-kien/{id}")).await;
    assert!(page.contains("Khoản 2 Điều 2") || page.contains("Điều 3. Thời hạn xử lý"), "the structure is shown: {page}");
    assert_eq!(official.post_form(&format!("/admin/y-kien/{id}/cong-bo"), &[]).await.status(), 303);
    id
}

#[tokio::test]
async fn a_citizen_comments_the_unit_moderates_answers_and_reports() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let official = app.login("stp.canbo").await;
        let id = published(&app, &official, "duyet-truoc").await;

        let page = format!("/y-kien/{id}/dieu-3");
        let person = citizen(&app, &page).await;
        // Bad input is told in Vietnamese and writes nothing.
        let empty =
            person.post_form(&format!("/y-kien/{id}/gop-y"), &[("part", "dieu-3-khoan-1"), ("page", "dieu-3"), ("body", " "), ("kind", "ca-nhan")]).await;
        assert_eq!(empty.status(), 422, "{backend}");
        assert!(empty.text().await.unwrap().contains("Cần ghi nội dung ý kiến."));
        let forged = person
            .post_raw_form(&format!("/y-kien/{id}/gop-y"), &[("csrf", "forged"), ("part", "dieu-3"), ("body", "Ý kiến giả mạo"), ("kind", "ca-nhan")])
            .await;
        assert_eq!(forged.status(), 403);
        let business = person
            .post_form(&format!("/y-kien/{id}/gop-y"), &[("part", "dieu-3"), ("page", "dieu-3"), ("body", "Doanh nghiệp góp ý"), ("kind", "doanh-nghiep")])
            .await;
        assert_eq!(business.status(), 422, "an organisation names itself");
        let said = "Đề nghị rút ngắn thời hạn xuống 03 ngày làm việc. Liên hệ 0912 345 678.";
        let sent = person
            .post_form(
                &format!("/y-kien/{id}/gop-y"),
                &[("part", "dieu-3-khoan-1"), ("page", "dieu-3"), ("body", said), ("kind", "ca-nhan"), ("contact", "nguoidan@example.vn")],
            )
            .await;
        assert_eq!(sent.status(), 303);
        assert!(location(&sent).contains("xong=cho-duyet"));
        let (_, html) = person.text(&page).await;
        assert!(html.contains("Chờ duyệt") && html.contains("[đã ẩn số điện thoại]"), "the sender sees it waiting, masked: {backend}");
        assert!(html.contains("Các ý kiến đã đăng (0 nhóm)"), "nothing public before moderation");

        let (_, queue) = official.text(&format!("/admin/y-kien/{id}/kiem-duyet")).await;
        let comment: i64 = queue.split("id=\"c-").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        let refused = official.post_form(&format!("/admin/y-kien/{id}/kiem-duyet/{comment}"), &[("decision", "khong-dang"), ("reason", " ")]).await;
        assert_eq!(refused.status(), 422, "a rejection needs its reason");
        assert_eq!(official.post_form(&format!("/admin/y-kien/{id}/kiem-duyet/{comment}"), &[("decision", "dang")]).await.status(), 303);
        // The server's grouping step places it within a second; the test does not wait for it.
        app.store.group_comments(1_000).await.unwrap();
        let (_, html) = app.client().text(&page).await;
        assert!(html.contains("Các ý kiến đã đăng (1 nhóm)") && html.contains("Khoản 1 Điều 3"), "{backend}");
        let (_, overview) = app.client().text(&format!("/y-kien/{id}")).await;
        assert!(overview.contains("Điều 3. Thời hạn xử lý</a><span>1 ý kiến</span>"), "the count beside the article: {overview}");

        // Another citizen agrees, once; the author may not.
        let other = citizen(&app, &page).await;
        for _ in 0..2 {
            let voted =
                other.post_form(&format!("/y-kien/{id}/bieu-quyet"), &[("comment", &comment.to_string()), ("vote", "dong-y"), ("page", "dieu-3")]).await;
            assert_eq!(voted.status(), 303);
        }
        let own = person.post_form(&format!("/y-kien/{id}/bieu-quyet"), &[("comment", &comment.to_string()), ("vote", "dong-y"), ("page", "dieu-3")]).await;
        assert_eq!(own.status(), 422);
        let api: serde_json::Value = app.client().get(&format!("/api/v1/consultations/{id}/positions?part=dieu-3")).await.json().await.unwrap();
        assert_eq!((api["total"].as_i64(), api["items"][0]["agree"].as_i64()), (Some(1), Some(1)), "{api}");
        let group = api["items"][0]["group"].as_i64().unwrap();

        // The deadline is the server's: past it, nothing more is taken.
        app.clock.advance_ms(31 * DAY);
        let late =
            other.post_form(&format!("/y-kien/{id}/gop-y"), &[("part", "dieu-3"), ("page", "dieu-3"), ("body", "Gửi sau hạn"), ("kind", "ca-nhan")]).await;
        assert_eq!(late.status(), 409);
        assert!(late.text().await.unwrap().contains("đã hết hạn"));
        // A month on, the official signs in again.
        let official = app.login("stp.canbo").await;
        let early_report = official.post_form(&format!("/admin/y-kien/{id}/bao-cao"), &[("final_text", "Điều 3. …")]).await;
        assert_eq!(early_report.status(), 422, "every position is answered first");
        let answered = official
            .post_form(&format!("/admin/y-kien/{id}/tiep-thu/{group}"), &[("verdict", "tiep-thu"), ("answer", "Đã sửa Khoản 1 Điều 3 thành 03 ngày làm việc.")])
            .await;
        assert_eq!(answered.status(), 303);
        let reported =
            official.post_form(&format!("/admin/y-kien/{id}/bao-cao"), &[("final_text", "Điều 3. Thời hạn xử lý\n1. Trong 03 ngày làm việc.")]).await;
        assert_eq!(reported.status(), 303);

        let docx = app.client().get(&format!("/y-kien/{id}/tai/bao-cao.docx")).await;
        assert_eq!(docx.status(), 200);
        let xml = testkit::documents::docx_xml(&docx.bytes().await.unwrap());
        for needle in ["BÁO CÁO", "SỞ TƯ PHÁP", "Khoản 1 Điều 3", "Đã sửa Khoản 1 Điều 3 thành 03 ngày làm việc.", "Tiếp thu", "VĂN BẢN ĐÃ CHỈNH LÝ"]
        {
            assert!(xml.contains(needle), "{needle} in the report: {backend}");
        }
        let xlsx = app.client().get(&format!("/y-kien/{id}/tai/bao-cao.xlsx")).await.bytes().await.unwrap();
        let limits = sheets::Limits { rows: 100, columns: 20, cells: 2_000, unpacked_bytes: 8 << 20 };
        let sheets = sheets::read_sheets(&xlsx, &limits).unwrap();
        assert_eq!(sheets[0].1[1][1], "Khoản 1 Điều 3");
        assert!(sheets[0].1[1][6].contains("03 ngày làm việc"));
        let (_, final_page) = app.client().text(&format!("/y-kien/{id}/van-ban-cuoi")).await;
        assert!(final_page.contains("Trong 03 ngày làm việc."));
        assert_eq!(app.store.due_notices(app.clock.now_ms(), 10).await.unwrap().len(), 1, "the citizen who left an address is told");
    }
}

#[tokio::test]
async fn a_code_by_email_verifies_the_participant() {
    let Some(mail) = MailSink::start().await.unwrap() else { return };
    for db in testkit::backends().await {
        let backend = db.backend;
        let config = web::Config { smtp_url: Some(mail.url()), ..web::Config::default() };
        let app = TestApp::spawn_with(db, config).await;
        let official = app.login("stp.canbo").await;
        let id = published(&app, &official, "duyet-sau").await;
        let page = format!("/y-kien/{id}/dieu-4");
        let person = citizen(&app, &page).await;
        let address = format!("doanhnghiep.{backend}@example.vn");
        let sent = person.post_form(&format!("/y-kien/{id}/xac-thuc"), &[("contact", &address), ("page", "dieu-4")]).await;
        assert_eq!(sent.status(), 303);
        let message = mail.wait_for(&address, "Mã xác thực", Duration::from_secs(10)).await.unwrap();
        let code: String = message.body.split(": ").nth(1).unwrap().chars().take(6).collect();
        let wrong = person.post_form(&format!("/y-kien/{id}/xac-thuc/ma"), &[("code", "12345x"), ("page", "dieu-4")]).await;
        assert_eq!(wrong.status(), 422);
        let confirmed = person.post_form(&format!("/y-kien/{id}/xac-thuc/ma"), &[("code", &code), ("page", "dieu-4")]).await;
        assert_eq!(confirmed.status(), 303, "{code}");
        let (_, html) = person.text(&page).await;
        assert!(html.contains("Bạn đã xác thực"));
        let stats: serde_json::Value = app.client().get(&format!("/api/v1/consultations/{id}/statistics")).await.json().await.unwrap();
        assert_eq!(stats["verified"], 0, "verification alone is not taking part");

        // The verified participant comments; when the report is out, the outbox tells them.
        let fields = [("part", "dieu-4"), ("page", "dieu-4"), ("body", "Đề nghị bỏ phí thẩm định hồ sơ."), ("kind", "ca-nhan")];
        assert_eq!(person.post_form(&format!("/y-kien/{id}/gop-y"), &fields).await.status(), 303);
        app.store.group_comments(1_000).await.unwrap();
        let stats: serde_json::Value = app.client().get(&format!("/api/v1/consultations/{id}/statistics")).await.json().await.unwrap();
        assert_eq!((stats["verified"].as_i64(), stats["participants"][0][1].as_i64()), (Some(1), Some(1)), "{backend}: {stats}");
        let positions: serde_json::Value = app.client().get(&format!("/api/v1/consultations/{id}/positions")).await.json().await.unwrap();
        let group = positions["items"][0]["group"].as_i64().unwrap();
        app.clock.advance_ms(31 * DAY);
        let official = app.login("stp.canbo").await;
        let answer = [("verdict", "khong-tiep-thu"), ("answer", "Phí do Hội đồng nhân dân tỉnh quyết định.")];
        assert_eq!(official.post_form(&format!("/admin/y-kien/{id}/tiep-thu/{group}"), &answer).await.status(), 303);
        assert_eq!(official.post_form(&format!("/admin/y-kien/{id}/bao-cao"), &[("final_text", "Điều 4. Phí thẩm định")]).await.status(), 303);
        let notice = mail.wait_for(&address, "đã công bố báo cáo tổng hợp", Duration::from_secs(15)).await.unwrap();
        assert!(notice.body.contains(&format!("/y-kien/{id}")), "{}", notice.body);
    }
}

#[tokio::test]
async fn the_public_api_reads_and_takes_comments() {
    for db in testkit::backends().await {
        let app = TestApp::spawn(db).await;
        app.demo_consultations().await;
        let client = app.client();
        let list: serde_json::Value = client.get("/api/v1/consultations").await.json().await.unwrap();
        assert_eq!(list["total"], 2);
        let open = list["items"].as_array().unwrap().iter().find(|c| c["phase"] == "open").unwrap();
        let id = open["id"].as_i64().unwrap();
        let detail: serde_json::Value = client.get(&format!("/api/v1/consultations/{id}")).await.json().await.unwrap();
        assert!(detail["parts"].as_array().unwrap().iter().any(|p| p["anchor"] == "dieu-3-khoan-1" && p["label"] == "Khoản 1 Điều 3"));
        let url = client.url(&format!("/api/v1/consultations/{id}/comments"));
        let body =
            serde_json::json!({ "participant_token": "app-participant-000001", "part": "dieu-5", "body": "Đề nghị hiệu lực sau 15 ngày.", "kind": "ca-nhan" });
        let created = client.client.post(&url).json(&body).send().await.unwrap();
        assert_eq!(created.status(), 201);
        let bad = serde_json::json!({ "participant_token": "short", "part": "dieu-5", "body": "x", "kind": "ai-do" });
        let refused = client.client.post(&url).json(&bad).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        assert_eq!(refused.headers()["content-type"], "application/problem+json");
        let stats: serde_json::Value = client.get(&format!("/api/v1/consultations/{id}/statistics")).await.json().await.unwrap();
        assert!(stats["participants"][0][1].as_i64().unwrap() > 100, "{stats}");
        // The reported plan offers its report to anyone.
        let reported = list["items"].as_array().unwrap().iter().find(|c| c["phase"] == "reported").unwrap()["id"].as_i64().unwrap();
        assert_eq!(client.get(&format!("/y-kien/{reported}/tai/bao-cao.docx")).await.status(), 200);
        assert_eq!(client.get(&format!("/y-kien/{id}/tai/bao-cao.docx")).await.status(), 404, "not before the report is out");
        let (status, html) = client.text(&format!("/y-kien/{id}/thong-ke")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Người tham gia") && html.contains("<svg"));
    }
}

#[tokio::test]
async fn a_code_by_sms_verifies_a_business_that_then_may_comment() {
    for db in testkit::backends().await {
        let gateways = testkit::providers::Providers::start().await;
        let config = web::Config { sms_url: Some(gateways.sms_url()), sms_token: testkit::providers::SMS_TOKEN.into(), ..web::Config::default() };
        let app = TestApp::spawn_with(db, config).await;
        // Only businesses, verified.
        let justice = app.unit_id("STP").await;
        let access = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::UnitOfficial, unit: justice }]);
        let settings = domain::consultation::Settings {
            title: "Dự thảo quy định về phí thẩm định".into(),
            summary: String::new(),
            subject: domain::consultation::Subject::Policy,
            audience: domain::consultation::Audience::Businesses,
            invited: Vec::new(),
            moderation: domain::consultation::Moderation::After,
            opens_at: app.clock.now_ms() - 1,
            closes_at: app.clock.now_ms() + 10 * DAY,
        };
        let actor = storage::Actor::system("test", app.clock.now_ms());
        let businesses = app.store.create_consultation(&actor, &access, justice, settings, &domain::consultation::Rules::default()).await.unwrap();
        let outline = domain::consultation::outline(&thuocdo::demo::consultation::draft_lines()).unwrap();
        app.store.save_consultation_text(&actor, &access, businesses, &outline).await.unwrap();
        app.store.publish_consultation(&actor, &access, businesses).await.unwrap();

        let page = format!("/y-kien/{businesses}/dieu-4");
        let company = citizen(&app, &page).await;
        let fields =
            [("part", "dieu-4"), ("page", "dieu-4"), ("body", "Đề nghị bỏ phí thẩm định."), ("kind", "doanh-nghiep"), ("organisation", "Công ty TNHH An Phát")];
        let refused = company.post_form(&format!("/y-kien/{businesses}/gop-y"), &fields).await;
        assert_eq!(refused.status(), 422, "a business verifies first");
        let sent = company.post_form(&format!("/y-kien/{businesses}/xac-thuc"), &[("contact", "0912 345 678"), ("page", "dieu-4")]).await;
        assert_eq!(sent.status(), 303);
        gateways.wait_for(1, 0, Duration::from_secs(10)).await.unwrap();
        let sms = gateways.sms();
        assert_eq!(sms[0]["to"], "0912345678");
        let text = sms[0]["text"].as_str().unwrap();
        assert!(text.is_ascii(), "{text}");
        let code: String = text.split(": ").nth(1).unwrap().chars().take(6).collect();
        assert_eq!(company.post_form(&format!("/y-kien/{businesses}/xac-thuc/ma"), &[("code", &code), ("page", "dieu-4")]).await.status(), 303);
        let taken = company.post_form(&format!("/y-kien/{businesses}/gop-y"), &fields).await;
        assert_eq!(taken.status(), 303, "{}", taken.text().await.unwrap_or_default());
    }
}
