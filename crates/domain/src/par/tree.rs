//! A criteria tree (bộ tiêu chí): fields → criteria → sub-criteria, each sub-criterion with its
//! maximum points, scoring guide, whether evidence is required and where its points come from;
//! bonus and penalty items with caps. One tree per year and level of unit.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::points::Points;
use crate::units::UnitLevel;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Stable code, e.g. `PAR-XA-2026`.
    pub code: String,
    pub title: String,
    pub year: i32,
    pub level: UnitLevel,
    /// The built-in template: a starting point for a province to adapt, not its official tree.
    #[serde(default)]
    pub template: bool,
    pub fields: Vec<Field>,
    #[serde(default)]
    pub bonus: Vec<Adjustment>,
    /// At most this many bonus points count, whatever the items add up to.
    #[serde(default)]
    pub bonus_cap: Points,
    #[serde(default)]
    pub penalties: Vec<Adjustment>,
    /// At most this many points are taken off.
    #[serde(default)]
    pub penalty_cap: Points,
}

/// Lĩnh vực.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub code: String,
    pub name: String,
    pub criteria: Vec<Criterion>,
}

/// Tiêu chí.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub code: String,
    pub name: String,
    pub items: Vec<Item>,
}

/// Tiêu chí thành phần: what is scored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub code: String,
    pub name: String,
    pub max: Points,
    /// How points are given (cách chấm điểm).
    #[serde(default)]
    pub guide: String,
    /// Points without an evidence document need an explanation.
    #[serde(default)]
    pub evidence_required: bool,
    #[serde(default)]
    pub source: Source,
}

/// Where an item's points come from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// Self-assessed by the unit, then appraised.
    #[default]
    SelfAssessed,
    /// Taken from a module's result (a survey's index, the plan's completion rate), never
    /// self-scored.
    Measured {
        module: Module,
        /// The element of the module's methodology measured; empty for the overall index.
        #[serde(default)]
        measure: String,
        #[serde(default)]
        mapping: Mapping,
    },
}

/// What measures an item: a survey module, or the tracking of the reform plan. Each gives a
/// unit a figure from 0 to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    /// Citizens' and organisations' satisfaction (SIPAS).
    Sipas,
    /// Survey of civil servants.
    CivilServants,
    /// Survey of leaders and managers.
    Leaders,
    /// Survey of people's council deputies, where the province uses it.
    Deputies,
    /// The share of the unit's reform plan tasks completed on time.
    Plan,
}

impl Module {
    pub const ALL: [Module; 5] = [Self::Sipas, Self::CivilServants, Self::Leaders, Self::Deputies, Self::Plan];

    pub fn code(self) -> &'static str {
        match self {
            Self::Sipas => "sipas",
            Self::CivilServants => "civil_servants",
            Self::Leaders => "leaders",
            Self::Deputies => "deputies",
            Self::Plan => "plan",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Sipas => "Khảo sát sự hài lòng của người dân, tổ chức (SIPAS)",
            Self::CivilServants => "Khảo sát cán bộ, công chức",
            Self::Leaders => "Khảo sát lãnh đạo, quản lý",
            Self::Deputies => "Khảo sát đại biểu Hội đồng nhân dân",
            Self::Plan => "Theo dõi thực hiện kế hoạch cải cách hành chính",
        }
    }

    /// As written in a tree's spreadsheet.
    pub fn short_label(self) -> &'static str {
        match self {
            Self::Sipas => "Khảo sát SIPAS",
            Self::CivilServants => "Khảo sát cán bộ, công chức",
            Self::Leaders => "Khảo sát lãnh đạo, quản lý",
            Self::Deputies => "Khảo sát đại biểu HĐND",
            Self::Plan => "Theo dõi kế hoạch CCHC",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code.trim())
    }
}

/// How a survey index (0–100) becomes points.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Mapping {
    /// max × index ÷ 100.
    #[default]
    Proportional,
    /// The points of the highest band whose threshold the index reaches; none reached, zero.
    Bands { bands: Vec<Band> },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Index from which these points are given.
    pub at_least: f64,
    pub points: Points,
}

/// A bonus or penalty item (điểm thưởng, điểm trừ).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    pub code: String,
    pub name: String,
    pub max: Points,
    #[serde(default)]
    pub guide: String,
}

impl Field {
    pub fn max(&self) -> Points {
        self.criteria.iter().map(Criterion::max).sum()
    }
}

impl Criterion {
    pub fn max(&self) -> Points {
        self.items.iter().map(|i| i.max).sum()
    }
}

impl Item {
    pub fn self_assessed(&self) -> bool {
        self.source == Source::SelfAssessed
    }
}

impl Tree {
    pub fn items(&self) -> impl Iterator<Item = (&Field, &Criterion, &Item)> {
        self.fields.iter().flat_map(|f| f.criteria.iter().flat_map(move |c| c.items.iter().map(move |i| (f, c, i))))
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items().map(|(_, _, i)| i).find(|i| i.code == code)
    }

    /// A bonus or penalty item, and whether it is a bonus.
    pub fn adjustment(&self, code: &str) -> Option<(&Adjustment, bool)> {
        self.bonus.iter().map(|a| (a, true)).chain(self.penalties.iter().map(|a| (a, false))).find(|(a, _)| a.code == code)
    }

    /// The most points a unit can have: every item's maximum (bonus points do not raise it).
    pub fn max(&self) -> Points {
        self.fields.iter().map(Field::max).sum()
    }

    /// Every problem with the tree, in Vietnamese, or nothing.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        if self.code.trim().is_empty() || self.title.trim().is_empty() {
            errors.push("Bộ tiêu chí cần mã và tên.".to_string());
        }
        if !(2000..=2100).contains(&self.year) {
            errors.push(format!("Năm {} không hợp lệ.", self.year));
        }
        if self.fields.is_empty() {
            errors.push("Bộ tiêu chí cần ít nhất một lĩnh vực.".into());
        }
        let mut codes = HashSet::new();
        let mut seen = |code: &str, errors: &mut Vec<String>| {
            if code.trim().is_empty() {
                errors.push("Có mục chưa có mã.".into());
            } else if !codes.insert(code.to_string()) {
                errors.push(format!("Mã «{code}» bị trùng."));
            }
        };
        for field in &self.fields {
            seen(&field.code, &mut errors);
            if field.criteria.is_empty() {
                errors.push(format!("Lĩnh vực {} chưa có tiêu chí.", field.code));
            }
            for criterion in &field.criteria {
                seen(&criterion.code, &mut errors);
                if criterion.items.is_empty() {
                    errors.push(format!("Tiêu chí {} chưa có tiêu chí thành phần.", criterion.code));
                }
                for item in &criterion.items {
                    seen(&item.code, &mut errors);
                    if item.name.trim().is_empty() {
                        errors.push(format!("Tiêu chí thành phần {} chưa có tên.", item.code));
                    }
                    if item.max <= Points::ZERO {
                        errors.push(format!("Điểm tối đa của tiêu chí thành phần {} phải lớn hơn 0.", item.code));
                    }
                    if let Source::Measured { mapping: Mapping::Bands { bands }, .. } = &item.source
                        && bands.iter().any(|b| b.points > item.max || b.points < Points::ZERO || !(0.0..=100.0).contains(&b.at_least))
                    {
                        errors
                            .push(format!("Thang quy đổi của tiêu chí thành phần {} phải cho điểm từ 0 đến điểm tối đa, với chỉ số từ 0 đến 100.", item.code));
                    }
                }
            }
        }
        for adjustment in self.bonus.iter().chain(&self.penalties) {
            seen(&adjustment.code, &mut errors);
            if adjustment.max <= Points::ZERO {
                errors.push(format!("Điểm tối đa của mục {} phải lớn hơn 0.", adjustment.code));
            }
        }
        if self.bonus_cap < Points::ZERO || self.penalty_cap < Points::ZERO {
            errors.push("Mức trần điểm thưởng và điểm trừ không được âm.".into());
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}
