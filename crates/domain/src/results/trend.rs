//! Results over the years: one series per unit as it was (a merged unit's predecessors keep
//! their own), each edition compared with the one before it only when both were made by the
//! same methodology version.

use std::collections::BTreeMap;

use serde::Serialize;

use super::IndexResult;

/// `+1,25`, `−0,50`, or a dash where editions cannot be compared.
pub fn change_text(change: Option<f64>) -> String {
    match change {
        Some(c) if c > 0.0 => format!("+{}", crate::text::format_number(c, 2)),
        Some(c) if c < 0.0 => format!("−{}", crate::text::format_number(-c, 2)),
        Some(_) => "0".into(),
        None => "–".into(),
    }
}

/// The change between two editions, when they can be compared: same index, same version.
pub fn change(current: &IndexResult, previous: &IndexResult) -> Option<f64> {
    (current.index == previous.index && current.version == previous.version).then_some(current.score - previous.score)
}

/// A unit formed by a merger has no result of its own for the years before it: the one it is
/// compared with is carried from the results of the units it was formed from, each weighted by
/// its share (of population, from the lineage), as PAR does for its own rounds. The carried
/// result is named after them; none when they were scored by different methodology versions.
pub fn carried(parts: &[(&IndexResult, f64)]) -> Option<IndexResult> {
    let (first, _) = parts.first()?;
    let weight: f64 = parts.iter().map(|(_, w)| w.max(0.0)).sum();
    if weight <= 0.0 || parts.iter().any(|(r, _)| r.index != first.index || r.version != first.version) {
        return None;
    }
    let score = parts.iter().map(|(r, w)| r.score * w.max(0.0)).sum::<f64>() / weight;
    Some(IndexResult {
        unit_id: None,
        unit_code: String::new(),
        unit_name: parts.iter().map(|(r, _)| r.unit_name.as_str()).collect::<Vec<_>>().join(", "),
        score,
        rank: None,
        ranked: None,
        class: String::new(),
        components: Vec::new(),
        ..(*first).clone()
    })
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edition {
    pub result: IndexResult,
    /// Against the edition before it in the series.
    pub change: Option<f64>,
    /// The edition before it was made by another methodology version.
    pub after_break: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// `None` for the national average.
    pub unit_id: Option<i64>,
    pub unit_code: String,
    /// The name in the newest edition.
    pub label: String,
    /// Oldest first.
    pub editions: Vec<Edition>,
}

/// The series of `results` (one index, one scope), in the order their units first appear.
pub fn series(results: &[IndexResult]) -> Vec<Series> {
    let mut order: Vec<Option<i64>> = Vec::new();
    let mut grouped: BTreeMap<Option<i64>, Vec<&IndexResult>> = BTreeMap::new();
    for result in results {
        let group = grouped.entry(result.unit_id).or_default();
        if group.is_empty() {
            order.push(result.unit_id);
        }
        group.push(result);
    }
    order
        .into_iter()
        .filter_map(|unit| {
            let mut group = grouped.remove(&unit).unwrap_or_default();
            group.sort_by_key(|r| r.year);
            let mut editions: Vec<Edition> = Vec::with_capacity(group.len());
            for result in group {
                let previous = editions.last().map(|e| &e.result);
                editions.push(Edition {
                    change: previous.and_then(|p| change(result, p)),
                    after_break: previous.is_some_and(|p| p.version != result.version),
                    result: result.clone(),
                });
            }
            let newest = &editions.last()?.result;
            Some(Series { unit_id: unit, unit_code: newest.unit_code.clone(), label: newest.unit_name.clone(), editions })
        })
        .collect()
}
