//! Webhooks (SPEC §3.6): the administrators subscribe other systems (the one-stop system, the
//! data-sharing platform) to events of their units, see every delivery and what the receiver
//! answered, pause a receiver and send a delivery again. The sending itself is a job.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::auth::Permission;
use domain::text;
use domain::webhooks::{self, EventKind};
use serde::Deserialize;
use storage::Paging;
use storage::webhooks::{NewSubscription, Subscription};

use crate::AppState;
use crate::auth::csrf::{CheckedForm, Empty};
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::auth::tokens::random_bytes;
use crate::error::{Failure, FieldError, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::units::picker::{UnitChoice, unit_choices};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/tich-hop", get(list).post(create))
        .route("/admin/tich-hop/{id}", get(show))
        .route("/admin/tich-hop/{id}/trang-thai", post(set_active))
        .route("/admin/tich-hop/{id}/gui-lai/{delivery}", post(replay))
}

/// Gathers new events and sends what is due (a job).
pub async fn deliver(state: &AppState) {
    let now = state.clock.now_ms();
    if let Err(e) = notify::webhooks::deliver_webhooks(&state.store, &state.senders.webhooks, &state.config.public_url, now).await {
        tracing::error!(error = %e, "the webhook deliveries could not be read");
    }
}

/// Forgets deliveries older than the log keeps (a job).
pub async fn tidy(state: &AppState) {
    if let Err(e) = state.store.tidy_webhooks(state.clock.now_ms()).await {
        tracing::error!(error = %e, "old webhook deliveries could not be removed");
    }
}

pub struct SubscriptionLine {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub unit: String,
    pub events: String,
    pub state: String,
}

fn line(s: Subscription) -> SubscriptionLine {
    let state = match (s.active, s.pending, s.failed) {
        (false, ..) => "tạm dừng".to_string(),
        (true, 0, 0) => "đang nhận".to_string(),
        (true, pending, failed) => format!("đang nhận; {pending} chờ gửi, {failed} gửi không được"),
    };
    SubscriptionLine { id: s.id, name: s.name, url: s.url, unit: s.unit_name, events: s.events.iter().map(|k| k.label()).collect::<Vec<_>>().join("; "), state }
}

#[derive(Template, WebTemplate)]
#[template(path = "webhooks/webhooks.html")]
pub struct ListPage {
    layout: Layout,
    subscriptions: Vec<SubscriptionLine>,
    units: Vec<UnitChoice>,
    kinds: Vec<(&'static str, &'static str)>,
    /// The secret of the subscription just made, shown this once.
    created: Option<(i64, String)>,
}

async fn list_page(state: &AppState, user: &CurrentUser, created: Option<(i64, String)>) -> Result<ListPage, Failure> {
    let access = &user.principal.access;
    require(access, Permission::ManageIntegrations)?;
    let subscriptions = state.store.webhooks(access).await?.into_iter().map(line).collect();
    let units = unit_choices(&state.store, &access.roots(Permission::ManageIntegrations), state.clock.now_ms()).await?;
    let kinds = EventKind::ALL.iter().map(|k| (k.code(), k.label())).collect();
    Ok(ListPage { layout: Layout::admin(user, "Tích hợp: thông báo sự kiện (webhook)", "/admin/tich-hop"), subscriptions, units, kinds, created })
}

async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<ListPage> {
    Ok(list_page(&state, &user, None).await?)
}

/// The form's fields: `name`, `url`, `unit` (a code) and one `event` per kind ticked.
fn subscription_of(pairs: &[(String, String)]) -> Result<(String, String, String, Vec<EventKind>), Failure> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let (name, url, unit) = (field("name"), field("url"), field("unit"));
    let events: Vec<EventKind> = pairs.iter().filter(|(k, _)| k == "event").filter_map(|(_, v)| EventKind::parse(v)).collect();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError { field: "name".into(), message: "Hãy đặt tên cho hệ thống nhận (tối đa 200 ký tự).".into() });
    }
    if let Err(message) = webhooks::check_url(&url) {
        errors.push(FieldError { field: "url".into(), message: message.into() });
    }
    if unit.is_empty() {
        errors.push(FieldError { field: "unit".into(), message: "Hãy chọn đơn vị có sự kiện cần báo.".into() });
    }
    if events.is_empty() {
        errors.push(FieldError { field: "event".into(), message: "Hãy chọn ít nhất một loại sự kiện.".into() });
    }
    if errors.is_empty() { Ok((name, url, unit, events)) } else { Err(Failure::fields(errors)) }
}

async fn create(State(state): State<AppState>, user: CurrentUser, CheckedForm(pairs): CheckedForm<Vec<(String, String)>>) -> PageResult<Response> {
    require(&user.principal.access, Permission::ManageIntegrations)?;
    let (name, url, unit, events) = subscription_of(&pairs)?;
    let unit_id = state.store.public_unit_by_code(&unit).await?.id;
    let key = random_bytes::<32>().to_vec();
    let secret = webhooks::secret_text(&key);
    let new = NewSubscription { unit_id, name, url, events, key };
    let id = state.store.create_webhook(&user.actor(&state), &user.principal.access, &new).await?;
    let page = list_page(&state, &user, Some((id, secret))).await?;
    Ok((StatusCode::CREATED, page).into_response())
}

pub struct DeliveryLine {
    pub id: i64,
    pub event: String,
    pub object: String,
    pub at: String,
    pub state: String,
    pub tries: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "webhooks/webhook.html")]
pub struct ShowPage {
    layout: Layout,
    subscription: SubscriptionLine,
    active: bool,
    deliveries: Vec<DeliveryLine>,
    page: i64,
    pages: i64,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct ShowQuery {
    trang: Option<i64>,
    #[serde(rename = "da-gui-lai")]
    replayed: Option<String>,
}

const PER_PAGE: i64 = 50;

async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> PageResult<ShowPage> {
    let access = &user.principal.access;
    require(access, Permission::ManageIntegrations)?;
    let subscription = state.store.webhook(access, id).await?;
    let page = q.trang.unwrap_or(1).max(1);
    let (deliveries, attempts) = state.store.webhook_deliveries(access, id, Paging::new(page, PER_PAGE)).await?;
    let lines = deliveries
        .items
        .into_iter()
        .map(|d| {
            let event = EventKind::parse(&d.kind).map_or(d.kind.clone(), |k| k.label().to_string());
            let state = match d.state.as_str() {
                "delivered" => format!("đã gửi lúc {}", d.delivered_at.map(text::format_timestamp_ms).unwrap_or_default()),
                "failed" => format!("không gửi được sau {} lần, đã dừng thử", d.attempts),
                _ if d.attempts == 0 => "chờ gửi".to_string(),
                _ => format!("gửi lỗi {} lần, sẽ thử lại lúc {}", d.attempts, text::format_timestamp_ms(d.next_at)),
            };
            let tries = attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .map(|a| {
                    let answer = match (a.status, &a.error) {
                        (Some(status), None) => format!("HTTP {status}"),
                        (_, Some(error)) => error.clone(),
                        (None, None) => "không rõ".into(),
                    };
                    format!("{}: {answer} ({} ms)", text::format_timestamp_ms(a.at), text::format_number(a.duration_ms as f64, 0))
                })
                .collect();
            DeliveryLine {
                id: d.id,
                event,
                object: format!("evt_{} · {} {}", d.event_id, d.object_type, d.object_id),
                at: text::format_timestamp_ms(d.at),
                state,
                tries,
            }
        })
        .collect();
    let pages = (deliveries.total + PER_PAGE - 1) / PER_PAGE;
    let active = subscription.active;
    let title = format!("Nhận thông báo: {}", subscription.name);
    Ok(ShowPage {
        layout: Layout::admin(&user, title, "/admin/tich-hop"),
        subscription: line(subscription),
        active,
        deliveries: lines,
        page,
        pages: pages.max(1),
        notice: q.replayed.map(|_| "Đã xếp lịch gửi lại ngay; kết quả hiện trong nhật ký sau ít giây."),
    })
}

#[derive(Deserialize)]
struct ActiveForm {
    active: String,
}

async fn set_active(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(form): CheckedForm<ActiveForm>) -> PageResult<Redirect> {
    require(&user.principal.access, Permission::ManageIntegrations)?;
    state.store.set_webhook_active(&user.actor(&state), &user.principal.access, id, form.active == "1").await?;
    Ok(Redirect::to(&format!("/admin/tich-hop/{id}")))
}

async fn replay(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, delivery)): Path<(i64, i64)>,
    CheckedForm(_): CheckedForm<Empty>,
) -> PageResult<Redirect> {
    require(&user.principal.access, Permission::ManageIntegrations)?;
    state.store.replay_delivery(&user.actor(&state), &user.principal.access, id, delivery).await?;
    Ok(Redirect::to(&format!("/admin/tich-hop/{id}?da-gui-lai=1")))
}
