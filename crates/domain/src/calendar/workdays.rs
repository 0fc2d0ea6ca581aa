//! Working days (Labour Code 2019, Art. 112): Monday to Friday, less the public holidays and
//! the days given in lieu of those on a weekend, plus the Saturdays the government swaps in to
//! make a longer holiday. The law gives the holidays; each year's decision on Tết and the swaps
//! is data an administrator keeps, so a calendar is a year's changes to the plain week.
//! Answering periods (Q&A, feedback) are counted on it.

use std::collections::BTreeMap;

use time::{Date, Duration, Month, Weekday};

use super::lunar;
use crate::text;

/// One change to the plain week: a weekday off, or a weekend day worked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayChange {
    pub date: Date,
    pub working: bool,
    pub note: String,
}

impl DayChange {
    fn off(date: Date, note: &str) -> Self {
        Self { date, working: false, note: note.into() }
    }
}

fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn day(year: i32, month: Month, day: u8) -> Option<Date> {
    Date::from_calendar_date(year, month, day).ok()
}

/// The days the Labour Code gives off in `year`, and the days in lieu of those that fall on a
/// weekend. Tết is the last day of the old lunar year and the first four of the new (the usual
/// choice; the Prime Minister's decision of the year may move it); the day beside National Day
/// is the one that joins it to a weekend where one does.
pub fn legal_days(year: i32) -> Vec<DayChange> {
    let mut holidays: Vec<(Date, &str)> = Vec::new();
    holidays.extend(day(year, Month::January, 1).map(|d| (d, "Tết Dương lịch")));
    if let Some(new_year) = lunar::new_year(year) {
        for offset in -1..=3 {
            holidays.push((new_year + Duration::days(offset), "Tết Nguyên đán"));
        }
    }
    holidays.extend(lunar::to_solar(10, 3, year).map(|d| (d, "Giỗ Tổ Hùng Vương (10/3 âm lịch)")));
    holidays.extend(day(year, Month::April, 30).map(|d| (d, "Ngày Chiến thắng (30/4)")));
    holidays.extend(day(year, Month::May, 1).map(|d| (d, "Ngày Quốc tế Lao động (1/5)")));
    if let Some(national) = day(year, Month::September, 2) {
        let (before, after) = (national - Duration::DAY, national + Duration::DAY);
        let beside = if before.weekday() == Weekday::Monday || (!is_weekend(before) && after.weekday() != Weekday::Friday) { before } else { after };
        holidays.push((national, "Quốc khánh (2/9)"));
        holidays.push((beside, "Quốc khánh (ngày liền kề)"));
    }
    holidays.sort_by_key(|(d, _)| *d);
    holidays.dedup_by_key(|(d, _)| *d);
    let mut changes: Vec<DayChange> = holidays.iter().filter(|(d, _)| !is_weekend(*d)).map(|(d, note)| DayChange::off(*d, note)).collect();
    // A holiday on a weekend gives the next working day off.
    for (date, note) in holidays.iter().filter(|(d, _)| is_weekend(*d)) {
        let mut lieu = *date;
        while is_weekend(lieu) || changes.iter().any(|c| c.date == lieu) || holidays.iter().any(|(d, _)| *d == lieu) {
            lieu += Duration::DAY;
        }
        changes.push(DayChange::off(lieu, &format!("Nghỉ bù {} ({})", note, text::format_date(*date))));
    }
    changes.sort_by_key(|c| c.date);
    changes
}

/// The longest count of working days a period may ask for: a deadline is always within the
/// year after the day it starts.
pub const MAX_PERIOD_DAYS: u32 = 60;

/// The working week with a set of changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    changes: BTreeMap<Date, bool>,
}

impl WorkingCalendar {
    pub fn new(changes: impl IntoIterator<Item = (Date, bool)>) -> Self {
        Self { changes: changes.into_iter().collect() }
    }

    pub fn is_working(&self, date: Date) -> bool {
        self.changes.get(&date).copied().unwrap_or(!is_weekend(date))
    }

    /// The `days`-th working day after `date` (not counting `date` itself). A calendar with no
    /// working day for a year stops there rather than searching for ever.
    pub fn working_day_after(&self, date: Date, days: u32) -> Date {
        let (mut at, mut left) = (date, days);
        for _ in 0..800 {
            if left == 0 {
                break;
            }
            at += Duration::DAY;
            if self.is_working(at) {
                left -= 1;
            }
        }
        at
    }

    /// The deadline of a period of `days` working days for what arrives at `at` (unix
    /// milliseconds): the end of the `days`-th working day after the day it arrives in Vietnam
    /// (the period starts on the next day, as administrative periods do).
    pub fn deadline(&self, at: i64, days: u32) -> i64 {
        let last = self.working_day_after(text::vn_datetime(at).date(), days.max(1));
        text::vn_midnight_ms(last + Duration::DAY)
    }

    /// When to remind of a deadline: the start of the working day `before` working days ahead
    /// of its last one (with `before` = 1, the day before the last day).
    pub fn reminder(&self, deadline: i64, before: u32) -> i64 {
        let mut at = text::vn_datetime(deadline - 1).date();
        let mut left = before;
        for _ in 0..800 {
            if left == 0 {
                break;
            }
            at -= Duration::DAY;
            if self.is_working(at) {
                left -= 1;
            }
        }
        text::vn_midnight_ms(at)
    }

    /// Working days from the day after `from` through the day of `to` (0 when `to` is on the
    /// day of `from` or before): how long something took, in the unit the law counts.
    pub fn working_days_between(&self, from: i64, to: i64) -> u32 {
        let (start, end) = (text::vn_datetime(from).date(), text::vn_datetime(to).date());
        let mut count = 0;
        let mut at = start;
        while at < end && count < 10_000 {
            at += Duration::DAY;
            if self.is_working(at) {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    /// 2025 as the Prime Minister decided it for civil servants: Tết from Saturday 25/1 to
    /// Sunday 2/2, Monday 27/1 swapped with Saturday 8/2; 30/4–1/5 with Friday 2/5 swapped with
    /// Saturday 26/4.
    fn year_2025() -> WorkingCalendar {
        let mut changes: Vec<(Date, bool)> = legal_days(2025).into_iter().map(|c| (c.date, c.working)).collect();
        changes.extend([
            (date!(2025 - 01 - 27), false),
            (date!(2025 - 02 - 03), true),
            (date!(2025 - 02 - 08), true),
            (date!(2025 - 05 - 02), false),
            (date!(2025 - 04 - 26), true),
        ]);
        WorkingCalendar::new(changes)
    }

    fn at(date: Date, hour: i64) -> i64 {
        text::vn_midnight_ms(date) + hour * 3_600_000
    }

    #[test]
    fn the_law_gives_these_days_in_2025_and_2026() {
        let days = |year| legal_days(year).into_iter().filter(|c| !c.working).map(|c| c.date).collect::<Vec<_>>();
        // Tết Ất Tỵ on Wednesday 29/1/2025: 28/1 to 1/2, and Saturday 1/2 gives Monday 3/2.
        assert_eq!(
            days(2025),
            [
                date!(2025 - 01 - 01),
                date!(2025 - 01 - 28),
                date!(2025 - 01 - 29),
                date!(2025 - 01 - 30),
                date!(2025 - 01 - 31),
                date!(2025 - 02 - 03),
                date!(2025 - 04 - 07),
                date!(2025 - 04 - 30),
                date!(2025 - 05 - 01),
                date!(2025 - 09 - 01),
                date!(2025 - 09 - 02),
            ]
        );
        // Tết Bính Ngọ on Tuesday 17/2/2026; the Hùng Kings' day on Sunday 26/4 gives Monday 27/4.
        let twenty_six = days(2026);
        assert!([16, 17, 18, 19, 20].iter().all(|d| twenty_six.contains(&Date::from_calendar_date(2026, Month::February, *d).unwrap())));
        assert!(twenty_six.contains(&date!(2026 - 04 - 27)) && !twenty_six.contains(&date!(2026 - 04 - 26)));
        let notes: Vec<String> = legal_days(2026).into_iter().map(|c| c.note).collect();
        assert!(notes.iter().any(|n| n == "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch) (26/04/2026)"), "{notes:?}");
    }

    #[test]
    fn a_period_across_tet_counts_the_make_up_saturday() {
        let calendar = year_2025();
        // Received Thursday 23/1/2025: Friday 24/1 is day 1; Tết runs to Sunday 2/2; 3/2 to 7/2
        // are days 2 to 6; the make-up Saturday 8/2 is day 7. The answer is due by its end.
        assert_eq!(calendar.deadline(at(date!(2025 - 01 - 23), 10), 7), text::vn_midnight_ms(date!(2025 - 02 - 09)));
        assert!(!calendar.is_working(date!(2025 - 01 - 27)) && calendar.is_working(date!(2025 - 02 - 08)));
        // Late in the evening is still the same day in Vietnam (23:30 is 16:30 UTC).
        assert_eq!(calendar.deadline(at(date!(2025 - 01 - 23), 23) + 1_800_000, 7), text::vn_midnight_ms(date!(2025 - 02 - 09)));
    }

    #[test]
    fn a_period_across_30_april_and_1_may_with_the_swap() {
        let calendar = year_2025();
        // Received Friday 25/4: the make-up Saturday 26/4 is day 1, 28/4 and 29/4 days 2 and 3.
        assert_eq!(calendar.deadline(at(date!(2025 - 04 - 25), 15), 3), text::vn_midnight_ms(date!(2025 - 04 - 30)));
        // Five days: 30/4 to 4/5 are off (2/5 swapped), so days 4 and 5 are 5/5 and 6/5.
        assert_eq!(calendar.deadline(at(date!(2025 - 04 - 25), 15), 5), text::vn_midnight_ms(date!(2025 - 05 - 07)));
        assert_eq!(calendar.working_days_between(at(date!(2025 - 04 - 25), 15), at(date!(2025 - 05 - 06), 9)), 5);
        assert_eq!(calendar.working_days_between(at(date!(2025 - 04 - 25), 8), at(date!(2025 - 04 - 25), 17)), 0);
        // The reminder comes at the start of the working day before the last one: 5/5.
        let deadline = calendar.deadline(at(date!(2025 - 04 - 25), 15), 5);
        assert_eq!(calendar.reminder(deadline, 1), text::vn_midnight_ms(date!(2025 - 05 - 05)));
    }

    #[test]
    fn a_calendar_with_every_day_off_does_not_hang() {
        let start = date!(2025 - 01 - 01);
        let calendar = WorkingCalendar::new((0..366).map(|d| (start + Duration::days(d), false)));
        assert!(calendar.working_day_after(start, 5) > start);
    }
}
