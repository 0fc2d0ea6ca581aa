//! The citizen's way in: find the agency or commune that served you (by name or code, with or
//! without accents, by a former name of a merged unit), open its page, and answer the surveys
//! open for it. Public, without JavaScript.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::surveys::Survey;
use domain::surveys::admission::{self, Door};
use domain::text;
use domain::units::{Unit, UnitId};
use serde::Deserialize;

use super::pages::UnitView;
use crate::AppState;
use crate::auth::session::CurrentUser;
use crate::error::{Failure, PageResult};
use crate::extract::{Path, Query};
use crate::layout::Layout;

/// Units listed for one search: enough for a name shared by a few communes, never a dump.
const MOST_FOUND: usize = 30;
/// A search longer than any unit's name is no name.
const LONGEST_SEARCH: usize = 100;
/// Procedures named on a unit's page before "and n more".
const PROCEDURES_SHOWN: usize = 10;

#[derive(Deserialize)]
pub struct FindQuery {
    q: Option<String>,
}

pub struct Found {
    pub unit: UnitView,
    /// The former unit whose name matched, when the unit was found through it.
    pub former: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "units/units_find.html")]
pub struct FindPage {
    layout: Layout,
    q: String,
    /// None before a search.
    found: Option<Vec<Found>>,
}

pub async fn find(State(state): State<AppState>, Query(query): Query<FindQuery>) -> PageResult<FindPage> {
    let q: String = query.q.unwrap_or_default().trim().chars().take(LONGEST_SEARCH).collect();
    let today = text::vn_datetime(state.clock.now_ms()).date();
    let found = if q.is_empty() {
        None
    } else {
        let units = state.store.find_units(&q, today, MOST_FOUND).await?;
        Some(units.into_iter().map(|(unit, former)| Found { unit: UnitView::new(&unit, today), former }).collect())
    };
    Ok(FindPage { layout: Layout::public("Đánh giá sự hài lòng"), q, found })
}

/// A published result of the unit: which, its figure, its rank, where it was published.
pub struct PublishedLine {
    pub what: String,
    pub figure: String,
    pub rank: String,
    pub link: String,
}

/// Publications looked through for a unit's newest figure: the newest cover every unit.
const PUBLICATIONS_READ: usize = 5;

/// The unit's figure in the newest satisfaction publication that ranks it, and its line in the
/// newest published PAR round of its level, as published (never recomputed).
async fn published_lines(state: &AppState, unit: &Unit) -> Result<Vec<PublishedLine>, storage::Error> {
    let mut lines = Vec::new();
    for listed in state.store.publications().await?.into_iter().take(PUBLICATIONS_READ) {
        let publication = state.store.publication(listed.id).await?;
        let Ok(figures) = publication.figures() else { continue };
        if let Some(row) = figures.rows.iter().find(|r| r.unit_id == unit.id) {
            lines.push(PublishedLine {
                what: format!("Chỉ số hài lòng, {}", figures.period),
                figure: row.figure.value.map_or("chưa đủ phiếu".into(), |v| format!("{} %", text::format_number(v, 1))),
                rank: row.rank.map_or(String::new(), |r| format!("hạng {r}/{}", figures.rows.len())),
                link: format!("/ket-qua/{}", publication.id),
            });
            break;
        }
    }
    for round in state.store.published_par_rounds().await?.into_iter().filter(|r| r.level == unit.level.code()) {
        let results = state.store.published_par_results(round.id).await?;
        if let Some(line) = results.units.iter().find(|u| u.unit_id == unit.id) {
            lines.push(PublishedLine {
                what: round.title.clone(),
                figure: format!("{} ({})", line.scorecard.index.display(), line.scorecard.class.label()),
                rank: format!("hạng {}/{}", line.rank, results.units.len()),
                link: format!("/chi-so-cchc/{}", round.id),
            });
            break;
        }
    }
    Ok(lines)
}

/// A survey a citizen may answer for the unit, with its link.
pub struct OpenSurvey {
    pub title: String,
    pub period: String,
    pub link: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "units/unit_public.html")]
pub struct UnitPage {
    layout: Layout,
    unit: UnitView,
    /// (code, name) of the units it was formed from, and of those it became.
    formed_from: Vec<(String, String)>,
    became: Vec<(String, String)>,
    surveys: Vec<OpenSurvey>,
    procedures: Vec<String>,
    more_procedures: usize,
    published: Vec<PublishedLine>,
    contact: domain::units::Contact,
}

pub async fn show(State(state): State<AppState>, Path(code): Path<String>) -> PageResult<UnitPage> {
    let unit = state.store.public_unit_by_code(&code).await?;
    let now = state.clock.now_ms();
    let today = text::vn_datetime(now).date();
    // Only what the public form would take: the admission rule decides, as it does on answering.
    let surveys = if unit.is_valid_on(today) { state.store.open_surveys_of_unit(unit.id, now).await? } else { Vec::new() };
    let surveys = surveys.into_iter().filter(|s| admission::admit(s, &Door::Public, None, now).is_ok()).map(|s| open_survey(&s, &unit.code)).collect();
    let mut procedures: Vec<String> = state.store.unit_procedures(unit.id).await?.into_iter().map(|p| p.name).collect();
    let more_procedures = procedures.len().saturating_sub(PROCEDURES_SHOWN);
    procedures.truncate(PROCEDURES_SHOWN);
    let (formed_from, became) = state.store.public_lineage(unit.id).await?;
    Ok(UnitPage {
        layout: Layout::public(unit.name.clone()),
        formed_from,
        became,
        published: published_lines(&state, &unit).await?,
        contact: state.store.unit_contact(unit.id).await?,
        unit: UnitView::new(&unit, today),
        surveys,
        procedures,
        more_procedures,
    })
}

/// The counter's A4 poster: the unit's name and a QR code of its public page, which always lists
/// the surveys open for it (a survey's own link would date with its period). For the officials
/// who can see the unit: a PDF costs far more to make than a page, so it is no public door.
pub async fn poster(State(state): State<AppState>, user: CurrentUser, Path(id): Path<UnitId>) -> PageResult<Response> {
    let unit = state.store.unit(&user.principal.access, id).await?;
    let province = match state.store.root_units().await?.first() {
        Some(id) => state.store.public_unit(*id).await?.name,
        None => String::new(),
    };
    let link = format!("{}/don-vi/{}", state.config.public_url.trim_end_matches('/'), crate::layout::encode(&unit.code));
    let pdf = print::poster(&print::Poster { province: &province, unit: &unit.name, link: &link }).map_err(|e| {
        tracing::error!(error = %e, unit = %unit.code, "poster not made");
        Failure::internal()
    })?;
    let file = format!("attachment; filename=\"ap-phich-{}.pdf\"", unit.code.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"));
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, file)], pdf).into_response())
}

/// The survey's stable public link (its series, which follows the periods) for the unit.
fn open_survey(survey: &Survey, unit_code: &str) -> OpenSurvey {
    OpenSurvey { title: survey.title.clone(), period: survey.period_label(), link: format!("/s/{}?u={}", survey.series, crate::layout::encode(unit_code)) }
}
