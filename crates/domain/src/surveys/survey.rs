//! Surveys: a published questionnaire version asked of target units, over channels, in a window
//! of time, once (ad hoc, thematic) or every month or year (regular).

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// How an answer reached us.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The public link or QR code.
    Web,
    /// A one-time link sent by e-mail, SMS or Zalo.
    Invitation,
    /// The widget embedded in an agency's portal.
    Widget,
    /// The rating kiosk at the one-stop counter.
    Kiosk,
    /// A telephone interview.
    Phone,
    /// A face-to-face interview.
    FaceToFace,
    /// A paper form keyed in.
    Paper,
    /// A machine client of the API.
    Api,
}

impl Channel {
    pub const ALL: [Channel; 8] = [Self::Web, Self::Invitation, Self::Widget, Self::Kiosk, Self::Phone, Self::FaceToFace, Self::Paper, Self::Api];

    pub fn code(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Invitation => "invitation",
            Self::Widget => "widget",
            Self::Kiosk => "kiosk",
            Self::Phone => "phone",
            Self::FaceToFace => "face_to_face",
            Self::Paper => "paper",
            Self::Api => "api",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Web => "Đường dẫn, mã QR",
            Self::Invitation => "Thư mời (email, SMS, Zalo)",
            Self::Widget => "Tiện ích trên cổng thông tin",
            Self::Kiosk => "Máy đánh giá tại Bộ phận Một cửa",
            Self::Phone => "Phỏng vấn qua điện thoại",
            Self::FaceToFace => "Phỏng vấn trực tiếp",
            Self::Paper => "Phiếu giấy",
            Self::Api => "Hệ thống khác (API)",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code.trim())
    }
}

/// A survey: a published questionnaire version asked of target units over channels, between
/// `opens_at` and `closes_at` (milliseconds).
#[derive(Clone, Debug, PartialEq)]
pub struct Survey {
    pub id: i64,
    pub code: String,
    /// The code of the first period of a regular survey: its stable public link.
    pub series: String,
    pub title: String,
    pub unit_id: i64,
    pub version_id: i64,
    pub recurrence: Recurrence,
    pub period_start: Date,
    pub period_end: Date,
    pub opens_at: i64,
    pub closes_at: i64,
    pub channels: Vec<Channel>,
}

impl Survey {
    pub fn is_open(&self, now: i64) -> bool {
        self.opens_at <= now && now < self.closes_at
    }

    pub fn period_label(&self) -> String {
        self.recurrence.period_label(self.period_start, self.period_end)
    }
}

/// Ad hoc surveys run once; regular ones start their next period by themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recurrence {
    Once,
    Monthly,
    Yearly,
}

impl Recurrence {
    pub fn code(self) -> &'static str {
        match self {
            Self::Once => "once",
            Self::Monthly => "monthly",
            Self::Yearly => "yearly",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Once => "Đột xuất, theo chủ đề",
            Self::Monthly => "Thường xuyên hằng tháng",
            Self::Yearly => "Thường xuyên hằng năm",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Once, Self::Monthly, Self::Yearly].into_iter().find(|r| r.code() == code.trim())
    }

    /// The period that follows one ending on `end`: the next calendar month or year. `None` for
    /// an ad hoc survey.
    pub fn next_period(self, end: Date) -> Option<(Date, Date)> {
        let first_of = |year: i32, month: Month| Date::from_calendar_date(year, month, 1).ok();
        match self {
            Self::Once => None,
            Self::Monthly => {
                let next_start = end.next_day()?;
                let (year, month) = (next_start.year(), next_start.month());
                let after = if month == Month::December { first_of(year + 1, Month::January)? } else { first_of(year, month.next())? };
                Some((first_of(year, month)?, after.previous_day()?))
            }
            Self::Yearly => {
                let year = end.year() + 1;
                Some((first_of(year, Month::January)?, Date::from_calendar_date(year, Month::December, 31).ok()?))
            }
        }
    }

    /// The label of the period starting on `start`: `11/2026` or `2026`; the dates for ad hoc.
    pub fn period_label(self, start: Date, end: Date) -> String {
        match self {
            Self::Monthly => format!("{:02}/{}", u8::from(start.month()), start.year()),
            Self::Yearly => start.year().to_string(),
            Self::Once => format!("{} – {}", crate::text::format_date(start), crate::text::format_date(end)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn regular_surveys_roll_to_the_next_calendar_period() {
        assert_eq!(Recurrence::Monthly.next_period(date!(2026 - 11 - 30)), Some((date!(2026 - 12 - 01), date!(2026 - 12 - 31))));
        assert_eq!(Recurrence::Monthly.next_period(date!(2026 - 12 - 31)), Some((date!(2027 - 01 - 01), date!(2027 - 01 - 31))));
        assert_eq!(Recurrence::Monthly.next_period(date!(2028 - 01 - 31)), Some((date!(2028 - 02 - 01), date!(2028 - 02 - 29))));
        assert_eq!(Recurrence::Yearly.next_period(date!(2026 - 12 - 31)), Some((date!(2027 - 01 - 01), date!(2027 - 12 - 31))));
        assert_eq!(Recurrence::Once.next_period(date!(2026 - 01 - 31)), None);
        assert_eq!(Recurrence::Monthly.period_label(date!(2026 - 03 - 01), date!(2026 - 03 - 31)), "03/2026");
    }

    #[test]
    fn channels_parse_back() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Some(c));
        }
    }
}
