//! The PAR INDEX survey of officials end to end, on SQLite and PostgreSQL, with a real SMTP
//! server (a refused mailbox bounces) and the local SMS and Zalo servers: the reform office opens
//! the roster, a commune's focal point uploads its list (refused whole for one bad row, then
//! taken), the invitations go, a refused e-mail moves to SMS and a failed SMS to Zalo by
//! themselves, answers arrive through the links, participation is counted per agency on the
//! page, in the XLSX file and through the API, the focal point chases who has not answered and
//! no export ever carries a name beside an answer; and the answers give the round's measured
//! items their points.

use std::time::Duration;

use testkit::providers::Providers;
use testkit::smtp::MailSink;
use testkit::{READ_BACK, TestApp, csrf_in, link_in, officials_fields};

const WAIT: Duration = Duration::from_secs(20);

async fn upload(session: &testkit::Session, survey: i64, unit: i64, name: &str, csv: String) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", session.csrf.clone())
        .text("unit", unit.to_string())
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name(name.to_string()));
    session.client.post(session.url(&format!("/admin/par/danh-sach/{survey}/nhap"))).multipart(form).send().await.unwrap()
}

/// Waits until the page shows `needle`.
async fn wait_page(session: &testkit::Session, path: &str, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, page) = session.text(path).await;
        if page.contains(needle) {
            return page;
        }
        assert!(tokio::time::Instant::now() < deadline, "«{needle}» never showed on {path}: {page}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn officials_are_reached_channel_after_channel_and_counted_without_their_answers() {
    let Some(mail) = MailSink::start().await.unwrap() else { return };
    for db in testkit::backends().await {
        let backend = db.backend;
        let gateways = Providers::start().await;
        let app = TestApp::spawn_with(db, gateways.config(mail.url())).await;
        gateways.report_to(&app.base);
        let survey = app.officials_survey("cbcc-thu", &["28101", "STP"]).await;
        let (anlac, stp) = (app.unit_id("28101").await, app.unit_id("STP").await);
        let page = format!("/admin/par/danh-sach/{survey}");

        // The office opens the roster; a focal point may not.
        let focal = app.login("anlac.canbo").await;
        let deadline = domain::text::format_date(domain::text::vn_datetime(app.clock.now_ms() + 7 * 86_400_000).date());
        let opened = focal.post_form("/admin/par/danh-sach", &[("survey", &survey.to_string()), ("day", &deadline), ("at", "17:00")]).await;
        assert_eq!(opened.status(), 403, "{backend}");
        let cchc = app.login("cchc").await;
        let opened = cchc.post_form("/admin/par/danh-sach", &[("survey", &survey.to_string()), ("day", &deadline), ("at", "17:00")]).await;
        assert_eq!(opened.status(), 303, "{backend}");

        // A list with one bad row is refused whole, each problem named; then it is taken.
        let header = "Họ và tên,Chức vụ,Đơn vị công tác,Thư điện tử,Điện thoại\n";
        let bad = format!("{header}Nguyễn Văn An,Phó Chủ tịch,UBND,an.{backend}@example.vn,\nLê Thị Bình,,,binh@,\n");
        let refused = upload(&focal, survey, anlac, "danh-sach.csv", bad).await;
        assert_eq!(refused.status(), 422, "{backend}");
        let html = refused.text().await.unwrap();
        assert!(html.contains("Dòng 3: thiếu chức vụ; thư điện tử «binh@» không hợp lệ."), "{html}");
        assert!(html.contains("không người nào được thêm"));
        let good = format!(
            "{header}Nguyễn Văn An,Phó Chủ tịch,UBND,an.{backend}@example.vn,\n\
             Lê Thị Bình,Công chức Tư pháp,UBND,bounce.binh.{backend}@example.vn,0912000111\n\
             Phạm Văn Cường,Công chức Địa chính,UBND,,0912000000\n\
             Đỗ Thị Dung,Công chức Văn phòng,UBND,,0912000222\n"
        );
        assert_eq!(upload(&focal, survey, anlac, "danh-sach.csv", good).await.status(), 303, "{backend}");
        assert_eq!(upload(&focal, survey, stp, "stp.csv", format!("{header}Em,Chuyên viên,,em@stp.vn,\n")).await.status(), 403, "another agency's list");
        let stp_focal = app.login("stp.canbo").await;
        let one = stp_focal
            .post_form(
                &format!("/admin/par/danh-sach/{survey}/them"),
                &[("unit", &stp.to_string()), ("name", "Vũ Thị Em"), ("position", "Chuyên viên"), ("workplace", ""), ("email", ""), ("phone", "0912 000 333")],
            )
            .await;
        assert_eq!(one.status(), 303, "{backend}");

        // The invitations go; the refused mailbox moves to SMS, the unreachable number to Zalo,
        // which refuses it too.
        assert_eq!(cchc.post_form(&format!("{page}/moi"), &[]).await.status(), 303);
        let an_mail = mail.wait_for(&format!("an.{backend}@example.vn"), "/t/", WAIT).await.unwrap();
        assert!(an_mail.body.contains("Chỉ số cải cách hành chính") && !an_mail.body.contains("hồ sơ số"), "{}", an_mail.body);
        gateways.wait_for(4, 0, WAIT).await.unwrap();
        let texts = gateways.sms();
        let to: Vec<&str> = texts.iter().map(|m| m["to"].as_str().unwrap()).collect();
        assert!(to.contains(&"0912000111"), "Bình's bounced e-mail went on by SMS: {to:?}");
        // Cường's text is reported failed and Zalo, tried next, has no account for the number.
        let list = wait_page(&focal, &format!("{page}?don-vi={anlac}"), "Không liên lạc được qua mọi kênh đã có").await;
        assert!(list.contains("Phạm Văn Cường") && list.contains("Chưa trả lời: 4 trên 4 người."), "{list}");

        // An answers through the e-mail's link, Bình through the SMS's, Em through hers.
        let text_to = |phone: &str| link_in(texts.iter().find(|m| m["to"] == phone).unwrap()["text"].as_str().unwrap());
        for (link, code) in [(link_in(&an_mail.body), "28101"), (text_to("0912000111"), "28101"), (text_to("0912000333"), "STP")] {
            let visitor = app.client();
            let (status, form) = visitor.text(&link).await;
            assert_eq!(status, 200, "{backend}: {form}");
            let mut fields = vec![("csrf".to_string(), csrf_in(&form).unwrap())];
            fields.extend(officials_fields(code));
            fields.push(("a.GOP_Y".into(), format!("Cần rút gọn việc luân chuyển văn bản giữa các phòng ({code}).")));
            let sent = visitor.client.post(visitor.url(&link)).form(&fields).send().await.unwrap();
            assert_eq!(sent.status(), 303, "{backend}: {}", sent.text().await.unwrap());
        }
        // The comments are read as the others are, but shown to the province alone: the
        // commune, which knows who has answered, could match them to a person.
        wait_page(&cchc, "/admin/phan-tich-y-kien/y-kien", "Cần rút gọn việc luân chuyển văn bản giữa các phòng (28101).").await;
        let (_, theirs) = focal.text("/admin/phan-tich-y-kien/y-kien").await;
        assert!(!theirs.contains("luân chuyển văn bản"), "{backend}: {theirs}");
        // So are its figures: a unit of a few could be read as one person's answers.
        let figures = |session: &testkit::Session| session.client.get(session.url(&format!("/api/v1/surveys/{survey}/results"))).send();
        let office_figures: serde_json::Value = figures(&cchc).await.unwrap().json().await.unwrap();
        assert_eq!(office_figures["responses"], 3, "{backend}: {office_figures}");
        let their_figures: serde_json::Value = figures(&focal).await.unwrap().json().await.unwrap();
        assert_eq!((their_figures["responses"].as_u64(), their_figures["questions"].as_object().map(|q| q.len())), (Some(0), Some(0)), "{their_figures}");

        // Participation by hand. An Lạc: 4 chosen, 4 invited; reached An (e-mail), Bình (SMS),
        // Dung (SMS) = 3; answered An and Bình = 2, one by e-mail, one by SMS, 50 %; refused:
        // Bình's e-mail, Cường's SMS and Zalo = 2 people, of whom Bình was reached after all.
        // Sở Tư pháp: 1 chosen, reached by SMS, answered. Total 5, 3 answered, 60 %.
        let api = cchc.client.get(cchc.url(&format!("/api/v1/par/rosters/{survey}"))).send().await.unwrap();
        let counts: serde_json::Value = api.json().await.unwrap();
        let agency = counts["agencies"].as_array().unwrap().iter().find(|a| a["unit_id"] == anlac).unwrap().clone();
        let figures: Vec<i64> = ["chosen", "invited", "reached", "answered", "bounced", "rescued", "answered_by_email", "answered_by_sms", "answered_by_zalo"]
            .iter()
            .map(|k| agency[*k].as_i64().unwrap())
            .collect();
        assert_eq!(figures, [4, 4, 3, 2, 2, 1, 1, 1, 0], "{backend}: {counts}");
        assert_eq!(agency["rate"], 50.0);
        assert_eq!(
            (counts["total"]["chosen"].as_i64(), counts["total"]["answered"].as_i64(), counts["total"]["rate"].as_f64()),
            (Some(5), Some(3), Some(60.0))
        );
        let (_, shown) = cchc.text(&page).await;
        assert!(shown.contains(r#"<span id="total-rate">60,0 %</span>"#), "{shown}");
        let stp_counts: serde_json::Value =
            stp_focal.client.get(stp_focal.url(&format!("/api/v1/par/rosters/{survey}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(stp_counts["agencies"].as_array().unwrap().len(), 1, "an agency sees its own row: {stp_counts}");

        // The workbook: the same figures, and no one's name.
        let xlsx = cchc.get(&format!("{page}/tham-gia.xlsx")).await.bytes().await.unwrap();
        let table = sheets::read_table("tham-gia.xlsx", &xlsx, &READ_BACK).unwrap();
        let anlac_row = table.iter().find(|row| row[0] == "Phường An Lạc").unwrap_or_else(|| panic!("{table:?}"));
        assert_eq!(anlac_row[1..5], ["4", "4", "3", "2"], "{anlac_row:?}");

        // The focal point sees who has not answered (never what anyone answered) and chases.
        let list = focal.text(&format!("{page}?don-vi={anlac}")).await.1;
        assert!(list.contains("Chưa trả lời: 2 trên 4 người.") && list.contains("Đã trả lời"), "{list}");
        assert!(!list.contains("Đồng ý") && !list.contains("Rất"), "no answer on the focal point's page");
        let dung = storage_member(&app, survey, anlac, "Đỗ Thị Dung").await;
        let early = focal.post_form(&format!("{page}/nhac/{dung}"), &[("unit", &anlac.to_string())]).await;
        assert_eq!(early.status(), 422, "sent less than a day ago");
        app.clock.advance_ms(86_400_000 + 60_000);
        let focal = app.login("anlac.canbo").await;
        let chased = focal.post_form(&format!("{page}/nhac/{dung}"), &[("unit", &anlac.to_string())]).await;
        assert_eq!(chased.status(), 303, "{backend}");
        gateways.wait_for(texts.len() + 1, 0, WAIT).await.unwrap();
        assert!(gateways.sms().last().unwrap()["text"].as_str().unwrap().starts_with("Nhac lai"), "the chase is a reminder");

        // No export carries a name with an answer: the focal point cannot export the answers at
        // all, the office's export holds answers and no name.
        let cchc = app.login("cchc").await;
        assert_eq!(focal.get(&format!("/admin/surveys/{survey}/export.csv")).await.status(), 403);
        let export = cchc.get(&format!("/admin/surveys/{survey}/export.csv")).await;
        assert_eq!(export.status(), 200, "{backend}");
        let csv = export.text().await.unwrap();
        assert_eq!(csv.lines().count(), 4, "a header and three answers: {csv}");
        for name in ["Nguyễn Văn An", "Lê Thị Bình", "Vũ Thị Em", "0912000111", &format!("an.{backend}@example.vn")] {
            assert!(!csv.contains(name), "{name} in the export: {csv}");
        }
    }
}

/// The id of a listed person, as the focal point's page links it.
async fn storage_member(app: &TestApp, survey: i64, unit: i64, name: &str) -> i64 {
    let office = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit: app.unit_id("99").await }]);
    let actor = storage::Actor::system("test", app.clock.now_ms());
    app.store.roster_members(&actor, &office, survey, unit).await.unwrap().into_iter().find(|m| m.name == name).unwrap().id
}

/// At round two the reform office gives the measured items their points from the officials'
/// survey, through the path SIPAS takes: each element's share of agreement is an item's index.
#[tokio::test]
async fn the_officials_answers_give_the_measured_items_their_points() {
    let Some(mail) = MailSink::start().await.unwrap() else { return };
    let config = web::Config { smtp_url: Some(mail.url()), alert_interval_ms: 200, ..web::Config::default() };
    let app = TestApp::spawn_with(testkit::sqlite(), config).await;
    let cchc = app.login("cchc").await;
    let day_after = |days: i64| domain::text::format_date(domain::text::vn_datetime(app.clock.now_ms() + days * 86_400_000).date());
    let year = domain::text::vn_datetime(app.clock.now_ms()).year().to_string();
    assert_eq!(cchc.post_form("/admin/par/trees/template", &[("level", "commune"), ("year", &year)]).await.status(), 303);
    let tree = app.store.par_trees().await.unwrap()[0].id.to_string();
    let opened = cchc
        .post_form(
            "/admin/par/rounds",
            &[
                ("tree", &tree),
                ("title", "Chỉ số CCHC cấp xã"),
                ("self_deadline", &day_after(2)),
                ("appraisal_deadline", &day_after(10)),
                ("explanation_deadline", &day_after(15)),
                ("final_deadline", &day_after(20)),
                ("good", "80"),
                ("fair", "65"),
                ("average", "50"),
            ],
        )
        .await;
    let round: i64 = opened.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();

    // Three of An Lạc's civil servants are listed; two answer, agreeing with every statement.
    let survey = app.officials_survey("cbcc-diem", &["28101"]).await;
    let anlac = app.unit_id("28101").await;
    let opened = cchc.post_form("/admin/par/danh-sach", &[("survey", &survey.to_string()), ("day", &day_after(1)), ("at", "")]).await;
    assert_eq!(opened.status(), 303);
    let focal = app.login("anlac.canbo").await;
    let csv = "Họ và tên,Chức vụ,Thư điện tử\nNguyễn Văn An,Công chức,an@anlac.example.vn\nLê Thị Bình,Công chức,binh@anlac.example.vn\n".to_string();
    assert_eq!(upload(&focal, survey, anlac, "ds.csv", csv).await.status(), 303);
    // Another system sends a third person through the API: refused whole with a problem
    // document naming the item, then taken.
    let api = format!("/api/v1/par/rosters/{survey}/members");
    let send = |body: serde_json::Value| focal.client.post(focal.url(&api)).header("x-csrf-token", &focal.csrf).json(&body).send();
    let c = serde_json::json!({ "name": "Trần Văn Cường", "position": "Công chức", "email": "c@anlac.example.vn" });
    let refused = send(serde_json::json!({ "unit_id": anlac, "members": [c, { "name": "Không liên lạc", "position": "Công chức" }] })).await.unwrap();
    assert_eq!(refused.status(), 422);
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("Dòng 2: cần ít nhất một cách liên lạc"), "{problem}");
    let taken = send(serde_json::json!({ "unit_id": anlac, "members": [c] })).await.unwrap();
    assert_eq!(taken.status(), 201);
    assert_eq!(taken.json::<serde_json::Value>().await.unwrap()["added"], 1);
    assert_eq!(cchc.post_form(&format!("/admin/par/danh-sach/{survey}/moi"), &[]).await.status(), 303);
    for to in ["an@anlac.example.vn", "binh@anlac.example.vn"] {
        let link = link_in(&mail.wait_for(to, "/t/", WAIT).await.unwrap().body);
        let visitor = app.client();
        let (_, form) = visitor.text(&link).await;
        let mut fields = vec![("csrf".to_string(), csrf_in(&form).unwrap())];
        fields.extend(officials_fields("28101"));
        assert_eq!(visitor.client.post(visitor.url(&link)).form(&fields).send().await.unwrap().status(), 303);
    }

    // Round two: the survey's version read over this year gives 2.4.1 (measured by the
    // element VB) its full points, 100 % having agreed.
    app.clock.advance_ms(16 * 86_400_000);
    let cchc = app.login("cchc").await;
    let office = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit: app.unit_id("99").await }]);
    let version = app.store.survey(&office, survey).await.unwrap().version_id.to_string();
    let form = reqwest::multipart::Form::new()
        .text("csrf", cchc.csrf.clone())
        .text("module", "civil_servants")
        .text("version", version)
        .text("from", format!("01/{year}"))
        .text("to", format!("12/{year}"));
    let set = cchc.client.post(cchc.url(&format!("/admin/par/rounds/{round}/measured"))).multipart(form).send().await.unwrap();
    assert_eq!(set.status(), 303, "{}", set.text().await.unwrap());
    let actor = storage::Actor::system("test", app.clock.now_ms());
    let sheets = app.store.par_assessments(&actor, &office, round).await.unwrap();
    let assessment = sheets.iter().find(|s| s.assessment.unit_code == "28101").unwrap().assessment.id;
    let sheet = app.store.par_assessment(&actor, &office, assessment).await.unwrap();
    let template = domain::par::template::provincial(domain::units::UnitLevel::Commune, year.parse().unwrap());
    let mark = sheet.mark("2.4.1", domain::par::Stage::Measured).expect("2.4.1 measured");
    assert_eq!(mark.points, Some(template.item("2.4.1").unwrap().max.0), "{}", mark.note);
    assert!(mark.note.starts_with("Chỉ số 100,00 %"), "{}", mark.note);
}
