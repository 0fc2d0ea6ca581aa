//! The roster of a PAR INDEX survey of officials: the people each agency chose to answer (name,
//! position, workplace, e-mail, phone), checked whole with the problems of every row; how they
//! are reached (a refused address moves the invitation to the next channel by itself); and the
//! participation table the ministry used to compile by hand. Which answer is whose is never
//! known here: participation counts people, never answers.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::invitations::{InvitationStatus, InviteChannel};
use crate::sampling::frame::{RowProblems, normalise_email, normalise_phone};
use crate::text;

/// The most people one upload may add: the largest department chooses a few hundred.
pub const MAX_ROWS: usize = 2_000;
/// Names, positions and workplaces are cut off here.
const MAX_TEXT: usize = 200;

/// The columns of a roster file: code, the header shown, the names accepted (compared folded).
pub const COLUMNS: [(&str, &str, &[&str]); 5] = [
    ("name", "Họ và tên", &["ho va ten", "ho ten", "ho_ten"]),
    ("position", "Chức vụ", &["chuc vu", "chuc_vu", "chuc danh"]),
    ("workplace", "Đơn vị công tác", &["don vi cong tac", "don_vi_cong_tac", "phong ban", "don vi"]),
    ("email", "Thư điện tử", &["thu dien tu", "e-mail"]),
    ("phone", "Điện thoại", &["dien thoai", "so dien thoai", "dien_thoai"]),
];

/// One person as typed on the page or read from a file, before any check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawMember {
    pub name: String,
    pub position: String,
    #[serde(default)]
    pub workplace: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

/// A checked person: contacts normalised, so that the same one written two ways is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub position: String,
    pub workplace: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MemberError {
    #[error("thiếu họ và tên")]
    MissingName,
    #[error("thiếu chức vụ")]
    MissingPosition,
    #[error("họ tên, chức vụ hoặc đơn vị công tác quá dài (tối đa 200 ký tự)")]
    TooLong,
    #[error("cần ít nhất một cách liên lạc: thư điện tử hoặc điện thoại")]
    NoContact,
    #[error("số điện thoại «{0}» không hợp lệ (10–11 chữ số, bắt đầu bằng 0 hoặc +84)")]
    BadPhone(String),
    #[error("thư điện tử «{0}» không hợp lệ")]
    BadEmail(String),
    #[error("trùng thư điện tử hoặc điện thoại với dòng {0}")]
    Repeats(usize),
    #[error("đã có trong danh sách của cuộc khảo sát này")]
    Listed,
}

impl RawMember {
    /// Checks every field and reports all that are wrong, not only the first.
    pub fn parse(&self) -> Result<Member, Vec<MemberError>> {
        let mut errors = Vec::new();
        let [name, position, workplace] = [&self.name, &self.position, &self.workplace].map(|s| text::clean(s));
        if name.is_empty() {
            errors.push(MemberError::MissingName);
        }
        if position.is_empty() {
            errors.push(MemberError::MissingPosition);
        }
        if [&name, &position, &workplace].iter().any(|s| s.chars().count() > MAX_TEXT) {
            errors.push(MemberError::TooLong);
        }
        let phone = match self.phone.trim() {
            "" => None,
            given => normalise_phone(given).or_else(|| {
                errors.push(MemberError::BadPhone(given.chars().take(40).collect()));
                None
            }),
        };
        let email = match self.email.trim() {
            "" => None,
            given => normalise_email(given).or_else(|| {
                errors.push(MemberError::BadEmail(given.chars().take(80).collect()));
                None
            }),
        };
        if self.phone.trim().is_empty() && self.email.trim().is_empty() {
            errors.push(MemberError::NoContact);
        }
        if errors.is_empty() { Ok(Member { name, position, workplace, email, phone }) } else { Err(errors) }
    }
}

impl Member {
    /// The contacts that identify the person: a second row with one of them is the same person.
    pub fn contacts(&self) -> impl Iterator<Item = &str> {
        self.email.as_deref().into_iter().chain(self.phone.as_deref())
    }
}

/// Reads a table (header first) into raw rows with their lines; a header without the name,
/// position and at least one contact column is refused whole, as is a table over [`MAX_ROWS`].
pub fn rows_from_table(table: &[Vec<String>]) -> Result<Vec<(usize, RawMember)>, String> {
    let Some((header, body)) = table.split_first() else {
        return Err("Tệp trống: cần dòng tiêu đề và các dòng người được chọn.".into());
    };
    let positions = text::header_positions(header, &COLUMNS);
    let missing: Vec<&str> = [0, 1].into_iter().filter(|i| positions[*i].is_none()).map(|i| COLUMNS[i].1).collect();
    if !missing.is_empty() || (positions[3].is_none() && positions[4].is_none()) {
        let wanted: Vec<&str> = COLUMNS.iter().map(|c| c.1).collect();
        return Err(format!("Dòng tiêu đề phải có Họ và tên, Chức vụ và ít nhất một trong Thư điện tử, Điện thoại. Các cột: {}.", wanted.join(", ")));
    }
    let rows: Vec<(usize, RawMember)> = body
        .iter()
        .enumerate()
        .filter(|(_, row)| row.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, row)| {
            let cell = |n: usize| text::cell(row, positions[n]);
            (i + 2, RawMember { name: cell(0), position: cell(1), workplace: cell(2), email: cell(3), phone: cell(4) })
        })
        .collect();
    if rows.len() > MAX_ROWS {
        return Err(format!("Tệp có {} người; mỗi lần nhập tối đa {} người.", text::format_count(rows.len() as u64), text::format_count(MAX_ROWS as u64)));
    }
    Ok(rows)
}

/// Checks a whole submission: each row alone, then against the rows above it and the contacts
/// already listed (`listed` says whether a normalised contact is). All the members, or every
/// row's problems.
pub fn check(rows: &[(usize, RawMember)], listed: impl Fn(&str) -> bool) -> Result<Vec<Member>, Vec<RowProblems>> {
    let mut members = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, raw) in rows {
        let mut errors = Vec::new();
        match raw.parse() {
            Ok(member) => {
                if let Some(first) = member.contacts().find_map(|c| seen.get(c)) {
                    errors.push(MemberError::Repeats(*first));
                } else if member.contacts().any(&listed) {
                    errors.push(MemberError::Listed);
                }
                for contact in member.contacts() {
                    seen.entry(contact.to_string()).or_insert(*line);
                }
                members.push(member);
            }
            Err(found) => errors = found,
        }
        if !errors.is_empty() {
            problems.push(RowProblems { line: *line, messages: errors.iter().map(ToString::to_string).collect() });
        }
    }
    if problems.is_empty() { Ok(members) } else { Err(problems) }
}

/// The order invitations try the channels in: official mailboxes refuse or bury mail, so a
/// refused address goes on to a text message and then to Zalo.
pub const CHANNEL_ORDER: [InviteChannel; 3] = [InviteChannel::Email, InviteChannel::Sms, InviteChannel::Zalo];

/// The next channel to try for a person with these contacts, after those `tried`; `None` when
/// every channel they can be reached by has been tried.
pub fn next_channel(tried: &[InviteChannel], has_email: bool, has_phone: bool) -> Option<InviteChannel> {
    CHANNEL_ORDER.into_iter().filter(|c| !tried.contains(c)).find(|c| if *c == InviteChannel::Email { has_email } else { has_phone })
}

/// Where one person stands, from their invitations in the order they were made: what the
/// focal point sees beside the name (never when or what they answered).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    NotInvited,
    /// The latest invitation, still waiting to go or for an answer.
    Waiting(InviteChannel, InvitationStatus),
    /// Every channel they can be reached by refused the invitation.
    Unreachable,
    /// Asked not to be invited again.
    OptedOut,
    Answered,
}

impl Standing {
    pub fn of(invitations: &[(InviteChannel, InvitationStatus)]) -> Self {
        use InvitationStatus::*;
        if invitations.iter().any(|(_, s)| *s == Completed) {
            return Self::Answered;
        }
        match invitations.last() {
            None => Self::NotInvited,
            Some((_, OptedOut)) => Self::OptedOut,
            Some((_, Bounced | Failed)) => Self::Unreachable,
            Some((channel, status)) => Self::Waiting(*channel, *status),
        }
    }

    /// Whether a new invitation is needed: never invited, or the last one refused.
    pub fn needs_invitation(self) -> bool {
        matches!(self, Self::NotInvited | Self::Unreachable)
    }

    pub fn label(self) -> String {
        match self {
            Self::NotInvited => "Chưa gửi lời mời".into(),
            Self::Waiting(channel, InvitationStatus::Queued) => format!("Chờ gửi qua {}", channel.label()),
            Self::Waiting(channel, status) => format!("Chưa trả lời ({} — {})", channel.label(), status.label().to_lowercase()),
            Self::Unreachable => "Không liên lạc được qua mọi kênh đã có".into(),
            Self::OptedOut => "Từ chối nhận lời mời".into(),
            Self::Answered => "Đã trả lời".into(),
        }
    }
}

/// What happened to one person's invitations, channel by channel, in the order they were made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    pub unit_id: i64,
    pub invitations: Vec<(InviteChannel, InvitationStatus)>,
}

/// The participation of one agency (or the total): people, not messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Participation {
    /// People on the roster.
    pub chosen: u64,
    /// Sent at least one invitation.
    pub invited: u64,
    /// An invitation went out and was not refused (or was answered).
    pub reached: u64,
    pub answered: u64,
    /// People with at least one invitation refused or given up.
    pub bounced: u64,
    /// Of those, reached by another channel after all.
    pub rescued: u64,
    /// Answers by the channel whose link was used: e-mail, SMS, Zalo.
    pub answered_by: [u64; 3],
}

impl Participation {
    /// Answered among the chosen, in percent.
    pub fn rate(&self) -> Option<f64> {
        (self.chosen > 0).then(|| 100.0 * self.answered as f64 / self.chosen as f64)
    }

    pub fn add(&mut self, other: &Participation) {
        self.chosen += other.chosen;
        self.invited += other.invited;
        self.reached += other.reached;
        self.answered += other.answered;
        self.bounced += other.bounced;
        self.rescued += other.rescued;
        for (sum, n) in self.answered_by.iter_mut().zip(other.answered_by) {
            *sum += n;
        }
    }

    /// Counts one person.
    pub fn count(&mut self, reach: &Reach) {
        use InvitationStatus::*;
        let went_out = |s: &InvitationStatus| matches!(s, Sent | Delivered | Opened | Started | Completed);
        self.chosen += 1;
        self.invited += u64::from(reach.invitations.iter().any(|(_, s)| *s != Queued));
        let reached = reach.invitations.iter().any(|(_, s)| went_out(s));
        self.reached += u64::from(reached);
        let bounced = reach.invitations.iter().any(|(_, s)| matches!(s, Bounced | Failed));
        self.bounced += u64::from(bounced);
        self.rescued += u64::from(bounced && reached);
        if let Some((channel, _)) = reach.invitations.iter().find(|(_, s)| *s == Completed) {
            self.answered += 1;
            if let Some(slot) = CHANNEL_ORDER.iter().position(|c| c == channel) {
                self.answered_by[slot] += 1;
            }
        }
    }
}

/// Participation per agency, in the order the agencies first appear, and the total.
pub fn tally(people: &[Reach]) -> (Vec<(i64, Participation)>, Participation) {
    let mut rows: Vec<(i64, Participation)> = Vec::new();
    let mut at: HashMap<i64, usize> = HashMap::new();
    let mut total = Participation::default();
    for reach in people {
        let row = *at.entry(reach.unit_id).or_insert_with(|| {
            rows.push((reach.unit_id, Participation::default()));
            rows.len() - 1
        });
        rows[row].1.count(reach);
        total.count(reach);
    }
    (rows, total)
}

#[cfg(test)]
#[path = "roster_tests.rs"]
mod tests;
