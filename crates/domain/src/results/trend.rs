//! Results over the years: one series per unit as it was (a merged unit's predecessors keep
//! their own), each edition compared with the one before it only when both were made by the
//! same methodology version.

use std::collections::BTreeMap;

use serde::Serialize;

use super::IndexResult;

/// The change between two editions, when they can be compared: same index, same version.
pub fn change(current: &IndexResult, previous: &IndexResult) -> Option<f64> {
    (current.index == previous.index && current.version == previous.version).then_some(current.score - previous.score)
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
