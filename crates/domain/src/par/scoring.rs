//! A unit's scorecard: points per field, bonus and penalty within their caps, total, index,
//! class; points from survey results; ranks within a level.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::points::Points;
use super::tree::{Mapping, Module, Source, Tree};

/// An index in hundredths of a percent: `Index(8725)` is 87,25 %. Ties and ranks are decided on
/// this published value, never on a float's last bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Index(pub i64);

impl Index {
    /// points ÷ max × 100, rounded half up to two decimals.
    pub fn of(points: Points, max: Points) -> Self {
        if max.0 <= 0 {
            return Self(0);
        }
        let scaled = i128::from(points.0) * 10_000;
        let max = i128::from(max.0);
        let rounded = if scaled >= 0 { (2 * scaled + max) / (2 * max) } else { -((-2 * scaled + max) / (2 * max)) };
        Self(rounded as i64)
    }

    pub fn percent(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// `87,25`.
    pub fn display(self) -> String {
        crate::text::format_number(self.percent(), 2)
    }
}

/// Thresholds of the classes, in percent; each province sets its own.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Classes {
    pub good: f64,
    pub fair: f64,
    pub average: f64,
}

impl Default for Classes {
    /// ≥ 80 Tốt, 65–80 Khá, 50–65 Trung bình, < 50 Yếu (METHODOLOGY §2, assumed default).
    fn default() -> Self {
        Self { good: 80.0, fair: 65.0, average: 50.0 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Good,
    Fair,
    Average,
    Weak,
}

impl Class {
    pub fn label(self) -> &'static str {
        match self {
            Self::Good => "Tốt",
            Self::Fair => "Khá",
            Self::Average => "Trung bình",
            Self::Weak => "Yếu",
        }
    }
}

impl Classes {
    pub fn class(&self, index: Index) -> Class {
        let percent = index.percent();
        if percent >= self.good {
            Class::Good
        } else if percent >= self.fair {
            Class::Fair
        } else if percent >= self.average {
            Class::Average
        } else {
            Class::Weak
        }
    }

    pub fn check(&self) -> Result<(), String> {
        let ordered = 0.0 <= self.average && self.average < self.fair && self.fair < self.good && self.good <= 100.0;
        if ordered { Ok(()) } else { Err("Ngưỡng xếp loại phải tăng dần: Trung bình < Khá < Tốt, trong khoảng 0–100.".into()) }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldScore {
    pub code: String,
    pub name: String,
    pub max: Points,
    pub points: Points,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scorecard {
    pub fields: Vec<FieldScore>,
    /// Sum of the items' points.
    pub items: Points,
    /// Bonus counted, within the cap.
    pub bonus: Points,
    /// Penalty counted, within the cap.
    pub penalty: Points,
    /// items + bonus − penalty, never below zero.
    pub total: Points,
    pub max: Points,
    pub index: Index,
    pub class: Class,
}

/// The scorecard of `points` (item and adjustment codes → points; an item not given counts zero).
pub fn score(tree: &Tree, points: &BTreeMap<String, Points>, classes: &Classes) -> Scorecard {
    let given = |code: &str| points.get(code).copied().unwrap_or_default();
    let fields: Vec<FieldScore> = tree
        .fields
        .iter()
        .map(|f| {
            let points = f.criteria.iter().flat_map(|c| &c.items).map(|i| given(&i.code)).sum();
            FieldScore { code: f.code.clone(), name: f.name.clone(), max: f.max(), points }
        })
        .collect();
    let items: Points = fields.iter().map(|f| f.points).sum();
    let bonus = tree.bonus.iter().map(|a| given(&a.code)).sum::<Points>().min(tree.bonus_cap);
    let penalty = tree.penalties.iter().map(|a| given(&a.code)).sum::<Points>().min(tree.penalty_cap);
    let total = (items + bonus - penalty).max(Points::ZERO);
    let max = tree.max();
    let index = Index::of(total, max);
    Scorecard { fields, items, bonus, penalty, total, max, index, class: classes.class(index) }
}

/// The points an item measured by a survey gets for a survey index of `index` (0–100, taken as
/// published, to two decimals); `None` for a self-assessed item.
pub fn survey_points(item: &super::tree::Item, index: f64) -> Option<Points> {
    let Source::Measured { mapping, .. } = &item.source else { return None };
    let published = (index.clamp(0.0, 100.0) * 100.0).round() as i64;
    Some(match mapping {
        // max × index ÷ 100 in whole arithmetic, rounded half up to a hundredth of a point.
        Mapping::Proportional => Points((2 * item.max.0 * published + 10_000) / 20_000),
        Mapping::Bands { bands } => bands.iter().filter(|b| published >= (b.at_least * 100.0).round() as i64).map(|b| b.points).max().unwrap_or_default(),
    })
}

/// A survey item's points from one unit's result in its module.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasuredMark {
    pub item: String,
    pub points: Points,
    /// The index the points were taken from, as published.
    pub index: f64,
}

/// The points every item measured by `module` gets from a unit's result: `indices` holds the
/// index of each measure (the empty measure is the module's overall index). Items whose
/// measure has no index are left out, to be set when it is known.
pub fn measured_marks(tree: &Tree, module: Module, indices: &BTreeMap<String, f64>) -> Vec<MeasuredMark> {
    tree.items()
        .filter_map(|(_, _, item)| match &item.source {
            Source::Measured { module: m, measure, .. } if *m == module => {
                let index = *indices.get(measure.trim())?;
                Some(MeasuredMark { item: item.code.clone(), points: survey_points(item, index)?, index })
            }
            _ => None,
        })
        .collect()
}

/// Whether `points` may be given to an item or adjustment worth at most `max`.
pub fn check_points(code: &str, points: Points, max: Points) -> Result<(), String> {
    if points < Points::ZERO || points > max { Err(format!("Điểm của mục {code} phải từ 0 đến {}.", max.display())) } else { Ok(()) }
}

/// Ranks by index, highest first; equal indices share a rank and the next rank skips
/// (1, 2, 2, 4). Entries keep their order within a tie.
pub fn rank<K: Clone>(entries: &[(K, Index)]) -> Vec<(K, Index, u32)> {
    let mut sorted: Vec<&(K, Index)> = entries.iter().collect();
    sorted.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    let mut ranked = Vec::with_capacity(sorted.len());
    for (position, (key, index)) in sorted.into_iter().enumerate() {
        let rank = match ranked.last() {
            Some((_, previous, rank)) if previous == index => *rank,
            _ => position as u32 + 1,
        };
        ranked.push((key.clone(), *index, rank));
    }
    ranked
}

/// The index of a unit that did not exist last year, carried from the units it came from
/// (lineage): their indices weighted by how much of each became this unit. None without parts.
pub fn carried_index(parts: &[(Index, f64)]) -> Option<Index> {
    let weight: f64 = parts.iter().map(|(_, w)| w.max(0.0)).sum();
    if weight <= 0.0 {
        return None;
    }
    let sum: f64 = parts.iter().map(|(i, w)| i.0 as f64 * w.max(0.0)).sum();
    Some(Index((sum / weight).round() as i64))
}
