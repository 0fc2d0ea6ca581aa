//! An evaluation round: the phases set by its deadlines, the approval of a unit's
//! self-assessment, and what may be written when. The server asks these rules on every write,
//! so a deadline locks everything whoever is editing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::points::Points;
use super::tree::Tree;
use crate::text::format_lock;

/// The ends of the phases, as instants (unix milliseconds); each phase runs until its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    /// Units score themselves and their heads approve.
    pub self_assessment: i64,
    /// The council's first round.
    pub appraisal: i64,
    /// Units explain where they disagree.
    pub explanation: i64,
    /// The council's second round: final points, bonus and penalty, survey points.
    pub final_appraisal: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    SelfAssessment,
    Appraisal,
    Explanation,
    FinalAppraisal,
    Closed,
}

impl Phase {
    /// As the API writes it.
    pub fn code(self) -> &'static str {
        match self {
            Self::SelfAssessment => "self_assessment",
            Self::Appraisal => "appraisal",
            Self::Explanation => "explanation",
            Self::FinalAppraisal => "final_appraisal",
            Self::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SelfAssessment => "Tự đánh giá",
            Self::Appraisal => "Thẩm định vòng 1",
            Self::Explanation => "Giải trình",
            Self::FinalAppraisal => "Thẩm định vòng 2",
            Self::Closed => "Đã kết thúc chấm điểm",
        }
    }
}

/// What is written, and so when it may be: each in its own phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The unit's points, notes and evidence.
    SelfAssessment,
    /// The council's first appraisal.
    Appraisal,
    /// The unit's explanation of a difference.
    Explanation,
    /// The council's final points, bonus and penalty.
    FinalAppraisal,
    /// Points taken from a survey result.
    Measured,
}

impl Stage {
    pub const ALL: [Stage; 5] = [Self::SelfAssessment, Self::Appraisal, Self::Explanation, Self::FinalAppraisal, Self::Measured];

    pub fn code(self) -> &'static str {
        match self {
            Self::SelfAssessment => "self",
            Self::Appraisal => "appraisal",
            Self::Explanation => "explanation",
            Self::FinalAppraisal => "final",
            Self::Measured => "measured",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Measured => "Điểm từ điều tra, theo dõi kế hoạch",
            // Each of the others is written in the phase of the same name.
            other => other.phase().label(),
        }
    }

    /// The phase in which this is written (survey points are set with the final appraisal).
    pub fn phase(self) -> Phase {
        match self {
            Self::SelfAssessment => Phase::SelfAssessment,
            Self::Appraisal => Phase::Appraisal,
            Self::Explanation => Phase::Explanation,
            Self::FinalAppraisal | Self::Measured => Phase::FinalAppraisal,
        }
    }
}

impl Deadlines {
    pub fn phase(&self, now: i64) -> Phase {
        if now < self.self_assessment {
            Phase::SelfAssessment
        } else if now < self.appraisal {
            Phase::Appraisal
        } else if now < self.explanation {
            Phase::Explanation
        } else if now < self.final_appraisal {
            Phase::FinalAppraisal
        } else {
            Phase::Closed
        }
    }

    /// When `phase` ends (a closed round, at its last deadline).
    pub fn end_of(&self, phase: Phase) -> i64 {
        match phase {
            Phase::SelfAssessment => self.self_assessment,
            Phase::Appraisal => self.appraisal,
            Phase::Explanation => self.explanation,
            Phase::FinalAppraisal | Phase::Closed => self.final_appraisal,
        }
    }

    /// Whether `stage` may be written at `now`; if not, why, with the deadline in Vietnam time.
    pub fn open_for(&self, stage: Stage, now: i64) -> Result<(), String> {
        let wanted = stage.phase();
        let current = self.phase(now);
        if current == wanted {
            return Ok(());
        }
        let end = self.end_of(wanted);
        if now >= end {
            Err(format!("Đã hết hạn {} ({}); nội dung này không sửa được nữa.", wanted.label().to_lowercase(), format_lock(end)))
        } else {
            Err(format!("Chưa đến giai đoạn {}; hiện là giai đoạn {}.", wanted.label().to_lowercase(), current.label().to_lowercase()))
        }
    }

    pub fn check(&self) -> Result<(), String> {
        let ordered = self.self_assessment < self.appraisal && self.appraisal < self.explanation && self.explanation < self.final_appraisal;
        if ordered {
            Ok(())
        } else {
            Err("Các hạn phải theo thứ tự: tự đánh giá, thẩm định vòng 1, giải trình, thẩm định vòng 2.".into())
        }
    }
}

/// Where a unit's self-assessment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    /// Sent to the head by the official in charge.
    Submitted,
    /// Approved by the head: the unit's self-assessment.
    Approved,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Submit,
    Approve,
    /// The head sends it back to be corrected.
    Return,
}

impl State {
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Draft, Self::Submitted, Self::Approved].into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Đang tự chấm",
            Self::Submitted => "Chờ thủ trưởng phê duyệt",
            Self::Approved => "Thủ trưởng đã phê duyệt",
        }
    }

    pub fn after(self, action: Action) -> Result<State, String> {
        match (self, action) {
            (Self::Draft, Action::Submit) => Ok(Self::Submitted),
            (Self::Submitted, Action::Approve) => Ok(Self::Approved),
            (Self::Submitted, Action::Return) => Ok(Self::Draft),
            (Self::Draft, _) => Err("Bản tự đánh giá chưa được trình thủ trưởng.".into()),
            (Self::Submitted, Action::Submit) => Err("Bản tự đánh giá đã được trình, đang chờ thủ trưởng phê duyệt.".into()),
            (Self::Approved, _) => Err("Bản tự đánh giá đã được phê duyệt.".into()),
        }
    }

    /// Only a draft is edited; a submitted one waits for the head.
    pub fn editable(self) -> Result<(), String> {
        match self {
            Self::Draft => Ok(()),
            Self::Submitted => Err("Bản tự đánh giá đang chờ thủ trưởng phê duyệt; muốn sửa, thủ trưởng cần trả lại.".into()),
            Self::Approved => Err("Bản tự đánh giá đã được phê duyệt, không sửa được nữa.".into()),
        }
    }
}

/// A unit's own entry for one item.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SelfMark {
    pub points: Option<Points>,
    pub note: String,
    /// How many evidence documents are attached.
    pub evidence: usize,
}

/// What keeps a self-assessment from being submitted: items not scored, and items scored
/// without the evidence they require and without an explanation.
pub fn unfinished(tree: &Tree, marks: &BTreeMap<String, SelfMark>) -> Vec<String> {
    let mut problems = Vec::new();
    for (_, _, item) in tree.items().filter(|(_, _, i)| i.self_assessed()) {
        let mark = marks.get(&item.code);
        match mark.and_then(|m| m.points) {
            None => problems.push(format!("Tiêu chí thành phần {} chưa được chấm điểm.", item.code)),
            Some(points) => {
                let explained = mark.is_some_and(|m| m.evidence > 0 || !m.note.trim().is_empty());
                if item.evidence_required && points > Points::ZERO && !explained {
                    problems.push(format!("Tiêu chí thành phần {} chưa có tài liệu kiểm chứng; hãy đính kèm hoặc giải thích.", item.code));
                }
            }
        }
    }
    problems
}

/// Items self-scored per field: (field code, field name, scored, to score).
pub fn progress(tree: &Tree, marks: &BTreeMap<String, SelfMark>) -> Vec<(String, String, usize, usize)> {
    tree.fields
        .iter()
        .map(|f| {
            let items: Vec<_> = f.criteria.iter().flat_map(|c| &c.items).filter(|i| i.self_assessed()).collect();
            let scored = items.iter().filter(|i| marks.get(&i.code).is_some_and(|m| m.points.is_some())).count();
            (f.code.clone(), f.name.clone(), scored, items.len())
        })
        .collect()
}

/// The points of an item that count, from its marks per stage: a survey's when measured by one,
/// otherwise the latest appraisal's, otherwise the unit's own.
pub fn standing(marks: &BTreeMap<Stage, Points>) -> Option<Points> {
    [Stage::Measured, Stage::FinalAppraisal, Stage::Appraisal, Stage::SelfAssessment].into_iter().find_map(|s| marks.get(&s).copied())
}

/// The points that stand for every item and adjustment, from its marks (item, stage, points).
/// An explanation gives words, not points.
pub fn standing_points<'a>(marks: impl IntoIterator<Item = (&'a str, Stage, Points)>) -> BTreeMap<String, Points> {
    let mut by_item: BTreeMap<&str, BTreeMap<Stage, Points>> = BTreeMap::new();
    for (item, stage, points) in marks {
        if stage != Stage::Explanation {
            by_item.entry(item).or_default().insert(stage, points);
        }
    }
    by_item.into_iter().filter_map(|(code, marks)| Some((code.to_string(), standing(&marks)?))).collect()
}
