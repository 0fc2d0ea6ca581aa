//! The dashboards' query as typed in the address bar, read into a `FigureRequest` with a
//! Vietnamese message for each bad field, and figures as shown. The figures themselves come
//! from `Store::sipas_overview` and `Store::sipas_drilldown` (computed by
//! `domain::sipas::figures`), which PAR and the API call too.

use domain::auth::Access;
use domain::calendar::Month;
use domain::sipas::figures::Period;
use domain::units::UnitLevel;
use serde::{Deserialize, Serialize};
use storage::sipas::{FigureRequest, Selection};

use crate::AppState;
use crate::error::Failure;
use crate::extract::{typed_channel, typed_month};

/// A dashboard query as typed in the address bar (every field optional).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
pub struct DashboardQuery {
    /// Questionnaire version; the newest one with a methodology when absent.
    pub version: Option<i64>,
    /// Methodology version; the newest of the form's methodology when absent.
    pub methodology: Option<i64>,
    /// First month, mm/yyyy; January of this year when absent.
    pub from: Option<String>,
    /// Last month, mm/yyyy; this month when absent.
    pub to: Option<String>,
    pub channel: Option<String>,
    /// Level of the units ranked in the overview (department, vertical_agency, district, commune).
    pub level: Option<String>,
}

impl DashboardQuery {
    /// What the query asks for; `today` fills a missing end of the period.
    pub fn request(&self, today: Month) -> Result<FigureRequest, Failure> {
        let (from, to) = (typed_month(&self.from)?, typed_month(&self.to)?);
        let period = match (from, to) {
            (None, None) => None,
            (from, to) => {
                let to = to.unwrap_or(today);
                Some(Period::new(from.unwrap_or(to.january()), to).map_err(Failure::invalid)?)
            }
        };
        let channel = typed_channel(&self.channel)?;
        let level = match self.level.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
            None => None,
            Some(l) => Some(UnitLevel::parse(l).map_err(|_| Failure::invalid(format!("Cấp đơn vị «{l}» không hợp lệ.")))?),
        };
        Ok(FigureRequest { version: self.version, methodology: self.methodology, period, channel, level })
    }

    /// The query that reproduces a selection, for links.
    pub fn of(selection: &Selection) -> Self {
        Self {
            version: Some(selection.version_id),
            methodology: Some(selection.methodology.id),
            from: Some(selection.period.from.to_string()),
            to: Some(selection.period.to.to_string()),
            channel: selection.channel.map(|c| c.code().to_string()),
            level: Some(selection.level.code().to_string()),
        }
    }

    pub fn string_of(selection: &Selection) -> String {
        serde_urlencoded::to_string(Self::of(selection)).unwrap_or_default()
    }
}

/// Resolves a typed query against what exists and what the caller may see.
pub async fn select(state: &AppState, access: &Access, query: &DashboardQuery) -> Result<Selection, Failure> {
    let today = Month::at(state.clock.now_ms());
    Ok(state.store.sipas_selection(access, &query.request(today)?, today).await?)
}

/// One unit in depth, its counter officers by their names (a login without an account keeps
/// its login): what the page, the exports and the API show.
pub async fn drilldown(state: &AppState, access: &Access, selection: &Selection, unit_id: i64) -> Result<domain::sipas::figures::Drilldown, Failure> {
    let mut d = state.store.sipas_drilldown(access, selection, unit_id).await?;
    let logins: Vec<String> = d.staff.iter().map(|s| s.key.clone()).collect();
    let names = state.store.official_names(&logins).await?;
    for slice in &mut d.staff {
        if let Some(name) = names.get(&slice.key) {
            slice.label = name.clone();
        }
    }
    Ok(d)
}
