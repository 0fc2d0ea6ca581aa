//! What the reform office changes: targets, methodology versions, and the publication that
//! freezes a period's results.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::auth::Permission;
use domain::calendar::Month;
use domain::sipas::{Methodology, Rule};
use storage::sipas::{MethodologyVersion, NewPublication, Target};

use domain::sipas::figures::INDICATOR;

use super::figures::{self, DashboardQuery};
use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::layout::Layout;

type Fields = Vec<(String, String)>;

fn value<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
}

/// Sets one target for the listed units and goes back to the page it came from.
pub async fn set_targets(State(state): State<AppState>, user: CurrentUser, CheckedForm(fields): CheckedForm<Fields>) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::PublishResults)?;
    let target =
        domain::text::parse_percent(value(&fields, "target")).ok_or_else(|| Failure::invalid("Chỉ tiêu phải là một số từ 0 đến 100, ví dụ 90 hoặc 92,5."))?;
    let year: i64 = value(&fields, "year").parse().map_err(|_| Failure::invalid("Năm không hợp lệ."))?;
    let actor = user.actor(&state);
    for unit in fields.iter().filter(|(k, _)| k == "unit") {
        let unit_id: i64 = unit.1.parse().map_err(|_| Failure::invalid("Đơn vị không hợp lệ."))?;
        state.store.set_target(&actor, access, &Target { unit_id, year, indicator: INDICATOR.into(), target }).await?;
    }
    // Only back to a dashboard page: never an address supplied from outside.
    let back = value(&fields, "back");
    let back = if back.starts_with("/admin/sipas") && !back.starts_with("//") { back } else { "/admin/sipas" };
    Ok(Redirect::to(back).into_response())
}

/// Freezes the overview of the submitted selection and shows the public page.
pub async fn publish(State(state): State<AppState>, user: CurrentUser, CheckedForm(fields): CheckedForm<Fields>) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::PublishResults)?;
    let query: DashboardQuery = serde_urlencoded::from_str(value(&fields, "query")).map_err(|_| Failure::invalid("Lựa chọn kỳ không hợp lệ."))?;
    let selection = figures::select(&state, access, &query).await?;
    if selection.period.unfinished(Month::at(state.clock.now_ms())) && value(&fields, "confirm") != "1" {
        return Err(Failure::conflict(format!(
            "Kỳ {} chưa kết thúc: phiếu còn đến và số liệu còn thay đổi sau khi công bố. Hãy đánh dấu ô xác nhận nếu vẫn muốn công bố.",
            selection.period.label()
        ))
        .into());
    }
    let overview = state.store.sipas_overview(access, &selection).await?;
    let publication =
        NewPublication { title: value(&fields, "title").to_string(), unit_id: overview.total.unit_id, version_id: selection.version_id, overview };
    let id = state.store.publish(&user.actor(&state), access, &publication).await?;
    Ok(Redirect::to(&format!("/ket-qua/{id}")).into_response())
}

pub struct VersionView {
    pub code: String,
    pub version: i64,
    pub name: String,
    pub element: String,
    pub part: String,
    pub overall: String,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "sipas/sipas_methodologies.html")]
pub struct MethodologiesPage {
    layout: Layout,
    versions: Vec<VersionView>,
    codes: Vec<String>,
    rules: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    errors: Vec<String>,
    form: Fields,
}

impl MethodologiesPage {
    fn field(&self, name: &str) -> &str {
        value(&self.form, name)
    }

    fn weights(&self, level: &str) -> &str {
        value(&self.form, &format!("{level}_weights"))
    }
}

const RULES: [(&str, &str); 3] = [
    ("share_positive", "Tỷ lệ trả lời tích cực trên câu hỏi của cấp đó"),
    ("mean_of_children", "Trung bình cộng các chỉ số thành phần"),
    ("weighted_mean", "Bình quân gia quyền (nhập trọng số)"),
];

async fn methodologies_page(state: &AppState, user: &CurrentUser, form: Fields, errors: Vec<String>) -> Result<MethodologiesPage, Failure> {
    let all: Vec<MethodologyVersion> = state.store.methodologies().await?;
    let mut codes: Vec<String> = all.iter().map(|m| m.methodology.code.clone()).collect();
    codes.dedup();
    Ok(MethodologiesPage {
        layout: Layout::admin(user, "Phương pháp tính chỉ số", "/admin/sipas"),
        versions: all
            .iter()
            .map(|m| VersionView {
                code: m.methodology.code.clone(),
                version: m.version,
                name: m.methodology.name.clone(),
                element: m.methodology.element.label(),
                part: m.methodology.part.label(),
                overall: m.methodology.overall.label(),
                at: domain::text::format_timestamp_ms(m.created_at),
            })
            .collect(),
        codes,
        rules: RULES.to_vec(),
        levels: vec![("element", "Chỉ số yếu tố"), ("part", "Chỉ số phần (SIPAS 2023)"), ("overall", "Chỉ số chung")],
        errors,
        form,
    })
}

pub async fn methodologies(State(state): State<AppState>, user: CurrentUser) -> PageResult<MethodologiesPage> {
    require(&user.principal.access, Permission::PublishResults)?;
    Ok(methodologies_page(&state, &user, Vec::new(), Vec::new()).await?)
}

/// Saves the next version of a methodology from the form.
pub async fn save_methodology(State(state): State<AppState>, user: CurrentUser, CheckedForm(fields): CheckedForm<Fields>) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::PublishResults)?;
    let code = value(&fields, "code");
    let mut errors = Vec::new();
    let base = state.store.current_methodology(code).await.ok();
    if base.is_none() {
        errors.push("Hãy chọn phương pháp cần sửa.".to_string());
    }
    let mut rule = |level: &str| match Rule::parse(value(&fields, level), value(&fields, &format!("{level}_weights"))) {
        Ok(rule) => Some(rule),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let (element, part, overall) = (rule("element"), rule("part"), rule("overall"));
    if let (Some(base), Some(element), Some(part), Some(overall), true) = (base, element, part, overall, errors.is_empty()) {
        let methodology = Methodology {
            name: if value(&fields, "name").is_empty() { base.methodology.name.clone() } else { value(&fields, "name").to_string() },
            note: value(&fields, "note").to_string(),
            element,
            part,
            overall,
            ..base.methodology
        };
        match state.store.save_methodology(&user.actor(&state), access, &methodology).await {
            Ok(_) => return Ok(Redirect::to("/admin/sipas/methodologies").into_response()),
            Err(storage::Error::Invalid(messages)) => errors.extend(messages),
            Err(e) => return Err(e.into()),
        }
    }
    let page = methodologies_page(&state, &user, fields, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
