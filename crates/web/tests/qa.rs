//! Questions and feedback through the web on both backends: a citizen asks (and robots, hostile
//! files and half-filled forms are refused with nothing written), the ward's official drafts and
//! its chairman approves, the asker is told by e-mail with the code, tracks the question and the
//! archive finds the masked answer without diacritics; the API creates and moves questions.

use std::time::Duration;

use testkit::providers::{self, Providers};
use testkit::smtp::MailSink;
use testkit::{Session, TestApp, csrf_in};

/// The ask form's stamp (when it was served, signed).
fn stamp_in(html: &str) -> String {
    let start = html.find("name=\"stamp\" value=\"").expect("a stamp") + "name=\"stamp\" value=\"".len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The id of the topic named `name` in the ask form.
fn topic_in(html: &str, name: &str) -> String {
    let end = html.find(&format!(">{name}</option>")).expect("the topic");
    let start = html[..end].rfind("value=\"").unwrap() + "value=\"".len();
    html[start..end].split('"').next().unwrap().to_string()
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string()
}

/// How many questions there are, all units.
async fn questions(app: &TestApp) -> i64 {
    let roots = app.store.root_units().await.unwrap();
    let admin = domain::auth::Access::new(roots.into_iter().map(|unit| domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit }).collect());
    app.store.questions(&admin, &Default::default(), storage::Paging::new(1, 1)).await.unwrap().total
}

/// Sends the ask form as a browser without script would, with `files`.
async fn ask(citizen: &Session, stamp: &str, fields: &[(&str, &str)], files: Vec<(&str, Vec<u8>)>) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("csrf", citizen.csrf.clone()).text("stamp", stamp.to_string());
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (name, bytes) in files {
        form = form.part("tep", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    }
    citizen.client.post(citizen.url("/hoi-dap/gui")).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn a_citizen_asks_the_ward_answers_and_the_archive_finds_it() {
    let Some(mail) = MailSink::start().await.unwrap() else { return };
    for db in testkit::backends().await {
        let backend = db.backend;
        let config = web::Config { smtp_url: Some(mail.url()), ..web::Config::default() };
        let app = TestApp::spawn_with(db, config).await;
        app.demo_questions().await;
        let before = questions(&app).await;

        let mut citizen = app.client();
        let (_, form_html) = citizen.text("/hoi-dap/gui").await;
        citizen.csrf = csrf_in(&form_html).unwrap();
        let stamp = stamp_in(&form_html);
        let topic = topic_in(&form_html, "Thủ tục hành chính tại Phường An Lạc");
        let address = format!("nguoi.dan.{backend}@example.vn");
        let fields = [
            ("kind", "hoi-dap"),
            ("topic", topic.as_str()),
            ("title", "Thời gian tiếp nhận hồ sơ đăng ký kết hôn"),
            ("body", "Tôi muốn đăng ký kết hôn tại phường, xin hỏi thời gian tiếp nhận và giấy tờ cần mang. Số của tôi 0987 654 321."),
            ("name", "Trần Văn Hùng"),
            ("contact", address.as_str()),
            ("consent", "co"),
        ];
        // Too fast for a person; a filled honeypot; an executable in disguise; no topic.
        let fast = ask(&citizen, &stamp, &fields, vec![]).await;
        assert_eq!(fast.status(), 422, "{backend}");
        assert!(fast.text().await.unwrap().contains("quá nhanh"));
        app.clock.advance_ms(10_000);
        let mut robot = fields.to_vec();
        robot.push(("website", "http://spam.example"));
        assert_eq!(ask(&citizen, &stamp, &robot, vec![]).await.status(), 422);
        let disguised = ask(&citizen, &stamp, &fields, vec![("giay-to.pdf", b"MZ\x90\x00 not a pdf".to_vec())]).await;
        assert_eq!(disguised.status(), 422);
        assert!(disguised.text().await.unwrap().contains("giay-to.pdf"));
        let no_topic: Vec<(&str, &str)> = fields.iter().copied().filter(|(k, _)| *k != "topic").collect();
        assert_eq!(ask(&citizen, &stamp, &no_topic, vec![]).await.status(), 422);
        let forged = ask(&citizen, "1.abcd", &fields, vec![]).await;
        assert_eq!(forged.status(), 422);
        assert_eq!(questions(&app).await, before, "{backend}: nothing was written");

        // Sent with a scanned appointment slip: the tracking page shows the code.
        let sent = ask(&citizen, &stamp, &fields, vec![("giay-hen.pdf", b"%PDF-1.4 giay hen".to_vec())]).await;
        assert_eq!(sent.status(), 303, "{backend}");
        let tracking = location(&sent);
        let (status, page) = citizen.text(&tracking).await;
        assert_eq!(status, 200);
        assert!(page.contains("Đã gửi") && page.contains("HD-") && page.contains("Đang xử lý") && page.contains("Phường An Lạc"), "{page}");
        let received = mail.wait_for(&address, "đã tiếp nhận câu hỏi", Duration::from_secs(15)).await.unwrap();
        let code = tracking.split("ma=").nth(1).unwrap().split('&').next().unwrap().to_string();
        assert!(received.body.contains(&domain::qa::format_code(&code)), "{}", received.body);

        // The ward's official drafts; the chairman approves and publishes.
        let official = app.login("anlac.canbo").await;
        let (_, list) = official.text("/admin/hoi-dap").await;
        let start = list.find("Thời gian tiếp nhận hồ sơ đăng ký kết hôn").unwrap();
        let href = list[..start].rfind("/admin/hoi-dap/").unwrap();
        let id: i64 = list[href + "/admin/hoi-dap/".len()..start].split('"').next().unwrap().parse().unwrap();
        let (_, detail) = official.text(&format!("/admin/hoi-dap/{id}")).await;
        assert!(detail.contains("giay-hen.pdf") && !detail.contains("Trần Văn Hùng"), "the asker is shown only on purpose");
        let opened = official.post_form(&format!("/admin/hoi-dap/{id}/nguoi-hoi"), &[]).await;
        assert!(opened.text().await.unwrap().contains("Trần Văn Hùng"));
        let answer = "Bộ phận Một cửa Phường An Lạc tiếp nhận hồ sơ đăng ký kết hôn giờ hành chính; mang căn cước của hai bên. Gọi 0987 654 321 nếu cần.";
        assert_eq!(official.post_form(&format!("/admin/hoi-dap/{id}/du-thao"), &[("answer", answer)]).await.status(), 303);
        let refused = official.post_form(&format!("/admin/hoi-dap/{id}/duyet"), &[("decision", "duyet"), ("publish", "1")]).await;
        assert_eq!(refused.status(), 403, "an official does not approve");
        let head = app.login("anlac.chutich").await;
        let approved = head.post_form(&format!("/admin/hoi-dap/{id}/duyet"), &[("decision", "duyet"), ("publish", "1")]).await;
        assert_eq!(approved.status(), 303, "{backend}");
        let told = mail.wait_for(&address, "trả lời câu hỏi", Duration::from_secs(15)).await.unwrap();
        assert!(told.body.contains("căn cước của hai bên"));

        // The asker follows the link; the archive shows it masked and finds it without tones.
        let (_, page) = app.client().text(&tracking).await;
        assert!(page.contains("Đã trả lời") && page.contains("căn cước của hai bên"), "{page}");
        let (_, public) = app.client().text(&format!("/hoi-dap/{id}")).await;
        assert!(public.contains("[đã ẩn số điện thoại]") && !public.contains("0987 654 321") && !public.contains("Trần Văn Hùng"), "{public}");
        let (_, found) = app.client().text("/hoi-dap?q=dang+ky+ket+hon").await;
        assert!(found.contains(&format!("/hoi-dap/{id}")), "{backend}: {found}");
        let ward = app.unit_id("28101").await;
        let (_, by_unit) = app.client().text(&format!("/hoi-dap?don_vi={ward}")).await;
        assert!(by_unit.contains(&format!("/hoi-dap/{id}")) && !by_unit.contains("Đổi nơi đăng ký khám chữa bệnh"), "{backend}: only the ward's answers");
        let (_, everywhere) = app.client().text("/tim-kiem?q=ket+hon").await;
        assert!(everywhere.contains("Hỏi đáp"));

        // "Was this useful?" counts one vote per browser.
        let mut reader = app.client();
        reader.csrf = reader.csrf_of(&format!("/hoi-dap/{id}")).await;
        assert_eq!(reader.post_form(&format!("/hoi-dap/{id}/danh-gia"), &[("useful", "co")]).await.status(), 303);
        assert_eq!(reader.post_form(&format!("/hoi-dap/{id}/danh-gia"), &[("useful", "co")]).await.status(), 303);
        let (_, voted) = reader.text(&format!("/hoi-dap/{id}?xong=1")).await;
        assert!(voted.contains("Hữu ích (1)"), "{voted}");
        assert_eq!(reader.post_form(&format!("/hoi-dap/{id}/danh-gia"), &[("useful", "rat")]).await.status(), 422);

        // A wrong code is told plainly.
        let (status, _) = app.client().text("/hoi-dap/tra-cuu?ma=HD-0000-0000-0000-0000").await;
        assert_eq!(status, 404);
    }
}

#[tokio::test]
async fn the_api_creates_routes_and_answers_questions() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        app.demo_questions().await;
        let token_of = async |name: &str| {
            let (token, hash) = web::new_api_token();
            let user = app.store.user_id_by_name(name).await.unwrap();
            app.store.create_api_token(&storage::Actor::system("test", 0), user, "test", &hash, None, &Default::default()).await.unwrap();
            token
        };
        let (counter, office, ward) = (token_of("motcua.anlac").await, token_of("cchc").await, token_of("anlac.canbo").await);
        let http = reqwest::Client::new();
        let url = |path: &str| format!("{}{path}", app.base);
        let archive: serde_json::Value = http.get(url("/api/v1/questions/archive?pinned=true")).send().await.unwrap().json().await.unwrap();
        assert_eq!(archive["total"], 3, "{backend}: {archive}");
        let topics: serde_json::Value = http.get(url("/api/v1/questions/topics")).send().await.unwrap().json().await.unwrap();
        let other = topics.as_array().unwrap().iter().find(|t| t["name"] == "Khác").unwrap()["id"].as_i64().unwrap();
        let body = serde_json::json!({
            "kind": "phan-anh", "topic_id": other, "title": "Phản ánh qua đường dây nóng", "channel": "duong-day-nong",
            "body": "Người dân gọi đường dây nóng phản ánh việc chậm trả kết quả hồ sơ đất đai.", "name": "Lê Văn C", "contact": "0912000111"
        });
        let created = http.post(url("/api/v1/questions")).bearer_auth(&counter).json(&body).send().await.unwrap();
        assert_eq!(created.status(), 201, "{backend}");
        let created: serde_json::Value = created.json().await.unwrap();
        assert_eq!(created["status"], "cho-phan-cong");
        let id = created["id"].as_i64().unwrap();
        let forbidden = http.post(url("/api/v1/questions")).bearer_auth(&ward).json(&body).send().await.unwrap();
        assert_eq!(forbidden.status(), 403);
        let bad = http.post(url("/api/v1/questions")).bearer_auth(&counter).json(&serde_json::json!({"kind": "x"})).send().await.unwrap();
        assert_eq!(bad.status(), 422);
        assert!(bad.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));

        let step =
            |token: &str, body: serde_json::Value| http.post(url(&format!("/api/v1/questions/{id}/steps"))).bearer_auth(token.to_string()).json(&body).send();
        assert_eq!(step(&ward, serde_json::json!({"action": "draft", "answer": "Chưa phân công."})).await.unwrap().status(), 404, "not the ward's yet");
        assert_eq!(step(&office, serde_json::json!({"action": "dispatch", "unit_code": "28101"})).await.unwrap().status(), 204);
        assert_eq!(step(&ward, serde_json::json!({"action": "approve"})).await.unwrap().status(), 403);
        assert_eq!(step(&ward, serde_json::json!({"action": "draft", "answer": "Phường đã kiểm tra và trả kết quả."})).await.unwrap().status(), 204);
        assert_eq!(step(&ward, serde_json::json!({"action": "dispatch", "unit_code": "28101"})).await.unwrap().status(), 403);
        let detail: serde_json::Value = http.get(url(&format!("/api/v1/questions/{id}"))).bearer_auth(&ward).send().await.unwrap().json().await.unwrap();
        assert_eq!(detail["status"], "cho-duyet");
        let tracked: serde_json::Value =
            http.get(url(&format!("/api/v1/questions/track/{}", created["tracking_code"].as_str().unwrap()))).send().await.unwrap().json().await.unwrap();
        assert_eq!(tracked["status"], "cho-duyet");
        let now = app.clock.now_ms();
        let stats: serde_json::Value = http
            .get(url(&format!("/api/v1/questions/statistics?from={}&to={}", now - 90 * 86_400_000, now + 1)))
            .bearer_auth(&office)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(stats.as_array().unwrap().iter().any(|u| u["unit"] == "Phường An Lạc" && u["received"].as_u64() >= Some(2)), "{stats}");

        // The same figures as a spreadsheet and as the reform office's report.
        let cchc = app.login("cchc").await;
        let xlsx = cchc.get("/admin/hoi-dap/thong-ke.xlsx").await.bytes().await.unwrap();
        let limits = sheets::Limits { rows: 100, columns: 20, cells: 2_000, unpacked_bytes: 8 << 20 };
        let sheets = sheets::read_sheets(&xlsx, &limits).unwrap();
        assert!(sheets[0].1.iter().any(|row| row[0] == "Phường An Lạc"), "{backend}");
        assert_eq!(sheets[0].1.last().unwrap()[0], "Tổng cộng");
        let docx = cchc.get("/admin/hoi-dap/thong-ke.docx").await.bytes().await.unwrap();
        let xml = testkit::documents::docx_xml(&docx);
        assert!(xml.contains("BÁO CÁO") && xml.contains("KẾT QUẢ THEO ĐƠN VỊ") && xml.contains("Phường An Lạc"), "{backend}");
    }
}

#[tokio::test]
async fn an_asker_who_chose_zalo_is_told_there_and_others_by_sms() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let gateways = Providers::start().await;
        let config = web::Config {
            sms_url: Some(gateways.sms_url()),
            sms_token: providers::SMS_TOKEN.into(),
            zalo_token: Some(providers::ZALO_TOKEN.into()),
            zalo_template: providers::ZALO_TEMPLATE.into(),
            zalo_url: gateways.zalo_url(),
            zalo_qa_template: providers::ZALO_QA_TEMPLATE.into(),
            alert_interval_ms: 200,
            ..web::Config::default()
        };
        let app = TestApp::spawn_with(db, config).await;
        app.demo_questions().await;
        let (token, hash) = web::new_api_token();
        let counter = app.store.user_id_by_name("motcua.anlac").await.unwrap();
        app.store.create_api_token(&storage::Actor::system("test", 0), counter, "test", &hash, None, &Default::default()).await.unwrap();
        let topic = app.store.qa_topics(true).await.unwrap().into_iter().find(|t| t.name == "Khác").unwrap().id;
        for (phone, zalo) in [("0912000222", true), ("0912000333", false)] {
            let body = serde_json::json!({
                "kind": "hoi-dap", "topic_id": topic, "title": "Hỏi tại quầy một cửa", "channel": "mot-cua", "zalo": zalo,
                "body": "Người dân hỏi tại quầy về thời hạn trả kết quả hồ sơ đất đai.", "name": "Lê Văn C", "contact": phone
            });
            let created = reqwest::Client::new().post(format!("{}/api/v1/questions", app.base)).bearer_auth(&token).json(&body).send().await.unwrap();
            assert_eq!(created.status(), 201, "{backend}");
        }
        gateways.wait_for(1, 1, Duration::from_secs(15)).await.unwrap();
        let zns = gateways.zalo();
        assert_eq!(zns.len(), 1, "{backend}: {zns:?}");
        assert_eq!(zns[0]["template_id"], providers::ZALO_QA_TEMPLATE);
        assert_eq!(zns[0]["phone"], "84912000222");
        assert!(zns[0]["template_data"]["ma_theo_doi"].as_str().unwrap().starts_with("HD-"));
        assert_eq!(zns[0]["template_data"]["trang_thai"], "Đã tiếp nhận");
        let texts = gateways.sms();
        assert!(texts.iter().any(|m| m["to"] == "0912000333" && m["text"].as_str().unwrap().contains("Ma theo doi HD-")), "{texts:?}");
    }
}

#[tokio::test]
async fn a_topic_that_asks_for_an_identity_takes_a_question_once_vneid_says_who_it_is() {
    let vneid = testkit::oidc::Provider::start().await;
    vneid.add_user("Nguyễn Thị Hoa", "vneid-001094012345");
    let app = TestApp::spawn_with(testkit::sqlite(), web::Config { vneid: Some(vneid.config(None)), ..web::Config::default() }).await;
    vneid.register(&format!("{}/xac-thuc/vneid/callback", app.base));
    let office = app.login("cchc").await;
    let saved = office.post_form("/admin/hoi-dap/linh-vuc", &[("name", "Khiếu nại về đất đai"), ("unit", "28101"), ("requires_identity", "1")]).await;
    assert_eq!(saved.status(), 303);
    assert!(office.text("/admin/hoi-dap/linh-vuc").await.1.contains(r#"Khiếu nại về đất đai <span class="tag">Cần xác thực VNeID</span>"#));

    let mut citizen = app.client();
    let (_, html) = citizen.text("/hoi-dap/gui").await;
    assert!(html.contains("Xác thực bằng VNeID"), "{html}");
    citizen.csrf = csrf_in(&html).unwrap();
    let topic = topic_in(&html, "Khiếu nại về đất đai (cần xác thực VNeID)");
    let fields = [
        ("kind", "kien-nghi"),
        ("topic", topic.as_str()),
        ("title", "Tranh chấp ranh giới thửa đất số 12"),
        ("body", "Đề nghị phường xem xét lại việc đo đạc ranh giới thửa đất số 12, tờ bản đồ số 3."),
        ("name", "Nguyễn Thị Hoa"),
        ("contact", "0912345678"),
    ];
    app.clock.advance_ms(10_000);
    let refused = ask(&citizen, &stamp_in(&html), &fields, vec![]).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("cần xác thực danh tính bằng tài khoản định danh điện tử (VNeID)"));
    assert_eq!(questions(&app).await, 0, "nothing written");

    let start = citizen.get("/xac-thuc/vneid?next=%2Fhoi-dap%2Fgui").await;
    assert_eq!(start.status(), 303);
    let callback = vneid.sign_in_at(&location(&start), "Nguyễn Thị Hoa").await;
    let back = citizen.client.get(&callback).send().await.unwrap();
    assert_eq!((back.status().as_u16(), location(&back)), (303, "/hoi-dap/gui".to_string()));
    let (_, html) = citizen.text("/hoi-dap/gui").await;
    assert!(html.contains("VNeID): Nguyễn Thị Hoa.") && html.contains(r#"id="identified""#), "{html}");
    citizen.csrf = csrf_in(&html).unwrap();
    app.clock.advance_ms(10_000);
    let taken = ask(&citizen, &stamp_in(&html), &fields, vec![]).await;
    assert_eq!(taken.status(), 303, "{}", taken.text().await.unwrap());

    // The ward's official sees the asker proved who they are.
    let roots = app.store.root_units().await.unwrap();
    let admin = domain::auth::Access::new(roots.into_iter().map(|unit| domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit }).collect());
    let id = app.store.questions(&admin, &Default::default(), storage::Paging::new(1, 1)).await.unwrap().items[0].id;
    let (status, page) = app.login("anlac.canbo").await.text(&format!("/admin/hoi-dap/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Đã xác thực bằng VNeID lúc"), "{page}");
}
