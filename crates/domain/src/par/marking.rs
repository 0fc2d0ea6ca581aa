//! Who may write what on a unit's assessment, and when: the unit scores itself and explains,
//! its head approves, the assigned council appraises, the reform office sets measured points,
//! each in its own phase. Storage reads the assessment, asks these rules, and writes what they
//! pass; the assessment page asks the same rules which form and which buttons to offer.

use std::collections::BTreeMap;

use super::evidence;
use super::points::Points;
use super::round::{Action, Deadlines, Phase, SelfMark, Stage, State, unfinished};
use super::scoring::check_points;
use super::tree::Tree;
use crate::auth::{Access, Permission};
use crate::units::UnitId;

/// The longest note kept with a mark.
pub const MAX_NOTE_CHARS: usize = 4000;

/// How the caller stands to an assessment; decides what they see and may do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Viewer {
    /// The reform office: sees everything, sets measured points, assigns the council.
    pub office: bool,
    /// The unit's own officials: self-assess and explain.
    pub unit: bool,
    /// The unit's head: approves or returns.
    pub head: bool,
    /// A council member assigned to this unit: appraises.
    pub council: bool,
    /// A leader of the unit or above: reads everything, writes nothing.
    pub reader: bool,
}

impl Viewer {
    /// How the holder of `access` stands to the unit of the given ancestry (`unit`, parent, …);
    /// `assigned` when they sit on the council for it. None: they may not even see it.
    pub fn of(access: &Access, ancestry: &[UnitId], assigned: bool) -> Option<Self> {
        let viewer = Self {
            office: access.can(Permission::ManagePar, ancestry),
            unit: access.can(Permission::SelfAssess, ancestry),
            head: access.can(Permission::ApproveAssessment, ancestry),
            council: assigned && access.has(Permission::Appraise),
            reader: access.can(Permission::ViewParResults, ancestry),
        };
        (viewer != Self::default()).then_some(viewer)
    }

    pub fn may_write(self, stage: Stage) -> bool {
        match stage {
            Stage::SelfAssessment | Stage::Explanation => self.unit,
            Stage::Appraisal | Stage::FinalAppraisal => self.council,
            Stage::Measured => self.office,
        }
    }

    /// The stage this viewer writes item by item in `phase`, if any (measured points are set
    /// for a whole module at once, not item by item).
    pub fn item_stage(self, phase: Phase) -> Option<Stage> {
        Stage::ALL.into_iter().filter(|s| *s != Stage::Measured).find(|s| s.phase() == phase && self.may_write(*s))
    }

    pub fn may_act(self, action: Action) -> bool {
        match action {
            Action::Submit => self.unit,
            Action::Approve | Action::Return => self.head,
        }
    }
}

/// Why a write is refused. A refusal stops the whole write: nothing of it is kept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Bạn không có quyền thực hiện thao tác này trên bản đánh giá này.")]
    Forbidden,
    /// No such item or document on this assessment.
    #[error("Không tìm thấy mục hoặc tài liệu trên bản đánh giá này.")]
    NotFound,
    /// Not in this phase, or the self-assessment waits for or has the head's approval.
    #[error("{0}")]
    Locked(String),
    /// What was typed breaks a rule; every problem told.
    #[error("{}", .0.join(" "))]
    Invalid(Vec<String>),
}

/// A mark as it will be written: points and a cleaned note for one item at one stage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub item: String,
    pub stage: Stage,
    pub points: Option<Points>,
    pub note: String,
}

/// A file as uploaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One item's form as posted: points and a note at a stage, and perhaps a new evidence file or
/// a document uploaded earlier, both for this item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemPost {
    pub stage: Stage,
    pub item: String,
    pub points: Option<Points>,
    pub note: String,
    pub file: Option<NewFile>,
    pub document: Option<i64>,
}

impl ItemPost {
    /// Points and a note alone, without a file or a document.
    pub fn mark(stage: Stage, item: &str, points: Option<Points>, note: &str) -> Self {
        Self { stage, item: item.to_string(), points, note: note.to_string(), file: None, document: None }
    }
}

/// A new file as it will be kept: its shown name and its media type, judged from its content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFile {
    pub name: String,
    pub media_type: &'static str,
}

/// What one item's form writes, once every rule has passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemWrite {
    pub mark: Mark,
    /// Filed under the mark's stage (evidence, or an explanation's file) for the item.
    pub file: Option<CheckedFile>,
    /// An earlier document now also serving the item.
    pub document: Option<i64>,
}

/// An assessment as the rules read it at the moment of a write.
#[derive(Clone, Debug)]
pub struct Assessment<'a> {
    pub viewer: Viewer,
    pub deadlines: &'a Deadlines,
    pub state: State,
    pub tree: &'a Tree,
    /// The documents already uploaded for this assessment.
    pub documents: Vec<i64>,
    pub now: i64,
}

impl Assessment<'_> {
    /// Whether `stage` is open now for this viewer: theirs to write, its phase running, and for
    /// the unit's own points, the self-assessment still a draft.
    fn open(&self, stage: Stage) -> Result<(), Refusal> {
        if !self.viewer.may_write(stage) {
            return Err(Refusal::Forbidden);
        }
        self.deadlines.open_for(stage, self.now).map_err(Refusal::Locked)?;
        if stage == Stage::SelfAssessment {
            self.state.editable().map_err(Refusal::Locked)?;
        }
        Ok(())
    }

    /// The most points `code` takes at `stage`, or why it is not marked there: a self-assessed
    /// item by the unit and the council, a measured one only from its module, a bonus or
    /// penalty by the council in its final round.
    fn max_at(&self, code: &str, stage: Stage) -> Result<Points, Refusal> {
        match (self.tree.item(code), self.tree.adjustment(code)) {
            (Some(item), _) => {
                let fits = match stage {
                    Stage::Measured => !item.self_assessed(),
                    Stage::SelfAssessment | Stage::Explanation => item.self_assessed(),
                    Stage::Appraisal | Stage::FinalAppraisal => true,
                };
                if fits {
                    return Ok(item.max);
                }
                let why = if item.self_assessed() {
                    "được tự chấm và thẩm định"
                } else {
                    "lấy điểm từ kết quả điều tra hoặc theo dõi kế hoạch, không tự chấm"
                };
                Err(Refusal::Invalid(vec![format!("Tiêu chí thành phần {code} {why}.")]))
            }
            (None, Some((adjustment, _))) if stage == Stage::FinalAppraisal => Ok(adjustment.max),
            (None, Some(_)) => Err(Refusal::Invalid(vec![format!("Điểm thưởng, điểm trừ {code} do hội đồng chấm ở vòng thẩm định 2.")])),
            (None, None) => Err(Refusal::NotFound),
        }
    }

    /// The stage at which the viewer may write `code` now, if any: what the page offers a form for.
    pub fn form_stage(&self, code: &str) -> Option<Stage> {
        let stage = self.viewer.item_stage(self.deadlines.phase(self.now))?;
        (self.open(stage).is_ok() && self.max_at(code, stage).is_ok()).then_some(stage)
    }

    /// A mark as it will be written, or why not.
    pub fn mark(&self, stage: Stage, code: &str, points: Option<Points>, note: &str) -> Result<Mark, Refusal> {
        self.open(stage)?;
        let max = self.max_at(code, stage)?;
        let note = crate::text::clean_multiline(note);
        let mut errors = Vec::new();
        if let Some(points) = points {
            errors.extend(check_points(code, points, max).err());
        } else if matches!(stage, Stage::Appraisal | Stage::FinalAppraisal | Stage::Measured) {
            errors.push(format!("Hãy cho điểm mục {code}."));
        }
        if stage == Stage::Explanation && note.is_empty() {
            errors.push("Hãy ghi nội dung giải trình.".into());
        }
        if note.chars().count() > MAX_NOTE_CHARS {
            errors.push("Ghi chú dài tối đa 4.000 ký tự.".into());
        }
        if errors.is_empty() { Ok(Mark { item: code.to_string(), stage, points, note }) } else { Err(Refusal::Invalid(errors)) }
    }

    /// One item's form: its mark, and the file or earlier document it brings, all or nothing.
    /// Files come from the unit, with its points or its explanation; an earlier document is
    /// linked with the points.
    pub fn item(&self, post: &ItemPost) -> Result<ItemWrite, Refusal> {
        let mut errors = Vec::new();
        let file = match &post.file {
            None => None,
            Some(_) if !matches!(post.stage, Stage::SelfAssessment | Stage::Explanation) => {
                errors.push("Tài liệu kiểm chứng do đơn vị đính kèm khi tự đánh giá hoặc giải trình.".to_string());
                None
            }
            Some(file) => {
                let name = evidence::file_name(&file.name);
                match evidence::media_type(&name, &file.bytes) {
                    Ok(media_type) => Some(CheckedFile { name, media_type }),
                    Err(problem) => {
                        errors.push(problem);
                        None
                    }
                }
            }
        };
        if post.document.is_some() && post.stage != Stage::SelfAssessment {
            errors.push("Tài liệu đã tải lên chỉ được dùng lại khi tự đánh giá.".into());
        }
        let mark = match self.mark(post.stage, &post.item, post.points, &post.note) {
            Ok(mark) => Some(mark),
            Err(Refusal::Invalid(mut problems)) => {
                errors.append(&mut problems);
                None
            }
            Err(refusal) => return Err(refusal),
        };
        if post.document.is_some_and(|d| !self.documents.contains(&d)) {
            return Err(Refusal::NotFound);
        }
        match mark {
            Some(mark) if errors.is_empty() => Ok(ItemWrite { mark, file, document: post.document }),
            _ => Err(Refusal::Invalid(errors)),
        }
    }

    /// Whether `action` is the viewer's and fits now: during self-assessment, from the state
    /// it leads on from.
    fn may(&self, action: Action) -> Result<State, Refusal> {
        if !self.viewer.may_act(action) {
            return Err(Refusal::Forbidden);
        }
        self.deadlines.open_for(Stage::SelfAssessment, self.now).map_err(Refusal::Locked)?;
        self.state.after(action).map_err(Refusal::Locked)
    }

    /// Whether the page offers `action`'s button.
    pub fn offers(&self, action: Action) -> bool {
        self.may(action).is_ok()
    }

    /// Submitting, approving or returning: the state it leads to and the note kept with it. A
    /// submission needs every item scored and evidenced; a return says why.
    pub fn act(&self, action: Action, note: &str, marks: &BTreeMap<String, SelfMark>) -> Result<(State, String), Refusal> {
        let next = self.may(action)?;
        if action == Action::Submit {
            let problems = unfinished(self.tree, marks);
            if !problems.is_empty() {
                return Err(Refusal::Invalid(problems));
            }
        }
        let note = crate::text::clean_multiline(note);
        if action == Action::Return && note.is_empty() {
            return Err(Refusal::Invalid(vec!["Hãy ghi lý do trả lại để đơn vị sửa.".into()]));
        }
        Ok((next, note))
    }
}

#[cfg(test)]
#[path = "marking_tests.rs"]
mod tests;
