//! PAR INDEX in headless Chromium, the whole year of a commune: its official self-scores with an
//! uploaded evidence file and submits, the chairman approves, the council appraises, the commune
//! explains with a file, the reform office sets the survey points from a table, the council
//! settles round two, the office publishes, and the public page shows the final index; and a
//! commune's focal point, on a phone, uploads the roster of the officials' survey and watches
//! participation rise.

use domain::auth::{Access, Grant, Role};
use domain::par::{Adjustment, Criterion, Deadlines, Field, Item, Mapping, Module, Points, Source, Tree};
use domain::units::UnitLevel;
use storage::Actor;
use testkit::TestApp;
use testkit::browser::Browser;

const DAY: i64 = 86_400_000;

fn item(code: &str, max: i64, evidence_required: bool, source: Source) -> Item {
    Item { code: code.into(), name: format!("Tiêu chí thành phần {code}"), max: Points::whole(max), guide: String::new(), evidence_required, source }
}

/// Two fields, ten points: 1.1.1 (2, evidence required), 1.1.2 (3), 2.1.1 (5, SIPAS); a bonus point.
fn tree(year: i32) -> Tree {
    let field = |code: &str, items: Vec<Item>| Field {
        code: code.into(),
        name: format!("Lĩnh vực {code}"),
        criteria: vec![Criterion { code: format!("{code}.1"), name: format!("Tiêu chí {code}.1"), items }],
    };
    let sipas = Source::Measured { module: Module::Sipas, measure: String::new(), mapping: Mapping::Proportional };
    Tree {
        code: "PAR-XA-THU".into(),
        title: "Bộ tiêu chí thử cấp xã".into(),
        year,
        level: UnitLevel::Commune,
        template: false,
        fields: vec![
            field("1", vec![item("1.1.1", 2, true, Source::SelfAssessed), item("1.1.2", 3, false, Source::SelfAssessed)]),
            field("2", vec![item("2.1.1", 5, false, sipas)]),
        ],
        bonus: vec![Adjustment { code: "T1".into(), name: "Sáng kiến".into(), max: Points::whole(1), guide: String::new() }],
        bonus_cap: Points::whole(1),
        penalties: Vec::new(),
        penalty_cap: Points::ZERO,
    }
}

async fn sign_out(browser: &Browser) {
    browser.click("form[action='/logout'] button").await.unwrap();
    browser.wait_text("Đăng nhập").await.unwrap();
}

/// Fills an item's form (points, note, file; each if given) and saves it.
async fn save_item(browser: &Browser, code: &str, points: Option<&str>, note: Option<&str>, file: Option<&std::path::Path>) {
    if let Some(points) = points {
        browser.fill(&format!("[id='points-{code}']"), points).await.unwrap();
    }
    if let Some(note) = note {
        browser.fill(&format!("[id='note-{code}']"), note).await.unwrap();
    }
    if let Some(file) = file {
        browser.fill(&format!("[id='file-{code}']"), file.to_str().unwrap()).await.unwrap();
    }
    browser.click(&format!("[id='item-{code}'] button[type=submit]")).await.unwrap();
    browser.wait_text(&format!("Đã lưu mục {code}.")).await.unwrap();
}

#[tokio::test]
async fn a_commune_is_scored_from_self_assessment_to_the_published_index() {
    let Some(browser) = Browser::start(1280, 900).await.unwrap() else { return };
    let app = TestApp::spawn(testkit::sqlite()).await;
    let base = app.base.clone();
    let dir = std::env::temp_dir().join("thuocdo-browser");
    std::fs::create_dir_all(&dir).unwrap();
    let evidence = dir.join("bien-ban-hop.pdf");
    std::fs::write(&evidence, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n").unwrap();
    let sipas = dir.join("chi-so-sipas.csv");
    std::fs::write(&sipas, "Mã đơn vị;Chỉ số\n28101;87,3\n").unwrap();

    // The reform office's round for An Lạc, its council member assigned.
    let now = app.clock.now_ms();
    let actor = Actor::system("test", now);
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]);
    let year = domain::text::vn_datetime(now).year();
    let tree_id = app.store.save_par_tree(&actor, &office, &tree(year)).await.unwrap();
    let round = storage::par::NewRound {
        tree_id,
        title: format!("Chỉ số CCHC cấp xã năm {year}"),
        deadlines: Deadlines { self_assessment: now + 2 * DAY, appraisal: now + 4 * DAY, explanation: now + 6 * DAY, final_appraisal: now + 8 * DAY },
        classes: Default::default(),
        unit_ids: vec![app.unit_id("28101").await],
    };
    let round = app.store.open_par_round(&actor, &office, &round).await.unwrap();
    let assessment = app.store.par_assessments(&actor, &office, round).await.unwrap()[0].assessment.id;
    let member = app.store.user_id_by_name("thamdinh").await.unwrap();
    app.store.assign_par_council(&actor, &office, assessment, &[member]).await.unwrap();
    let sheet = format!("{base}/admin/par/assessments/{assessment}");

    // The commune official scores with an evidence file and submits.
    browser.sign_in(&base, "anlac.canbo").await.unwrap();
    browser.click("nav a[href='/admin/par']").await.unwrap();
    browser.click("main ul a, main table a").await.unwrap();
    browser.click("#par-assessments tbody a").await.unwrap();
    browser.wait_text("Phường An Lạc").await.unwrap();
    save_item(&browser, "1.1.1", Some("2"), None, Some(&evidence)).await;
    assert!(browser.page_text().await.unwrap().contains("bien-ban-hop.pdf"), "the file is listed under its item");
    save_item(&browser, "1.1.2", Some("3"), Some("Hoàn thành kế hoạch CCHC năm"), None).await;
    browser.click("form[action$='/action'] button").await.unwrap();
    browser.wait_text("Chờ thủ trưởng phê duyệt").await.unwrap();
    sign_out(&browser).await;

    // The chairman approves.
    browser.sign_in(&base, "anlac.chutich").await.unwrap();
    browser.goto(&sheet).await.unwrap();
    browser.click("form[action$='/action'] button").await.unwrap();
    browser.wait_text("Thủ trưởng đã phê duyệt").await.unwrap();
    sign_out(&browser).await;

    // Round 1: the council takes a point off 1.1.1.
    app.clock.advance_ms(2 * DAY + 60_000);
    browser.sign_in(&base, "thamdinh").await.unwrap();
    browser.goto(&sheet).await.unwrap();
    save_item(&browser, "1.1.1", Some("1"), Some("Biên bản chưa có chữ ký"), None).await;
    sign_out(&browser).await;

    // The commune explains with the signed minutes.
    app.clock.advance_ms(2 * DAY);
    browser.sign_in(&base, "anlac.canbo").await.unwrap();
    browser.goto(&sheet).await.unwrap();
    save_item(&browser, "1.1.1", None, Some("Bổ sung biên bản đã ký"), Some(&evidence)).await;
    sign_out(&browser).await;

    // Round 2: the office takes the SIPAS index from a table; the council accepts the explanation.
    app.clock.advance_ms(2 * DAY);
    browser.sign_in(&base, "cchc").await.unwrap();
    browser.goto(&format!("{base}/admin/par/rounds/{round}")).await.unwrap();
    browser.fill("#measured-file", sipas.to_str().unwrap()).await.unwrap();
    browser.click("#measured-points button[type=submit]").await.unwrap();
    browser.wait_text("cho 1 đơn vị").await.unwrap();
    sign_out(&browser).await;
    browser.sign_in(&base, "thamdinh").await.unwrap();
    browser.goto(&sheet).await.unwrap();
    save_item(&browser, "1.1.1", Some("2"), Some("Chấp nhận giải trình"), None).await;
    // 2 + 3 + 5 × 87,3 % (4,37) = 9,37 of 10.
    assert!(browser.page_text().await.unwrap().contains("9,37/10 điểm — chỉ số 93,70% — Tốt"));
    sign_out(&browser).await;

    // After the last deadline the office publishes, and anyone reads the index.
    app.clock.advance_ms(2 * DAY);
    browser.sign_in(&base, "cchc").await.unwrap();
    browser.goto(&format!("{base}/admin/par/rounds/{round}")).await.unwrap();
    browser.click("#results form button").await.unwrap();
    browser.wait_text("Đã công bố kết quả").await.unwrap();
    sign_out(&browser).await;
    browser.goto(&base).await.unwrap();
    browser.click("nav a[href='/chi-so-cchc']").await.unwrap();
    browser.click("#par-published a").await.unwrap();
    let text = browser.wait_text("Phường An Lạc").await.unwrap();
    assert!(text.contains("93,70") && text.contains("Tốt") && text.contains("9,37"), "{text}");
    browser.screenshot(&dir.join("par-published.png")).await.unwrap();
}

/// A commune's focal point, on a phone, lists the people it chose from a spreadsheet, and
/// watches participation rise as their answers arrive; the page passes axe.
#[tokio::test]
async fn a_focal_point_uploads_the_roster_and_sees_participation_rise() {
    let Some(mail) = testkit::smtp::MailSink::start().await.unwrap() else { return };
    let Some(browser) = Browser::start(360, 800).await.unwrap() else { return };
    let config = web::Config { smtp_url: Some(mail.url()), alert_interval_ms: 200, ..web::Config::default() };
    let app = TestApp::spawn_with(testkit::sqlite(), config).await;
    let base = app.base.clone();
    let survey = app.officials_survey("cbcc-dien-thoai", &["28101"]).await;
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: app.unit_id("99").await }]);
    let actor = Actor::system("test", app.clock.now_ms());
    app.store.open_roster(&actor, &office, survey, app.clock.now_ms() + 7 * DAY).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("danh-sach-an-lac.csv");
    let people = ["Nguyễn Văn An", "Lê Thị Bình", "Trần Quốc Cường"];
    let mut csv = String::from("Họ và tên,Chức vụ,Đơn vị công tác,Thư điện tử,Điện thoại\n");
    for (i, name) in people.iter().enumerate() {
        csv.push_str(&format!("{name},Công chức,UBND Phường An Lạc,nguoi{i}@anlac.example.vn,\n"));
    }
    std::fs::write(&file, csv).unwrap();

    browser.sign_in(&base, "anlac.canbo").await.unwrap();
    browser.goto(&format!("{base}/admin/par")).await.unwrap();
    browser.click("a[href='/admin/par/danh-sach']").await.unwrap();
    browser.click(&format!("#rosters a[href='/admin/par/danh-sach/{survey}']")).await.unwrap();
    browser.fill("#roster-file", file.to_str().unwrap()).await.unwrap();
    browser.click("#upload-roster button[type=submit]").await.unwrap();
    let text = browser.wait_text("Chưa trả lời: 3 trên 3 người.").await.unwrap();
    assert!(people.iter().all(|p| text.contains(p)) && text.contains("Chưa gửi lời mời"), "{text}");
    assert_eq!(browser.accessibility_problems().await.unwrap(), Vec::<String>::new());

    // The office sends the invitations; two of the three answer, one after the other.
    app.store.invite_roster(&actor, &office, survey).await.unwrap();
    let page = format!("{base}/admin/par/danh-sach/{survey}");
    for (i, expected) in [(0, "33,3 %"), (1, "66,7 %")] {
        let message = mail.wait_for(&format!("nguoi{i}@anlac.example.vn"), "/t/", std::time::Duration::from_secs(20)).await.unwrap();
        let link = testkit::link_in(&message.body);
        let visitor = app.client();
        let (_, form) = visitor.text(&link).await;
        let mut fields = vec![("csrf".to_string(), testkit::csrf_in(&form).unwrap())];
        fields.extend(testkit::officials_fields("28101"));
        assert_eq!(visitor.client.post(visitor.url(&link)).form(&fields).send().await.unwrap().status(), 303);
        browser.goto(&page).await.unwrap();
        assert_eq!(browser.text_of("#total-rate").await.unwrap(), expected);
    }
    let text = browser.wait_text("Chưa trả lời: 1 trên 3 người.").await.unwrap();
    assert!(text.contains("Đã trả lời") && text.contains("Nhắc"), "{text}");
    browser.screenshot(&dir.path().join("roster-phone.png")).await.unwrap();
}
