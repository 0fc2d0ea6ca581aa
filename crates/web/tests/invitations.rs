//! Invitations end to end with real components, on SQLite and PostgreSQL: e-mail through a local
//! SMTP server (a refused address bounces), SMS through a local gateway and Zalo through a local
//! server following the ZNS API, each reporting delivery back to the app; links opened, answered
//! once, opted out (never messaged again), reminded, and refused once expired; the contact
//! window; the participation report.

use std::time::Duration;

use domain::auth::{Access, Grant, Role};
use domain::invitations::InvitationStatus;
use domain::sampling::frame::RawFrameRow;
use storage::sampling::DrawRequest;
use testkit::providers::Providers;
use testkit::smtp::MailSink;
use testkit::{TestApp, csrf_in, link_in, page_fields};

const WAIT: Duration = Duration::from_secs(20);

fn dossier(code: &str, phone: &str, email: &str) -> RawFrameRow {
    RawFrameRow {
        dossier_code: code.into(),
        procedure: "Đăng ký khai sinh".into(),
        field: "Hộ tịch".into(),
        unit_code: "28101".into(),
        completed_on: "02/11/2026".into(),
        name: "Người Dân".into(),
        phone: phone.into(),
        email: email.into(),
        consent: "có".into(),
    }
}

/// Waits until the survey's invitations on `channel` have the given counts.
async fn wait_counts(app: &TestApp, office: &Access, survey: i64, channel: &str, expected: &[(InvitationStatus, i64)]) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let report = app.store.participation(office, survey).await.unwrap();
        let row = report.iter().find(|p| p.channel.code() == channel);
        if row.is_some_and(|r| expected.iter().all(|(s, n)| r.count(*s) == *n)) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{channel}: expected {expected:?}, have {row:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn invitations_go_by_email_sms_and_zalo_and_their_statuses_follow() {
    let Some(mail) = MailSink::start().await.unwrap() else { return };
    for db in testkit::backends().await {
        let backend = db.backend;
        let gateways = Providers::start().await;
        let app = TestApp::spawn_with(db, gateways.config(mail.url())).await;
        gateways.report_to(&app.base);
        let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]);
        let actor = storage::Actor::system("test", app.clock.now_ms());
        let rows: Vec<(usize, RawFrameRow)> = (1..=5)
            .map(|i| dossier(&format!("HS-{i}"), &format!("0912000{i:03}"), &format!("nguoidan{i}.{backend}@example.vn")))
            .chain([dossier("HS-6", "0912000000", &format!("bounce.{backend}@example.vn"))])
            .enumerate()
            .map(|(i, r)| (i + 2, r))
            .collect();
        assert!(app.store.import_frame(&actor, &office, &rows, "upload", true).await.unwrap().applied);
        let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id;
        let request = DrawRequest {
            survey_id: survey,
            from: domain::text::parse_date("01/11/2026").unwrap(),
            to: domain::text::parse_date("30/11/2026").unwrap(),
            params: domain::sampling::draw::DrawParams { total: 6, minimum: 0, strata: Default::default(), reserves_per_sample: 0, seed: 9 },
        };
        let draw = app.store.create_draw(&actor, &office, &request).await.unwrap();
        let cchc = app.login("cchc").await;

        // E-mail: five arrive, the refused address bounces.
        let queued = cchc.post_form(&format!("/admin/sampling/draws/{draw}/invite"), &[("channel", "email")]).await;
        assert_eq!(queued.status(), 303, "{backend}");
        let (_, page) = cchc.text(queued.headers()["location"].to_str().unwrap()).await;
        assert!(page.contains("Đã xếp 6 lời mời"), "{page}");
        let first = mail.wait_for(&format!("nguoidan1.{backend}@example.vn"), "/t/", WAIT).await.unwrap();
        for i in 2..=5 {
            mail.wait_for(&format!("nguoidan{i}.{backend}@example.vn"), "HS-", WAIT).await.unwrap();
        }
        wait_counts(&app, &office, survey, "email", &[(InvitationStatus::Sent, 5), (InvitationStatus::Bounced, 1)]).await;

        // The first person opens the link and answers; the second opts out.
        let visitor = app.client();
        let link = link_in(&first.body);
        let (status, html) = visitor.text(&link).await;
        assert_eq!(status, 200, "{backend}");
        wait_counts(&app, &office, survey, "email", &[(InvitationStatus::Opened, 1)]).await;
        let mut fields = vec![("csrf".to_string(), csrf_in(&html).unwrap())];
        fields.extend(page_fields("5"));
        assert_eq!(visitor.client.post(visitor.url(&link)).form(&fields).send().await.unwrap().status(), 303);
        assert_eq!(visitor.client.post(visitor.url(&link)).form(&fields).send().await.unwrap().status(), 409, "a link answers once");
        wait_counts(&app, &office, survey, "email", &[(InvitationStatus::Completed, 1)]).await;
        let progress = app.store.draw_progress(&office, draw).await.unwrap();
        assert_eq!(progress.iter().map(|q| q.responded).sum::<i64>(), 1, "the answer counts towards the quota on {backend}");
        let second = mail.wait_for(&format!("nguoidan2.{backend}@example.vn"), "/t/", WAIT).await.unwrap();
        let opt_out = format!("{}/tu-choi", link_in(&second.body).trim_end_matches("/tu-choi"));
        let stranger = app.client();
        let (_, form) = stranger.text(&opt_out).await;
        let response = stranger.client.post(stranger.url(&opt_out)).form(&[("csrf", csrf_in(&form).unwrap())]).send().await.unwrap();
        assert!(response.text().await.unwrap().contains("không gửi thêm lời mời"));

        // SMS: never to the one who opted out; delivered, or failed for the unreachable number.
        cchc.post_form(&format!("/admin/sampling/draws/{draw}/invite"), &[("channel", "sms")]).await;
        gateways.wait_for(4, 0, WAIT).await.unwrap();
        wait_counts(&app, &office, survey, "sms", &[(InvitationStatus::Delivered, 3), (InvitationStatus::Bounced, 1)]).await;
        let texts = gateways.sms();
        let opted_out_phone = rows[1].1.phone.clone();
        assert!(texts.iter().all(|m| m["to"] != opted_out_phone.as_str()), "an opted-out person is never messaged: {texts:?}");
        assert!(texts.iter().all(|m| m["text"].as_str().unwrap().is_ascii() && m["text"].as_str().unwrap().contains("/t/")));

        // Zalo: the template with its parameters; the number without Zalo is refused for good.
        cchc.post_form(&format!("/admin/sampling/draws/{draw}/invite"), &[("channel", "zalo")]).await;
        gateways.wait_for(4, 3, WAIT).await.unwrap();
        wait_counts(&app, &office, survey, "zalo", &[(InvitationStatus::Delivered, 3), (InvitationStatus::Bounced, 1)]).await;
        let zns = gateways.zalo();
        assert!(zns.iter().all(|m| m["phone"].as_str().unwrap().starts_with("84") && m["template_data"]["ma_ho_so"].as_str().unwrap().starts_with("HS-")));
        assert!(
            app.client().client.post(format!("{}/hooks/zalo", app.base)).header("x-zevent-signature", "mac=forged").body("{}").send().await.unwrap().status()
                == 401
        );

        // The same phone under a new dossier is not asked again within the window.
        let rows = vec![(2, dossier("HS-7", &rows[2].1.phone, ""))];
        app.store.import_frame(&actor, &office, &rows, "upload", true).await.unwrap();
        let again = app
            .store
            .create_draw(&actor, &office, &DrawRequest { params: domain::sampling::draw::DrawParams { total: 7, ..request.params.clone() }, ..request.clone() })
            .await
            .unwrap();
        let report = app.store.invite(&actor, &office, again, domain::invitations::InviteChannel::Sms).await.unwrap();
        assert_eq!((report.queued, report.recently_asked, report.opted_out, report.already), (0, 1, 1, 5), "{backend}: {report:?}");

        // Reminders after the set days to those who have not answered, once each round.
        let third = mail.wait_for(&format!("nguoidan3.{backend}@example.vn"), "/t/", WAIT).await.unwrap();
        app.clock.advance_ms(3 * 86_400_000 + 60_000);
        mail.wait_for(&format!("nguoidan3.{backend}@example.vn"), "nhắc lại", WAIT).await.unwrap();
        assert!(
            !mail.received().iter().any(|m| m.headers.contains(&format!("nguoidan1.{backend}")) && m.body.contains("nhắc lại")),
            "no reminder to who answered"
        );
        // (The session has expired with the days gone by.)
        let (_, participation) = app.login("cchc").await.text(&format!("/admin/surveys/{survey}/participation")).await;
        assert!(participation.contains("Phường An Lạc") && participation.contains("Từ chối nhận") && participation.contains("HS-3"), "{participation}");

        // Once the survey has closed, the links are refused.
        app.clock.advance_ms(366 * 86_400_000);
        let (status, html) = app.client().text(&link_in(&third.body)).await;
        assert_eq!(status, 422, "{backend}");
        assert!(html.contains("hết hạn"), "{html}");
    }
}

/// The short 766 rating as an invitation survey of Phường An Lạc; one token of it per count.
async fn rating_tokens(app: &TestApp, count: usize) -> Vec<String> {
    let province = app.unit_id("99").await;
    let commune = app.unit_id("28101").await;
    let admin = Access::new(vec![Grant { role: Role::SystemAdmin, unit: province }]);
    let actor = storage::Actor::system("test", app.clock.now_ms());
    let questionnaire = app.store.create_questionnaire(&actor, &admin, province, &domain::sipas::rating_766()).await.unwrap();
    let version_id = app.store.publish_questionnaire(&actor, &admin, questionnaire).await.unwrap();
    let survey = storage::surveys::NewSurvey {
        code: "danh-gia-zalo".into(),
        title: "Đánh giá việc giải quyết hồ sơ qua Zalo".into(),
        unit_id: province,
        version_id,
        recurrence: domain::surveys::Recurrence::Yearly,
        period_start: domain::text::parse_date("01/01/2026").unwrap(),
        period_end: domain::text::parse_date("31/12/2026").unwrap(),
        opens_at: app.clock.now_ms() - 1,
        closes_at: app.clock.now_ms() + 30 * 86_400_000,
        channels: vec![domain::surveys::Channel::Invitation],
        targets: vec![commune],
    };
    let survey_id = app.store.create_survey(&actor, &admin, &survey).await.unwrap();
    let batch = storage::surveys::TokenBatch { survey_id, unit_id: commune, count, expires_at: None };
    app.store.issue_tokens(&actor, &admin, &batch).await.unwrap()
}

async fn responses(app: &TestApp) -> i64 {
    app.store.table_counts().await.unwrap()["responses"]
}

#[tokio::test]
async fn the_zalo_oa_answers_followers_and_a_rating_button_records_once() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let gateways = Providers::start().await;
        let config = web::Config { smtp_url: None, zalo_oa_url: gateways.oa_url(), ..gateways.config(String::new()) };
        let app = TestApp::spawn_with(db, config).await;
        gateways.report_to(&app.base);
        let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]);
        let actor = storage::Actor::system("test", app.clock.now_ms());
        let rows = vec![(2, dossier("000.00.28.H01-261102-0042", "0912000042", ""))];
        assert!(app.store.import_frame(&actor, &office, &rows, "upload", true).await.unwrap().applied);

        // A follower sends their dossier code (Zalo sends the event twice); another taps the
        // menu item that writes "#danhgia"; a forged event is refused.
        let wrote = |id: &str, user: &str, text: &str| serde_json::json!({ "event_name": "user_send_text", "sender": { "id": user }, "recipient": { "id": "oa" }, "message": { "msg_id": id, "text": text } });
        let code = wrote("m-42", "u-42", "Mã hồ sơ của tôi: 000.00.28.H01-261102-0042");
        assert_eq!(gateways.send_oa_event(code.clone()).await, 200);
        assert_eq!(gateways.send_oa_event(code).await, 200, "{backend}: Zalo sends again");
        assert_eq!(gateways.send_oa_event(wrote("m-43", "u-43", "#danhgia")).await, 200);
        let forged =
            app.client().client.post(format!("{}/hooks/zalo", app.base)).header("x-zevent-signature", "mac=00").body(wrote("m-44", "u-44", "x").to_string());
        assert_eq!(forged.send().await.unwrap().status(), 401);
        let deadline = tokio::time::Instant::now() + WAIT;
        while gateways.oa_answers().len() < 2 {
            assert!(tokio::time::Instant::now() < deadline, "{backend}: the OA answers");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(600)).await;
        let answers = gateways.oa_answers();
        assert_eq!(answers.len(), 2, "{backend}: one answer per message: {answers:?}");
        let to = |user: &str| answers.iter().find(|a| a["recipient"]["user_id"] == user).unwrap()["message"]["text"].as_str().unwrap().to_string();
        assert!(to("u-42").contains("Phường An Lạc") && to("u-42").ends_with(&format!("{}/don-vi/28101", app.base)), "{}", to("u-42"));
        assert!(to("u-43").contains("gửi mã hồ sơ") && to("u-43").contains("/danh-gia"), "{}", to("u-43"));

        // A ZNS button's tap records the 766 rating once, however often it is opened.
        let tokens = rating_tokens(&app, 3).await;
        let before = responses(&app).await;
        let tap = format!("{}/t/{}/danh-gia/3", app.base, tokens[0]);
        let zalo_browser =
            reqwest::Client::builder().user_agent("Mozilla/5.0 (Linux; Android 10) Zalo android/12100 ZaloTheme/light").cookie_store(true).build().unwrap();
        let (first, second) = tokio::join!(zalo_browser.get(&tap).send(), zalo_browser.get(&tap).send());
        for response in [first.unwrap(), second.unwrap(), zalo_browser.get(&tap).send().await.unwrap()] {
            assert_eq!(response.status(), 200, "{backend}");
            assert!(response.text().await.unwrap().contains("Cảm ơn anh/chị"));
        }
        assert_eq!(responses(&app).await, before + 1, "{backend}: one rating for three taps");

        // A point the form does not have opens the form, which works in Zalo's browser.
        let odd = zalo_browser.get(format!("{}/t/{}/danh-gia/9", app.base, tokens[1])).send().await.unwrap();
        assert_eq!(odd.url().path(), format!("/t/{}", tokens[1]));
        let html = odd.text().await.unwrap();
        assert!(html.contains("Anh/chị đánh giá thế nào về việc giải quyết hồ sơ?"), "{html}");
        let fields = [("csrf", csrf_in(&html).unwrap()), ("a.DG", "1".into()), ("a.LY_DO", "LD1".into())];
        let answered = zalo_browser.post(format!("{}/t/{}", app.base, tokens[1])).form(&fields).send().await.unwrap();
        assert_eq!(answered.status(), 200, "{backend}: answered from Zalo's browser");
        assert_eq!(responses(&app).await, before + 2);
    }
}

#[tokio::test]
async fn the_invitation_form_works_in_zalos_in_app_browser() {
    const ZALO: &str = "Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 Zalo android/12100 ZaloTheme/light ZaloLanguage/vi";
    let Some(browser) = testkit::browser::Browser::start_as(360, 740, ZALO).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    let tokens = rating_tokens(&app, 1).await;
    let before = responses(&app).await;
    browser.goto(&format!("{}/t/{}", app.base, tokens[0])).await.unwrap();
    browser.wait_text("Anh/chị đánh giá thế nào về việc giải quyết hồ sơ?").await.unwrap();
    let overflow = browser.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(0) <= 0, "wider than Zalo's screen by {overflow}px");
    browser.click("input[name='a.DG'][value='2']").await.unwrap();
    browser.click("main form button[type=submit]").await.unwrap();
    browser.wait_text("Cảm ơn anh/chị!").await.unwrap();
    assert_eq!(responses(&app).await, before + 1);
    browser.quit().await.unwrap();
}

#[tokio::test]
async fn the_api_draws_a_sample_queues_invitations_and_follows_them_without_contacts() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]);
    let actor = storage::Actor::system("test", app.clock.now_ms());
    let rows: Vec<(usize, RawFrameRow)> =
        (1..=4).map(|i| (i + 1, dossier(&format!("HS-{i}"), &format!("0912000{i:03}"), &format!("nguoidan{i}@example.vn")))).collect();
    assert!(app.store.import_frame(&actor, &office, &rows, "upload", true).await.unwrap().applied);
    let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id;
    let api = app.api("cchc", Default::default()).await;

    // Every problem of the request is named; then a reproducible draw.
    let bad = serde_json::json!({ "survey_id": survey, "from": "31/02/2026", "to": "30/11/2026", "total": 4, "strata": "district", "seed": "-1" });
    let (status, problem) = api.post("/api/v1/sampling/draws", &bad).await;
    assert_eq!(status, 422, "{problem}");
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["from", "strata", "seed"]);
    let asked = serde_json::json!({ "survey_id": survey, "from": "2026-11-01", "to": "30/11/2026", "total": 4, "reserves_per_sample": 0, "seed": "18446744073709551615" });
    let (status, made) = api.post("/api/v1/sampling/draws", &asked).await;
    assert_eq!(status, 201, "{made}");
    let draw = made["id"].as_i64().unwrap();
    let (_, draws) = api.get("/api/v1/sampling/draws").await;
    assert_eq!((draws[0]["id"].as_i64(), draws[0]["total"].as_u64()), (Some(draw), Some(4)), "{draws}");
    assert_eq!(api.get(&format!("/api/v1/sampling/draws/{draw}")).await.1["seed"], "18446744073709551615", "the seed keeps every digit");

    // A QR code sends nothing; e-mail queues the four, and asking again invites no one twice.
    let invitations = format!("/api/v1/sampling/draws/{draw}/invitations");
    assert_eq!(api.post(&invitations, &serde_json::json!({ "channel": "qr" })).await.0, 422);
    let (status, invited) = api.post(&invitations, &serde_json::json!({ "channel": "email" })).await;
    assert_eq!((status, invited["queued"].as_u64()), (200, Some(4)), "{invited}");
    assert_eq!(api.post(&invitations, &serde_json::json!({ "channel": "email" })).await.1["already"], 4);

    let (_, participation) = api.get(&format!("/api/v1/surveys/{survey}/participation")).await;
    let email = participation.as_array().unwrap().iter().find(|p| p["channel"] == "email").unwrap();
    assert_eq!((email["unit_name"].as_str(), email["total"].as_i64()), (Some("Phường An Lạc"), Some(4)), "{participation}");
    let (_, pending) = api.get(&format!("/api/v1/surveys/{survey}/invitations?per_page=2")).await;
    assert_eq!((pending["total"].as_i64(), pending["items"].as_array().unwrap().len()), (Some(4), 2), "{pending}");
    let text = pending.to_string();
    assert!(text.contains("HS-") && !text.contains("@example.vn") && !text.contains("0912"), "never a contact: {text}");

    // Units outside the token's scope see none of it; counter staff run no draws.
    let scoped = app.api("cchc", storage::auth::TokenScope { unit_id: Some(app.unit_id("28102").await), ..Default::default() }).await;
    assert_eq!(scoped.get(&format!("/api/v1/surveys/{survey}/invitations")).await.1["total"], 0);
    assert_eq!(app.api("motcua.anlac", Default::default()).await.get("/api/v1/sampling/draws").await.0, 403);
}
