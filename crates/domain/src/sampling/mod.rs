//! Sampling (METHODOLOGY §1.4): the sample size for a frame, the allocation of a total sample to
//! units in proportion to their dossiers (largest remainder, a minimum per unit), and a draw that
//! is the same for the same frame, seed and size.

pub mod draw;
pub mod frame;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SamplingError {
    #[error("Sai số phải lớn hơn 0 và nhỏ hơn 1 (ví dụ 0,05).")]
    BadMargin,
    #[error("Cỡ mẫu ({total}) lớn hơn số hồ sơ của khung mẫu ({frame}).")]
    LargerThanFrame { total: u64, frame: u64 },
    #[error("Mức tối thiểu {minimum} cho {units} đơn vị cần {needed} phiếu, nhiều hơn cỡ mẫu {total}.")]
    MinimumTooLarge { minimum: u64, units: usize, needed: u64, total: u64 },
}

/// n = N / (1 + N·e²), rounded up: the sample that estimates a share within ±e at 95 %.
pub fn sample_size(population: u64, margin: f64) -> Result<u64, SamplingError> {
    if !(margin > 0.0 && margin < 1.0) {
        return Err(SamplingError::BadMargin);
    }
    let n = population as f64;
    // Rounded to 9 digits first, so that an exact quotient is not pushed up by float error.
    let exact = n / (1.0 + n * margin * margin);
    Ok(((exact * 1e9).round() / 1e9).ceil() as u64)
}

/// How many of `total` each unit gets, in the order given: proportional to its dossiers, at least
/// `minimum` (or all its dossiers, if fewer), never more than its dossiers, summing to `total`
/// exactly. Fractions go by largest remainder; equal remainders to the unit listed first.
pub fn allocate(total: u64, dossiers: &[u64], minimum: u64) -> Result<Vec<u64>, SamplingError> {
    let frame: u64 = dossiers.iter().sum();
    if total > frame {
        return Err(SamplingError::LargerThanFrame { total, frame });
    }
    let floor_of = |d: u64| minimum.min(d);
    let needed: u64 = dossiers.iter().map(|d| floor_of(*d)).sum();
    if needed > total {
        let units = dossiers.iter().filter(|d| **d > 0).count();
        return Err(SamplingError::MinimumTooLarge { minimum, units, needed, total });
    }
    // Units whose proportional share falls under their floor are fixed at the floor; the rest is
    // shared again among the others, until no share falls under its floor.
    let mut fixed: Vec<Option<u64>> = vec![None; dossiers.len()];
    loop {
        let free_total = total - fixed.iter().flatten().sum::<u64>();
        let free_dossiers: u64 = dossiers.iter().zip(&fixed).filter(|(_, f)| f.is_none()).map(|(d, _)| d).sum();
        let mut changed = false;
        for (i, d) in dossiers.iter().enumerate() {
            if fixed[i].is_none() && (free_total as u128 * *d as u128) < (floor_of(*d) as u128 * free_dossiers as u128) {
                fixed[i] = Some(floor_of(*d));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let free_total = total - fixed.iter().flatten().sum::<u64>();
    let free_dossiers: u64 = dossiers.iter().zip(&fixed).filter(|(_, f)| f.is_none()).map(|(d, _)| d).sum();
    // Exact integer arithmetic: quota = free_total · d / free_dossiers.
    let mut shares: Vec<u64> = Vec::with_capacity(dossiers.len());
    let mut remainders: Vec<(u128, usize)> = Vec::new();
    for (i, d) in dossiers.iter().enumerate() {
        match fixed[i] {
            Some(f) => shares.push(f),
            None if free_dossiers == 0 => shares.push(0),
            None => {
                let product = free_total as u128 * *d as u128;
                shares.push((product / free_dossiers as u128) as u64);
                remainders.push((product % free_dossiers as u128, i));
            }
        }
    }
    let mut left = total - shares.iter().sum::<u64>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        if shares[i] < dossiers[i] {
            shares[i] += 1;
            left -= 1;
        }
    }
    Ok(shares)
}

/// SplitMix64: a small generator whose numbers are the same on every machine and version, for
/// draws that must be repeatable (and for generated demo data).
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..bound, without modulo bias.
    pub fn below(&mut self, bound: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % bound;
            }
        }
    }
}

/// The order in which a frame of `size` entries is drawn with `seed`: the first n are the
/// sample, the ones after them the replacements, in turn. The same seed and size always give
/// the same order (a Fisher–Yates shuffle driven by SplitMix64).
pub fn draw_order(size: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..size).collect();
    let mut rng = SplitMix(seed);
    for i in (1..size).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

/// The seed of one stratum (a unit, or a unit's field) of a draw: the draw's seed mixed with the
/// stratum's name, so that a stratum's draw does not change when others join or leave the frame.
pub fn stratum_seed(seed: u64, stratum: &str) -> u64 {
    // FNV-1a of the name: fixed for ever, like the generator.
    let name = stratum.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3));
    SplitMix(seed ^ name).next_u64()
}

/// A stratum's draw order: its entries are listed in a fixed order (the frame snapshot's), the
/// first `quota` of the result are the sample and the rest replacements in turn.
pub fn draw_stratum(seed: u64, stratum: &str, size: usize) -> Vec<usize> {
    draw_order(size, stratum_seed(seed, stratum))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sample_size_by_the_formula() {
        // 10,000 / (1 + 10,000 · 0.0025) = 384.6… → 385.
        assert_eq!(sample_size(10_000, 0.05), Ok(385));
        // 1,000 / 3.5 = 285.7… → 286; 400 / 2 = 200 exactly.
        assert_eq!(sample_size(1_000, 0.05), Ok(286));
        assert_eq!(sample_size(400, 0.05), Ok(200));
        assert_eq!(sample_size(0, 0.05), Ok(0));
        assert_eq!(sample_size(1_000_000, 0.03), Ok(1_110));
        assert_eq!(sample_size(10, 0.0), Err(SamplingError::BadMargin));
        assert_eq!(sample_size(10, 1.5), Err(SamplingError::BadMargin));
    }

    #[test]
    fn largest_remainder_by_hand() {
        // 10 over 5, 3, 2 dossiers of 10: exactly 5, 3, 2.
        assert_eq!(allocate(10, &[5, 3, 2], 0), Ok(vec![5, 3, 2]));
        // 7 over 1, 1, 1: quotas 2⅓ each → 2, 2, 2 and the one left to the first.
        assert_eq!(allocate(7, &[10, 10, 10], 0), Ok(vec![3, 2, 2]));
        // 100 over 600, 300, 100 → 60, 30, 10.
        assert_eq!(allocate(100, &[600, 300, 100], 0), Ok(vec![60, 30, 10]));
        // Quotas 14.6, 4.9, 0.5 with a minimum of 3: the small unit gets 3, the 17 left are
        // shared 600:200 → 12.75 and 4.25 → 13, 4.
        assert_eq!(allocate(20, &[600, 200, 20], 3), Ok(vec![13, 4, 3]));
        // A unit with fewer dossiers than the minimum gives all it has; one with none, nothing.
        assert_eq!(allocate(20, &[600, 200, 2, 0], 3), Ok(vec![14, 4, 2, 0]));
    }

    #[test]
    fn impossible_requests_are_told() {
        assert_eq!(allocate(11, &[5, 5], 0), Err(SamplingError::LargerThanFrame { total: 11, frame: 10 }));
        assert!(matches!(allocate(5, &[100, 100, 100], 2), Err(SamplingError::MinimumTooLarge { needed: 6, .. })));
        assert_eq!(allocate(0, &[], 0), Ok(vec![]));
    }

    #[test]
    fn the_same_seed_draws_the_same() {
        assert_eq!(draw_order(10, 42), draw_order(10, 42));
        assert_ne!(draw_order(10, 42), draw_order(10, 43));
        // Fixed for ever: a recorded draw must replay to the same people.
        assert_eq!(draw_order(8, 2026)[..4], draw_order(8, 2026)[..4]);
        assert!(draw_order(0, 1).is_empty());
    }

    #[test]
    fn strata_draw_independently() {
        assert_eq!(draw_stratum(7, "28101", 50), draw_stratum(7, "28101", 50));
        assert_ne!(draw_stratum(7, "28101", 50), draw_stratum(7, "28102", 50));
        assert_ne!(stratum_seed(7, "a"), stratum_seed(8, "a"));
    }

    proptest! {
        #[test]
        fn allocations_add_up_and_respect_floors_and_frames(
            dossiers in prop::collection::vec(0u64..5_000, 1..40),
            share in 0.0f64..=1.0,
            minimum in 0u64..20,
        ) {
            let frame: u64 = dossiers.iter().sum();
            let total = (frame as f64 * share) as u64;
            match allocate(total, &dossiers, minimum) {
                Ok(shares) => {
                    prop_assert_eq!(shares.iter().sum::<u64>(), total);
                    for (s, d) in shares.iter().zip(&dossiers) {
                        prop_assert!(s <= d);
                        prop_assert!(*s >= minimum.min(*d));
                    }
                }
                Err(SamplingError::MinimumTooLarge { needed, .. }) => prop_assert!(needed > total),
                Err(e) => prop_assert!(false, "{e}"),
            }
        }

        #[test]
        fn without_a_minimum_shares_are_within_one_of_their_quota(dossiers in prop::collection::vec(1u64..1_000, 1..30), total in 0u64..500) {
            let frame: u64 = dossiers.iter().sum();
            let total = total.min(frame);
            let shares = allocate(total, &dossiers, 0).unwrap();
            for (s, d) in shares.iter().zip(&dossiers) {
                let quota = total as f64 * *d as f64 / frame as f64;
                prop_assert!((*s as f64 - quota).abs() < 1.0 + 1e-9, "{s} vs {quota}");
            }
        }

        #[test]
        fn a_draw_order_is_a_permutation(size in 0usize..300, seed in any::<u64>()) {
            let mut order = draw_order(size, seed);
            order.sort_unstable();
            prop_assert_eq!(order, (0..size).collect::<Vec<_>>());
        }
    }
}
