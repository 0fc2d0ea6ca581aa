//! Quality flags of a response (response control, SPEC §3.1): kept with the response for the
//! reform office to re-check, never a reason on their own to refuse an answer.

use serde::{Deserialize, Serialize};

use super::answers::{Answer, Answers};
use super::schema::{QuestionKind, Questionnaire};

/// Bit set of quality flags as stored with a response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags(pub i64);

impl Flags {
    /// Answered faster than anyone can read the questions.
    pub const SPEEDING: Flags = Flags(1);
    /// Every scale answered with the same point.
    pub const STRAIGHT_LINING: Flags = Flags(2);
    /// The same answers from the same device to the same survey before.
    pub const DUPLICATE: Flags = Flags(4);
    /// One of many responses from one source in a short time.
    pub const BURST: Flags = Flags(8);
    /// Its dossier had an answer to the survey already, by this or another channel.
    pub const REPEAT_DOSSIER: Flags = Flags(16);
    /// The flags that make an answer count towards a burst of suspicious answers.
    pub const SUSPICIOUS: Flags = Flags(Self::DUPLICATE.0 | Self::BURST.0);

    const NAMES: [(Flags, &'static str, &'static str); 5] = [
        (Self::SPEEDING, "speeding", "Trả lời quá nhanh"),
        (Self::STRAIGHT_LINING, "straight_lining", "Chọn cùng một mức cho mọi câu"),
        (Self::DUPLICATE, "duplicate", "Trùng với phiếu đã gửi"),
        (Self::BURST, "burst", "Gửi dồn dập từ một nguồn"),
        (Self::REPEAT_DOSSIER, "repeat_dossier", "Hồ sơ đã có phiếu trả lời"),
    ];

    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    pub fn with(self, other: Flags, on: bool) -> Flags {
        if on { Flags(self.0 | other.0) } else { self }
    }

    pub fn codes(self) -> Vec<&'static str> {
        Self::NAMES.iter().filter(|(f, _, _)| self.contains(*f)).map(|(_, code, _)| *code).collect()
    }

    pub fn labels(self) -> Vec<&'static str> {
        Self::NAMES.iter().filter(|(f, _, _)| self.contains(*f)).map(|(_, _, label)| *label).collect()
    }
}

/// Reading time allowed per answered question before a response counts as speeding.
pub const MIN_MS_PER_ANSWER: i64 = 1_000;

/// Scale answers needed before identical answers count as straight-lining.
pub const STRAIGHT_LINE_MIN_ITEMS: usize = 5;

pub fn is_speeding(duration_ms: i64, answers: &Answers) -> bool {
    duration_ms >= 0 && duration_ms < MIN_MS_PER_ANSWER * answers.len() as i64
}

/// Whether every Likert question and matrix row was answered with the same scale point.
pub fn is_straight_lining(form: &Questionnaire, answers: &Answers) -> bool {
    let mut points: Vec<&str> = Vec::new();
    for (_, question) in form.questions() {
        match (&question.kind, answers.get(&question.code)) {
            (QuestionKind::Likert { .. }, Some(Answer::Text(point))) => points.push(point),
            (QuestionKind::Matrix { .. }, Some(Answer::Map(rows))) => points.extend(rows.values().map(String::as_str)),
            _ => {}
        }
    }
    points.len() >= STRAIGHT_LINE_MIN_ITEMS && points.windows(2).all(|w| w[0] == w[1])
}

/// The flags that can be read off one response alone.
pub fn assess(form: &Questionnaire, answers: &Answers, duration_ms: i64) -> Flags {
    Flags::default().with(Flags::SPEEDING, is_speeding(duration_ms, answers)).with(Flags::STRAIGHT_LINING, is_straight_lining(form, answers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sipas::sipas_2017;

    fn likert_answers(points: [&str; 6]) -> Answers {
        ["TC_HL", "TT_HL", "CC_HL", "KQ_HL", "PA_HL", "HL_CHUNG"].iter().zip(points).map(|(q, p)| (q.to_string(), Answer::Text(p.into()))).collect()
    }

    #[test]
    fn flags_from_one_response() {
        let form = sipas_2017();
        let same = likert_answers(["4"; 6]);
        assert!(is_straight_lining(&form, &same));
        assert!(!is_straight_lining(&form, &likert_answers(["4", "4", "5", "4", "4", "4"])));
        assert!(is_speeding(3_000, &same));
        assert!(!is_speeding(60_000, &same));
        let flags = assess(&form, &same, 3_000);
        assert_eq!(flags.codes(), vec!["speeding", "straight_lining"]);
        assert_eq!(flags.labels()[0], "Trả lời quá nhanh");
        assert!(flags.contains(Flags::SPEEDING) && !flags.contains(Flags::BURST));
    }
}
