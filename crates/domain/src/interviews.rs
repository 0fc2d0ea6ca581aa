//! Interviews by phone (CATI) and face to face (CAPI): a sampled dossier is assigned to an
//! interviewer, who records each call's outcome and, when the person agrees, the answers. The
//! rules here say what an outcome does to the assignment.

use serde::{Deserialize, Serialize};

use crate::surveys::Channel;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterviewMode {
    Phone,
    FaceToFace,
}

impl InterviewMode {
    pub fn code(self) -> &'static str {
        self.channel().code()
    }

    pub fn channel(self) -> Channel {
        match self {
            Self::Phone => Channel::Phone,
            Self::FaceToFace => Channel::FaceToFace,
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Phone, Self::FaceToFace].into_iter().find(|m| m.code() == code)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    NoAnswer,
    Refused,
    CallBack,
    Completed,
}

impl CallOutcome {
    pub const ALL: [Self; 4] = [Self::NoAnswer, Self::Refused, Self::CallBack, Self::Completed];

    pub fn code(self) -> &'static str {
        match self {
            Self::NoAnswer => "no_answer",
            Self::Refused => "refused",
            Self::CallBack => "call_back",
            Self::Completed => "completed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NoAnswer => "Không nghe máy / không gặp",
            Self::Refused => "Từ chối",
            Self::CallBack => "Hẹn gọi lại",
            Self::Completed => "Hoàn thành phỏng vấn",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.code() == code)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    Open,
    Done,
    Refused,
    /// Tried often enough without reaching anyone: a reserve may be called in.
    Unreachable,
}

impl AssignmentStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
            Self::Refused => "refused",
            Self::Unreachable => "unreachable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Đang thực hiện",
            Self::Done => "Đã phỏng vấn",
            Self::Refused => "Từ chối",
            Self::Unreachable => "Không liên hệ được",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Open, Self::Done, Self::Refused, Self::Unreachable].into_iter().find(|s| s.code() == code)
    }
}

/// Unanswered attempts after which an assignment counts as unreachable.
pub const ATTEMPTS_BEFORE_UNREACHABLE: i64 = 3;

/// The assignment's status after an outcome, given how many unanswered attempts it has had
/// (this one included). A closed assignment stays as it is: an interview already done is not
/// undone by a late call record.
pub fn after_outcome(status: AssignmentStatus, outcome: CallOutcome, unanswered: i64) -> AssignmentStatus {
    if status != AssignmentStatus::Open {
        return status;
    }
    match outcome {
        CallOutcome::Completed => AssignmentStatus::Done,
        CallOutcome::Refused => AssignmentStatus::Refused,
        CallOutcome::NoAnswer if unanswered >= ATTEMPTS_BEFORE_UNREACHABLE => AssignmentStatus::Unreachable,
        CallOutcome::NoAnswer | CallOutcome::CallBack => AssignmentStatus::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::AssignmentStatus::*;
    use super::*;

    #[test]
    fn outcomes_close_or_keep_an_assignment() {
        assert_eq!(after_outcome(Open, CallOutcome::NoAnswer, 1), Open);
        assert_eq!(after_outcome(Open, CallOutcome::NoAnswer, 3), Unreachable);
        assert_eq!(after_outcome(Open, CallOutcome::CallBack, 5), Open);
        assert_eq!(after_outcome(Open, CallOutcome::Refused, 0), Refused);
        assert_eq!(after_outcome(Open, CallOutcome::Completed, 2), Done);
        assert_eq!(after_outcome(Done, CallOutcome::NoAnswer, 9), Done, "a late record does not undo an interview");
        assert_eq!(InterviewMode::parse("face_to_face"), Some(InterviewMode::FaceToFace));
        assert_eq!(InterviewMode::Phone.channel(), Channel::Phone);
    }
}
