//! A stratified draw from the frame: the total is allocated to units by their eligible dossiers,
//! each unit's share is drawn (within fields, when stratified so) in a repeatable order, and the
//! next ones in that order are kept as reserves. Everything here depends only on the frame as
//! listed, the seed and the parameters, so a recorded draw can be replayed and checked.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{SamplingError, allocate, draw_stratum};

/// How a unit's share is spread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strata {
    /// One stratum per unit.
    #[default]
    Unit,
    /// Within a unit, in proportion to each field's dossiers.
    Field,
}

impl Strata {
    pub fn label(self) -> &'static str {
        match self {
            Self::Unit => "Theo đơn vị",
            Self::Field => "Theo đơn vị và lĩnh vực",
        }
    }
}

/// What a draw was asked for; recorded with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawParams {
    pub total: u64,
    pub minimum: u64,
    pub strata: Strata,
    /// Reserves kept per sampled respondent of a stratum (as many as its frame allows).
    pub reserves_per_sample: u64,
    pub seed: u64,
}

/// An eligible dossier of the frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameItem {
    pub id: i64,
    pub unit: i64,
    pub field: String,
    pub dossier_code: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quota {
    pub unit: i64,
    pub dossiers: u64,
    pub allocated: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pick {
    pub id: i64,
    pub unit: i64,
    pub stratum: String,
    /// 0-based place in the stratum's draw order.
    pub rank: u64,
    /// In the sample (otherwise a reserve).
    pub selected: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawPlan {
    pub quotas: Vec<Quota>,
    pub picks: Vec<Pick>,
    pub frame_size: u64,
    /// SHA-256 of the frame as drawn from: every stratum's dossier codes, in order.
    pub frame_digest: String,
}

/// Plans a draw over `units` (id and code, in the order quotas are listed and remainders
/// broken) from `frame`, in any order: entries are put in a fixed order (by stratum, then
/// dossier code, byte-wise) before drawing.
pub fn plan(units: &[(i64, String)], frame: &[FrameItem], params: &DrawParams) -> Result<DrawPlan, SamplingError> {
    let mut per_unit: Vec<Vec<&FrameItem>> = units.iter().map(|_| Vec::new()).collect();
    for item in frame {
        if let Some(i) = units.iter().position(|(id, _)| *id == item.unit) {
            per_unit[i].push(item);
        }
    }
    let counts: Vec<u64> = per_unit.iter().map(|items| items.len() as u64).collect();
    let shares = allocate(params.total, &counts, params.minimum)?;
    let mut digest = Sha256::new();
    let mut picks = Vec::new();
    for (((unit, code), items), share) in units.iter().zip(&mut per_unit).zip(&shares) {
        let strata: Vec<(String, Vec<&FrameItem>)> = match params.strata {
            Strata::Unit => {
                items.sort_by(|a, b| a.dossier_code.as_bytes().cmp(b.dossier_code.as_bytes()));
                vec![(code.clone(), std::mem::take(items))]
            }
            Strata::Field => {
                items.sort_by(|a, b| (a.field.as_bytes(), a.dossier_code.as_bytes()).cmp(&(b.field.as_bytes(), b.dossier_code.as_bytes())));
                let mut groups: Vec<(String, Vec<&FrameItem>)> = Vec::new();
                for item in items.iter() {
                    match groups.last_mut() {
                        Some((field, group)) if *field == item.field => group.push(item),
                        _ => groups.push((item.field.clone(), vec![item])),
                    }
                }
                groups.into_iter().map(|(field, group)| (format!("{code}/{field}"), group)).collect()
            }
        };
        let sizes: Vec<u64> = strata.iter().map(|(_, group)| group.len() as u64).collect();
        let stratum_shares = allocate(*share, &sizes, 0)?;
        for ((name, group), quota) in strata.iter().zip(stratum_shares) {
            for item in group.iter() {
                digest.update(name.as_bytes());
                digest.update(b"\t");
                digest.update(item.dossier_code.as_bytes());
                digest.update(b"\n");
            }
            let keep = quota.saturating_mul(1 + params.reserves_per_sample).min(group.len() as u64) as usize;
            for (rank, index) in draw_stratum(params.seed, name, group.len()).into_iter().take(keep).enumerate() {
                picks.push(Pick { id: group[index].id, unit: *unit, stratum: name.clone(), rank: rank as u64, selected: (rank as u64) < quota });
            }
        }
    }
    let quotas = units
        .iter()
        .zip(counts.iter().zip(&shares))
        .map(|((unit, _), (dossiers, allocated))| Quota { unit: *unit, dossiers: *dossiers, allocated: *allocated })
        .collect();
    Ok(DrawPlan { quotas, picks, frame_size: counts.iter().sum(), frame_digest: hex(&digest.finalize()) })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(per_unit: &[(i64, &[&str])]) -> Vec<FrameItem> {
        let mut id = 0;
        let mut items = Vec::new();
        for (unit, fields) in per_unit {
            for field in *fields {
                id += 1;
                items.push(FrameItem { id, unit: *unit, field: field.to_string(), dossier_code: format!("HS-{id:05}") });
            }
        }
        items
    }

    fn params(total: u64, strata: Strata, seed: u64) -> DrawParams {
        DrawParams { total, minimum: 0, strata, reserves_per_sample: 1, seed }
    }

    #[test]
    fn quotas_follow_the_allocation_and_reserves_follow_the_sample() {
        let units = vec![(1, "A".to_string()), (2, "B".to_string()), (3, "C".to_string())];
        let items = frame(&[(1, &["x"; 60]), (2, &["x"; 30]), (3, &["x"; 10])]);
        let plan = plan(&units, &items, &params(10, Strata::Unit, 5)).unwrap();
        let allocated: Vec<u64> = plan.quotas.iter().map(|q| q.allocated).collect();
        assert_eq!(allocated, vec![6, 3, 1]);
        assert_eq!(plan.frame_size, 100);
        for (unit, quota) in [(1, 6), (2, 3), (3, 1)] {
            let selected = plan.picks.iter().filter(|p| p.unit == unit && p.selected).count();
            let reserves = plan.picks.iter().filter(|p| p.unit == unit && !p.selected).count();
            assert_eq!((selected, reserves), (quota, quota), "unit {unit}");
        }
        // Everything drawn belongs to its unit.
        assert!(plan.picks.iter().all(|p| items.iter().any(|i| i.id == p.id && i.unit == p.unit)));
    }

    #[test]
    fn field_strata_share_a_units_quota() {
        let units = vec![(1, "A".to_string())];
        let items = frame(&[(1, &["Hộ tịch", "Hộ tịch", "Hộ tịch", "Đất đai", "Đất đai"])]);
        let plan = plan(&units, &items, &params(2, Strata::Field, 1)).unwrap();
        let strata: Vec<&str> = plan.picks.iter().filter(|p| p.selected).map(|p| p.stratum.as_str()).collect();
        // 2 over 3 and 2 → 1.2 and 0.8: one each, the larger remainder taking the second.
        assert_eq!(strata.len(), 2);
        assert!(strata.contains(&"A/Hộ tịch") && strata.contains(&"A/Đất đai"), "{strata:?}");
    }

    #[test]
    fn the_listing_order_of_the_frame_does_not_matter() {
        let units = vec![(1, "A".to_string()), (2, "B".to_string())];
        let items = frame(&[(1, &["x"; 40]), (2, &["y"; 25])]);
        let mut reversed = items.clone();
        reversed.reverse();
        let p = params(12, Strata::Unit, 2026);
        assert_eq!(plan(&units, &items, &p).unwrap(), plan(&units, &reversed, &p).unwrap());
        assert_ne!(plan(&units, &items, &p).unwrap().picks, plan(&units, &items, &params(12, Strata::Unit, 2027)).unwrap().picks);
    }

    proptest! {
        #[test]
        fn a_draw_takes_each_quota_exactly_without_repeats(
            sizes in prop::collection::vec(0usize..80, 1..8),
            share in 0.0f64..=1.0,
            seed in any::<u64>(),
            by_field in any::<bool>(),
        ) {
            let units: Vec<(i64, String)> = (0..sizes.len()).map(|i| (i as i64 + 1, format!("U{i}"))).collect();
            let mut items = Vec::new();
            for (u, size) in sizes.iter().enumerate() {
                for k in 0..*size {
                    let id = items.len() as i64 + 1;
                    items.push(FrameItem { id, unit: u as i64 + 1, field: format!("F{}", k % 3), dossier_code: format!("D{id}") });
                }
            }
            let total = (items.len() as f64 * share) as u64;
            let strata = if by_field { Strata::Field } else { Strata::Unit };
            let plan = plan(&units, &items, &params(total, strata, seed)).unwrap();
            prop_assert_eq!(plan.picks.iter().filter(|p| p.selected).count() as u64, total);
            for quota in &plan.quotas {
                let selected = plan.picks.iter().filter(|p| p.unit == quota.unit && p.selected).count() as u64;
                prop_assert_eq!(selected, quota.allocated);
            }
            let mut ids: Vec<i64> = plan.picks.iter().map(|p| p.id).collect();
            ids.sort_unstable();
            ids.dedup();
            prop_assert_eq!(ids.len(), plan.picks.len());
        }
    }
}
