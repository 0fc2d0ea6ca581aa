//! Ranking units within a level, comparing with the previous period and with targets.

use std::collections::HashMap;

use crate::surveys::Counts;
use crate::units::{UnitId, UnitTree};

/// Competition ranking, highest first: equal values share a rank and the next rank skips
/// (90, 85, 85, 80 → 1, 2, 2, 4). Units without a value are not ranked.
pub fn rank(values: &[Option<f64>]) -> Vec<Option<u32>> {
    values.iter().map(|value| value.map(|v| 1 + values.iter().filter(|other| other.is_some_and(|o| rounded(o) > rounded(v))).count() as u32)).collect()
}

/// Ranks compare what is shown (two decimals), so two units shown equal share a rank.
fn rounded(value: f64) -> i64 {
    (value * 100.0).round() as i64
}

/// Change against the previous period, in percentage points.
pub fn change(current: Option<f64>, previous: Option<f64>) -> Option<f64> {
    Some(current? - previous?)
}

/// Whether a value reaches its target (compared as shown, to two decimals).
pub fn meets(value: Option<f64>, target: Option<f64>) -> Option<bool> {
    Some(rounded(value?) >= rounded(target?))
}

/// Sums counts of units onto each unit and all its ancestors: the figure of a unit covers its
/// whole subtree (a department with its branches, a province with everything).
pub fn roll_up<'a>(cells: impl IntoIterator<Item = (UnitId, &'a Counts)>, tree: &UnitTree) -> HashMap<UnitId, Counts> {
    // Each unit's own cells first, then each unit's sum onto its ancestors: thousands of cells
    // climb the tree as a hundred sums.
    let mut own: HashMap<UnitId, Counts> = HashMap::new();
    for (unit, counts) in cells {
        match own.get_mut(&unit) {
            Some(total) => total.add(counts),
            None => {
                own.insert(unit, counts.clone());
            }
        }
    }
    let mut totals: HashMap<UnitId, Counts> = HashMap::new();
    for (unit, counts) in &own {
        for ancestor in tree.ancestors(*unit) {
            match totals.get_mut(&ancestor) {
                Some(total) => total.add(counts),
                None => {
                    totals.insert(ancestor, counts.clone());
                }
            }
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sipas::sipas_2017;
    use crate::surveys::Layout;

    #[test]
    fn ties_share_a_rank_and_gaps_are_skipped() {
        assert_eq!(rank(&[Some(85.0), Some(90.0), None, Some(85.0), Some(80.0)]), [Some(2), Some(1), None, Some(2), Some(4)]);
        assert_eq!(rank(&[Some(85.001), Some(84.999)]), [Some(1), Some(1)], "equal as shown");
        assert_eq!(rank(&[]), Vec::<Option<u32>>::new());
    }

    #[test]
    fn changes_and_targets() {
        assert_eq!(change(Some(91.5), Some(90.0)), Some(1.5));
        assert_eq!(change(Some(91.5), None), None);
        assert_eq!(meets(Some(89.996), Some(90.0)), Some(true));
        assert_eq!(meets(Some(89.9), Some(90.0)), Some(false));
        assert_eq!(meets(None, Some(90.0)), None);
    }

    #[test]
    fn counts_roll_up_to_every_ancestor() {
        // 1 province ─ 2 district ─ 3 commune; 4 department.
        let tree = UnitTree::new([(1, None), (2, Some(1)), (3, Some(2)), (4, Some(1))]);
        let layout = Layout::of(&sipas_2017());
        let mut one = Counts::zero(&layout);
        one.add_positions(&[0]);
        let mut two = Counts::zero(&layout);
        two.add_positions(&[0, 0]);
        let totals = roll_up([(3, &one), (4, &two), (3, &one)], &tree);
        assert_eq!(totals[&3].responses(), 2);
        assert_eq!(totals[&2].responses(), 2);
        assert_eq!(totals[&4].responses(), 2);
        assert_eq!(totals[&1].responses(), 4);
    }
}
