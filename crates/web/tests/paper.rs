//! Paper forms keyed in by two clerks, on SQLite and PostgreSQL: a form goes in once both
//! keyings agree; a difference waits for the supervisor, who picks the right answer; a clerk
//! cannot key the same form twice; bad keyings write nothing; the verification sample; then the
//! same with a conflict in headless Chromium.

use serde_json::Value;
use testkit::browser::Browser;
use testkit::{Session, TestApp, csrf_in, page_fields};

/// Keys a form: its serial, the commune, and a full sheet with overall satisfaction `overall`.
async fn key(clerk: &Session, survey: i64, serial: &str, overall: &str) -> (u16, String) {
    let path = format!("/admin/paper/{survey}");
    let (_, html) = clerk.text(&path).await;
    let mut fields = vec![("csrf".to_string(), csrf_in(&html).unwrap()), ("serial".into(), serial.into()), ("a.DV".into(), "28101".into())];
    fields.extend(page_fields(overall));
    let response = clerk.client.post(clerk.url(&path)).form(&fields).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The overall satisfaction of each paper answer stored.
async fn paper_answers(app: &TestApp) -> Vec<String> {
    let office = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit: app.unit_id("99").await }]);
    let version_id = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().version_id;
    let filter = storage::responses::BehindFilter { version_id, channel: Some("paper".into()), ..Default::default() };
    let found = app.store.responses_behind(&storage::Actor::system("test", app.clock.now_ms()), &office, &filter, storage::Paging::ALL).await.unwrap();
    found.items.iter().map(|r| serde_json::from_str::<Value>(&r.answers).unwrap()["HL_CHUNG"].as_str().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn two_clerks_key_each_form_and_the_supervisor_reconciles_differences() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id;
        let (first, second) = (app.login("nhaplieu").await, app.login("nhaplieu2").await);

        let (status, page) = key(&first, survey, "0001", "5").await;
        assert!(status == 200 && page.contains("cần một người khác nhập lần hai"), "{backend}: {status}");
        let (status, page) = key(&first, survey, "0001", "5").await;
        assert!(status == 409 && page.contains("phải do một người khác"), "{status}");
        let (status, page) = key(&second, survey, "0001", "5").await;
        assert!(status == 200 && page.contains("Phiếu số 0001 đã được ghi nhận"), "{page}");
        assert_eq!(paper_answers(&app).await.len(), 1, "{backend}");

        // A difference: the form waits, nothing goes in until the supervisor decides.
        key(&first, survey, "0002", "5").await;
        let (_, page) = key(&second, survey, "0002", "3").await;
        assert!(page.contains("khác lần trước ở 1 câu (HL_CHUNG)"), "{page}");
        assert_eq!(key(&second, survey, "0002", "3").await.0, 409, "a form in conflict takes no third keying");
        assert_eq!(paper_answers(&app).await.len(), 1);
        let supervisor = app.login("cchc").await;
        let (_, list) = supervisor.text("/admin/paper").await;
        assert!(list.contains(&format!("/admin/paper/{survey}/conflicts/0002")), "{list}");
        let (_, conflict) = supervisor.text(&format!("/admin/paper/{survey}/conflicts/0002")).await;
        assert!(conflict.contains("Lý Thị Hoa") && conflict.contains("Trịnh Văn Quang") && conflict.contains("pick.HL_CHUNG"), "{conflict}");
        assert_eq!(supervisor.post_form(&format!("/admin/paper/{survey}/conflicts/0002"), &[]).await.status(), 422, "every difference needs a choice");
        let resolved = supervisor.post_form(&format!("/admin/paper/{survey}/conflicts/0002"), &[("pick.HL_CHUNG", "b")]).await;
        assert_eq!(resolved.status(), 303, "{backend}");
        let mut overall = paper_answers(&app).await;
        overall.sort();
        assert_eq!(overall, vec!["3", "5"], "the second clerk's reading was chosen on {backend}");

        // Bad keyings write nothing.
        let (status, page) = key(&first, survey, "", "5").await;
        assert!(status == 422 && page.contains("Số phiếu gồm"), "{status}");
        let (status, _) = key(&first, survey, "0003", "9").await;
        assert_eq!(status, 422);
        assert_eq!(app.store.paper_counts(survey).await.unwrap(), (0, 0, 2), "{backend}");

        // A verification sample of 0 %: one keying is enough.
        supervisor.post_form(&format!("/admin/paper/{survey}/mode"), &[("mode", "sample"), ("percent", "0")]).await;
        let (_, page) = key(&first, survey, "0004", "4").await;
        assert!(page.contains("Phiếu số 0004 đã được ghi nhận"), "{page}");
        assert_eq!(paper_answers(&app).await.len(), 3);
        assert_eq!(app.login("anlac.canbo").await.get("/admin/paper").await.status(), 403);
    }
}

#[tokio::test]
async fn paper_double_entry_with_a_conflict_in_the_browser() {
    let Some(browser) = Browser::start(1024, 900).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    let base = app.base.clone();
    let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id;
    let sign_in = |user: &'static str| {
        let browser = &browser;
        let base = base.clone();
        async move { browser.sign_in(&base, user).await.unwrap() }
    };
    let sign_out = || async {
        browser.click("header form button").await.unwrap();
        browser.wait_text("Đăng nhập").await.unwrap();
    };

    // The first clerk keys form 0005 (first option everywhere: "Rất không hài lòng" overall).
    sign_in("nhaplieu").await;
    browser.goto(&format!("{base}/admin/paper/{survey}")).await.unwrap();
    browser.fill("#serial", "0005").await.unwrap();
    browser.select("select[name='a.DV']", "28101").await.unwrap();
    browser.answer_with_keyboard().await.unwrap();
    browser.wait_text("cần một người khác nhập lần hai").await.unwrap();
    sign_out().await;

    // The second clerk reads the overall satisfaction differently.
    sign_in("nhaplieu2").await;
    browser.goto(&format!("{base}/admin/paper/{survey}")).await.unwrap();
    browser.fill("#serial", "0005").await.unwrap();
    browser.select("select[name='a.DV']", "28101").await.unwrap();
    browser.click("input[name='a.HL_CHUNG'][value='4']").await.unwrap();
    browser.answer_with_keyboard().await.unwrap();
    browser.wait_text("khác lần trước ở 1 câu").await.unwrap();
    sign_out().await;

    // The supervisor looks at the paper form and takes the second reading.
    sign_in("cchc").await;
    browser.goto(&format!("{base}/admin/paper")).await.unwrap();
    browser.click("#conflicts a").await.unwrap();
    browser.wait_text("Đối chiếu phiếu số 0005").await.unwrap();
    browser.click("input[name='pick.HL_CHUNG'][value='b']").await.unwrap();
    let shots = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&shots).unwrap();
    browser.screenshot(&shots.join("paper-conflict.png")).await.unwrap();
    browser.click("main form button[type=submit]").await.unwrap();
    browser.wait_text("Không có phiếu nào").await.unwrap();
    let results: Value = app.login("cchc").await.get(&format!("/api/v1/surveys/{survey}/results")).await.json().await.unwrap();
    let paper = results["by_channel"].as_array().unwrap().iter().find(|c| c[0] == "paper").map(|c| c[1].as_i64().unwrap());
    assert_eq!(paper, Some(1));
    browser.quit().await.unwrap();
}
