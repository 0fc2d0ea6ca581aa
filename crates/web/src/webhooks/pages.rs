//! The webhook pages: the subscriptions, one with its delivery log, pausing and replaying.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::text;
use domain::webhooks::EventKind;
use serde::Deserialize;
use storage::Paging;
use storage::webhooks::Subscription;

use super::{Requested, subscribe};
use crate::AppState;
use crate::auth::csrf::{CheckedForm, Empty};
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;
use crate::units::picker::{UnitChoice, unit_choices};

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

pub(super) async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<ListPage> {
    Ok(list_page(&state, &user, None).await?)
}

pub(super) async fn create(State(state): State<AppState>, user: CurrentUser, CheckedForm(pairs): CheckedForm<Vec<(String, String)>>) -> PageResult<Response> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let requested = Requested {
        name: field("name"),
        url: field("url"),
        unit: field("unit"),
        events: pairs.iter().filter(|(k, _)| k == "event").map(|(_, v)| v.clone()).collect(),
    };
    let (id, secret) = subscribe(&state, &user.actor(&state), &user.principal.access, requested).await?;
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
pub struct ShowQuery {
    trang: Option<i64>,
    #[serde(rename = "da-gui-lai")]
    replayed: Option<String>,
}

const PER_PAGE: i64 = 50;

pub(super) async fn show(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> PageResult<ShowPage> {
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
pub struct ActiveForm {
    active: String,
}

pub(super) async fn set_active(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<ActiveForm>,
) -> PageResult<Redirect> {
    require(&user.principal.access, Permission::ManageIntegrations)?;
    state.store.set_webhook_active(&user.actor(&state), &user.principal.access, id, form.active == "1").await?;
    Ok(Redirect::to(&format!("/admin/tich-hop/{id}")))
}

pub(super) async fn replay(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, delivery)): Path<(i64, i64)>,
    CheckedForm(_): CheckedForm<Empty>,
) -> PageResult<Redirect> {
    require(&user.principal.access, Permission::ManageIntegrations)?;
    state.store.replay_delivery(&user.actor(&state), &user.principal.access, id, delivery).await?;
    Ok(Redirect::to(&format!("/admin/tich-hop/{id}?da-gui-lai=1")))
}
