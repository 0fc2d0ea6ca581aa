//! Closed-loop alerts end to end, on SQLite and PostgreSQL, with a real SMTP server (aiosmtpd):
//! a negative answer opens a case for the commune, its officials hear of it in their digest,
//! they resolve it; an unhandled case goes to the province when overdue (manual clock); a flood
//! for one unit is one case per cause and a few e-mails, not one per answer.

use std::time::Duration;

use serde_json::{Value, json};
use testkit::TestApp;
use testkit::smtp::MailSink;
use web::Config;

fn sheet(tc_hl: &str, comment: &str) -> Value {
    let mut answers = serde_json::Map::new();
    for (element, criteria) in [("TC", 4), ("TT", 5), ("CC", 6), ("KQ", 3), ("PA", 4)] {
        for i in 1..=criteria {
            answers.insert(format!("{element}{i}"), json!("co"));
        }
        answers.insert(format!("{element}_HL"), json!("4"));
    }
    answers.insert("TC_HL".into(), json!(tc_hl));
    answers.insert("PA0".into(), json!("co"));
    answers.insert("HL_CHUNG".into(), json!("4"));
    if !comment.is_empty() {
        answers.insert("GOP_Y".into(), json!(comment));
    }
    Value::Object(answers)
}

async fn submit(app: &TestApp, answers: Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/surveys/sipas/responses", app.base))
        .json(&json!({ "unit_code": "28101", "answers": answers }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

async fn admin(app: &TestApp) -> domain::auth::Access {
    let province = app.unit_id("99").await;
    domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::SystemAdmin, unit: province }])
}

/// Waits for the alert step to have opened `count` cases.
async fn cases(app: &TestApp, count: i64) -> Vec<storage::alerts::CaseRow> {
    let access = admin(app).await;
    for _ in 0..100 {
        let page = app.store.alert_cases(&access, &Default::default(), storage::Paging::new(1, 50)).await.unwrap();
        if page.items.len() as i64 >= count {
            return page.items;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {count} cases within ten seconds");
}

#[tokio::test]
async fn a_negative_answer_becomes_a_case_an_email_and_a_resolution() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let Some(mail) = MailSink::start().await.unwrap() else { return };
        let config = Config {
            smtp_url: Some(mail.url()),
            alert_interval_ms: 200,
            digest_interval_ms: 500,
            public_url: "https://thuocdo.anlac.gov.vn".into(),
            ..Config::default()
        };
        let app = TestApp::spawn_with(db, config).await;
        submit(&app, sheet("4", "")).await;
        submit(&app, sheet("1", "")).await;
        let opened = cases(&app, 1).await;
        assert_eq!(opened.len(), 1, "only the very dissatisfied answer opens a case on {backend}");
        let case = &opened[0];
        assert_eq!(case.kind, "very_dissatisfied");
        assert_eq!(case.unit_name, "Phường An Lạc");
        assert!(case.detail.contains("Rất không hài lòng"), "{}", case.detail);

        // The commune's reform official and head hear of it in their digest, with the case's
        // address.
        let link = format!("https://thuocdo.anlac.gov.vn/admin/alerts/{}", case.id);
        let message = mail.wait_for("anlac_canbo@anlac.gov.vn", &link, Duration::from_secs(10)).await.unwrap();
        assert!(message.body.contains("Phường An Lạc") && message.body.contains("hạn xử lý") && message.body.contains("1 phiếu"), "{}", message.body);
        assert!(message.body.contains("từ lần tổng hợp trước"), "a digest: {}", message.body);
        mail.wait_for("anlac_chutich@anlac.gov.vn", &link, Duration::from_secs(10)).await.unwrap();

        // In the app: the official sees it, takes it on and resolves it.
        let official = app.login("anlac.canbo").await;
        let (status, html) = official.text(&format!("/admin/alerts/{}", case.id)).await;
        assert_eq!(status, 200);
        assert!(html.contains("Người dân rất không hài lòng"));
        // The province's leader reads the case and its statistics, and changes nothing in it.
        let leader = app.login("lanhdao").await;
        let (status, html) = leader.text(&format!("/admin/alerts/{}", case.id)).await;
        assert_eq!(status, 200, "{backend}");
        assert!(html.contains("Người dân rất không hài lòng") && !html.contains("Nhận xử lý</button>"), "{html}");
        assert_eq!(leader.post_form(&format!("/admin/alerts/{}/take", case.id), &[]).await.status(), 403);
        assert!(leader.text("/admin/alerts/stats").await.1.contains("Phường An Lạc"));
        assert_eq!(official.post_form(&format!("/admin/alerts/{}/take", case.id), &[]).await.status(), 303);
        let short = official.post_form(&format!("/admin/alerts/{}/resolve", case.id), &[("text", "xong")]).await;
        assert_eq!(short.status(), 422);
        assert!(short.text().await.unwrap().contains("ít nhất 10 ký tự"));
        let done = official.post_form(&format!("/admin/alerts/{}/resolve", case.id), &[("text", "Đã gọi điện xin lỗi, bố trí thêm ghế chờ.")]).await;
        assert_eq!(done.status(), 303);
        let (_, html) = official.text(&format!("/admin/alerts/{}", case.id)).await;
        assert!(html.contains(r#"<dd id="case-status">Đã xử lý xong</dd>"#), "{html}");
        assert!(html.contains("Đặng Thị Mai</small><br>Nhận xử lý vụ việc."), "{html}");
        let again = official.post_form(&format!("/admin/alerts/{}/resolve", case.id), &[("text", "Xử lý lần nữa cho chắc.")]).await;
        assert_eq!(again.status(), 409, "a resolved case is closed");

        // A department's official does not see the commune's case.
        assert_eq!(app.login("stp.canbo").await.get(&format!("/admin/alerts/{}", case.id)).await.status(), 404);

        // A reported unofficial fee (in words) opens a case of its own kind.
        submit(&app, sheet("4", "Cán bộ gây khó dễ, đòi bồi dưỡng mới nhận hồ sơ")).await;
        let all = cases(&app, 2).await;
        assert!(all.iter().any(|c| c.kind == "problem" && c.detail.contains("gay kho de")), "{all:?}");

        let (_, start) = official.text("/admin").await;
        assert!(start.contains(r#"id="alerts-open">1</a>"#), "the open case shows on the start page: {start}");
        let (_, stats) = official.text("/admin/alerts/stats").await;
        assert!(stats.contains("Phường An Lạc"), "{stats}");
        let csv = official.text("/admin/alerts/stats.csv").await.1;
        assert!(csv.contains("Phường An Lạc,2,1,0,1,0,"), "{backend}: {csv}");
    }
}

#[tokio::test]
async fn an_overdue_case_goes_to_the_unit_above() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let Some(mail) = MailSink::start().await.unwrap() else { return };
        let config = Config { smtp_url: Some(mail.url()), alert_interval_ms: 200, ..Config::default() };
        let app = TestApp::spawn_with(db, config).await;
        submit(&app, sheet("1", "")).await;
        let case = cases(&app, 1).await.remove(0);
        let deadline = case.deadline_at;
        assert_eq!(deadline - case.opened_at, 3 * 86_400_000, "three days by default");

        // Two days on: still the commune's.
        app.clock.advance_ms(2 * 86_400_000);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(cases(&app, 1).await[0].unit_name, "Phường An Lạc");

        // Past the deadline: the province's reform office has it, with a new deadline.
        app.clock.advance_ms(86_400_000 + 1);
        let access = admin(&app).await;
        let mut escalated = None;
        for _ in 0..100 {
            let (row, notes) = app.store.alert_case(&access, case.id).await.unwrap();
            if row.escalations == 1 {
                escalated = Some((row, notes));
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (row, notes) = escalated.unwrap_or_else(|| panic!("not escalated on {backend}"));
        assert_eq!(row.unit_name, "Tỉnh An Lạc");
        assert_eq!(row.origin_unit_name, "Phường An Lạc");
        assert!(row.deadline_at > deadline);
        assert!(notes.iter().any(|n| n.body.contains("Quá hạn xử lý tại Phường An Lạc")), "{notes:?}");
        let message = mail.wait_for("cchc@anlac.gov.vn", &format!("/admin/alerts/{}", case.id), Duration::from_secs(10)).await.unwrap();
        assert!(message.body.contains("đã quá hạn xử lý và được chuyển lên Tỉnh An Lạc"), "{}", message.body);
        // The commune still sees the case it arose from; the province can resolve it.
        assert_eq!(app.login("anlac.canbo").await.get(&format!("/admin/alerts/{}", case.id)).await.status(), 200);
        let cchc = app.login("cchc").await;
        let (_, list) = cchc.text("/admin/alerts?overdue=1").await;
        assert!(list.contains(r#"<strong id="cases-total">0</strong>"#), "a new deadline after escalation: {list}");
        let resolved: Value = cchc
            .client
            .post(cchc.url(&format!("/api/v1/alerts/{}/resolve", case.id)))
            .header("X-CSRF-Token", &cchc.csrf)
            .json(&json!({ "resolution": "Sở Nội vụ đã làm việc với UBND phường." }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(resolved["status"], "resolved", "{resolved}");
    }
}

#[tokio::test]
async fn a_flood_for_one_unit_is_one_case_per_cause_and_a_digest() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let Some(mail) = MailSink::start().await.unwrap() else { return };
        let config = Config { smtp_url: Some(mail.url()), alert_interval_ms: 200, digest_interval_ms: 3_000, ..Config::default() };
        let app = TestApp::spawn_with(db, config).await;
        // Sixty very dissatisfied answers, identical, from one address: flagged as repeats.
        let flood = 60;
        for _ in 0..flood {
            submit(&app, sheet("1", "")).await;
        }
        // The last steps take in what is left of the flood: waited for until the dissatisfied
        // case holds every answer (the steps read the answers in order, for both causes).
        let mut all = cases(&app, 2).await;
        for _ in 0..100 {
            if all.iter().any(|c| c.kind == "very_dissatisfied" && c.responses == flood) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            all = cases(&app, 2).await;
        }
        let of = |kind: &str| all.iter().filter(|c| c.kind == kind).cloned().collect::<Vec<_>>();
        let (dissatisfied, burst) = (of("very_dissatisfied"), of("burst"));
        assert_eq!((dissatisfied.len(), burst.len()), (1, 1), "{backend}: {all:?}");
        assert_eq!(dissatisfied[0].responses, flood, "{backend}: the case holds every answer");
        assert!(burst[0].responses >= 5 && burst[0].responses < flood, "{backend}: the flagged repeats, {}", burst[0].responses);

        // The burst is told at once; the dissatisfied answers in one digest.
        let burst_link = format!("/admin/alerts/{}", burst[0].id);
        let told = mail.wait_for("anlac_canbo@anlac.gov.vn", &burst_link, Duration::from_secs(10)).await.unwrap();
        assert!(told.body.contains("Phiếu trả lời bất thường"), "{}", told.body);
        let link = format!("/admin/alerts/{}", dissatisfied[0].id);
        let digest = mail.wait_for("anlac_canbo@anlac.gov.vn", &link, Duration::from_secs(10)).await.unwrap();
        assert!(digest.body.contains(&format!("{flood} phiếu")), "{backend}: {}", digest.body);
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        let to_official = mail.received().into_iter().filter(|m| m.headers.contains("anlac_canbo@anlac.gov.vn")).count();
        assert_eq!(to_official, 2, "{backend}: one e-mail at once and one digest, not one per answer");

        // The case's page lists the answers it holds, a year on too.
        app.clock.advance_ms(366 * 86_400_000);
        let official = app.login("anlac.canbo").await;
        let (_, page) = official.text(&link).await;
        assert!(page.contains(&format!(r#"<dd id="case-responses">{flood}</dd>"#)), "{page}");
        let behind = page.split("href=\"/admin/sipas/responses?").nth(1).unwrap().split('"').next().unwrap().replace("&#38;", "&");
        let (status, responses) = official.text(&format!("/admin/sipas/responses?{behind}")).await;
        assert_eq!(status, 200);
        assert!(responses.contains(&format!("vụ việc cảnh báo #{}", dissatisfied[0].id)), "{responses}");
        assert!(responses.contains(&format!(r#"<strong id="behind-total">{flood}</strong>"#)), "{backend}: {responses}");
    }
}

#[tokio::test]
async fn the_reform_office_sets_a_surveys_rules() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn_with(db, Config { alert_interval_ms: 200, ..Config::default() }).await;
        let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id;
        let cchc = app.login("cchc").await;
        let (status, html) = cchc.text(&format!("/admin/surveys/{survey}/alerts")).await;
        assert_eq!(status, 200);
        assert!(html.contains("TT4 = khong") && html.contains("nhung nhieu"), "the defaults are shown: {html}");
        let path = format!("/admin/surveys/{survey}/alerts");
        let fields = |answers: &'static str, days: &'static str| {
            vec![
                ("very_dissatisfied", "on"),
                ("problem_answers", answers),
                ("problem_words", "nhũng nhiễu"),
                ("threshold", ""),
                ("min_responses", "30"),
                ("burst", ""),
                ("deadline_days", days),
                ("negative_share", "35"),
                ("topic_spike", ""),
                ("min_comments", "20"),
            ]
        };
        let bad = cchc.post_form(&path, &fields("XX = co", "0")).await;
        assert_eq!(bad.status(), 422);
        let text = bad.text().await.unwrap();
        assert!(text.contains("Phiếu không có câu hỏi «XX».") && text.contains("Thời hạn xử lý từ 1 đến 60 ngày."), "{text}");
        assert_eq!(cchc.post_form(&path, &fields("", "1")).await.status(), 303);
        let rules = app.store.alert_rules(survey).await.unwrap();
        assert_eq!((rules.deadline_days, rules.threshold, rules.problem_answers.len()), (1, None, 0), "{backend}");
        assert_eq!((rules.negative_share, rules.topic_spike, rules.min_comments), (Some(35.0), None, 20), "the comment rules as set");
        // A commune official may not change them.
        assert_eq!(app.login("anlac.canbo").await.post_form(&path, &fields("", "5")).await.status(), 403);

        submit(&app, sheet("4", "Bị nhũng nhiễu khi nộp hồ sơ")).await;
        let case = cases(&app, 1).await.remove(0);
        assert_eq!(case.kind, "problem");
        assert_eq!(case.deadline_at - case.opened_at, 86_400_000, "one day, as set");
    }
}

#[tokio::test]
async fn a_case_is_taken_noted_and_counted_through_the_api() {
    let app = TestApp::spawn_with(testkit::sqlite(), Config { alert_interval_ms: 100, ..Config::default() }).await;
    submit(&app, sheet("1", "")).await;
    let case = cases(&app, 1).await.remove(0).id;
    let official = app.api("anlac.canbo", Default::default()).await;

    let (status, taken) = official.post(&format!("/api/v1/alerts/{case}/take"), &json!({})).await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["assignee"], "Đặng Thị Mai");
    let (status, noted) = official.post(&format!("/api/v1/alerts/{case}/notes"), &json!({ "text": "Đã gọi điện cho người dân, hẹn gặp lại." })).await;
    assert_eq!(status, 200, "{noted}");
    assert!(noted.to_string().contains("Đã gọi điện cho người dân"), "{noted}");
    assert_eq!(official.post(&format!("/api/v1/alerts/{case}/notes"), &json!({ "text": "" })).await.0, 422);

    let (status, statistics) = app.api("cchc", Default::default()).await.get("/api/v1/alerts/statistics").await;
    assert_eq!(status, 200, "{statistics}");
    let ward = statistics.as_array().unwrap().iter().find(|s| s["unit_name"] == "Phường An Lạc").unwrap();
    assert_eq!((ward["total"].as_i64(), ward["open"].as_i64(), ward["resolved"].as_i64()), (Some(1), Some(1), Some(0)), "{statistics}");
    let scoped = app.api("cchc", storage::auth::TokenScope { unit_id: Some(app.unit_id("28102").await), ..Default::default() }).await;
    assert_eq!(scoped.post(&format!("/api/v1/alerts/{case}/take"), &json!({})).await.0, 404, "another commune's case is not found");
}
