//! What one response adds to the aggregate counters. The same function feeds the incremental
//! counters at ingest and the recount from raw responses, so the two can only agree.
//!
//! Counters are kept per cell (survey, unit, month, channel, staff) as one dense vector: one
//! count per key of the questionnaire version's [`Layout`]. A province-wide dashboard then reads
//! a few thousand small vectors instead of millions of (question, option) rows.

use std::collections::HashMap;

use super::answers::{Answer, Answers};
use super::schema::{QuestionKind, Questionnaire};

/// The counter key of the response itself: (no question, no option).
pub const RESPONSE: (&str, &str) = ("", "");

/// Calls `key` with each (question, option) counter one response increments, the response
/// counter first. Choice questions count their options; matrix rows count as `QUESTION/ROW`;
/// other questions count that they were answered (empty option).
fn each_key(form: &Questionnaire, answers: &Answers, mut key: impl FnMut(&str, &str)) {
    key(RESPONSE.0, RESPONSE.1);
    let mut row_key = String::new();
    for (_, question) in form.questions() {
        let Some(answer) = answers.get(&question.code) else { continue };
        let code = question.code.as_str();
        match (&question.kind, answer) {
            (QuestionKind::SingleChoice { .. } | QuestionKind::Likert { .. }, Answer::Text(option)) => key(code, option),
            (QuestionKind::MultipleChoice { .. }, Answer::List(options)) => {
                key(code, "");
                options.iter().for_each(|o| key(code, o));
            }
            (QuestionKind::Matrix { .. }, Answer::Map(rows)) => {
                for (row, point) in rows {
                    row_key.clear();
                    row_key.push_str(code);
                    row_key.push('/');
                    row_key.push_str(row);
                    key(&row_key, point);
                }
            }
            _ => key(code, ""),
        }
    }
}

/// Every key [`each_key`] can produce for a questionnaire, in a fixed order: the position of a
/// counter in a cell's vector. Its fingerprint is stored with each cell, so a cell written under
/// another layout is refused rather than misread.
#[derive(Clone, Debug)]
pub struct Layout {
    keys: Vec<(String, String)>,
    /// Question → option → position: looked up by `&str`, with nothing to allocate.
    index: HashMap<String, HashMap<String, usize>>,
    fingerprint: i64,
}

/// A key that the questionnaire cannot produce: the answers were not validated against it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("câu trả lời không khớp phiếu: {0}/{1}")]
pub struct UnknownKey(pub String, pub String);

impl Layout {
    pub fn of(form: &Questionnaire) -> Self {
        let mut keys = vec![(RESPONSE.0.to_string(), RESPONSE.1.to_string())];
        for (_, question) in form.questions() {
            let code = &question.code;
            match &question.kind {
                QuestionKind::SingleChoice { options } | QuestionKind::Likert { scale: options } => {
                    keys.extend(options.iter().map(|o| (code.clone(), o.code.clone())));
                }
                QuestionKind::MultipleChoice { options, .. } => {
                    keys.push((code.clone(), String::new()));
                    keys.extend(options.iter().map(|o| (code.clone(), o.code.clone())));
                }
                QuestionKind::Matrix { rows, scale } => {
                    for row in rows {
                        keys.extend(scale.iter().map(|p| (format!("{code}/{}", row.code), p.code.clone())));
                    }
                }
                _ => keys.push((code.clone(), String::new())),
            }
        }
        let mut index: HashMap<String, HashMap<String, usize>> = HashMap::new();
        for (i, (question, option)) in keys.iter().enumerate() {
            index.entry(question.clone()).or_default().insert(option.clone(), i);
        }
        Self { fingerprint: fingerprint(&keys), keys, index }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn fingerprint(&self) -> i64 {
        self.fingerprint
    }

    pub fn keys(&self) -> &[(String, String)] {
        &self.keys
    }

    pub fn position(&self, question: &str, option: &str) -> Option<usize> {
        self.index.get(question)?.get(option).copied()
    }

    /// The positions of the counters a response increments.
    pub fn positions(&self, form: &Questionnaire, answers: &Answers) -> Result<Vec<u32>, UnknownKey> {
        let mut positions = Vec::new();
        let mut unknown = None;
        each_key(form, answers, |question, option| match self.position(question, option) {
            Some(p) => positions.push(p as u32),
            None => {
                unknown.get_or_insert_with(|| UnknownKey(question.to_string(), option.to_string()));
            }
        });
        unknown.map_or(Ok(positions), Err)
    }
}

/// FNV-1a over the keys: stable across builds and platforms, unlike the standard hasher.
fn fingerprint(keys: &[(String, String)]) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (question, option) in keys {
        for byte in question.bytes().chain([0x1f]).chain(option.bytes()).chain([0x1e]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash as i64
}

/// Counters of one layout, summed over any number of cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts(Vec<u64>);

/// The counts of the responses to one survey for one unit in one month, through one channel,
/// at one counter officer's desk (empty when none): what every figure is summed from.
#[derive(Clone, Debug)]
pub struct Cell {
    pub survey_id: i64,
    pub unit_id: crate::units::UnitId,
    pub month: crate::calendar::Month,
    pub channel: super::Channel,
    pub staff: String,
    pub counts: std::sync::Arc<Counts>,
}

/// A stored cell that cannot be read: wrong length or a count beyond what a cell may hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("ô số liệu hỏng hoặc khác cấu trúc phiếu; hãy chạy `thuocdo recompute`")]
pub struct BadCell;

impl Counts {
    pub fn zero(layout: &Layout) -> Self {
        Self(vec![0; layout.len()])
    }

    /// Adds one response's positions.
    pub fn add_positions(&mut self, positions: &[u32]) {
        for p in positions {
            self.0[*p as usize] += 1;
        }
    }

    /// Adds a stored cell (little-endian u32 per key).
    pub fn add_encoded(&mut self, bytes: &[u8]) -> Result<(), BadCell> {
        if bytes.len() != self.0.len() * 4 {
            return Err(BadCell);
        }
        for (count, chunk) in self.0.iter_mut().zip(bytes.chunks_exact(4)) {
            *count += u64::from(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
        }
        Ok(())
    }

    /// Takes one response's positions out again (a response excluded after review); refuses
    /// to go below zero, which would mean the response was never counted here.
    pub fn remove_positions(&mut self, positions: &[u32]) -> Result<(), BadCell> {
        for p in positions {
            let count = self.0.get_mut(*p as usize).ok_or(BadCell)?;
            *count = count.checked_sub(1).ok_or(BadCell)?;
        }
        Ok(())
    }

    pub fn add(&mut self, other: &Counts) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a += b;
        }
    }

    /// The stored form of one cell.
    pub fn encode(&self) -> Result<Vec<u8>, BadCell> {
        let mut bytes = Vec::with_capacity(self.0.len() * 4);
        for count in &self.0 {
            bytes.extend_from_slice(&u32::try_from(*count).map_err(|_| BadCell)?.to_le_bytes());
        }
        Ok(bytes)
    }

    pub fn get(&self, position: usize) -> u64 {
        self.0[position]
    }

    /// Responses counted.
    pub fn responses(&self) -> u64 {
        self.0.first().copied().unwrap_or(0)
    }

    pub fn as_slice(&self) -> &[u64] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sipas::sipas_2017;

    fn sample() -> Answers {
        [
            ("DV".to_string(), Answer::Text("28101".into())),
            ("TC1".to_string(), Answer::Text("co".into())),
            ("TC_KV".to_string(), Answer::List(vec!["TC1".into(), "TC3".into()])),
            ("HL_CHUNG".to_string(), Answer::Text("5".into())),
        ]
        .into()
    }

    #[test]
    fn counts_options_rows_and_answers() {
        let mut keys = Vec::new();
        each_key(&sipas_2017(), &sample(), |question, option| keys.push((question.to_string(), option.to_string())));
        let expected: Vec<(String, String)> = [("", ""), ("DV", ""), ("TC1", "co"), ("TC_KV", ""), ("TC_KV", "TC1"), ("TC_KV", "TC3"), ("HL_CHUNG", "5")]
            .iter()
            .map(|(q, o)| (q.to_string(), o.to_string()))
            .collect();
        assert_eq!(keys, expected);
    }

    #[test]
    fn the_layout_holds_every_key_and_cells_round_trip() {
        let form = sipas_2017();
        let layout = Layout::of(&form);
        let positions = layout.positions(&form, &sample()).unwrap();
        let mut counts = Counts::zero(&layout);
        counts.add_positions(&positions);
        counts.add_positions(&positions);
        let mut back = Counts::zero(&layout);
        back.add_encoded(&counts.encode().unwrap()).unwrap();
        assert_eq!(back, counts);
        assert_eq!(back.responses(), 2);
        assert_eq!(back.get(layout.position("TC_KV", "TC3").unwrap()), 2);
        assert_eq!(back.get(layout.position("TC2", "co").unwrap()), 0);
        assert!(back.add_encoded(&[1, 2, 3]).is_err(), "a cell of another length is refused");
        let unchecked: Answers = [("TC1".to_string(), Answer::Text("maybe".into()))].into();
        assert_eq!(layout.positions(&form, &unchecked), Err(UnknownKey("TC1".into(), "maybe".into())));
    }

    #[test]
    fn the_fingerprint_is_fixed_for_a_layout() {
        // Stored cells carry this number: a change here makes every stored cell unreadable
        // until `thuocdo recompute` rebuilds them.
        assert_eq!(Layout::of(&sipas_2017()).fingerprint(), Layout::of(&sipas_2017()).fingerprint());
        let mut other = sipas_2017();
        other.sections.pop();
        assert_ne!(Layout::of(&other).fingerprint(), Layout::of(&sipas_2017()).fingerprint());
    }
}
