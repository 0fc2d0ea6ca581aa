//! The data of each report, read within the caller's scope and handed to the `reports` crate,
//! which lays it out. Every figure is the one the pages show: SIPAS from the counter cells
//! (`Store::sipas_report`), PAR INDEX and the other indices from the results database.

use std::collections::HashMap;

use domain::auth::{Access, Permission};
use domain::calendar::Month;
use domain::reports::ReportKind;
use domain::results::{IndexCode, IndexResult, Scope, carried};
use domain::sipas::figures::{LEVELS, Overview};
use domain::surveys::Channel;
use domain::units::{UnitId, UnitLevel};
use reports::results::{Compared, Group};
use reports::sipas::{Comments, Moods, Participation, Responses, Section};
use reports::{Document, Office, Texts};
use storage::Paging;
use storage::analytics::{CommentFilter, CountBy, Counted};
use storage::results::ResultQuery;
use storage::sipas::SipasReport;
use storage::units::UnitFilter;

use crate::AppState;
use crate::error::Failure;
use crate::sipas::figures::{DashboardQuery, select};

/// The province that issues and today's date in Vietnam.
pub async fn office(state: &AppState) -> Result<Office, Failure> {
    let root = *state.store.root_units().await?.first().ok_or_else(Failure::not_found)?;
    let province = state.store.public_unit(root).await?.name;
    Ok(Office { province, date: domain::text::vn_datetime(state.clock.now_ms()).date() })
}

/// The newest texts the reform office saved for the report of the year, or none written.
pub async fn texts(state: &AppState, kind: ReportKind, year: i32) -> Result<Texts, Failure> {
    let newest = state.store.report_texts(kind, year).await?.into_iter().next().map(|v| v.text()).unwrap_or_default();
    Ok(Texts { signature: newest.signature_lines(), introduction: newest.introduction, conclusion: newest.conclusion, signer: newest.signer })
}

/// The responses of every unit ranked in `report`, per channel met.
fn participation(report: &SipasReport) -> Participation {
    let mut channels: Vec<Channel> = report.participation.values().flat_map(|c| c.keys().copied()).collect();
    channels.sort();
    channels.dedup();
    let counts = |unit: UnitId| channels.iter().map(|c| report.participation.get(&unit).and_then(|m| m.get(c)).copied().unwrap_or(0)).collect::<Vec<u64>>();
    Participation {
        channels: channels.iter().map(|c| c.label().to_string()).collect(),
        rows: report
            .rankings
            .iter()
            .flat_map(|o| &o.rows)
            .map(|r| Responses { code: r.code.clone(), name: r.name.clone(), counts: counts(r.unit_id) })
            .collect(),
        total: counts(report.area.unit.id),
    }
}

async fn sipas_data(state: &AppState, access: &Access, from: Month, to: Month, levels: &[UnitLevel]) -> Result<SipasReport, Failure> {
    let level = levels.first().map(|l| l.code().to_string());
    let query = DashboardQuery { from: Some(from.to_string()), to: Some(to.to_string()), level, ..DashboardQuery::default() };
    let selection = select(state, access, &query).await?;
    Ok(state.store.sipas_report(access, &selection, levels).await?)
}

/// The annual report of the units of `levels` (all when empty).
pub async fn sipas_annual(state: &AppState, access: &Access, year: i32, levels: &[UnitLevel], sections: &[Section]) -> Result<Document, Failure> {
    let month = |n| Month::new(year, n).ok_or_else(|| Failure::invalid("Năm không hợp lệ."));
    let report = sipas_data(state, access, month(1)?, month(12)?, levels).await?;
    let texts = texts(state, ReportKind::SipasAnnual, year).await?;
    let comments = comments(state, access, month(1)?, month(12)?).await?;
    let data = reports::sipas::Annual {
        year,
        province: &report.area,
        rankings: &report.rankings,
        participation: &participation(&report),
        comments: &comments,
        sections,
        texts: &texts,
    };
    Ok(reports::sipas::annual(&office(state).await?, &data))
}

/// The comments of the caller's area from `from` to `to`, by mood, overall and per topic.
async fn comments(state: &AppState, access: &Access, from: Month, to: Month) -> Result<Comments, Failure> {
    let filter = CommentFilter { from: Some(from), to: Some(to), ..CommentFilter::default() };
    let moods = |c: &Counted| Moods { negative: c.negative as u64, neutral: c.neutral as u64, positive: c.positive as u64 };
    let by_month = state.store.count_comments(access, &filter, CountBy::Month).await?;
    let all = by_month.iter().map(moods).fold(Moods::default(), |sum, m| Moods {
        negative: sum.negative + m.negative,
        neutral: sum.neutral + m.neutral,
        positive: sum.positive + m.positive,
    });
    let (_, taxonomy) = state.store.analytics_taxonomy().await?;
    let topics = state
        .store
        .count_comments(access, &filter, CountBy::Topic)
        .await?
        .iter()
        .map(|c| (taxonomy.name(&c.key).map_or_else(|| c.key.clone(), str::to_string), moods(c)))
        .collect();
    Ok(Comments { all, topics })
}

/// The month's form of one level of the caller's area, and its table for the XLSX.
pub async fn monthly(state: &AppState, access: &Access, month: Month, level: UnitLevel) -> Result<(Document, Overview, Participation), Failure> {
    let report = sipas_data(state, access, month, month, &[level]).await?;
    let participation = participation(&report);
    let overview =
        report.rankings.into_iter().next().ok_or_else(|| Failure::invalid(format!("Không có đơn vị nào thuộc «{}» trong phạm vi của bạn.", level.label())))?;
    let document = reports::sipas::monthly(&office(state).await?, &overview, &participation);
    Ok((document, overview, participation))
}

/// The year's provincial results of an index, grouped by the units' level in the order the
/// rankings use, each beside last year's.
async fn groups(state: &AppState, index: IndexCode, year: i32) -> Result<Vec<Group>, Failure> {
    let results = state.store.index_results(&ResultQuery { index: Some(index), scope: Some(Scope::Provincial), year: Some(year), units: None }).await?;
    let mut previous = state.store.previous_results(index, Scope::Provincial, year).await?;
    let units = state.store.units(&state.store.root_units().await?, &UnitFilter::default(), Paging::ALL).await?.items;
    let level_of: HashMap<UnitId, UnitLevel> = units.iter().map(|u| (u.id, u.level)).collect();
    let mut groups: Vec<Group> = LEVELS.iter().map(|l| Group { label: l.label().to_string(), results: Vec::new() }).collect();
    for result in results {
        let Some(position) = result.unit_id.and_then(|u| level_of.get(&u)).and_then(|l| LEVELS.iter().position(|x| x == l)) else { continue };
        let before = result.unit_id.and_then(|u| previous.remove(&u));
        groups[position].results.push(Compared { result, previous: before });
    }
    groups.retain(|g| !g.results.is_empty());
    Ok(groups)
}

pub async fn par_annual(state: &AppState, year: i32) -> Result<Document, Failure> {
    let groups = groups(state, IndexCode::Par, year).await?;
    if groups.is_empty() {
        return Err(Failure::invalid(format!("Chưa có kết quả Chỉ số CCHC năm {year} của các đơn vị trong tỉnh.")));
    }
    Ok(reports::results::par_annual(&office(state).await?, year, &groups, &texts(state, ReportKind::ParAnnual, year).await?))
}

pub async fn decision(state: &AppState, year: i32) -> Result<Document, Failure> {
    let (par, sipas) = (groups(state, IndexCode::Par, year).await?, groups(state, IndexCode::Sipas, year).await?);
    if par.is_empty() && sipas.is_empty() {
        return Err(Failure::invalid(format!("Chưa có kết quả Chỉ số CCHC hay Chỉ số hài lòng năm {year} để công bố.")));
    }
    Ok(reports::results::decision(&office(state).await?, year, &par, &sipas, &texts(state, ReportKind::Decision, year).await?))
}

/// One unit's card: the caller must read the unit's results.
pub async fn card(state: &AppState, access: &Access, code: &str, year: i32) -> Result<Document, Failure> {
    let unit = state.store.public_unit_by_code(code).await.map_err(|_| Failure::invalid(format!("Không có đơn vị mã «{code}».")))?;
    if !access.can(Permission::ViewResults, &state.store.unit_ancestry(unit.id).await?) {
        return Err(Failure::not_found());
    }
    let own = state
        .store
        .index_results(&ResultQuery { scope: Some(Scope::Provincial), year: Some(year), units: Some(vec![unit.id]), ..ResultQuery::default() })
        .await?;
    let mut results = Vec::new();
    for result in own {
        let previous = state.store.previous_results(result.index, Scope::Provincial, year).await?.remove(&unit.id);
        results.push(Compared { result, previous });
    }
    // Its PAR and SIPAS over the years; a year before a merger carried from what it was formed from.
    let lineage = state.store.unit_with_predecessors(unit.id).await?;
    let past = state.store.index_results(&ResultQuery { scope: Some(Scope::Provincial), units: Some(lineage), ..ResultQuery::default() }).await?;
    let mut history: Vec<IndexResult> = past.iter().filter(|r| r.unit_id == Some(unit.id)).cloned().collect();
    for r in past.iter().filter(|r| r.unit_id != Some(unit.id)) {
        if !history.iter().any(|h| h.index == r.index && h.year == r.year) {
            let parts: Vec<(&IndexResult, f64)> =
                past.iter().filter(|p| p.index == r.index && p.year == r.year && p.unit_id != Some(unit.id)).map(|p| (p, 1.0)).collect();
            history.extend(carried(&parts));
        }
    }
    history.retain(|r| r.year <= year);
    Ok(reports::results::card(&office(state).await?, &unit.name, year, &results, &history))
}
