//! Calendar months, the unit in which answers are counted and figures reported. A `Month` is
//! written `mm/yyyy` for people, kept as `yyyy-mm` in storage, JSON and file names (a form that
//! sorts like the month itself), and counted in Vietnam time.

pub mod lunar;
mod workdays;

pub use workdays::{DayChange, MAX_PERIOD_DAYS, WorkingCalendar, legal_days};

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

/// One calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    /// Months since January of year 0: the order of months is the order of numbers.
    index: i32,
}

impl Month {
    /// Month `number` (1–12) of `year` (1900–9999).
    pub fn new(year: i32, number: u8) -> Option<Self> {
        ((1900..=9999).contains(&year) && (1..=12).contains(&number)).then(|| Self { index: year * 12 + i32::from(number) - 1 })
    }

    pub fn of(date: Date) -> Self {
        Self { index: date.year() * 12 + i32::from(u8::from(date.month())) - 1 }
    }

    /// The month of a moment (unix milliseconds) in Vietnam.
    pub fn at(ms: i64) -> Self {
        Self::of(crate::text::vn_datetime(ms).date())
    }

    /// From `mm/yyyy`, `m/yyyy` or `yyyy-mm` (also with dots).
    pub fn parse(s: &str) -> Option<Self> {
        let (year, number) = match s.trim().split_once(['/', '-', '.'])? {
            (a, b) if a.len() == 4 => (a, b),
            (a, b) => (b, a),
        };
        Self::new(year.parse().ok()?, number.parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.index.div_euclid(12)
    }

    /// 1 for January.
    pub fn number(self) -> u8 {
        self.index.rem_euclid(12) as u8 + 1
    }

    /// `yyyy-mm`, as stored.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}", self.year(), self.number())
    }

    /// Its first day.
    pub fn first_day(self) -> Date {
        let number = time::Month::try_from(self.number()).unwrap_or(time::Month::January);
        Date::from_calendar_date(self.year(), number, 1).unwrap_or(Date::MIN)
    }

    /// January of the same year.
    pub fn january(self) -> Self {
        Self { index: self.year() * 12 }
    }

    /// The month `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> Self {
        Self { index: self.index + n }
    }

    /// How many months after `earlier` this one is.
    pub fn since(self, earlier: Self) -> i32 {
        self.index - earlier.index
    }

    /// Every month from this one to `last`, both included (none if `last` is earlier).
    pub fn through(self, last: Self) -> impl Iterator<Item = Month> {
        (self.index..=last.index).map(|index| Self { index })
    }
}

/// `mm/yyyy`, as people write it.
impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:04}", self.number(), self.year())
    }
}

/// Read back from storage: `yyyy-mm` (or any form [`Month::parse`] takes).
impl TryFrom<String> for Month {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("tháng «{s}» không hợp lệ"))
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.iso())
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::try_from(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn months_read_the_vietnamese_way_and_the_stored_one() {
        let march = Month::new(2026, 3).unwrap();
        assert_eq!(Month::parse("03/2026"), Some(march));
        assert_eq!(Month::parse(" 3/2026 "), Some(march));
        assert_eq!(Month::parse("2026-03"), Some(march));
        assert_eq!(Month::parse("13/2026"), None);
        assert_eq!(Month::parse("0/2026"), None);
        assert_eq!(Month::parse("2026"), None);
        assert_eq!(Month::parse("03/0099"), None);
        assert_eq!((march.to_string(), march.iso()), ("03/2026".into(), "2026-03".into()));
        assert_eq!(serde_json::to_string(&march).unwrap(), "\"2026-03\"");
        assert_eq!(serde_json::from_str::<Month>("\"2026-03\"").unwrap(), march);
        assert!(serde_json::from_str::<Month>("\"2026-13\"").is_err());
    }

    #[test]
    fn months_count_across_years_in_vietnam_time() {
        let december = Month::new(2025, 12).unwrap();
        assert_eq!(december.plus(1), Month::new(2026, 1).unwrap());
        assert_eq!(december.plus(-12).iso(), "2024-12");
        assert_eq!(Month::new(2026, 2).unwrap().since(december), 2);
        assert_eq!(Month::new(2026, 5).unwrap().january().iso(), "2026-01");
        assert_eq!(december.first_day(), time::macros::date!(2025 - 12 - 01));
        assert_eq!(december.through(december.plus(2)).map(Month::iso).collect::<Vec<_>>(), ["2025-12", "2026-01", "2026-02"]);
        assert_eq!(december.through(december.plus(-1)).count(), 0);
        // 31/12/2025 17:00 UTC is already 1 January in Vietnam.
        assert_eq!(Month::at(1_767_200_400_000).iso(), "2026-01");
    }

    proptest! {
        #[test]
        fn a_month_round_trips_and_sorts_as_stored(year in 1900i32..=9999, number in 1u8..=12, other_year in 1900i32..=9999, other in 1u8..=12) {
            let (a, b) = (Month::new(year, number).unwrap(), Month::new(other_year, other).unwrap());
            prop_assert_eq!(Month::parse(&a.to_string()), Some(a));
            prop_assert_eq!(Month::parse(&a.iso()), Some(a));
            prop_assert_eq!(a.cmp(&b), a.iso().cmp(&b.iso()));
            prop_assert_eq!(a.plus(b.since(a)), b);
        }
    }
}
