//! The officials' side of the kiosks: the list and the set-up form, and one kiosk's page where
//! the official at the counter takes duty and, after serving each citizen, invites a rating.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::kiosks::KioskRules;
use domain::text;
use serde::Deserialize;
use storage::kiosks::Kiosk;

use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::Path;
use crate::layout::Layout;

pub struct KioskView {
    pub id: i64,
    pub unit: String,
    pub counter: String,
    pub survey: String,
    pub staff: String,
    pub invited_until: String,
    pub ticket: String,
    pub last_rating: String,
    pub stopped: bool,
}

impl KioskView {
    fn new(k: &Kiosk, now: i64) -> Self {
        Self {
            id: k.id,
            unit: k.unit_name.clone(),
            counter: k.counter.clone(),
            survey: k.survey_code.clone(),
            staff: k.staff_name.clone().unwrap_or_default(),
            invited_until: k.armed_until.filter(|until| *until > now).map(text::format_timestamp_ms).unwrap_or_default(),
            ticket: k.ticket.clone(),
            last_rating: k.last_rating_at.map(text::format_timestamp_ms).unwrap_or_default(),
            stopped: k.disabled_at.is_some(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "kiosks/kiosks.html")]
pub struct ListPage {
    layout: Layout,
    kiosks: Vec<KioskView>,
    /// Units the caller may set a kiosk up for (code, name) and surveys taking kiosk ratings.
    units: Vec<(String, String)>,
    surveys: Vec<(String, String)>,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> PageResult<ListPage> {
    let access = &user.principal.access;
    require(access, Permission::RunKiosks)?;
    let now = state.clock.now_ms();
    let kiosks = state.store.kiosks(access).await?;
    let surveys = state.store.surveys(access).await?;
    let surveys: Vec<(String, String)> = surveys
        .into_iter()
        .filter(|s| s.channels.contains(&domain::surveys::Channel::Kiosk) && s.is_open(now))
        .map(|s| (s.series.clone(), format!("{} ({})", s.title, s.period_label())))
        .collect();
    let roots = access.roots(Permission::RunKiosks);
    let filter = storage::units::UnitFilter { valid_on: Some(text::vn_datetime(now).date()), ..Default::default() };
    let units =
        state.store.units(&roots, &filter, storage::Paging::new(1, 500)).await?.items.into_iter().map(|u| (u.code.as_str().to_string(), u.name)).collect();
    Ok(ListPage {
        layout: Layout::admin(&user, "Máy đánh giá tại quầy", "/admin/kiosks"),
        kiosks: kiosks.iter().map(|k| KioskView::new(k, now)).collect(),
        units,
        surveys,
    })
}

#[derive(Deserialize)]
pub struct CreateForm {
    unit: String,
    survey: String,
    counter: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "kiosks/kiosk.html")]
pub struct DetailPage {
    layout: Layout,
    kiosk: KioskView,
    on_duty: bool,
    /// The tablet's address, shown once when the kiosk is set up.
    address: Option<String>,
    notice: Option<String>,
}

pub async fn create(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<CreateForm>) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::RunKiosks)?;
    let unit = state.store.public_unit_by_code(form.unit.trim()).await.map_err(|_| Failure::invalid("Hãy chọn đơn vị có quầy đặt máy."))?;
    let (id, key) = state.store.create_kiosk(&user.actor(&state), access, unit.id, &form.survey, &form.counter).await?;
    let mut page = detail_page(&state, &user, id).await?;
    page.address = Some(format!("{}/kiosk/{key}", state.config.public_url.trim_end_matches('/')));
    Ok(page.into_response())
}

async fn detail_page(state: &AppState, user: &CurrentUser, id: i64) -> PageResult<DetailPage> {
    let kiosk = state.store.kiosk(&user.principal.access, id).await?;
    Ok(DetailPage {
        layout: Layout::admin(user, kiosk.counter.clone(), "/admin/kiosks"),
        on_duty: kiosk.staff_user_id == Some(user.principal.user_id),
        kiosk: KioskView::new(&kiosk, state.clock.now_ms()),
        address: None,
        notice: None,
    })
}

pub async fn detail(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<DetailPage> {
    require(&user.principal.access, Permission::RunKiosks)?;
    detail_page(&state, &user, id).await
}

/// The form carries only its CSRF token.
#[derive(Deserialize)]
pub struct Confirmation {}

pub async fn take_duty(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(_): CheckedForm<Confirmation>,
) -> PageResult<Response> {
    require(&user.principal.access, Permission::RunKiosks)?;
    state.store.take_kiosk_duty(&user.actor(&state), &user.principal.access, id).await?;
    Ok(Redirect::to(&format!("/admin/kiosks/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    ticket: String,
}

/// After serving a citizen: the kiosk shows the rating form for a few minutes.
pub async fn invite(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm<InviteForm>,
) -> PageResult<DetailPage> {
    require(&user.principal.access, Permission::RunKiosks)?;
    let actor = user.actor(&state);
    state.store.invite_kiosk_rating(&actor, &user.principal.access, id, &form.ticket, actor.at + KioskRules::default().armed_ms).await?;
    let mut page = detail_page(&state, &user, id).await?;
    page.notice = Some("Đã mời công dân đánh giá trên máy tại quầy.".into());
    Ok(page)
}

pub async fn disable(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>, CheckedForm(_): CheckedForm<Confirmation>) -> PageResult<Response> {
    require(&user.principal.access, Permission::RunKiosks)?;
    state.store.disable_kiosk(&user.actor(&state), &user.principal.access, id).await?;
    Ok(Redirect::to("/admin/kiosks").into_response())
}
