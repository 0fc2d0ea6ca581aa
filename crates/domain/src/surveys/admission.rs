//! Which answers a survey takes: while it is open, by a channel it runs, only through that
//! channel's own door, and for a unit it targets. A channel says how an answer was collected and weighs in the figures
//! (a kiosk rating counts for the official on duty, a paper form for its unit), so each is
//! believed only from the door that proves it: a kiosk rating from a kiosk screen the official
//! on duty invited, a paper form from double entry, an interview from the interviewer's signed
//! sync, an invitation from a valid one-time token, a machine's answer from an API token with
//! the permission. Anyone may answer through the public link or the widget, as themselves.

use crate::auth::{Access, Permission};
use crate::units::UnitId;

use super::{Channel, Survey};

/// How an answer came in, as proved by the request (never as the request says of itself).
#[derive(Clone, Debug, PartialEq)]
pub enum Door {
    /// The public page or the public API, with no credential.
    Public,
    /// The widget's frame on an agency portal, with its signed form token.
    Widget,
    /// A one-time link whose token was found valid for this survey.
    Invitation,
    /// A kiosk screen that the official on duty invited to rate them (`staff`, if known).
    Kiosk { staff: Option<String> },
    /// A paper form keyed twice and agreed, or reconciled by the supervisor.
    PaperEntry,
    /// The interviewer's sync of an interview of their own assignment.
    Interview { face_to_face: bool },
    /// A client of the API signed in with a token; its grants decide what it may send.
    ApiClient(Access),
}

impl Door {
    /// The one channel an answer through this door is counted under.
    pub fn channel(&self) -> Channel {
        match self {
            Self::Public => Channel::Web,
            Self::Widget => Channel::Widget,
            Self::Invitation => Channel::Invitation,
            Self::Kiosk { .. } => Channel::Kiosk,
            Self::PaperEntry => Channel::Paper,
            Self::Interview { face_to_face: false } => Channel::Phone,
            Self::Interview { face_to_face: true } => Channel::FaceToFace,
            Self::ApiClient(_) => Channel::Api,
        }
    }

    /// The official a kiosk rating is about: only a kiosk names one.
    pub fn staff(&self) -> &str {
        match self {
            Self::Kiosk { staff: Some(staff) } => staff,
            _ => "",
        }
    }

    /// Whether an answer through this door may be for the unit with this ancestry (`unit`,
    /// parent, …, root): an API client only for the units its grants cover; anyone else for
    /// any unit the survey targets.
    pub fn reaches(&self, ancestry: &[UnitId]) -> bool {
        match self {
            Self::ApiClient(access) => access.can(Permission::SubmitResponses, ancestry),
            _ => true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Cuộc khảo sát chưa bắt đầu.")]
    NotYetOpen,
    #[error("Cuộc khảo sát đã kết thúc; cảm ơn anh/chị đã quan tâm.")]
    Closed,
    #[error("Cuộc khảo sát không nhận câu trả lời qua kênh này.")]
    ChannelClosed,
    #[error("Câu trả lời qua kênh «{}» chỉ được nhận từ {}.", .0.label(), door_of(*.0))]
    WrongDoor(Channel),
    #[error("Mã truy cập API này không được gửi phiếu cho đơn vị đó.")]
    OutsideScope,
    #[error("Hãy chọn cơ quan, đơn vị được khảo sát.")]
    UnknownUnit,
}

/// Where a channel's answers are taken from, in words.
fn door_of(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "đường dẫn công khai của cuộc khảo sát",
        Channel::Widget => "khung đánh giá nhúng trên cổng thông tin",
        Channel::Invitation => "đường dẫn trong thư mời còn hiệu lực",
        Channel::Kiosk => "máy đánh giá tại quầy khi công chức đã mời đánh giá",
        Channel::Paper => "việc nhập phiếu giấy (nhập hai lần hoặc đối chiếu)",
        Channel::Phone | Channel::FaceToFace => "ứng dụng của điều tra viên được giao phỏng vấn",
        Channel::Api => "hệ thống có mã truy cập API được phép gửi phiếu",
    }
}

/// Whether the survey takes answers at `now`: not before it opens, not once it has closed.
pub fn open(survey: &Survey, now: i64) -> Result<(), Refusal> {
    if now < survey.opens_at {
        Err(Refusal::NotYetOpen)
    } else if now >= survey.closes_at {
        Err(Refusal::Closed)
    } else {
        Ok(())
    }
}

/// Admits an answer through `door`, which may also state the channel it claims (the API lets a
/// client name one): the survey must be open, the claim must be the door's own channel, and
/// the survey must run that channel. Gives the channel the answer is counted under.
pub fn admit(survey: &Survey, door: &Door, claimed: Option<Channel>, now: i64) -> Result<Channel, Refusal> {
    open(survey, now)?;
    let channel = door.channel();
    if let Some(claimed) = claimed.filter(|c| *c != channel) {
        return Err(Refusal::WrongDoor(claimed));
    }
    if !survey.channels.contains(&channel) {
        return Err(Refusal::ChannelClosed);
    }
    Ok(channel)
}

/// The unit an answer is for, among the survey's targets (id and code): the one the link,
/// token or answer names, or the only one there is.
pub fn target_unit<'a>(targets: impl IntoIterator<Item = (UnitId, &'a str)>, named: Option<&str>) -> Result<UnitId, Refusal> {
    let targets: Vec<(UnitId, &str)> = targets.into_iter().collect();
    named
        .and_then(|code| targets.iter().find(|(_, c)| *c == code).map(|(id, _)| *id))
        .or_else(|| (targets.len() == 1).then(|| targets[0].0))
        .ok_or(Refusal::UnknownUnit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Grant, Role};
    use crate::surveys::Recurrence;
    use time::macros::date;

    fn survey(channels: &[Channel]) -> Survey {
        Survey {
            id: 1,
            code: "sipas".into(),
            series: "sipas".into(),
            title: "SIPAS".into(),
            unit_id: 1,
            version_id: 1,
            recurrence: Recurrence::Once,
            period_start: date!(2026 - 01 - 01),
            period_end: date!(2026 - 12 - 31),
            opens_at: 1_000,
            closes_at: 2_000,
            channels: channels.to_vec(),
        }
    }

    fn doors() -> Vec<Door> {
        let client = Access::new(vec![Grant { role: Role::CounterStaff, unit: 7 }]);
        vec![
            Door::Public,
            Door::Widget,
            Door::Invitation,
            Door::Kiosk { staff: Some("motcua.anlac".into()) },
            Door::PaperEntry,
            Door::Interview { face_to_face: false },
            Door::Interview { face_to_face: true },
            Door::ApiClient(client),
        ]
    }

    /// Every channel a caller may claim against every door: only the door's own is taken, and
    /// every channel has exactly one door.
    #[test]
    fn each_channel_only_through_its_own_door() {
        let open = survey(&Channel::ALL);
        for door in doors() {
            assert_eq!(admit(&open, &door, None, 1_500), Ok(door.channel()));
            for claimed in Channel::ALL {
                let admitted = admit(&open, &door, Some(claimed), 1_500);
                if claimed == door.channel() {
                    assert_eq!(admitted, Ok(claimed), "{door:?} {claimed:?}");
                } else {
                    assert_eq!(admitted, Err(Refusal::WrongDoor(claimed)), "{door:?} {claimed:?}");
                }
            }
        }
        for channel in Channel::ALL {
            assert_eq!(doors().iter().filter(|d| d.channel() == channel).count(), 1, "{channel:?}");
        }
    }

    #[test]
    fn the_public_door_forges_no_controlled_channel() {
        let open = survey(&Channel::ALL);
        for forged in [Channel::Kiosk, Channel::Paper, Channel::Phone, Channel::FaceToFace, Channel::Invitation, Channel::Api] {
            let refusal = admit(&open, &Door::Public, Some(forged), 1_500).unwrap_err();
            assert_eq!(refusal, Refusal::WrongDoor(forged));
            assert!(refusal.to_string().contains("chỉ được nhận từ"));
        }
        assert_eq!(Door::Public.staff(), "");
        assert_eq!(Door::Kiosk { staff: Some("a.b".into()) }.staff(), "a.b");
    }

    #[test]
    fn the_survey_must_be_open_and_run_the_channel() {
        let web_only = survey(&[Channel::Web]);
        assert_eq!(admit(&web_only, &Door::Public, None, 999), Err(Refusal::NotYetOpen));
        assert_eq!(admit(&web_only, &Door::Public, None, 2_000), Err(Refusal::Closed));
        assert_eq!(admit(&web_only, &Door::Public, None, 1_000), Ok(Channel::Web));
        assert_eq!(admit(&web_only, &Door::Kiosk { staff: None }, None, 1_500), Err(Refusal::ChannelClosed));
    }

    #[test]
    fn an_answer_is_for_a_targeted_unit() {
        let two = [(7, "28101"), (8, "28102")];
        assert_eq!(target_unit(two, Some("28102")), Ok(8));
        assert_eq!(target_unit(two, Some("99")), Err(Refusal::UnknownUnit));
        assert_eq!(target_unit(two, None), Err(Refusal::UnknownUnit));
        // A survey of one unit takes its answers whatever the form says.
        assert_eq!(target_unit([(7, "28101")], None), Ok(7));
        assert_eq!(target_unit([(7, "28101")], Some("99")), Ok(7));
    }

    #[test]
    fn an_api_client_reaches_only_its_units() {
        let client = &doors()[7];
        assert!(client.reaches(&[9, 7, 1]));
        assert!(!client.reaches(&[8, 1]));
        let no_permission = Door::ApiClient(Access::new(vec![Grant { role: Role::Leadership, unit: 1 }]));
        assert!(!no_permission.reaches(&[8, 1]));
        assert!(Door::Public.reaches(&[8]));
    }
}
