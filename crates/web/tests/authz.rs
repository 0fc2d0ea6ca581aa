//! The authorisation matrix: every demo role against every protected route, with the expected
//! answer written out by hand; then the data each official can reach through list, detail,
//! export and API. Runs on SQLite and PostgreSQL.

use std::collections::HashMap;

use testkit::{Session, TestApp};

/// One official per role of SPEC §1 (two unit officials: a department's and a commune's).
const OFFICIALS: [&str; 12] = [
    "quantri",       // system administrator, province
    "cchc",          // reform office, province
    "lanhdao",       // leadership, province
    "thamdinh",      // appraisal council, province
    "stp.canbo",     // unit official, Sở Tư pháp
    "stp.giamdoc",   // unit head, Sở Tư pháp
    "anlac.canbo",   // unit official, Phường An Lạc
    "anlac.chutich", // unit head, Phường An Lạc
    "motcua.anlac",  // counter staff, Phường An Lạc
    "dieutravien",   // interviewer, province
    "nhaplieu",      // data-entry clerk, province
    "",              // not signed in
];

const EVERY_OFFICIAL: &[&str] =
    &["quantri", "cchc", "lanhdao", "thamdinh", "stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich", "motcua.anlac", "dieutravien", "nhaplieu"];
const SEE_UNITS: &[&str] = &["quantri", "cchc", "lanhdao", "thamdinh", "stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich"];
const PROVINCE_WIDE_VIEWERS: &[&str] = &["quantri", "cchc", "lanhdao", "thamdinh"];
const SEE_USERS: &[&str] = &["quantri", "cchc", "lanhdao"];
const MANAGERS: &[&str] = &["quantri", "cchc"];
/// Raw responses: the reform office, and each unit's own officials for their subtree.
const SEE_RESPONSES: &[&str] = &["quantri", "cchc", "stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich"];
/// Alert cases: those who read responses, and the province's leaders (who only read them).
const SEE_ALERTS: &[&str] = &["quantri", "cchc", "lanhdao", "stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich"];

/// Rating kiosks: the reform office and administrators, each unit's officials and its one-stop
/// counter staff.
const RUN_KIOSKS: &[&str] = &["quantri", "cchc", "stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich", "motcua.anlac"];

/// PAR INDEX: the office, the council, each unit's officials and head, and the leaders who read
/// the results.
const PAR_PAGES: &[&str] = &["quantri", "cchc", "lanhdao", "thamdinh", "stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich"];

/// The portal's editors: those who write in a unit's section or publish there.
const EDITORS: &[&str] = &["quantri", "cchc", "stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich"];

/// Those who run consultations: each unit's officials and head, the reform office, administrators.
const CONSULTERS: &[&str] = &["quantri", "cchc", "stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich"];

/// Questions and feedback: whoever follows, answers, dispatches or enters them (each for their
/// own units), and the statistics for those who follow them.
const SEE_QUESTIONS: &[&str] = &["quantri", "cchc", "lanhdao", "stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich", "motcua.anlac"];
const QUESTION_STATISTICS: &[&str] = &["quantri", "cchc", "lanhdao", "stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich"];

/// A question routed to Phường An Lạc by its topic.
async fn anlac_question(app: &TestApp, province: i64, commune: i64) -> i64 {
    use domain::auth::{Access, Grant, Role};
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: province }]);
    let actor = storage::Actor::system("test", app.clock.now_ms());
    let topic = app
        .store
        .save_qa_topic(
            &actor,
            &office,
            None,
            &storage::qa::TopicSetting { name: "Thủ tục tại phường".into(), unit_id: Some(commune), active: true, ..Default::default() },
        )
        .await
        .unwrap();
    let form = domain::qa::AskForm {
        kind: "hoi-dap".into(),
        title: "Giờ tiếp nhận hồ sơ".into(),
        body: "Xin hỏi bộ phận một cửa của phường tiếp nhận hồ sơ vào những giờ nào?".into(),
        name: "Nguyễn Văn An".into(),
        address: String::new(),
        contact: "0912345678".into(),
        consent: true,
        zalo: false,
        identity: None,
    };
    let asked = form.checked().unwrap();
    let receipt = app.store.ask(&actor, &asked, topic, None, domain::qa::Channel::Web, &[], "AUTHZ00000000001", &Default::default()).await.unwrap();
    receipt.id
}

/// A consultation of Phường An Lạc, published with its text.
async fn anlac_consultation(app: &TestApp, commune: i64) -> i64 {
    use domain::auth::{Access, Grant, Role};
    use domain::consultation::{Audience, Moderation, Rules, Settings, Subject};
    let official = Access::new(vec![Grant { role: Role::UnitOfficial, unit: commune }]);
    let actor = storage::Actor::system("test", app.clock.now_ms());
    let now = app.clock.now_ms();
    let settings = Settings {
        title: "Dự thảo Kế hoạch của phường".into(),
        summary: String::new(),
        subject: Subject::Plan,
        audience: Audience::Everyone,
        invited: Vec::new(),
        moderation: Moderation::Before,
        opens_at: now,
        closes_at: now + 86_400_000,
    };
    let id = app.store.create_consultation(&actor, &official, commune, settings, &Rules::default()).await.unwrap();
    let outline = domain::consultation::outline(&thuocdo::demo::consultation::draft_lines()).unwrap();
    app.store.save_consultation_text(&actor, &official, id, &outline).await.unwrap();
    app.store.publish_consultation(&actor, &official, id).await.unwrap();
    id
}

/// A draft article in Phường An Lạc's section of the portal.
async fn anlac_article(app: &TestApp, commune: i64) -> i64 {
    use domain::auth::{Access, Grant, Role};
    use domain::portal::{Category, Draft, Kind};
    let writer = Access::new(vec![Grant { role: Role::UnitOfficial, unit: commune }]);
    let draft = Draft {
        kind: Kind::Article,
        category: Some(Category::News),
        title: "Tin của phường".into(),
        summary: String::new(),
        body_html: "<p>Nội dung</p>".into(),
        video_url: None,
        doc: None,
    };
    app.store.create_item(&storage::Actor::system("test", app.clock.now_ms()), &writer, commune, draft).await.unwrap()
}

/// A commune round opened from the template, with no council assigned yet; returns the round
/// and An Lạc's assessment.
async fn par_round(app: &TestApp, province: i64) -> (i64, i64) {
    use domain::auth::{Access, Grant, Role};
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: province }]);
    let actor = storage::Actor::system("test", app.clock.now_ms());
    let tree = domain::par::template::provincial(domain::units::UnitLevel::Commune, 2026);
    let tree_id = app.store.save_par_tree(&actor, &office, &tree).await.unwrap();
    let now = app.clock.now_ms();
    let deadlines = domain::par::Deadlines {
        self_assessment: now + 86_400_000,
        appraisal: now + 2 * 86_400_000,
        explanation: now + 3 * 86_400_000,
        final_appraisal: now + 4 * 86_400_000,
    };
    let units = app
        .store
        .par_units_of_level(tree.level, &domain::text::iso_date(domain::text::vn_datetime(now).date()))
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let round = storage::par::NewRound { tree_id, title: "Chỉ số CCHC cấp xã".into(), deadlines, classes: Default::default(), unit_ids: units };
    let round = app.store.open_par_round(&actor, &office, &round).await.unwrap();
    let anlac = app.unit_id("28101").await;
    let anlac = app.store.par_assessments(&actor, &office, round).await.unwrap().into_iter().find(|s| s.assessment.unit_id == anlac).unwrap().assessment.id;
    (round, anlac)
}

/// What a route answers: `allowed` get `ok`; `hidden` get 404 (the data exists but is outside
/// their subtree); other officials get 403; the anonymous caller is sent to log in.
struct Case {
    method: &'static str,
    path: String,
    ok: u16,
    allowed: &'static [&'static str],
    hidden: &'static [&'static str],
}

fn case(method: &'static str, path: impl Into<String>, ok: u16, allowed: &'static [&'static str], hidden: &'static [&'static str]) -> Case {
    Case { method, path: path.into(), ok, allowed, hidden }
}

async fn sessions(app: &TestApp) -> HashMap<&'static str, Session> {
    let mut map = HashMap::new();
    for login in OFFICIALS {
        let session = if login.is_empty() { app.client() } else { app.login(login).await };
        map.insert(login, session);
    }
    map
}

#[tokio::test]
async fn every_role_against_every_protected_route() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let province = app.unit_id("99").await;
        let stp = app.unit_id("STP").await;
        let commune = app.unit_id("28101").await;
        let cchc = app.store.user_id_by_name("cchc").await.unwrap();
        let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id;
        let questionnaire = app
            .store
            .questionnaires(&domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::SystemAdmin, unit: province }]))
            .await
            .unwrap()[0]
            .id;
        let (round, anlac) = par_round(&app, province).await;
        let article = anlac_article(&app, commune).await;
        let consultation = anlac_consultation(&app, commune).await;
        let question = anlac_question(&app, province, commune).await;
        let roster = app.officials_survey("cbcc-authz", &["28101"]).await;
        let office = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit: province }]);
        let deadline = app.clock.now_ms() + 86_400_000;
        app.store.open_roster(&storage::Actor::system("test", app.clock.now_ms()), &office, roster, deadline).await.unwrap();
        let stp_hidden: &'static [&'static str] = &["anlac.canbo", "anlac.chutich"];
        let commune_hidden: &'static [&'static str] = &["stp.canbo", "stp.giamdoc"];
        let province_hidden: &'static [&'static str] = &["stp.canbo", "stp.giamdoc", "anlac.canbo", "anlac.chutich"];
        let cases = vec![
            case("GET", "/admin", 200, EVERY_OFFICIAL, &[]),
            case("GET", "/account/password", 200, EVERY_OFFICIAL, &[]),
            case("GET", "/admin/units", 200, SEE_UNITS, &[]),
            case("GET", "/admin/units/export.csv", 200, SEE_UNITS, &[]),
            case("GET", "/admin/units/export.xlsx", 200, SEE_UNITS, &[]),
            case("GET", format!("/admin/units/{province}"), 200, PROVINCE_WIDE_VIEWERS, province_hidden),
            case("GET", format!("/admin/units/{stp}"), 200, &["quantri", "cchc", "lanhdao", "thamdinh", "stp.canbo", "stp.giamdoc"], stp_hidden),
            case("GET", format!("/admin/units/{commune}"), 200, &["quantri", "cchc", "lanhdao", "thamdinh", "anlac.canbo", "anlac.chutich"], commune_hidden),
            case("GET", "/admin/units/new", 200, MANAGERS, &[]),
            case("GET", "/admin/units/import", 200, MANAGERS, &[]),
            case("GET", format!("/admin/units/{stp}/edit"), 200, MANAGERS, &[]),
            case("GET", "/admin/users", 200, SEE_USERS, &[]),
            case("GET", "/admin/users/new", 200, MANAGERS, &[]),
            case("GET", format!("/admin/users/{cchc}"), 200, SEE_USERS, &[]),
            case("GET", "/admin/audit", 200, MANAGERS, &[]),
            case("GET", "/api/v1/me", 200, EVERY_OFFICIAL, &[]),
            case("GET", "/api/v1/units", 200, SEE_UNITS, &[]),
            case("GET", format!("/api/v1/units/{province}"), 200, PROVINCE_WIDE_VIEWERS, province_hidden),
            case("GET", format!("/api/v1/units/{stp}"), 200, &["quantri", "cchc", "lanhdao", "thamdinh", "stp.canbo", "stp.giamdoc"], stp_hidden),
            case("GET", format!("/api/v1/units/{stp}/lineage"), 200, &["quantri", "cchc", "lanhdao", "thamdinh", "stp.canbo", "stp.giamdoc"], stp_hidden),
            case("GET", "/api/v1/users", 200, SEE_USERS, &[]),
            case("GET", format!("/api/v1/users/{cchc}"), 200, SEE_USERS, &[]),
            case("GET", "/api/v1/audit", 200, MANAGERS, &[]),
            case("GET", "/admin/surveys", 200, SEE_UNITS, &[]),
            case("GET", format!("/admin/surveys/{survey}"), 200, SEE_UNITS, &[]),
            case("GET", "/api/v1/surveys", 200, SEE_UNITS, &[]),
            case("GET", format!("/api/v1/surveys/{survey}/results"), 200, SEE_UNITS, &[]),
            case("GET", "/api/v1/questionnaire-templates", 200, EVERY_OFFICIAL, &[]),
            case("GET", format!("/api/v1/questionnaires/{questionnaire}"), 200, MANAGERS, &[]),
            case("GET", "/admin/questionnaires", 200, MANAGERS, &[]),
            case("GET", "/admin/surveys/new", 200, MANAGERS, &[]),
            case("GET", format!("/admin/questionnaires/{questionnaire}"), 200, MANAGERS, &[]),
            case("GET", format!("/admin/questionnaires/{questionnaire}/preview"), 200, MANAGERS, &[]),
            case("GET", format!("/admin/surveys/{survey}/export.csv"), 200, SEE_RESPONSES, &[]),
            case("GET", "/admin/sipas", 200, SEE_UNITS, &[]),
            case("GET", "/admin/phan-tich-y-kien", 200, SEE_UNITS, &[]),
            case("GET", "/admin/phan-tich-y-kien.xlsx", 200, SEE_UNITS, &[]),
            case("GET", "/admin/phan-tich-y-kien/y-kien", 200, SEE_RESPONSES, &[]),
            case("GET", "/admin/phan-tich-y-kien/chu-de", 200, MANAGERS, &[]),
            case("GET", "/admin/sipas/export.xlsx", 200, SEE_UNITS, &[]),
            case("GET", "/api/v1/sipas/overview", 200, SEE_UNITS, &[]),
            case(
                "GET",
                format!("/admin/sipas/units/{commune}"),
                200,
                &["quantri", "cchc", "lanhdao", "thamdinh", "anlac.canbo", "anlac.chutich"],
                commune_hidden,
            ),
            case("GET", format!("/api/v1/sipas/units/{stp}"), 200, &["quantri", "cchc", "lanhdao", "thamdinh", "stp.canbo", "stp.giamdoc"], stp_hidden),
            case(
                "GET",
                format!("/admin/sipas/units/{stp}/export.csv"),
                200,
                &["quantri", "cchc", "lanhdao", "thamdinh", "stp.canbo", "stp.giamdoc"],
                stp_hidden,
            ),
            case("GET", format!("/admin/sipas/responses?unit={commune}"), 200, &["quantri", "cchc", "anlac.canbo", "anlac.chutich"], commune_hidden),
            case("GET", "/admin/sipas/methodologies", 200, MANAGERS, &[]),
            case("GET", "/admin/chi-so", 200, MANAGERS, &[]),
            case("GET", "/admin/chi-so/mau/pci", 200, MANAGERS, &[]),
            case("GET", "/admin/bao-cao", 200, SEE_UNITS, &[]),
            case("GET", "/admin/bao-cao/tai?loai=sipas-nam&nam=2026", 200, PROVINCE_WIDE_VIEWERS, &[]),
            case(
                "GET",
                "/admin/bao-cao/tai?loai=phieu-don-vi&don-vi=28101&nam=2025",
                200,
                &["quantri", "cchc", "lanhdao", "thamdinh", "anlac.canbo", "anlac.chutich"],
                commune_hidden,
            ),
            case("GET", "/admin/alerts", 200, SEE_ALERTS, &[]),
            case("GET", "/admin/portal", 200, EDITORS, &[]),
            case("GET", "/admin/portal/new", 200, EDITORS, &[]),
            case("GET", format!("/admin/portal/{article}"), 200, &["quantri", "cchc", "anlac.canbo", "anlac.chutich"], commune_hidden),
            case("GET", "/admin/y-kien", 200, CONSULTERS, &[]),
            case("GET", "/admin/y-kien/moi", 200, CONSULTERS, &[]),
            case("GET", format!("/admin/y-kien/{consultation}"), 200, &["quantri", "cchc", "anlac.canbo", "anlac.chutich"], commune_hidden),
            case("GET", format!("/admin/y-kien/{consultation}/kiem-duyet"), 200, &["quantri", "cchc", "anlac.canbo", "anlac.chutich"], commune_hidden),
            case("GET", format!("/admin/y-kien/{consultation}/tiep-thu"), 200, &["quantri", "cchc", "anlac.canbo", "anlac.chutich"], commune_hidden),
            case("GET", format!("/admin/y-kien/{consultation}/tai/bao-cao.xlsx"), 200, &["quantri", "cchc", "anlac.canbo", "anlac.chutich"], commune_hidden),
            case("GET", format!("/api/v1/consultations/{consultation}/moderation"), 200, &["quantri", "cchc", "anlac.canbo", "anlac.chutich"], commune_hidden),
            case("GET", "/admin/hoi-dap", 200, SEE_QUESTIONS, &[]),
            case(
                "GET",
                format!("/admin/hoi-dap/{question}"),
                200,
                &["quantri", "cchc", "lanhdao", "anlac.canbo", "anlac.chutich", "motcua.anlac"],
                commune_hidden,
            ),
            case("GET", "/api/v1/questions", 200, SEE_QUESTIONS, &[]),
            case(
                "GET",
                format!("/api/v1/questions/{question}"),
                200,
                &["quantri", "cchc", "lanhdao", "anlac.canbo", "anlac.chutich", "motcua.anlac"],
                commune_hidden,
            ),
            case("GET", "/admin/hoi-dap/thong-ke", 200, QUESTION_STATISTICS, &[]),
            case("GET", "/admin/hoi-dap/thong-ke.xlsx", 200, QUESTION_STATISTICS, &[]),
            case("GET", "/admin/hoi-dap/linh-vuc", 200, MANAGERS, &[]),
            case("GET", "/admin/lich-lam-viec", 200, MANAGERS, &[]),
            case("GET", "/admin/alerts/stats", 200, SEE_ALERTS, &[]),
            case("GET", "/admin/alerts/stats.xlsx", 200, SEE_ALERTS, &[]),
            case("GET", "/api/v1/alerts", 200, SEE_ALERTS, &[]),
            case("GET", format!("/admin/surveys/{survey}/alerts"), 200, MANAGERS, &[]),
            case("GET", "/admin/sampling", 200, MANAGERS, &[]),
            case("GET", "/admin/sampling/frame", 200, MANAGERS, &[]),
            case("GET", "/admin/kiosks", 200, RUN_KIOSKS, &[]),
            case("GET", "/admin/paper", 200, &["quantri", "cchc", "nhaplieu"], &[]),
            case("GET", "/interviewer/", 200, &["dieutravien"], &[]),
            case("GET", "/admin/interviews", 200, MANAGERS, &[]),
            case("GET", "/api/v1/interviews/assignments", 200, &["dieutravien"], &[]),
            case("GET", "/admin/par", 200, PAR_PAGES, &[]),
            case(
                "GET",
                format!("/admin/par/rounds/{round}"),
                200,
                &["quantri", "cchc", "lanhdao", "anlac.canbo", "anlac.chutich"],
                &["thamdinh", "stp.canbo", "stp.giamdoc"],
            ),
            // A commune's roster of the officials' survey: its keepers, the office, the leaders.
            case("GET", "/admin/par/danh-sach", 200, PAR_PAGES, &[]),
            case(
                "GET",
                format!("/admin/par/danh-sach/{roster}"),
                200,
                &["quantri", "cchc", "lanhdao", "anlac.canbo", "anlac.chutich"],
                &["thamdinh", "stp.canbo", "stp.giamdoc"],
            ),
            case(
                "GET",
                format!("/admin/par/danh-sach/{roster}/tham-gia.xlsx"),
                200,
                &["quantri", "cchc", "lanhdao", "anlac.canbo", "anlac.chutich"],
                &["thamdinh", "stp.canbo", "stp.giamdoc"],
            ),
            case(
                "GET",
                format!("/api/v1/par/rosters/{roster}"),
                200,
                &["quantri", "cchc", "lanhdao", "anlac.canbo", "anlac.chutich"],
                &["thamdinh", "stp.canbo", "stp.giamdoc"],
            ),
            // The ranking before publication: the reform office and the province's leaders.
            case("GET", format!("/admin/par/rounds/{round}/results.xlsx"), 200, &["quantri", "cchc", "lanhdao"], &[]),
            case(
                "GET",
                format!("/admin/par/assessments/{anlac}"),
                200,
                &["quantri", "cchc", "lanhdao", "anlac.canbo", "anlac.chutich"],
                &["thamdinh", "stp.canbo", "stp.giamdoc"],
            ),
        ];
        let sessions = sessions(&app).await;
        let mut failures = Vec::new();
        for case in &cases {
            for login in OFFICIALS {
                let session = &sessions[login];
                let status = session.get(&case.path).await.status().as_u16();
                let expected = if login.is_empty() {
                    if case.path.starts_with("/api/") { 401 } else { 303 }
                } else if case.allowed.contains(&login) {
                    case.ok
                } else if case.hidden.contains(&login) {
                    404
                } else {
                    403
                };
                if status != expected {
                    failures.push(format!("{} {} as {:?}: got {status}, expected {expected}", case.method, case.path, login));
                }
            }
        }
        assert!(failures.is_empty(), "on {backend}:\n{}", failures.join("\n"));
        // A refused page keeps the official's frame and names them.
        let (status, page) = sessions["anlac.canbo"].text("/admin/users").await;
        assert_eq!(status, 403);
        assert!(page.contains(r#"<p id="signed-in-as">"#) && page.contains(r#"action="/logout""#), "{backend}: {page}");
    }
}

#[tokio::test]
async fn state_changes_are_refused_to_officials_without_the_right_and_write_nothing() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let sessions = sessions(&app).await;
        let commune_id = app.unit_id("28101").await.to_string();
        for (i, login) in OFFICIALS.iter().enumerate() {
            let session = &sessions[login];
            let code = format!("T{i}");
            let fields = [
                ("code", code.as_str()),
                ("name", "Xã Thử Nghiệm"),
                ("level", "commune"),
                ("parent_code", "99"),
                ("valid_from", "01/07/2025"),
                ("valid_to", ""),
            ];
            let status = session.post_form("/admin/units", &fields).await.status().as_u16();
            let created = app.store.public_unit_by_code(&code).await.is_ok();
            if MANAGERS.contains(login) {
                assert_eq!((status, created), (303, true), "{login} creates a unit on {backend}");
            } else {
                // Anonymous callers are sent to log in before anything else is read.
                let expected = if login.is_empty() { 303 } else { 403 };
                assert_eq!((status, created), (expected, false), "{login:?} must not create a unit on {backend}");
            }
        }
        // Targets and publications: the reform office only.
        for login in OFFICIALS {
            let fields = [("unit", commune_id.as_str()), ("year", "2026"), ("target", "90"), ("back", "/admin/sipas")];
            let status = sessions[login].post_form("/admin/sipas/targets", &fields).await.status().as_u16();
            let expected = if MANAGERS.contains(&login) || login.is_empty() { 303 } else { 403 };
            assert_eq!(status, expected, "{login:?} setting a target on {backend}");
            let status =
                sessions[login].post_form("/admin/sipas/publish", &[("query", "level=commune"), ("title", "Thử"), ("confirm", "1")]).await.status().as_u16();
            assert_eq!(status, expected, "{login:?} publishing on {backend}");
        }
        assert_eq!(app.store.publications().await.unwrap().len(), MANAGERS.len(), "only the allowed publications were stored");
        // Draws: the reform office and administrators; the retention of contacts: only the
        // reform office, which handles them.
        let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id.to_string();
        for login in OFFICIALS {
            let fields = [("survey", survey.as_str()), ("from", "01/01/2026"), ("to", "31/12/2026"), ("total", "0"), ("seed", "1")];
            let status = sessions[login].post_form("/admin/sampling/draws", &fields).await.status().as_u16();
            let expected = if MANAGERS.contains(&login) || login.is_empty() { 303 } else { 403 };
            assert_eq!(status, expected, "{login:?} drawing a sample on {backend}");
            let status = sessions[login].post_form("/admin/sampling/retention", &[("days", "400")]).await.status().as_u16();
            let expected = if login == "cchc" || login.is_empty() { 303 } else { 403 };
            assert_eq!(status, expected, "{login:?} setting the retention on {backend}");
        }
        let office = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit: app.unit_id("99").await }]);
        assert_eq!(app.store.draws(&office).await.unwrap().len(), MANAGERS.len(), "only the allowed draws were stored");
        // Questions: the reform office keeps the topics; the ward's question is drafted only by
        // those who answer for the ward; the leaders and the counter read it, others do not see it.
        let question = anlac_question(&app, app.unit_id("99").await, app.unit_id("28101").await).await;
        for (i, login) in OFFICIALS.iter().enumerate() {
            let name = format!("Lĩnh vực thử {i}");
            let status = sessions[login].post_form("/admin/hoi-dap/linh-vuc", &[("name", name.as_str())]).await.status().as_u16();
            let expected = if MANAGERS.contains(login) || login.is_empty() { 303 } else { 403 };
            assert_eq!(status, expected, "{login:?} adding a topic on {backend}");
            let status =
                sessions[login].post_form(&format!("/admin/hoi-dap/{question}/du-thao"), &[("answer", "Bộ phận một cửa làm việc giờ hành chính.")]).await;
            let expected = match *login {
                "" | "quantri" | "cchc" | "anlac.canbo" | "anlac.chutich" => 303,
                "lanhdao" | "motcua.anlac" => 403,
                _ => 404,
            };
            assert_eq!(status.status().as_u16(), expected, "{login:?} drafting the ward's answer on {backend}");
        }
        assert_eq!(app.store.qa_topics(false).await.unwrap().len(), MANAGERS.len() + 1, "only the allowed topics were stored");
        // Granting the highest role: only a system administrator may (asked last, so that the
        // grant it makes does not change the answers of the others).
        let target = app.store.user_id_by_name("anlac.canbo").await.unwrap();
        for login in OFFICIALS.iter().rev() {
            let response = sessions[login].post_form(&format!("/admin/users/{target}/roles"), &[("role", "system_admin"), ("unit_code", "99")]).await;
            let expected = match *login {
                "quantri" | "" => 303,
                _ => 403,
            };
            assert_eq!(response.status().as_u16(), expected, "{login:?} granting system_admin on {backend}");
        }
    }
}

#[tokio::test]
async fn officials_read_only_their_subtree_in_lists_exports_and_the_api() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let commune = app.login("anlac.canbo").await;
        let (_, html) = commune.text("/admin/units").await;
        assert!(html.contains("Phường An Lạc") && html.contains("1 đơn vị"), "{backend}: {html}");
        assert!(!html.contains("Sở Tư pháp") && !html.contains("Tỉnh An Lạc</a>"));
        let (_, csv) = commune.text("/admin/units/export.csv").await;
        assert_eq!(csv.lines().count(), 2, "header and one unit: {csv}");
        assert!(csv.contains("28101"));
        let api: serde_json::Value = commune.get("/api/v1/units?per_page=500").await.json().await.unwrap();
        assert_eq!(api["total"], 1);
        assert_eq!(api["items"][0]["code"], "28101");
        let (_, html) = commune.text("/admin/units?q=s%E1%BB%9F").await;
        assert!(html.contains("0 đơn vị"));

        let department = app.login("stp.canbo").await;
        let api: serde_json::Value = department.get("/api/v1/units").await.json().await.unwrap();
        assert_eq!(api["items"].as_array().unwrap().iter().map(|u| u["code"].as_str().unwrap()).collect::<Vec<_>>(), vec!["STP"]);

        let leader = app.login("lanhdao").await;
        let api: serde_json::Value = leader.get("/api/v1/units?per_page=500").await.json().await.unwrap();
        assert_eq!(api["total"], 53, "{backend}");
        let users: serde_json::Value = leader.get("/api/v1/users").await.json().await.unwrap();
        assert_eq!(users["total"], 12);
        assert!(users["items"][0].get("email").is_none(), "lists carry no personal data");
    }
}
