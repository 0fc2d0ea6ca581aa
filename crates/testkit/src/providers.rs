//! Message providers for tests: a real HTTP server on a free loopback port that follows the SMS
//! gateway contract (`notify::invitations`) and Zalo's ZNS template API, keeps what it receives,
//! and reports delivery back the way each provider does: the gateway posts to `/hooks/sms?key=…`,
//! Zalo posts a signed `user_received_message` event to `/hooks/zalo`. Numbers ending in `000`
//! are "unreachable": the gateway reports them failed, Zalo refuses them (no Zalo account).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const SMS_TOKEN: &str = "sms-gateway-token";
pub const SMS_HOOK_KEY: &str = "sms-hook-key";
pub const ZALO_TOKEN: &str = "zalo-oa-access-token";
pub const ZALO_TEMPLATE: &str = "248761";
/// The template approved for the messages to those who asked a question.
pub const ZALO_QA_TEMPLATE: &str = "hoi-dap-1";
pub const ZALO_SECRET: &str = "zalo-oa-secret-key";
const ZALO_APP_ID: &str = "4314398236710120101";

#[derive(Default)]
struct Inner {
    sms: Vec<Value>,
    zalo: Vec<Value>,
    /// The OA's answers to its followers.
    oa: Vec<Value>,
    /// Where the app under test takes delivery reports (its base URL), once known.
    app: Option<String>,
    next_id: u64,
}

#[derive(Clone, Default)]
pub struct Providers {
    inner: Arc<Mutex<Inner>>,
    pub base: String,
}

impl Providers {
    pub async fn start() -> Self {
        let mut providers = Self::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        providers.base = format!("http://{}", listener.local_addr().expect("local address"));
        let app = Router::new()
            .route("/sms/send", post(sms))
            .route("/zalo/message/template", post(zalo))
            .route("/zalo/v3.0/oa/message/cs", post(oa_answer))
            .with_state(providers.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        providers
    }

    pub fn sms_url(&self) -> String {
        format!("{}/sms/send", self.base)
    }

    pub fn zalo_url(&self) -> String {
        format!("{}/zalo/message/template", self.base)
    }

    pub fn oa_url(&self) -> String {
        format!("{}/zalo/v3.0/oa/message/cs", self.base)
    }

    /// What the OA answered its followers.
    pub fn oa_answers(&self) -> Vec<Value> {
        self.lock().oa.clone()
    }

    /// Posts an OA event to the app as Zalo does (signed with the OA's secret key, the app id
    /// and timestamp put in); the app's status.
    pub async fn send_oa_event(&self, mut event: Value) -> u16 {
        let app = self.lock().app.clone().expect("report_to(app) first");
        let timestamp = "1767225600000";
        event["app_id"] = json!(ZALO_APP_ID);
        event["timestamp"] = json!(timestamp);
        let body = event.to_string();
        let mac = hex::encode(Sha256::new().chain_update(ZALO_APP_ID).chain_update(&body).chain_update(timestamp).chain_update(ZALO_SECRET).finalize());
        let response = reqwest::Client::new()
            .post(format!("{app}/hooks/zalo"))
            .header("x-zevent-signature", format!("mac={mac}"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST /hooks/zalo");
        response.status().as_u16()
    }

    /// The application's settings to send through these providers and the mail server at
    /// `smtp_url`, with the background steps every 200 ms.
    pub fn config(&self, smtp_url: String) -> web::Config {
        web::Config {
            smtp_url: Some(smtp_url),
            sms_url: Some(self.sms_url()),
            sms_token: SMS_TOKEN.into(),
            sms_hook_key: SMS_HOOK_KEY.into(),
            zalo_token: Some(ZALO_TOKEN.into()),
            zalo_template: ZALO_TEMPLATE.into(),
            zalo_secret: ZALO_SECRET.into(),
            zalo_url: self.zalo_url(),
            alert_interval_ms: 200,
            ..web::Config::default()
        }
    }

    /// Delivery reports go to the app at `base` from now on.
    pub fn report_to(&self, base: &str) {
        self.lock().app = Some(base.to_string());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn sms(&self) -> Vec<Value> {
        self.lock().sms.clone()
    }

    pub fn zalo(&self) -> Vec<Value> {
        self.lock().zalo.clone()
    }

    /// Waits until `count` SMS and `zalo` ZNS messages have arrived.
    pub async fn wait_for(&self, sms: usize, zalo: usize, timeout: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let (got_sms, got_zalo) = (self.sms().len(), self.zalo().len());
            if got_sms >= sms && got_zalo >= zalo {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                anyhow::bail!("waited for {sms} SMS and {zalo} Zalo messages, got {got_sms} and {got_zalo}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn next_id(&self, prefix: &str) -> (String, Option<String>) {
        let mut inner = self.lock();
        inner.next_id += 1;
        (format!("{prefix}-{}", inner.next_id), inner.app.clone())
    }
}

/// The gateway: a bearer token, `{to, text, reference}`; answers `{id}` and reports delivery.
async fn sms(State(providers): State<Providers>, headers: HeaderMap, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {SMS_TOKEN}")) {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "error": "bad token" })));
    }
    let (Some(to), Some(_text)) = (body["to"].as_str(), body["text"].as_str()) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": "to and text are required" })));
    };
    let status = if to.ends_with("000") { "failed" } else { "delivered" };
    let (id, app) = providers.next_id("sms");
    providers.lock().sms.push(body.clone());
    if let Some(app) = app {
        let report = json!({ "id": id, "reference": body["reference"], "status": status });
        tokio::spawn(async move {
            let url = format!("{app}/hooks/sms?key={SMS_HOOK_KEY}");
            let _ = reqwest::Client::new().post(url).json(&report).send().await;
        });
    }
    (StatusCode::OK, Json(json!({ "id": id })))
}

/// ZNS: the `access_token` header, `{phone, template_id, template_data, tracking_id}`; answers
/// `{error: 0, data: {msg_id}}` and posts the signed delivery event.
async fn zalo(State(providers): State<Providers>, headers: HeaderMap, Json(body): Json<Value>) -> Json<Value> {
    if headers.get("access_token").and_then(|v| v.to_str().ok()) != Some(ZALO_TOKEN) {
        return Json(json!({ "error": -124, "message": "Access token is invalid" }));
    }
    let phone = body["phone"].as_str().unwrap_or_default();
    if !phone.starts_with("84") || ![ZALO_TEMPLATE, ZALO_QA_TEMPLATE].iter().any(|t| body["template_id"] == *t) {
        return Json(json!({ "error": -108, "message": "Phone number is invalid" }));
    }
    if phone.ends_with("000") {
        return Json(json!({ "error": -118, "message": "Zalo account does not exist" }));
    }
    let (msg_id, app) = providers.next_id("zns");
    providers.lock().zalo.push(body.clone());
    if app.is_some() {
        let event = json!({
            "event_name": "user_received_message",
            "sender": { "id": "oa" },
            "recipient": { "id": phone },
            "message": { "msg_id": msg_id, "delivery_time": "1767225600000", "tracking_id": body["tracking_id"] },
        });
        let providers = providers.clone();
        tokio::spawn(async move { providers.send_oa_event(event).await });
    }
    Json(json!({ "error": 0, "message": "Success", "data": { "msg_id": msg_id, "sent_time": "1767225600000" } }))
}

/// The OA's answer to a follower ("Gửi tin Tư vấn"): the `access_token` header,
/// `{recipient: {user_id}, message: {text}}`; answers `{error: 0}`.
async fn oa_answer(State(providers): State<Providers>, headers: HeaderMap, Json(body): Json<Value>) -> Json<Value> {
    if headers.get("access_token").and_then(|v| v.to_str().ok()) != Some(ZALO_TOKEN) {
        return Json(json!({ "error": -124, "message": "Access token is invalid" }));
    }
    if body["recipient"]["user_id"].as_str().is_none_or(str::is_empty) || body["message"]["text"].as_str().is_none_or(str::is_empty) {
        return Json(json!({ "error": -201, "message": "Parameters are invalid" }));
    }
    let (message_id, _) = providers.next_id("oa");
    providers.lock().oa.push(body);
    Json(json!({ "error": 0, "message": "Success", "data": { "message_id": message_id } }))
}
