//! Test support: the application on 127.0.0.1:0 over a fresh SQLite file or a fresh PostgreSQL
//! database, signed-in HTTP clients, a WebDriver client for headless Chromium and a local SMTP
//! server.
//!
//! PostgreSQL tests use the server named by `THUOCDO_TEST_PG_URL` (an admin URL; `scripts/test`
//! starts one). When `THUOCDO_REQUIRE_PG=1` is set, a missing server fails the test instead of
//! skipping the PostgreSQL half.

pub mod api;
pub mod browser;
pub mod documents;
pub mod oidc;
pub mod providers;
pub mod receiver;
pub mod smtp;

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::redirect::Policy;
use reqwest::{Client, Response};
use sqlx::ConnectOptions;
use storage::Store;
use web::{AppState, Clock, Config};

pub use thuocdo::demo::DEMO_PASSWORD as PASSWORD;

/// Limits for reading back what the system itself exported (wide survey sheets included).
pub const READ_BACK: sheets::Limits = sheets::Limits { rows: 1_000_000, columns: 1_000, cells: 20_000_000, unpacked_bytes: 1 << 30 };

/// A database for one test; a SQLite file lives as long as this value.
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    /// The data key its personal data is sealed with, the same every time it is opened.
    key: storage::crypto::DataKey,
    _dir: Option<tempfile::TempDir>,
}

pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = dir.path().join("thuocdo.db").to_string_lossy().into_owned();
    TestDb { url, backend: "sqlite", key: storage::crypto::DataKey::generate(), _dir: Some(dir) }
}

fn unique_suffix() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}{:04x}", nanos, std::process::id() & 0xffff)
}

/// A fresh, empty PostgreSQL database, or `None` when no server is configured.
pub async fn postgres() -> Option<TestDb> {
    let Ok(admin_url) = std::env::var("THUOCDO_TEST_PG_URL") else {
        assert!(std::env::var("THUOCDO_REQUIRE_PG").is_err(), "THUOCDO_REQUIRE_PG is set but THUOCDO_TEST_PG_URL is not: PostgreSQL tests cannot run");
        eprintln!("THUOCDO_TEST_PG_URL not set: skipping the PostgreSQL half (run ./scripts/test for both)");
        return None;
    };
    let name = format!("thuocdo_test_{}", unique_suffix());
    let options: sqlx::postgres::PgConnectOptions = admin_url.parse().expect("THUOCDO_TEST_PG_URL is a PostgreSQL URL");
    let mut admin = options.connect().await.expect("connect to the test PostgreSQL server");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.expect("create test database");
    let url = options.database(&name).to_url_lossy().to_string();
    Some(TestDb { url, backend: "postgres", key: storage::crypto::DataKey::generate(), _dir: None })
}

/// SQLite, and PostgreSQL when available: the contract suites run on each.
pub async fn backends() -> Vec<TestDb> {
    let mut dbs = vec![sqlite()];
    dbs.extend(postgres().await);
    dbs
}

/// A migrated store over `db`.
pub async fn store(db: &TestDb) -> Store {
    let store = Store::connect(&db.url, &db.key).await.expect("connect to the test database");
    store.migrate().await.expect("migrate the test database");
    store
}

/// The application, serving on a free loopback port, with the demo province loaded and a
/// manual clock that tests may advance.
pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub clock: Clock,
    pub db: TestDb,
    config: Config,
    /// Stops the server (see `restart`).
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub async fn spawn(db: TestDb) -> Self {
        Self::spawn_with(db, Config::default()).await
    }

    pub async fn spawn_with(db: TestDb, config: Config) -> Self {
        let store = store(&db).await;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        let clock = Clock::manual(now);
        thuocdo::demo::load(&store, now).await.expect("load the demo province");
        let mut app = Self { base: String::new(), store, clock, db, config, stop: None, server: None };
        app.start().await;
        app
    }

    async fn start(&mut self) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        self.base = format!("http://{}", listener.local_addr().expect("local address"));
        // Links the server makes (and the address it gives an identity provider to send the
        // browser back to) lead to where it serves, unless the test named another address.
        let mut config = self.config.clone();
        if config.public_url == Config::default().public_url {
            config.public_url = self.base.clone();
        }
        let state = AppState::new(self.store.clone(), config, self.clock.clone()).await.expect("application state");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(stop);
        self.server = Some(tokio::spawn(async move {
            let _ = web::serve_until(state, listener, async move {
                let _ = stopped.await;
            })
            .await;
        }));
    }

    /// Stops the server as a crash would (its jobs at once, mid-step) and starts a new one on
    /// the same database, at a new address: whatever it still does, it learned from the database.
    pub async fn restart(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut server) = self.server.take() {
            // The jobs stop as soon as the server sees the signal; the requests still open get
            // a moment to end.
            if tokio::time::timeout(std::time::Duration::from_secs(5), &mut server).await.is_err() {
                server.abort();
            }
        }
        self.store = store(&self.db).await;
        self.start().await;
    }

    /// A client with its own cookie jar that does not follow redirects.
    pub fn client(&self) -> Session {
        let client = Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("HTTP client");
        Session { client, base: self.base.clone(), csrf: String::new() }
    }

    /// A client signed in as one of the demo officials.
    pub async fn login(&self, username: &str) -> Session {
        let mut session = self.client();
        let response = session.login(username, PASSWORD).await;
        assert_eq!(response.status(), 303, "login as {username} should redirect");
        session.csrf = session.csrf_of("/admin").await;
        session
    }

    /// An API client holding a new token of the demo official `username`, narrowed by `scope`.
    pub async fn api(&self, username: &str, scope: storage::auth::TokenScope) -> api::ApiClient {
        let (token, hash) = web::new_api_token();
        let user = self.store.user_id_by_name(username).await.expect("a demo official");
        let actor = storage::Actor::system("test", self.clock.now_ms());
        self.store.create_api_token(&actor, user, "test", &hash, None, &scope).await.expect("an API token");
        api::ApiClient::new(&self.base, token)
    }

    /// Answers to the demo survey, spread over this year, as `serve --demo` loads them.
    pub async fn demo_answers(&self, count: usize) {
        thuocdo::demo::responses::load(&self.store, count, self.clock.now_ms()).await.expect("demo answers");
    }

    /// The dossiers of the sampling frame, the reform office's draw from them and the sampled
    /// people's telephone answers, as `serve --demo` loads them.
    pub async fn demo_sample(&self) {
        thuocdo::demo::frame::load(&self.store, thuocdo::demo::frame::COUNT, self.clock.now_ms()).await.expect("demo sample");
    }

    /// The communes' published PAR INDEX rounds of 2024 and 2025, this year's round in
    /// self-assessment and this year's reform plan, as `serve --demo` loads them.
    pub async fn demo_par(&self) {
        thuocdo::demo::par::load(&self.store, self.clock.now_ms()).await.expect("demo PAR INDEX");
    }

    /// The demo portal: published articles with pictures, documents with files, and items in
    /// each state of the workflow.
    pub async fn demo_portal(&self) {
        thuocdo::demo::portal::load(&self.store, self.clock.now_ms()).await.expect("demo portal");
    }

    /// The demo consultations: the Department of Justice's draft, open, with comments, votes
    /// and first answers; a ward's plan, closed and reported.
    pub async fn demo_consultations(&self) {
        thuocdo::demo::consultation::load(&self.store, self.clock.now_ms()).await.expect("demo consultations");
    }

    /// The demo's Q&A topics, calendar decisions and questions at every step.
    pub async fn demo_questions(&self) {
        thuocdo::demo::qa::load(&self.store, self.clock.now_ms()).await.expect("demo questions");
    }

    /// The province's national results of PCI, PAPI, PAR INDEX, SIPAS, ICT, DTI and 766 across
    /// the years, imported as the reform office would.
    pub async fn demo_results(&self) {
        thuocdo::demo::results::load(&self.store, self.clock.now_ms()).await.expect("demo results");
    }

    /// Sets up a rating kiosk at Phường An Lạc's counter as its one-stop official (who must be
    /// `official`); gives its id and the tablet's address.
    pub async fn set_up_kiosk(&self, official: &Session) -> (i64, String) {
        let created = official.post_form("/admin/kiosks", &[("unit", "28101"), ("survey", "sipas"), ("counter", "Quầy số 1 — Hộ tịch")]).await;
        assert_eq!(created.status(), 200);
        let html = created.text().await.expect("the kiosk page");
        let at = html.find("/kiosk/").expect("the kiosk's address is shown once");
        let path = html[at..].split('<').next().expect("an address").to_string();
        let counter_staff = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::CounterStaff, unit: self.unit_id("28101").await }]);
        let kiosks = self.store.kiosks(&counter_staff).await.expect("the kiosks");
        (kiosks.last().expect("the kiosk just set up").id, path)
    }

    /// A citizen's rating at Phường An Lạc's counter, as the kiosk takes it: its one-stop
    /// official (motcua.anlac) sets up a kiosk, takes duty and invites; the tablet sends
    /// `answers`. The rating is about that official.
    pub async fn rate_at_kiosk(&self, answers: &serde_json::Value) -> Response {
        let official = self.login("motcua.anlac").await;
        let (id, path) = self.set_up_kiosk(&official).await;
        official.post_form(&format!("/admin/kiosks/{id}/duty"), &[]).await;
        official.post_form(&format!("/admin/kiosks/{id}/invite"), &[]).await;
        let tablet = self.client();
        let token = csrf_in(&tablet.text(&path).await.1).expect("the kiosk shows the form once invited");
        let mut fields = vec![("csrf".to_string(), token)];
        fields.extend(fields_of(answers));
        tablet.client.post(tablet.url(&path)).form(&fields).send().await.expect("POST the rating")
    }

    /// A visitor's answers to the demo survey about unit `unit_code` through the API, with
    /// overall satisfaction `overall` and `comment` written in the comment box.
    pub async fn answer_with_comment(&self, unit_code: &str, overall: &str, comment: &str) {
        let mut answers = sheet(overall);
        answers["GOP_Y"] = serde_json::Value::String(comment.to_string());
        let response = Client::new()
            .post(format!("{}/api/v1/surveys/sipas/responses", self.base))
            .json(&serde_json::json!({ "unit_code": unit_code, "answers": answers }))
            .send()
            .await
            .expect("POST the answers");
        assert_eq!(response.status(), 201, "the answers are taken");
    }

    pub async fn unit_id(&self, code: &str) -> i64 {
        self.store.public_unit_by_code(code).await.expect("demo unit").id
    }

    /// A survey of civil servants for the PAR INDEX (the built-in form), open from now for a
    /// month by invitation, asking the units of `codes`; its id. Its roster is not open yet.
    pub async fn officials_survey(&self, code: &str, codes: &[&str]) -> i64 {
        let province = self.unit_id("99").await;
        let admin = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::SystemAdmin, unit: province }]);
        let actor = storage::Actor::system("test", self.clock.now_ms());
        let form = domain::par::surveys::civil_servants();
        let questionnaire = self.store.create_questionnaire(&actor, &admin, province, &form).await.expect("questionnaire");
        let version_id = self.store.publish_questionnaire(&actor, &admin, questionnaire).await.expect("published");
        let mut targets = Vec::new();
        for unit in codes {
            targets.push(self.unit_id(unit).await);
        }
        let day = domain::text::vn_datetime(self.clock.now_ms()).date();
        let survey = storage::surveys::NewSurvey {
            code: code.into(),
            title: format!("Khảo sát cán bộ, công chức ({code})"),
            unit_id: province,
            version_id,
            recurrence: domain::surveys::Recurrence::Once,
            period_start: day,
            period_end: day,
            opens_at: self.clock.now_ms() - 1,
            closes_at: self.clock.now_ms() + 30 * 86_400_000,
            channels: vec![domain::surveys::Channel::Invitation],
            targets,
        };
        self.store.create_survey(&actor, &admin, &survey).await.expect("survey")
    }
}

/// The invitation link in a message: `/t/…` up to the next space or line end.
pub fn link_in(text: &str) -> String {
    let at = text.find("/t/").expect("a link in the message");
    text[at..].split(char::is_whitespace).next().unwrap_or_default().to_string()
}

/// The answer page's fields of an official who agrees ("4") with every statement of the
/// built-in civil servants' form, in the unit of `unit_code`.
pub fn officials_fields(unit_code: &str) -> Vec<(String, String)> {
    let form = domain::par::surveys::civil_servants();
    form.questions()
        .filter_map(|(_, q)| {
            match &q.kind {
                domain::surveys::QuestionKind::Unit { .. } => Some(unit_code.to_string()),
                domain::surveys::QuestionKind::SingleChoice { options } => Some(options[0].code.clone()),
                domain::surveys::QuestionKind::Likert { .. } => Some("4".to_string()),
                _ => None,
            }
            .map(|value| (format!("a.{}", q.code), value))
        })
        .collect()
}

/// An HTTP client bound to the test app, with the CSRF token of its session once signed in.
pub struct Session {
    pub client: Client,
    pub base: String,
    pub csrf: String,
}

/// The value of the first `name="csrf"` field of a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().map(String::from)
}

impl Session {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    pub async fn csrf_of(&self, path: &str) -> String {
        let (_, html) = self.text(path).await;
        csrf_in(&html).unwrap_or_default()
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client.post(self.url(path)).form(&all).send().await.expect("POST")
    }

    /// Posts a form exactly as given (to test missing or forged tokens).
    pub async fn post_raw_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client.post(self.url(path)).form(fields).send().await.expect("POST")
    }

    pub async fn login(&mut self, username: &str, password: &str) -> Response {
        let csrf = self.csrf_of("/login").await;
        self.client
            .post(self.url("/login"))
            .form(&[("csrf", csrf.as_str()), ("username", username), ("password", password), ("next", "/admin")])
            .send()
            .await
            .expect("POST /login")
    }
}

/// A complete, valid SIPAS 2017 answer sheet (the demo survey's form) as JSON, with the overall
/// satisfaction `overall`.
pub fn sheet(overall: &str) -> serde_json::Value {
    let mut answers = serde_json::Map::new();
    for (element, criteria) in [("TC", 4), ("TT", 5), ("CC", 6), ("KQ", 3), ("PA", 4)] {
        for i in 1..=criteria {
            answers.insert(format!("{element}{i}"), serde_json::json!("co"));
        }
        answers.insert(format!("{element}_HL"), serde_json::json!("4"));
    }
    answers.insert("PA0".into(), serde_json::json!("co"));
    answers.insert("HL_CHUNG".into(), serde_json::json!(overall));
    answers.insert("TC_KV".into(), serde_json::json!(["TC1", "TC2"]));
    serde_json::Value::Object(answers)
}

/// The form fields a person fills in on the answer page for [`sheet`].
pub fn page_fields(overall: &str) -> Vec<(String, String)> {
    fields_of(&sheet(overall))
}

/// The answer page's form fields for answers given as JSON (as the API takes them).
pub fn fields_of(answers: &serde_json::Value) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for (key, value) in answers.as_object().expect("answers are an object") {
        match value {
            serde_json::Value::Array(items) => fields.extend(items.iter().map(|i| (format!("a.{key}"), i.as_str().unwrap_or_default().to_string()))),
            other => fields.push((format!("a.{key}"), other.as_str().unwrap_or_default().to_string())),
        }
    }
    fields
}
