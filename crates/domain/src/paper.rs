//! Paper questionnaires keyed in by clerks (SPEC §3.1): each form has a serial number; in double
//! entry two clerks key every form and only agreeing entries go in, differences wait for a
//! supervisor; with a verification sample only the forms drawn for it are keyed twice.

use serde::{Deserialize, Serialize};

use crate::surveys::Answers;

/// How a survey's paper forms are checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum PaperMode {
    /// Every form keyed by two clerks.
    #[default]
    Double,
    /// Only this share of forms (in percent), drawn by serial number, keyed twice.
    Sample { percent: u8 },
}

impl PaperMode {
    /// Whether the form needs a second keying. `draw` is a number in 0..100 fixed for the form's
    /// serial and unknown to clerks (a keyed hash), so that nobody knows which forms are checked.
    pub fn needs_second_entry(self, draw: u8) -> bool {
        match self {
            Self::Double => true,
            Self::Sample { percent } => draw < percent,
        }
    }

    pub fn label(self) -> String {
        match self {
            Self::Double => "Nhập hai lần mọi phiếu".into(),
            Self::Sample { percent } => format!("Nhập lại {percent} % số phiếu để kiểm tra"),
        }
    }
}

/// A valid serial number as printed on a form: 1 to 20 letters, digits, `-` or `/`.
pub fn is_serial(serial: &str) -> bool {
    (1..=20).contains(&serial.len()) && serial.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/'))
}

/// The questions two keyings of one form answer differently (either side may lack one).
pub fn differences(first: &Answers, second: &Answers) -> Vec<String> {
    let mut codes: Vec<&String> = first.keys().chain(second.keys()).collect();
    codes.sort();
    codes.dedup();
    codes.into_iter().filter(|code| first.get(*code) != second.get(*code)).cloned().collect()
}

/// The reconciled form: for each differing question, the version the supervisor chose (`true`:
/// the second keying); agreeing questions as keyed.
pub fn reconcile(first: &Answers, second: &Answers, take_second: &[(String, bool)]) -> Answers {
    let mut merged = first.clone();
    for (code, from_second) in take_second {
        let chosen = if *from_second { second.get(code) } else { first.get(code) };
        match chosen {
            Some(answer) => merged.insert(code.clone(), answer.clone()),
            None => merged.remove(code),
        };
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::Answer;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs.iter().map(|(k, v)| (k.to_string(), Answer::Text(v.to_string()))).collect()
    }

    #[test]
    fn differences_and_their_reconciliation() {
        let a = answers(&[("Q1", "1"), ("Q2", "2"), ("Q3", "3")]);
        let b = answers(&[("Q1", "1"), ("Q2", "4"), ("Q4", "5")]);
        assert_eq!(differences(&a, &b), vec!["Q2", "Q3", "Q4"]);
        assert!(differences(&a, &a).is_empty());
        let merged = reconcile(&a, &b, &[("Q2".into(), true), ("Q3".into(), false), ("Q4".into(), true)]);
        assert_eq!(merged, answers(&[("Q1", "1"), ("Q2", "4"), ("Q3", "3"), ("Q4", "5")]));
        let without = reconcile(&a, &b, &[("Q3".into(), true)]);
        assert!(!without.contains_key("Q3"), "the second keying left Q3 blank");
    }

    #[test]
    fn modes_and_serials() {
        assert!(PaperMode::Double.needs_second_entry(99));
        assert!(PaperMode::Sample { percent: 10 }.needs_second_entry(9));
        assert!(!PaperMode::Sample { percent: 10 }.needs_second_entry(10));
        assert!(!PaperMode::Sample { percent: 0 }.needs_second_entry(0));
        assert!(is_serial("000123") && is_serial("AL-2026/15"));
        assert!(!is_serial("") && !is_serial("số 1") && !is_serial(&"9".repeat(21)));
    }
}
