//! The reports page: choose a report, its period, units and sections, and download it as PDF or
//! DOCX (the monthly form also as XLSX); the reform office writes its introduction, conclusions
//! and signature into the annual reports and the decision, kept in versions.

mod gather;

pub(crate) use gather::office;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::auth::Permission;
use domain::calendar::Month;
use domain::reports::{ReportKind, ReportText};
use domain::sipas::figures::LEVELS;
use domain::units::UnitLevel;
use reports::Document;
use reports::sipas::Section;
use serde::Deserialize;
use sheets::{ReportSheet, Value};

use crate::AppState;
use crate::auth::csrf::CheckedForm;
use crate::auth::require;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::layout::Layout;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/bao-cao", get(page)).route("/admin/bao-cao/tai", get(download)).route("/admin/bao-cao/loi-van", post(save_text))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Pdf,
    Docx,
    Xlsx,
}

impl Format {
    fn parse(code: &str) -> Option<Self> {
        match code {
            "pdf" => Some(Self::Pdf),
            "docx" => Some(Self::Docx),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }

    pub(crate) fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// The years a report may be of.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// What the address asks for, every field read with a Vietnamese message when it is wrong.
/// Sections (`phan`) repeat, so the query is read by hand rather than by serde.
struct Request {
    kind: ReportKind,
    year: i32,
    month: Option<Month>,
    /// The levels of units asked for (`cap`, repeated); all when none.
    levels: Vec<UnitLevel>,
    unit: String,
    sections: Vec<Section>,
    format: Format,
}

impl Request {
    fn parse(raw: &str, today: Month) -> Result<Self, Failure> {
        let mut fields: Vec<(String, String)> = Vec::new();
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            fields.push((key.into_owned(), value.trim().to_string()));
        }
        let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
        let kind = ReportKind::parse(get("loai").unwrap_or_default()).ok_or_else(|| Failure::invalid("Hãy chọn một loại báo cáo."))?;
        let year = match get("nam") {
            None => today.year() - 1,
            Some(y) => y.parse().ok().filter(|y| YEARS.contains(y)).ok_or_else(|| Failure::invalid(format!("Năm «{y}» không hợp lệ.")))?,
        };
        let month = match get("thang") {
            None => None,
            Some(m) => Some(Month::parse(m).ok_or_else(|| Failure::invalid(format!("Tháng «{m}» không hợp lệ; hãy ghi theo mẫu mm/yyyy.")))?),
        };
        let mut levels = Vec::new();
        for (_, code) in fields.iter().filter(|(k, v)| k == "cap" && !v.is_empty()) {
            let level = UnitLevel::parse(code).ok().filter(|l| LEVELS.contains(l));
            levels.push(level.ok_or_else(|| Failure::invalid(format!("Cấp đơn vị «{code}» không hợp lệ.")))?);
        }
        let mut sections = Vec::new();
        for (_, code) in fields.iter().filter(|(k, _)| k == "phan") {
            sections.push(Section::parse(code).ok_or_else(|| Failure::invalid(format!("Phần báo cáo «{code}» không có.")))?);
        }
        if sections.is_empty() {
            sections = Section::ALL.to_vec();
        }
        let format = Format::parse(get("dinh-dang").unwrap_or("pdf")).ok_or_else(|| Failure::invalid("Định dạng tệp phải là PDF, DOCX hoặc XLSX."))?;
        if format == Format::Xlsx && kind != ReportKind::Monthly {
            return Err(Failure::invalid("Chỉ biểu thống kê tháng có bản XLSX; các báo cáo khác tải bản PDF hoặc DOCX."));
        }
        Ok(Self { kind, year, month, levels, unit: get("don-vi").unwrap_or_default().to_string(), sections, format })
    }

    /// The name of the file: `sipas-nam-2025.pdf`.
    fn file_name(&self, what: &str) -> String {
        format!("{}-{what}.{}", self.kind.code(), self.format.extension())
    }
}

/// Documents drawn at once: each takes a core for up to a few seconds, and a crowd of requests
/// must queue rather than starve the pages and the answers coming in.
static DRAWING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Draws a document in the asked format, away from the request threads: typst takes a while.
pub(crate) async fn draw(document: Document, format: Format, date: (i32, u8, u8)) -> Result<Vec<u8>, Failure> {
    let _turn = DRAWING.acquire().await.map_err(|_| Failure::internal())?;
    let drawn = tokio::task::spawn_blocking(move || match format {
        Format::Docx => reports::docx::render(&document),
        _ => reports::pdf::render(&document, date),
    })
    .await
    .map_err(|_| Failure::internal())?;
    drawn.map_err(|e| {
        tracing::error!(error = %e, "a report could not be drawn");
        Failure::internal()
    })
}

pub(crate) fn attachment(format: Format, name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, format.media_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".into()),
        ],
        body,
    )
        .into_response()
}

pub async fn download(State(state): State<AppState>, user: CurrentUser, RawQuery(raw): RawQuery) -> PageResult<Response> {
    let access = &user.principal.access;
    require(access, Permission::ViewResults)?;
    let today = Month::at(state.clock.now_ms());
    let request = Request::parse(&raw.unwrap_or_default(), today)?;
    if request.kind.province_wide() && !state.store.is_province_wide(access, Permission::ViewResults).await? {
        return Err(Failure::forbidden().into());
    }
    let date = gather::office(&state).await?.ymd();
    let year = request.year;
    let (document, name) = match request.kind {
        ReportKind::SipasAnnual => {
            (gather::sipas_annual(&state, access, year, &request.levels, &request.sections).await?, request.file_name(&year.to_string()))
        }
        ReportKind::ParAnnual => (gather::par_annual(&state, year).await?, request.file_name(&year.to_string())),
        ReportKind::Decision => (gather::decision(&state, year).await?, request.file_name(&year.to_string())),
        ReportKind::Card => {
            if request.unit.is_empty() {
                return Err(Failure::invalid("Hãy ghi mã đơn vị cần lập phiếu kết quả.").into());
            }
            (gather::card(&state, access, &request.unit, year).await?, request.file_name(&format!("{}-{year}", request.unit)))
        }
        ReportKind::Monthly => {
            let month = request.month.unwrap_or(today.plus(-1));
            let level = match request.levels.first() {
                Some(level) => *level,
                None => state.store.sipas_default_level(access).await?,
            };
            let (document, overview, participation) = gather::monthly(&state, access, month, level).await?;
            let name = request.file_name(&format!("{}-{}", month.iso(), level.code()));
            if request.format == Format::Xlsx {
                let sheet = monthly_sheet(&reports::sipas::monthly_table(&overview, &participation), &overview, &participation);
                let body = sheets::write_report(&[sheet]).map_err(|_| Failure::internal())?;
                return Ok(attachment(Format::Xlsx, &name, body));
            }
            (document, name)
        }
    };
    Ok(attachment(request.format, &name, draw(document, request.format, date).await?))
}

/// The monthly form as a sheet: the same columns as the printed table, numbers as numbers.
fn monthly_sheet(table: &reports::Table, overview: &domain::sipas::figures::Overview, participation: &reports::sipas::Participation) -> ReportSheet {
    let number = |v: Option<f64>| v.map_or(Value::Empty, Value::Number);
    let line = |row: &domain::sipas::figures::Row, counts: &[u64]| {
        let mut cells = vec![Value::Text(row.name.clone())];
        cells.extend(counts.iter().map(|c| Value::Count(*c as i64)));
        cells.extend([Value::Count(row.figure.n as i64), number(row.figure.value), number(row.change)]);
        cells
    };
    let mut rows: Vec<Vec<Value>> = overview.rows.iter().map(|r| line(r, &participation.counts(&r.code))).collect();
    rows.push(line(&overview.total, &participation.total));
    ReportSheet {
        name: format!("Tháng {}", overview.period.replace('/', "-")),
        header: table.columns.iter().map(|c| c.label.clone()).collect(),
        rows,
        chart: None,
    }
}

/// A version of the texts shown in the list.
pub struct VersionView {
    pub version: i64,
    pub at: String,
    pub by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/index.html")]
pub struct ReportsPage {
    layout: Layout,
    /// The caller may download the province-wide reports.
    province: bool,
    /// The caller may write the texts.
    writer: bool,
    year: i32,
    /// The SIPAS report opens on the running year: its answers are in, month by month.
    this_year: i32,
    years: Vec<i32>,
    month: String,
    level: String,
    levels: Vec<(&'static str, &'static str)>,
    sections: Vec<(&'static str, &'static str)>,
    /// The report whose texts are in the form.
    text_kind: ReportKind,
    text_kinds: Vec<ReportKind>,
    text: ReportText,
    /// The version in the form, when an older one was opened.
    opened: Option<i64>,
    versions: Vec<VersionView>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    loai: Option<String>,
    nam: Option<i32>,
    #[serde(rename = "phien-ban")]
    version: Option<i64>,
    #[serde(rename = "da-luu")]
    saved: Option<i64>,
}

pub async fn page(State(state): State<AppState>, user: CurrentUser, crate::extract::Query(query): crate::extract::Query<PageQuery>) -> PageResult<ReportsPage> {
    let access = &user.principal.access;
    require(access, Permission::ViewResults)?;
    let today = Month::at(state.clock.now_ms());
    let year = query.nam.filter(|y| YEARS.contains(y)).unwrap_or(today.year() - 1);
    let text_kinds: Vec<ReportKind> = ReportKind::ALL.into_iter().filter(|k| k.has_texts()).collect();
    let text_kind = query.loai.as_deref().and_then(ReportKind::parse).filter(|k| k.has_texts()).unwrap_or(ReportKind::SipasAnnual);
    let stored = state.store.report_texts(text_kind, year).await?;
    let shown = match query.version {
        Some(v) => Some(stored.iter().find(|s| s.version == v).ok_or_else(Failure::not_found)?),
        None => stored.first(),
    };
    let text = shown.map(|s| s.text()).unwrap_or_else(|| ReportText { signature: reports::Texts::default_signature().join("\n"), ..ReportText::default() });
    Ok(ReportsPage {
        layout: Layout::admin(&user, "Báo cáo", "/admin/bao-cao"),
        province: state.store.is_province_wide(access, Permission::ViewResults).await?,
        writer: state.store.is_province_wide(access, Permission::PublishResults).await?,
        year,
        this_year: today.year(),
        years: (2015..=today.year()).rev().collect(),
        month: today.plus(-1).to_string(),
        level: state.store.sipas_default_level(access).await?.code().to_string(),
        levels: LEVELS.iter().map(|l| (l.code(), l.label())).collect(),
        sections: Section::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        text_kind,
        text_kinds,
        text,
        opened: query.version,
        versions: stored
            .iter()
            .map(|s| VersionView { version: s.version, at: domain::text::format_timestamp_ms(s.saved_at), by: s.saved_by.clone().unwrap_or_default() })
            .collect(),
        notice: query.saved.map(|v| format!("Đã lưu phiên bản {v} của lời văn.")),
    })
}

#[derive(Deserialize)]
pub struct TextForm {
    loai: String,
    nam: i32,
    #[serde(default)]
    introduction: String,
    #[serde(default)]
    conclusion: String,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    signer: String,
}

pub async fn save_text(State(state): State<AppState>, user: CurrentUser, CheckedForm(form): CheckedForm<TextForm>) -> PageResult<Redirect> {
    require(&user.principal.access, Permission::PublishResults)?;
    let kind = ReportKind::parse(&form.loai).ok_or_else(|| Failure::invalid("Hãy chọn một loại báo cáo."))?;
    if !YEARS.contains(&form.nam) {
        return Err(Failure::invalid(format!("Năm «{}» không hợp lệ.", form.nam)).into());
    }
    let text = ReportText { introduction: form.introduction, conclusion: form.conclusion, signature: form.signature, signer: form.signer };
    let version = state.store.save_report_text(&user.actor(&state), &user.principal.access, kind, form.nam, &text).await?;
    Ok(Redirect::to(&format!("/admin/bao-cao?loai={}&nam={}&da-luu={version}#loi-van", kind.code(), form.nam)))
}
