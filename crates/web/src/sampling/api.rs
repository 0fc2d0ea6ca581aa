//! `/api/v1/frame/dossiers`, which the one-stop system calls as each dossier is completed,
//! `/api/v1/frame/receipts`, the QR code it prints on the receipt, and
//! `/api/v1/sampling/draws`: the draws, a new one, and each draw's quota progress.

use axum::extract::State;
use axum::http::StatusCode;
use domain::auth::Permission;
use domain::sampling::draw::Strata;
use domain::sampling::frame::RawFrameRow;
use domain::text;
use serde::{Deserialize, Serialize};
use storage::sampling::{DrawRequest, FrameAction};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::require;
use crate::auth::session::ApiUser;
use crate::error::{ApiJson, ApiResult, Failure, FieldError, ProblemDocument};
use crate::extract::Path;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register)).routes(routes!(receipt)).routes(routes!(draws, create_draw)).routes(routes!(draw))
}

/// A completed dossier as the one-stop system knows it.
#[derive(Deserialize, ToSchema)]
pub struct Dossier {
    /// The one-stop dossier code, e.g. `000.00.12.H56-260305-0001`.
    dossier_code: String,
    /// The procedure's name.
    procedure: String,
    #[serde(default)]
    field: String,
    /// Code of the unit that handled the dossier.
    unit_code: String,
    /// `yyyy-mm-dd` or `dd/mm/yyyy`.
    completed_on: String,
    #[serde(default)]
    applicant_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    /// The applicant agreed to be asked about the service.
    consent: bool,
}

#[derive(Serialize, ToSchema)]
pub struct Registered {
    dossier_code: String,
    /// `added`, or `known` when the dossier was sent before (nothing changes).
    status: &'static str,
}

/// Adds a completed dossier to the sampling frame. Sending the same dossier again is harmless.
#[utoipa::path(post, path = "/api/v1/frame/dossiers", tag = "sampling", request_body = Dossier,
    responses((status = 201, body = Registered), (status = 200, body = Registered), (status = 403, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn register(State(state): State<AppState>, caller: ApiUser, ApiJson(body): ApiJson<Dossier>) -> ApiResult<(StatusCode, axum::Json<Registered>)> {
    let access = &caller.principal.access;
    require(access, Permission::RegisterDossiers)?;
    let raw = RawFrameRow {
        dossier_code: body.dossier_code,
        procedure: body.procedure,
        field: body.field,
        unit_code: body.unit_code,
        completed_on: body.completed_on,
        name: body.applicant_name,
        phone: body.phone,
        email: body.email,
        consent: if body.consent { "có" } else { "không" }.into(),
    };
    if let Err(errors) = raw.parse() {
        return Err(Failure::fields(errors.iter().map(|e| FieldError { field: e.field().into(), message: e.to_string() }).collect()).into());
    }
    let report = state.store.import_frame(&caller.actor(&state), access, &[(1, raw)], "api", true).await?;
    let row = &report.rows[0];
    let dossier_code = row.dossier_code.clone();
    match row.action {
        FrameAction::Add => Ok((StatusCode::CREATED, axum::Json(Registered { dossier_code, status: "added" }))),
        FrameAction::Known => Ok((StatusCode::OK, axum::Json(Registered { dossier_code, status: "known" }))),
        FrameAction::Rejected => Err(Failure::fields(row.errors.iter().map(|m| FieldError { field: "unit_code".into(), message: m.clone() }).collect()).into()),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ReceiptRequest {
    dossier_code: String,
    /// Which survey, when several are open for the unit.
    #[serde(default)]
    survey_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Receipt {
    /// The one-time answer link for this dossier.
    link: String,
    survey_title: String,
    /// The link as a QR code, an SVG image to print on the receipt.
    qr_svg: String,
}

/// The QR code to print on a completed dossier's receipt: a one-time link to rate the service,
/// the same on every reprint. The dossier must have been registered first.
#[utoipa::path(post, path = "/api/v1/frame/receipts", tag = "sampling", request_body = ReceiptRequest,
    responses((status = 200, body = Receipt), (status = 404, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn receipt(State(state): State<AppState>, caller: ApiUser, ApiJson(body): ApiJson<ReceiptRequest>) -> ApiResult<axum::Json<Receipt>> {
    let access = &caller.principal.access;
    require(access, Permission::RegisterDossiers)?;
    let found = state.store.receipt_link(&caller.actor(&state), access, body.dossier_code.trim(), body.survey_code.as_deref()).await?;
    let link = format!("{}/t/{}", state.config.public_url.trim_end_matches('/'), found.token);
    let qr = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M).map_err(|_| Failure::internal())?;
    let qr_svg = qr.render::<qrcode::render::svg::Color>().min_dimensions(160, 160).quiet_zone(true).build();
    Ok(axum::Json(Receipt { link, survey_title: found.survey_title, qr_svg }))
}

#[derive(Serialize, ToSchema)]
pub struct UnitQuota {
    unit_id: i64,
    unit_code: String,
    unit_name: String,
    /// Eligible dossiers of the unit in the frame.
    dossiers: i64,
    allocated: i64,
    selected: i64,
    responded: i64,
    unreachable: i64,
    reserves_left: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Draw {
    id: i64,
    survey_id: i64,
    /// The seed, as text: it may exceed JSON's safe integers.
    seed: String,
    /// The frame's completion window, `yyyy-mm-dd`.
    from: String,
    to: String,
    total: u64,
    minimum: u64,
    /// `unit` or `field`.
    strata: String,
    frame_size: i64,
    /// SHA-256 of the frame drawn from.
    frame_digest: String,
    quotas: Vec<UnitQuota>,
}

/// A draw's parameters and each unit's quota progress.
#[utoipa::path(get, path = "/api/v1/sampling/draws/{id}", tag = "sampling", responses((status = 200, body = Draw), (status = 404, body = ProblemDocument)))]
async fn draw(State(state): State<AppState>, caller: ApiUser, Path(id): Path<i64>) -> ApiResult<axum::Json<Draw>> {
    let access = &caller.principal.access;
    require(access, Permission::ManageSurveys)?;
    let draw = state.store.draw(access, id).await?;
    let quotas = state.store.draw_progress(access, id).await?;
    Ok(axum::Json(Draw {
        id: draw.id,
        survey_id: draw.survey_id,
        seed: draw.params.seed.to_string(),
        from: draw.from,
        to: draw.to,
        total: draw.params.total,
        minimum: draw.params.minimum,
        strata: serde_json::to_value(draw.params.strata).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
        frame_size: draw.frame_size,
        frame_digest: draw.frame_digest,
        quotas: quotas
            .into_iter()
            .map(|q| UnitQuota {
                unit_id: q.unit_id,
                unit_code: q.code,
                unit_name: q.name,
                dossiers: q.dossiers,
                allocated: q.allocated,
                selected: q.selected,
                responded: q.responded,
                unreachable: q.unreachable,
                reserves_left: q.reserves_left,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct DrawSummary {
    id: i64,
    survey_id: i64,
    survey_title: String,
    /// The frame's completion window, `yyyy-mm-dd`.
    from: String,
    to: String,
    total: u64,
    frame_size: i64,
    /// Unix milliseconds.
    created_at: i64,
    created_by: String,
}

/// The draws of the surveys the caller runs, newest first.
#[utoipa::path(get, path = "/api/v1/sampling/draws", tag = "sampling", responses((status = 200, body = [DrawSummary]), (status = 403, body = ProblemDocument)))]
async fn draws(State(state): State<AppState>, caller: ApiUser) -> ApiResult<axum::Json<Vec<DrawSummary>>> {
    let access = &caller.principal.access;
    require(access, Permission::ManageSurveys)?;
    let draws = state.store.draws(access).await?;
    Ok(axum::Json(
        draws
            .into_iter()
            .map(|d| DrawSummary {
                id: d.id,
                survey_id: d.survey_id,
                survey_title: d.survey_title,
                from: d.from,
                to: d.to,
                total: d.params.total,
                frame_size: d.frame_size,
                created_at: d.created_at,
                created_by: d.created_by,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewDraw {
    survey_id: i64,
    /// Dossiers completed from … to … (inclusive) make the frame: `yyyy-mm-dd` or `dd/mm/yyyy`.
    from: String,
    to: String,
    /// The sample size.
    total: u64,
    /// At least this many per unit, where its frame allows.
    #[serde(default)]
    minimum: u64,
    /// `unit` (the default) or `field` (within a unit, in proportion to each field's dossiers).
    #[serde(default)]
    strata: Option<String>,
    /// Reserves kept per sampled respondent (1 unless given, at most 10).
    #[serde(default)]
    reserves_per_sample: Option<u64>,
    /// The seed as text, to replay a draw; chosen by the system when absent.
    #[serde(default)]
    seed: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DrawCreated {
    id: i64,
}

/// Draws a survey's sample and its reserves from the frame, reproducibly from its seed.
#[utoipa::path(post, path = "/api/v1/sampling/draws", tag = "sampling", request_body = NewDraw,
    responses((status = 201, body = DrawCreated), (status = 403, body = ProblemDocument), (status = 404, body = ProblemDocument), (status = 422, body = ProblemDocument)))]
async fn create_draw(State(state): State<AppState>, caller: ApiUser, ApiJson(body): ApiJson<NewDraw>) -> ApiResult<(StatusCode, axum::Json<DrawCreated>)> {
    let access = &caller.principal.access;
    require(access, Permission::ManageSurveys)?;
    let mut errors = Vec::new();
    let mut date = |field: &str, value: &str| {
        let parsed = text::parse_date(value);
        if parsed.is_none() {
            errors.push(FieldError { field: field.into(), message: format!("Ngày «{value}» không hợp lệ: dùng yyyy-mm-dd hoặc dd/mm/yyyy.") });
        }
        parsed
    };
    let (from, to) = (date("from", &body.from), date("to", &body.to));
    let strata = match body.strata.as_deref().unwrap_or("unit") {
        "unit" => Some(Strata::Unit),
        "field" => Some(Strata::Field),
        other => {
            errors.push(FieldError { field: "strata".into(), message: format!("Cách phân tầng «{other}» không có: dùng unit hoặc field.") });
            None
        }
    };
    let seed = match body.seed.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(given) => {
            let parsed = given.parse::<u64>().ok();
            if parsed.is_none() {
                errors.push(FieldError { field: "seed".into(), message: "Hạt giống phải là số nguyên không âm, viết dạng chuỗi.".into() });
            }
            parsed
        }
    };
    let (Some(from), Some(to), Some(strata), true) = (from, to, strata, errors.is_empty()) else {
        return Err(Failure::fields(errors).into());
    };
    let params = super::draws::draw_params(body.total, body.minimum, strata, body.reserves_per_sample.unwrap_or(1), seed);
    let request = DrawRequest { survey_id: body.survey_id, from, to, params };
    let id = state.store.create_draw(&caller.actor(&state), access, &request).await?;
    Ok((StatusCode::CREATED, axum::Json(DrawCreated { id })))
}
