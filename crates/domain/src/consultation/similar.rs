//! Near-duplicate comments (campaigns, copy and paste): MinHash over the folded text's word
//! triples, and locality-sensitive bands to find the few earlier comments worth comparing.
//!
//! Two comments' signatures agree in a slot with the probability that equals the Jaccard
//! similarity of their triples, so the share of agreeing slots estimates it. A comment whose
//! estimate with an earlier one reaches [`SAME_POSITION`] joins that one's group. The hashes are
//! written here (FNV-1a and SplitMix64), never taken from the standard library, because
//! signatures and bands are stored and must mean the same after an upgrade.

use crate::sampling::SplitMix;
use crate::text;

/// Slots in a signature.
pub const SLOTS: usize = 64;
/// Bands of [`ROWS`] slots: two comments whose triples are half shared meet in some band with
/// probability 1 − (1 − 0,5⁴)¹⁶ ≈ 0,64; at 0,7 shared, 0,99; at 0,3, 0,12.
pub const BANDS: usize = 16;
const ROWS: usize = SLOTS / BANDS;
/// The estimated similarity from which two comments are one position.
pub const SAME_POSITION: f64 = 0.5;

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

    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != SLOTS * 4 {
            return None;
        }
        let mut slots = [0u32; SLOTS];
        for (slot, chunk) in slots.iter_mut().zip(bytes.chunks_exact(4)) {
            *slot = u32::from_le_bytes(chunk.try_into().ok()?);
        }
        Some(Self(slots))
    }
}

/// An earlier comment met in a shared band.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub group: i64,
    pub signature: Signature,
}

/// The group a new comment joins: the oldest (lowest id) of the candidates' groups that it
/// resembles at or above [`SAME_POSITION`], or none (it starts its own). The oldest, rather than
/// the most similar: a campaign's first group gathers its copies, and a copy edited further
/// than the rest joins it through any copy it resembles instead of starting a rival group.
pub fn group_for(signature: &Signature, candidates: &[Candidate]) -> Option<i64> {
    candidates.iter().filter(|c| signature.similarity(&c.signature) >= SAME_POSITION).map(|c| c.group).min()
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
    fn signatures_are_stable_and_survive_storage() {
        let signature = Signature::of("Đồng ý với dự thảo");
        assert_eq!(Signature::from_bytes(&signature.to_bytes()), Some(signature.clone()));
        assert_eq!(Signature::from_bytes(&[0; 3]), None);
        // Stored signatures must mean the same after an upgrade: a fixed value guards the hashes.
        assert_eq!(signature.bands()[0], Signature::of("dong y voi du thao").bands()[0]);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_comment_joins_the_oldest_group_it_resembles() {
        let me = Signature::of(CAMPAIGN);
        let near = Candidate { group: 7, signature: Signature::of(&CAMPAIGN.replace("hộ kinh doanh", "hộ gia đình")) };
        let same = Candidate { group: 3, signature: Signature::of(CAMPAIGN) };
        let far = Candidate { group: 1, signature: Signature::of("Cần công khai danh sách hồ sơ trễ hẹn hằng tháng") };
        assert_eq!(group_for(&me, &[near.clone(), same, far.clone()]), Some(3));
        assert_eq!(group_for(&me, std::slice::from_ref(&far)), None);
        assert_eq!(group_for(&me, std::slice::from_ref(&near)), Some(7));
        let older_near = Candidate { group: 2, ..near };
        assert_eq!(group_for(&me, &[older_near, far]), Some(2), "the oldest it resembles, not the most similar");
    }
}
