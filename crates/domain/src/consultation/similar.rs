//! Near-duplicate comments (campaigns, copy and paste): MinHash over the folded text's word
//! triples, and locality-sensitive bands to find the few earlier comments worth comparing.
//!
//! Two comments' signatures agree in a slot with the probability that equals the Jaccard
//! similarity of their triples, so the share of agreeing slots estimates it. A comment whose
//! estimate with an earlier one reaches [`SAME_POSITION`] joins that one's group. The hashes are
//! written here (FNV-1a and SplitMix64), never taken from the standard library, because
//! signatures and bands are stored and must mean the same after an upgrade.

use std::collections::HashMap;

use crate::sampling::SplitMix;
use crate::text;

/// Slots in a signature.
pub const SLOTS: usize = 64;
/// Bands of [`ROWS`] slots: two comments whose triples are half shared meet in some band with
/// probability 1 − (1 − 0,5⁴)¹⁶ ≈ 0,64; at 0,7 shared, 0,99; at 0,3, 0,12.
pub const BANDS: usize = 16;
const ROWS: usize = SLOTS / BANDS;
/// The estimated similarity to a position's first comment from which a comment joins it.
pub const SAME_POSITION: f64 = 0.4;

/// The MinHash of one comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature(pub [u32; SLOTS]);

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The 64-bit mix of SplitMix64: one step of the generator seeded with `x`.
fn splitmix(x: u64) -> u64 {
    SplitMix(x).next_u64()
}

/// The words of a comment as compared: folded (no case, no tones), letters and digits only.
fn words(comment: &str) -> Vec<String> {
    text::fold(comment).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

impl Signature {
    /// The signature of a comment's text; a text of fewer than three words is one triple.
    pub fn of(comment: &str) -> Self {
        let words = words(comment);
        let triples: Vec<u64> =
            if words.len() < 3 { vec![fnv1a(words.join(" ").as_bytes())] } else { words.windows(3).map(|w| fnv1a(w.join(" ").as_bytes())).collect() };
        let mut slots = [u32::MAX; SLOTS];
        for triple in triples {
            for (slot, min) in slots.iter_mut().enumerate() {
                // The slot's own permutation: the triple's hash mixed with the slot's seed.
                let value = splitmix(triple ^ (slot as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) as u32;
                *min = (*min).min(value);
            }
        }
        Self(slots)
    }

    /// The estimated Jaccard similarity of the two comments' triples, 0 to 1.
    pub fn similarity(&self, other: &Self) -> f64 {
        let same = self.0.iter().zip(other.0.iter()).filter(|(a, b)| a == b).count();
        same as f64 / SLOTS as f64
    }

    /// One key per band; comments that share a key are compared. The band's number is part of
    /// the key, so all bands can sit in one index.
    pub fn bands(&self) -> [i64; BANDS] {
        let mut keys = [0i64; BANDS];
        for (band, key) in keys.iter_mut().enumerate() {
            let mut bytes = Vec::with_capacity(4 + ROWS * 4);
            bytes.extend_from_slice(&(band as u32).to_le_bytes());
            for value in &self.0[band * ROWS..(band + 1) * ROWS] {
                bytes.extend_from_slice(&value.to_le_bytes());
            }
            *key = fnv1a(&bytes) as i64;
        }
        keys
    }
}

/// The positions met so far, found by the bands of any of their comments, each judged by its
/// first comment (its seed). A comment joins a position only if it resembles the seed: judging
/// by the member met would let a chain of small edits carry a group from one position to
/// another; finding positions through all their members finds a copy edited differently from
/// the seed through the copies it does resemble.
#[derive(Clone, Debug, Default)]
pub struct Seeds {
    by_band: HashMap<i64, Vec<i64>>,
    signatures: HashMap<i64, Signature>,
}

impl Seeds {
    /// A position's seed: `group` is the id of its first comment.
    pub fn add(&mut self, group: i64, signature: Signature) {
        self.reach(group, &signature);
        self.signatures.insert(group, signature);
    }

    /// Makes `group` found through the bands of `signature` (one of its comments).
    pub fn reach(&mut self, group: i64, signature: &Signature) {
        for key in signature.bands() {
            let groups = self.by_band.entry(key).or_default();
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
    }

    /// The position comment `id` takes: the oldest whose seed it resembles at or above
    /// [`SAME_POSITION`], or its own, as the seed of a new one. The second value tells whether
    /// it became a seed.
    pub fn assign(&mut self, id: i64, signature: &Signature) -> (i64, bool) {
        let mut met: Vec<i64> = signature.bands().iter().filter_map(|key| self.by_band.get(key)).flatten().copied().collect();
        met.sort_unstable();
        met.dedup();
        // `met` is in order of age: the oldest position it resembles gathers it, so that a
        // campaign that split early does not keep feeding its second group.
        let found = met.into_iter().find(|group| self.signatures.get(group).is_some_and(|seed| signature.similarity(seed) >= SAME_POSITION));
        match found {
            Some(group) => {
                self.reach(group, signature);
                (group, false)
            }
            None => {
                self.add(id, signature.clone());
                (id, true)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAMPAIGN: &str = "Đề nghị Ban soạn thảo bỏ quy định thu phí thẩm định hồ sơ đối với hộ kinh doanh cá thể vì gây khó khăn \
                            cho người dân ở vùng sâu, vùng xa và không phù hợp với chủ trương cắt giảm chi phí tuân thủ";

    #[test]
    fn copies_with_small_edits_are_similar_and_other_texts_are_not() {
        let original = Signature::of(CAMPAIGN);
        let edited = Signature::of(&CAMPAIGN.replace("vùng sâu, vùng xa", "vung sau vung xa").replace("Đề nghị", "Tôi đề nghị"));
        let other = Signature::of("Điều 3 nên rút ngắn thời hạn trả lời phản ánh xuống còn 03 ngày làm việc để người dân sớm biết kết quả");
        assert_eq!(original.similarity(&Signature::of(&CAMPAIGN.to_uppercase())), 1.0, "case and tones are folded");
        assert!(original.similarity(&edited) >= SAME_POSITION, "{}", original.similarity(&edited));
        assert!(original.similarity(&other) < 0.2);
        assert!(original.bands().iter().zip(edited.bands()).any(|(a, b)| *a == b), "an edited copy meets the original in a band");
    }

    #[test]
    fn signatures_are_stable() {
        let signature = Signature::of("Đồng ý với dự thảo");
        assert_eq!(signature.bands()[0], Signature::of("dong y voi du thao").bands()[0]);
        // Stored band keys must mean the same after an upgrade: a fixed value guards the hashes.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_comment_joins_the_seed_it_resembles_and_chains_do_not_drift() {
        let mut seeds = Seeds::default();
        assert_eq!(seeds.assign(1, &Signature::of(CAMPAIGN)), (1, true), "the first comment seeds its position");
        assert_eq!(seeds.assign(2, &Signature::of(&CAMPAIGN.replace("hộ kinh doanh", "hộ gia đình"))), (1, false));
        let other = "Cần công khai danh sách hồ sơ trễ hẹn hằng tháng trên cổng thông tin của tỉnh để người dân theo dõi";
        assert_eq!(seeds.assign(3, &Signature::of(other)), (3, true));
        assert_eq!(seeds.assign(4, &Signature::of(&CAMPAIGN.to_uppercase())), (1, false));
        // Each step edits a few more words: the later ones no longer resemble the seed and start
        // their own position, however much they resemble the step before.
        let words: Vec<&str> = CAMPAIGN.split(' ').collect();
        let mut last = (0, false);
        for step in 1..=8 {
            let edited: Vec<String> = words.iter().enumerate().map(|(i, w)| if i % 8 < step { format!("khác{i}") } else { w.to_string() }).collect();
            last = seeds.assign(10 + step as i64, &Signature::of(&edited.join(" ")));
        }
        assert!(last.1 && last.0 != 1, "a chain of edits ends in a position of its own: {last:?}");
    }
}
