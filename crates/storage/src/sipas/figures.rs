//! The loader of the SIPAS figures: a request resolved against what exists and what the caller
//! may see, the units, cells and targets read within the caller's scope, and the figures
//! computed by `domain::sipas::figures`. Dashboards, exports, the API, publications and the PAR
//! measured points all call these.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use domain::auth::{Access, Grant, Permission, Role};
use domain::calendar::Month;
use domain::sipas::figures::{self, Basis, Data, Drilldown, INDICATOR, LEVELS, Overview, Period, default_level};
use domain::surveys::{Channel, Layout, Questionnaire};
use domain::units::{UnitId, UnitLevel};

use super::MethodologyVersion;
use crate::responses::CellFilter;
use crate::units::UnitFilter;
use crate::{Error, Paging, Result, Store};

/// What a caller asks figures for; each part left out takes its default: the newest version
/// with a methodology, that methodology's current version, January to this month, every
/// channel, departments.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FigureRequest {
    pub version: Option<i64>,
    pub methodology: Option<i64>,
    pub period: Option<Period>,
    pub channel: Option<Channel>,
    pub level: Option<UnitLevel>,
}

/// A request resolved: what the figures are computed with.
/// What a SIPAS report is drawn from (see [`Store::sipas_report`]).
#[derive(Clone, Debug)]
pub struct SipasReport {
    pub area: Drilldown,
    pub rankings: Vec<Overview>,
    pub participation: HashMap<UnitId, BTreeMap<Channel, u64>>,
}

#[derive(Clone, Debug)]
pub struct Selection {
    pub version_id: i64,
    pub form: Arc<Questionnaire>,
    pub layout: Arc<Layout>,
    pub methodology: MethodologyVersion,
    pub period: Period,
    pub channel: Option<Channel>,
    pub level: UnitLevel,
    /// The questionnaire versions the caller can choose from: (id, label).
    pub versions: Vec<(i64, String)>,
}

impl Selection {
    pub fn basis(&self) -> Basis<'_> {
        Basis {
            form: &self.form,
            layout: &self.layout,
            methodology: &self.methodology.methodology,
            methodology_id: self.methodology.id,
            methodology_version: self.methodology.version,
            period: self.period,
            channel: self.channel,
            level: self.level,
        }
    }

    pub fn methodology_label(&self) -> String {
        self.basis().methodology_label()
    }

    /// The label of the questionnaire version chosen.
    pub fn version_label(&self) -> &str {
        self.versions.iter().find(|(id, _)| *id == self.version_id).map_or("", |(_, label)| label.as_str())
    }
}

impl Store {
    /// The questionnaire versions of the caller's surveys that have an index methodology, newest
    /// survey first: (id, label).
    pub async fn sipas_versions(&self, access: &Access) -> Result<Vec<(i64, String)>> {
        // The satisfaction surveys first, newest first: the dashboards open on them. The PAR
        // INDEX surveys of officials, read by the same machinery, follow.
        let mut versions: Vec<(i64, String)> = Vec::new();
        let mut officials: Vec<(i64, String)> = Vec::new();
        let withheld = self.withheld_surveys(access).await?;
        for survey in self.surveys(access).await? {
            if withheld.contains(&survey.id) || versions.iter().chain(&officials).any(|(id, _)| *id == survey.version_id) {
                continue;
            }
            let form = self.version(survey.version_id).await?;
            let line = (survey.version_id, format!("{} — {}", form.code, form.title));
            match form.methodology.as_deref() {
                Some(domain::par::surveys::METHODOLOGY) => officials.push(line),
                Some(_) => versions.push(line),
                None => {}
            }
        }
        versions.extend(officials);
        Ok(versions)
    }

    /// Resolves a request: the version must be one of the caller's, the methodology one of its
    /// form's; `today` gives the default period.
    pub async fn sipas_selection(&self, access: &Access, request: &FigureRequest, today: Month) -> Result<Selection> {
        let versions = self.sipas_versions(access).await?;
        let version_id = match request.version {
            Some(v) if versions.iter().any(|(id, _)| *id == v) => v,
            Some(_) => return Err(Error::NotFound),
            None => versions.first().map(|(id, _)| *id).ok_or_else(|| invalid("Chưa có cuộc khảo sát nào dùng mẫu phiếu có phương pháp tính chỉ số."))?,
        };
        let form = self.version(version_id).await?;
        let code = form.methodology.clone().unwrap_or_default();
        let methodology = match request.methodology {
            Some(id) => {
                let chosen = self.methodology(id).await?;
                if chosen.methodology.code != code {
                    return Err(invalid(&format!("Phương pháp đã chọn không dùng cho mẫu phiếu này (cần «{code}»).")));
                }
                chosen
            }
            None => self.current_methodology(&code).await.map_err(|_| invalid(&format!("Chưa có phương pháp tính «{code}».")))?,
        };
        let level = match request.level {
            Some(level) => level,
            None => self.sipas_default_level(access).await?,
        };
        if !LEVELS.contains(&level) {
            return Err(invalid(&format!("Không xếp hạng được cấp «{}».", level.label())));
        }
        Ok(Selection {
            version_id,
            layout: self.layout(version_id).await?,
            form,
            methodology,
            period: request.period.unwrap_or_else(|| Period::year_to(today)),
            channel: request.channel,
            level,
            versions,
        })
    }

    /// The overview of the selection's level with the total of the caller's area.
    /// The level a ranking opens at for the caller: its own peers (see `default_level`).
    pub async fn sipas_default_level(&self, access: &Access) -> Result<UnitLevel> {
        let mut own = Vec::new();
        for unit in access.roots(Permission::ViewResults) {
            own.push(self.public_unit(unit).await?.level);
        }
        Ok(default_level(&own))
    }

    pub async fn sipas_overview(&self, access: &Access, selection: &Selection) -> Result<Overview> {
        let root = access.roots(Permission::ViewResults).first().copied().ok_or(Error::Forbidden)?;
        let data = self.sipas_data(access, selection, None).await?;
        figures::overview(&selection.basis(), &data, root).ok_or(Error::NotFound)
    }

    /// One unit in depth; not found outside the caller's scope.
    pub async fn sipas_drilldown(&self, access: &Access, selection: &Selection, unit_id: UnitId) -> Result<Drilldown> {
        if !access.can(Permission::ViewResults, &self.unit_ancestry(unit_id).await?) {
            return Err(Error::NotFound);
        }
        let data = self.sipas_data(access, selection, Some(unit_id)).await?;
        figures::drilldown(&selection.basis(), &data, unit_id).ok_or(Error::NotFound)
    }

    /// Where a unit stands among the units of its level across the province: its rank and how
    /// many are ranked; none when it is not ranked. The unit's officials learn their place
    /// without seeing the others' figures, so the province is read on their behalf here.
    pub async fn sipas_peer_rank(&self, access: &Access, selection: &Selection, unit_id: UnitId) -> Result<Option<(u32, usize)>> {
        if !access.can(Permission::ViewResults, &self.unit_ancestry(unit_id).await?) {
            return Err(Error::NotFound);
        }
        let level = self.public_unit(unit_id).await?.level;
        let Some(&root) = self.root_units().await?.first() else { return Ok(None) };
        if !LEVELS.contains(&level) {
            return Ok(None);
        }
        let province = Access::new(vec![Grant { role: Role::Leadership, unit: root }]);
        let data = self.sipas_data(&province, selection, None).await?;
        let basis = Basis { level, ..selection.basis() };
        let Some(overview) = figures::overview(&basis, &data, root) else { return Ok(None) };
        let ranked = overview.rows.iter().filter(|r| r.rank.is_some()).count();
        Ok(overview.rows.iter().find(|r| r.unit_id == unit_id).and_then(|r| r.rank).map(|rank| (rank, ranked)))
    }

    /// Every unit the caller may read results of, the cells of the selection's period and the
    /// one before (of `unit_id`'s subtree only, if given), and the targets of the period's year.
    /// Everything a report of the period shows, from one read of the cells: the caller's area
    /// in depth, one ranked table per level of `levels` (all when empty) that has units, and
    /// each unit's responses per channel.
    pub async fn sipas_report(&self, access: &Access, selection: &Selection, levels: &[UnitLevel]) -> Result<SipasReport> {
        let root = access.roots(Permission::ViewResults).first().copied().ok_or(Error::Forbidden)?;
        let data = self.sipas_data(access, selection, None).await?;
        let basis = selection.basis();
        let area = figures::drilldown(&basis, &data, root).ok_or(Error::NotFound)?;
        let rankings = LEVELS
            .into_iter()
            .filter(|l| levels.is_empty() || levels.contains(l))
            .filter_map(|level| figures::overview(&Basis { level, ..basis }, &data, root))
            .filter(|o| !o.rows.is_empty())
            .collect();
        Ok(SipasReport { area, rankings, participation: figures::participation(&basis, &data) })
    }

    async fn sipas_data(&self, access: &Access, selection: &Selection, unit_id: Option<UnitId>) -> Result<Data> {
        let units = self.units(&access.roots(Permission::ViewResults), &UnitFilter::default(), Paging::ALL).await?.items;
        let filter = CellFilter {
            version_id: selection.version_id,
            survey_id: None,
            from_month: Some(selection.period.previous().from),
            to_month: Some(selection.period.to),
            channel: selection.channel,
            unit_id,
        };
        let cells = self.cells(access, &filter, &selection.layout).await?;
        let year = i64::from(selection.period.to.year());
        let targets = self.targets(access, year, INDICATOR).await?.into_iter().map(|t| (t.unit_id, t.target)).collect();
        Ok(Data { units, cells, targets })
    }
}

fn invalid(message: &str) -> Error {
    Error::Invalid(vec![message.to_string()])
}
