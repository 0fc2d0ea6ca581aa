use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use storage::Store;
use storage::responses::Ingest;

use crate::ops::metrics_handle;
use crate::rate_limit::RateLimiter;
use crate::security::TrustedProxies;
use crate::surveys::intake::{Screening, SurveyCache};

/// Settings of a running server; `thuocdo serve` fills them from flags and the environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` and send HSTS: set when served over HTTPS.
    pub secure_cookies: bool,
    /// The reverse proxies whose `X-Forwarded-For` is read (none: the peer is the client).
    pub trusted_proxies: TrustedProxies,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    /// Failed login attempts allowed per client address per minute.
    pub login_attempts_per_minute: u32,
    /// Survey submissions accepted per client address per minute (a one-stop office may share
    /// one address; the load benchmark raises it).
    pub submissions_per_minute: u32,
    /// The address officials open the system at, for links in e-mails.
    pub public_url: String,
    /// `smtp://host:port` (see `notify::Mailer::new`); without it e-mails wait in the outbox.
    pub smtp_url: Option<String>,
    /// Sender of the e-mails.
    pub mail_from: String,
    /// How often the alert step and the outbox run.
    pub alert_interval_ms: u64,
    /// How often each official gets the digest of the cases that are not urgent.
    pub digest_interval_ms: u64,
    /// The SMS gateway (see `notify::invitations`): its URL and bearer token; `sms_hook_key`
    /// must be given as `?key=` by the gateway's delivery reports.
    pub sms_url: Option<String>,
    pub sms_token: String,
    pub sms_hook_key: String,
    /// Zalo ZNS: the OA's access token, the approved template, and the OA secret key that signs
    /// its webhook events; `zalo_url` replaces Zalo's address (for a test server).
    pub zalo_token: Option<String>,
    pub zalo_template: String,
    pub zalo_secret: String,
    pub zalo_url: String,
    /// The ZNS template approved for the messages to those who asked a question.
    pub zalo_qa_template: String,
    /// Where the OA's answers to its followers go (Zalo's address; a test server's in tests).
    pub zalo_oa_url: String,
    /// Sites allowed to frame the widget, as a CSP `frame-ancestors` source list.
    pub widget_origins: String,
    /// A kiosk's thank-you screen goes back to waiting after this many seconds; a rating form
    /// left untouched, after `kiosk_idle_seconds`.
    pub kiosk_reset_seconds: u32,
    pub kiosk_idle_seconds: u32,
    /// The bearer token `/metrics` asks of scrapers on the main port; without one it is not
    /// served there (see `--metrics-bind`).
    pub metrics_token: Option<String>,
    /// The province's settings for consultations (the minimum period of a legal draft).
    pub consultation: domain::consultation::Rules,
    /// The answering periods of questions, feedback and proposals, in working days.
    pub qa: domain::qa::Periods,
    /// What classifies the sentiment of comments: the built-in model, or a model file the
    /// operator plugged in (`thuocdo serve --sentiment-model`).
    pub sentiment: &'static dyn analytics::Classifier,
    /// The province's OpenID Connect provider officials may sign in through.
    pub sso: Option<notify::oidc::ProviderConfig>,
    /// VNeID, the national electronic identity, through which citizens prove who they are where
    /// a consultation asks for it.
    pub vneid: Option<notify::oidc::ProviderConfig>,
}

/// Agency portals of Vietnamese state bodies live under `.gov.vn`.
pub const DEFAULT_WIDGET_ORIGINS: &str = "'self' https://*.gov.vn";

impl Default for Config {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trusted_proxies: TrustedProxies::default(),
            session_idle_minutes: 30,
            session_max_hours: 12,
            login_attempts_per_minute: 10,
            submissions_per_minute: 600,
            public_url: "http://127.0.0.1:8080".into(),
            smtp_url: None,
            mail_from: "Thước Đo <khong-tra-loi@thuocdo.local>".into(),
            alert_interval_ms: 2_000,
            digest_interval_ms: 3_600_000,
            sms_url: None,
            sms_token: String::new(),
            sms_hook_key: String::new(),
            zalo_token: None,
            zalo_template: String::new(),
            zalo_secret: String::new(),
            zalo_url: notify::invitations::ZNS_URL.into(),
            zalo_qa_template: String::new(),
            zalo_oa_url: notify::oa::OA_URL.into(),
            widget_origins: DEFAULT_WIDGET_ORIGINS.into(),
            kiosk_reset_seconds: 8,
            kiosk_idle_seconds: 120,
            metrics_token: None,
            consultation: domain::consultation::Rules::default(),
            qa: domain::qa::Periods::default(),
            sentiment: &analytics::model::BUILTIN,
            sso: None,
            vneid: None,
        }
    }
}

/// The application clock. Tests use a manual clock to cross deadlines and session expiry.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start_ms: i64) -> Self {
        Self::Manual(Arc::new(AtomicI64::new(start_ms)))
    }

    /// Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        match self {
            Self::System => SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0),
            Self::Manual(ms) => ms.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved.
    pub fn advance_ms(&self, delta: i64) {
        if let Self::Manual(ms) = self {
            ms.fetch_add(delta, Ordering::SeqCst);
        }
    }
}

pub struct Inner {
    pub store: Store,
    pub config: Config,
    pub clock: Clock,
    /// Key of the CSRF tokens; kept in the database so every instance shares it.
    pub csrf_key: Vec<u8>,
    /// Failed logins per client address, and per login name (known or not, so that being
    /// throttled says nothing of whether an account exists).
    pub login_limiter: RateLimiter,
    pub account_limiter: RateLimiter,
    pub submit_limiter: RateLimiter,
    /// One-time codes sent, per address and per phone or mailbox: each costs a message.
    pub code_limiter: RateLimiter,
    /// Questions sent without the form's proof of work (no script), per address: a person
    /// without script asks a few; a robot that skips the work is held to as many.
    pub ask_limiter: RateLimiter,
    /// Requests per API token and minute, each token against its own limit (on each server).
    pub token_limiter: RateLimiter,
    /// The queue of the single ingest writer.
    pub ingest: Ingest,
    /// Surveys, their published forms and targets, kept in memory (see `SurveyCache`).
    pub survey_cache: SurveyCache,
    pub screening: Screening,
    /// E-mail, SMS and Zalo, as configured.
    pub senders: notify::invitations::Senders,
    /// The client of the single sign-on provider, when one is set up.
    pub sso: Option<notify::oidc::Client>,
    /// The client of VNeID, when the province is connected to it.
    pub vneid: Option<notify::oidc::Client>,
    /// This server's name among those sharing the database, new at each start: what holds the
    /// lease of a job that one server at a time runs (see `jobs`).
    pub instance: String,
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub async fn new(store: Store, config: Config, clock: Clock) -> storage::Result<Self> {
        let key = store.setting_or_insert("csrf_key", || hex::encode(crate::auth::tokens::random_bytes::<32>())).await?;
        metrics_handle();
        let login_limiter = RateLimiter::shared("login", config.login_attempts_per_minute, 60_000);
        let account_limiter = RateLimiter::shared("account", domain::auth::LOCKOUT_THRESHOLD as u32, domain::auth::LOCKOUT_MINUTES * 60_000);
        let submit_limiter = RateLimiter::shared("submit", config.submissions_per_minute, 60_000);
        let code_limiter = RateLimiter::shared("code", 5, 10 * 60_000);
        let ask_limiter = RateLimiter::shared("ask", 5, 3_600_000);
        let ingest = store.start_ingest();
        let mailer = match &config.smtp_url {
            Some(url) => Some(notify::Mailer::new(url, &config.mail_from).map_err(|e| storage::Error::Invalid(vec![e.to_string()]))?),
            None => None,
        };
        let senders = notify::invitations::Senders {
            mailer,
            sms: config.sms_url.as_deref().map(|url| notify::invitations::SmsGateway::new(url, &config.sms_token)),
            zalo: config.zalo_token.as_deref().map(|token| notify::invitations::ZaloZns::new(&config.zalo_url, token, &config.zalo_template)),
            zalo_qa_template: Some(config.zalo_qa_template.clone()).filter(|t| !t.is_empty()),
            zalo_oa: config.zalo_token.as_deref().map(|token| notify::oa::ZaloOa::new(&config.zalo_oa_url, token)),
            webhooks: notify::http::Http::new(),
        };
        let client = |provider: &Option<notify::oidc::ProviderConfig>| provider.clone().map(|p| notify::oidc::Client::new(p, senders.webhooks.clone()));
        let (sso, vneid) = (client(&config.sso), client(&config.vneid));
        Ok(Self(Arc::new(Inner {
            store,
            config,
            clock,
            csrf_key: hex::decode(key).unwrap_or_default(),
            login_limiter,
            account_limiter,
            submit_limiter,
            code_limiter,
            ask_limiter,
            token_limiter: RateLimiter::local(0, 60_000),
            ingest,
            survey_cache: SurveyCache::default(),
            screening: Screening::default(),
            senders,
            sso,
            vneid,
            instance: hex::encode(crate::auth::tokens::random_bytes::<8>()),
        })))
    }
}
