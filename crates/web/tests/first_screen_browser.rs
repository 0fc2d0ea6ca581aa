//! Each role's first screen in headless Chromium, on a 390×844 phone and a 1366×900 desktop,
//! with the demo: the figures shown are checked against the pages and records they summarise,
//! nothing is wider than the screen, and a commune's chairman approves the self-assessment
//! waiting for them from the phone.

use domain::auth::{Access, Grant, Role};
use domain::calendar::Month;
use domain::units::UnitLevel;
use storage::sipas::FigureRequest;
use testkit::TestApp;
use testkit::browser::Browser;

const SIZES: [(u32, u32, &str); 2] = [(390, 844, "phone"), (1366, 900, "desktop")];

fn shots() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn demo() -> TestApp {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_answers(600).await;
    app.demo_sample().await;
    app.demo_par().await;
    app
}

/// The first screen of `username`, opened after signing in, as its text; fails when the page is
/// wider than the screen.
async fn first_screen(browser: &Browser, app: &TestApp, username: &str, shot: &str) -> String {
    browser.sign_in(&app.base, username).await.unwrap();
    browser.goto(&format!("{}/admin", app.base)).await.unwrap();
    browser.wait_text("Vai trò của bạn").await.unwrap();
    let overflow = browser.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(0) <= 0, "{username}'s first screen is wider than the screen by {overflow}px");
    browser.screenshot(&shots().join(format!("first-screen-{shot}.png"))).await.unwrap();
    browser.page_text().await.unwrap()
}

async fn sign_out(browser: &Browser) {
    browser.click(".who form button").await.unwrap();
    browser.wait_text("Đăng nhập").await.unwrap();
}

fn province_reader(province: i64) -> Access {
    Access::new(vec![Grant { role: Role::Leadership, unit: province }])
}

#[tokio::test]
async fn the_leader_sees_the_province_its_ranking_and_what_is_overdue() {
    let app = demo().await;
    let province = app.unit_id("99").await;
    let access = province_reader(province);
    let today = Month::at(app.clock.now_ms());
    let selection = app.store.sipas_selection(&access, &FigureRequest::default(), today).await.unwrap();
    let total = app.store.sipas_overview(&access, &selection).await.unwrap().total;
    let expected_total = domain::text::format_number(total.figure.value.unwrap(), 1);
    let round = app.store.published_par_rounds().await.unwrap().into_iter().next().unwrap();
    let results = app.store.published_par_results(round.id).await.unwrap();
    let good = results.units.iter().filter(|u| u.scorecard.class.label() == "Tốt").count();
    for (width, height, size) in SIZES {
        let Some(browser) = Browser::start(width, height).await.unwrap() else { return };
        let text = first_screen(&browser, &app, "lanhdao", &format!("leader-{size}")).await;
        assert_eq!(browser.text_of("#sipas-total").await.unwrap(), expected_total, "{size}");
        assert!(text.contains(&format!("Tỉnh An Lạc, kỳ 01/{} – {}", today.year(), today)), "{text}");
        assert!(text.contains("Thấp nhất trong các xã, phường") && text.contains("Tiêu chí thấp nhất"), "{text}");
        assert!(text.contains(&format!("{good}\nđơn vị xếp loại Tốt")), "{text}");
        assert!(
            text.contains(&round.title) && text.contains(&format!("{}: {}", results.units[0].unit_name, results.units[0].scorecard.index.display())),
            "{text}"
        );
        // This year's round is in self-assessment, with nothing approved yet.
        assert_eq!(browser.text_of("#panel-par .round-progress").await.unwrap(), "0/8");
        assert!(text.contains("khóa lúc 23:59 ngày"), "{text}");
        let open = browser.text_of("#alerts-open").await.unwrap();
        let overdue = browser.text_of("#alerts-overdue").await.unwrap();
        let cases = |filter| {
            let store = app.store.clone();
            let access = access.clone();
            async move { store.alert_cases(&access, &filter, storage::Paging::new(1, 1)).await.unwrap().total.to_string() }
        };
        let open_filter = storage::alerts::CaseFilter { status: Some(domain::alerts::CaseStatus::Open), ..Default::default() };
        assert_eq!(open, cases(open_filter).await);
        let overdue_filter = storage::alerts::CaseFilter { overdue_at: Some(app.clock.now_ms()), ..Default::default() };
        assert_eq!(overdue, cases(overdue_filter).await);
        // The leader reads the PAR results and the alert statistics behind the panels.
        browser.goto(&format!("{}/admin/par/rounds/{}", app.base, round.id)).await.unwrap();
        browser.wait_text(&results.units[0].unit_name).await.unwrap();
        browser.goto(&format!("{}/admin/alerts/stats", app.base)).await.unwrap();
        browser.wait_text("Thống kê cảnh báo theo đơn vị").await.unwrap();
        sign_out(&browser).await;
        browser.quit().await.unwrap();
    }
}

#[tokio::test]
async fn a_commune_sees_its_rank_cases_deadlines_tasks_and_its_chairman_approves_from_a_phone() {
    let app = demo().await;
    let province = app.unit_id("99").await;
    let an_lac = app.unit_id("28101").await;
    // The rank among the communes, as the leader's commune ranking gives it.
    let leader = province_reader(province);
    let today = Month::at(app.clock.now_ms());
    let request = FigureRequest { level: Some(UnitLevel::Commune), ..Default::default() };
    let selection = app.store.sipas_selection(&leader, &request, today).await.unwrap();
    let ranking = app.store.sipas_overview(&leader, &selection).await.unwrap().rows;
    let ranked = ranking.iter().filter(|r| r.rank.is_some()).count();
    let row = ranking.iter().find(|r| r.unit_id == an_lac).unwrap();
    let expected_rank = format!("Hạng {}/{ranked} trong các xã, phường", row.rank.unwrap());
    let expected_total = domain::text::format_number(row.figure.value.unwrap(), 1);
    for (width, height, size) in SIZES {
        let Some(browser) = Browser::start(width, height).await.unwrap() else { return };
        let text = first_screen(&browser, &app, "anlac.canbo", &format!("commune-{size}")).await;
        assert_eq!(browser.text_of("#sipas-total").await.unwrap(), expected_total);
        assert_eq!(browser.text_of("#sipas-rank").await.unwrap(), expected_rank);
        assert!(text.contains("Phường An Lạc: Chờ thủ trưởng phê duyệt"), "{text}");
        assert!(text.contains("Giai đoạn: Tự đánh giá, khóa lúc 23:59 ngày"), "{text}");
        assert!(text.contains("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính") && text.contains("(quá hạn)"), "{text}");
        assert!(!text.contains("Rà soát, đơn giản hóa thủ tục"), "a task done is not on the first screen: {text}");
        assert!(!text.contains("Thấp nhất trong các xã, phường"), "a commune does not see the others' figures: {text}");
        sign_out(&browser).await;
        browser.quit().await.unwrap();
    }
    // The chairman, on the phone: the self-assessment waits for him; he opens it and approves.
    let Some(browser) = Browser::start(390, 844).await.unwrap() else { return };
    let text = first_screen(&browser, &app, "anlac.chutich", "chairman-phone").await;
    assert!(text.contains("Chờ thủ trưởng phê duyệt:"), "{text}");
    browser.click("#panel-par .waiting a").await.unwrap();
    browser.wait_text("Phê duyệt").await.unwrap();
    browser.click("form:has(input[value=approve]) button").await.unwrap();
    browser.wait_text("Thủ trưởng đã phê duyệt").await.unwrap();
    browser.screenshot(&shots().join("par-approved-phone.png")).await.unwrap();
    let overflow = browser.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(0) <= 0, "the assessment page is wider than the phone by {overflow}px");
    browser.goto(&format!("{}/admin", app.base)).await.unwrap();
    let text = browser.wait_text("Vai trò của bạn").await.unwrap();
    assert!(text.contains("Phường An Lạc: Thủ trưởng đã phê duyệt") && !text.contains("Chờ thủ trưởng phê duyệt:"), "{text}");
    browser.quit().await.unwrap();
}

#[tokio::test]
async fn the_reform_office_sees_rounds_participation_and_what_waits() {
    let app = demo().await;
    let province = app.unit_id("99").await;
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: province }]);
    let draw = app.store.draws(&office).await.unwrap().into_iter().next().unwrap();
    let progress = app.store.draw_progress(&office, draw.id).await.unwrap();
    let allocated: i64 = progress.iter().map(|q| q.allocated).sum();
    let responded: i64 = progress.iter().map(|q| q.responded.min(q.allocated)).sum();
    assert!(responded > 0 && responded < allocated, "the demo's interviews are under way: {responded}/{allocated}");
    let rate = domain::text::format_number(responded as f64 * 100.0 / allocated as f64, 1);
    for (width, height, size) in SIZES {
        let Some(browser) = Browser::start(width, height).await.unwrap() else { return };
        let text = first_screen(&browser, &app, "cchc", &format!("office-{size}")).await;
        assert_eq!(browser.text_of("#sampling-rate").await.unwrap(), rate);
        assert!(text.contains(&format!("{responded} trên {allocated} phiếu theo chỉ tiêu")), "{text}");
        assert_eq!(browser.text_of("#panel-par .round-progress").await.unwrap(), "0/8");
        // Setting up units and users lives in the administration pages, not here.
        assert!(!text.contains("Thêm đơn vị") && !text.contains("Thêm người dùng"), "{text}");
        sign_out(&browser).await;
        browser.quit().await.unwrap();
    }
}

#[tokio::test]
async fn those_who_collect_answers_are_led_to_their_work() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    let Some(browser) = Browser::start(390, 844).await.unwrap() else { return };
    for (username, link) in [("motcua.anlac", "/admin/kiosks"), ("dieutravien", "/interviewer/"), ("nhaplieu", "/admin/paper")] {
        first_screen(&browser, &app, username, username).await;
        browser.find(&format!("#panel-work a[href='{link}']")).await.unwrap();
        sign_out(&browser).await;
    }
    browser.quit().await.unwrap();
}

/// The innermost elements wider than the screen: what pushes a page past its edge.
const WIDE_ELEMENTS: &str = "const wide = e => e.getBoundingClientRect().width > innerWidth;
    return [...document.querySelectorAll('body *')].filter(e => wide(e) && ![...e.children].some(wide)).slice(0, 5).map(e => e.outerHTML.slice(0, 160));";

#[tokio::test]
async fn wide_tables_become_cards_on_a_phone() {
    let app = demo().await;
    let Some(browser) = Browser::start(390, 844).await.unwrap() else { return };
    let round = app.store.published_par_rounds().await.unwrap().remove(0).id;
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]);
    let draw = app.store.draws(&office).await.unwrap().remove(0).id;
    browser.sign_in(&app.base, "cchc").await.unwrap();
    for (path, table) in [
        ("/admin/alerts".to_string(), "#cases"),
        (format!("/admin/par/rounds/{round}"), "#par-ranking"),
        ("/admin/audit".into(), "table.audit"),
        ("/admin/users".into(), "#users"),
        ("/admin/sipas".into(), "#ranking"),
        ("/admin/sampling".into(), "#frame-units"),
        ("/admin/sampling".into(), "#draws"),
        (format!("/admin/sampling/draws/{draw}"), "#members"),
        ("/admin/sampling/frame".into(), "#frame-entries"),
    ] {
        browser.goto(&format!("{}{path}", app.base)).await.unwrap();
        browser.find(table).await.unwrap();
        let overflow = browser.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
        if overflow.as_i64().unwrap_or(0) > 0 {
            let wide = browser.execute(WIDE_ELEMENTS, vec![]).await.unwrap();
            panic!("{path} is wider than the phone by {overflow}px: {wide}");
        }
        let shape = format!("return getComputedStyle(document.querySelector('{table} tbody tr')).display;");
        assert_eq!(browser.execute(&shape, vec![]).await.unwrap(), serde_json::json!("block"), "{path}: a row is a card");
        let name = path.trim_start_matches("/admin/").replace('/', "-");
        browser.screenshot(&shots().join(format!("cards-{name}.png"))).await.unwrap();
    }
    // A response's questions and answers stand one under the other, however long the question.
    browser.goto(&format!("{}/admin/sipas/responses", app.base)).await.unwrap();
    browser.click("details.response summary").await.unwrap();
    let overflow = browser.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await.unwrap();
    assert!(overflow.as_i64().unwrap_or(0) <= 0, "an opened response is wider than the phone by {overflow}px");
    browser.screenshot(&shots().join("cards-response.png")).await.unwrap();
    browser.quit().await.unwrap();
}
