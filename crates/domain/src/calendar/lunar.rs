//! The Vietnamese lunisolar calendar, computed, not tabled: new moons and the sun's longitude by
//! the astronomical approximations of Jean Meeus ("Astronomical Algorithms"), counted in
//! Vietnam's time zone (UTC+7), as Hồ Ngọc Đức's well-known conversion does. A lunar month
//! begins on the day of its new moon; month 11 holds the winter solstice; a year with 13 months
//! repeats the first month that holds no major solar term. Tết and the Hùng Kings' day come
//! from here, so the working calendar of any year needs no table.

use std::f64::consts::PI;

use time::Date;

/// Vietnam's time zone, in hours from UTC.
const ZONE: f64 = 7.0;
/// The mean length of a lunar month (synodic), in days.
const SYNODIC: f64 = 29.530_588_853;
/// The Julian day of the new moon of 1 January 1900, from which new moons are numbered.
const EPOCH: f64 = 2_415_021.076_998_695;

/// The Julian day (days and fraction) of the `k`-th new moon after January 1900.
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85;
    let (t2, t3) = (t * t, t * t * t);
    let dr = PI / 180.0;
    let mut jd = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3;
    jd += 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    let m = 359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3;
    let mpr = 306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3;
    let f = 21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3;
    let mut c1 = (0.1734 - 0.000_393 * t) * (m * dr).sin() + 0.0021 * (2.0 * dr * m).sin();
    c1 += -0.4068 * (mpr * dr).sin() + 0.0161 * (dr * 2.0 * mpr).sin();
    c1 -= 0.0004 * (dr * 3.0 * mpr).sin();
    c1 += 0.0104 * (dr * 2.0 * f).sin() - 0.0051 * (dr * (m + mpr)).sin();
    c1 += -0.0074 * (dr * (m - mpr)).sin() + 0.0004 * (dr * (2.0 * f + m)).sin();
    c1 += -0.0004 * (dr * (2.0 * f - m)).sin() - 0.0006 * (dr * (2.0 * f + mpr)).sin();
    c1 += 0.0010 * (dr * (2.0 * f - mpr)).sin() + 0.0005 * (dr * (2.0 * mpr + m)).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    jd + c1 - delta_t
}

/// The Julian day number of the day, in Vietnam, of the `k`-th new moon.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + ZONE / 24.0).floor() as i64
}

/// Which of the twelve 30° sectors the sun is in at the start of a day (0 from the spring
/// equinox); a month holding no change of sector holds no major solar term.
fn sun_sector(day: i64) -> i64 {
    let t = (day as f64 - 0.5 - ZONE / 24.0 - 2_451_545.0) / 36_525.0;
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let dl =
        (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin() + (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin() + 0.000_290 * (dr * 3.0 * m).sin();
    let longitude = ((l0 + dl) * dr).rem_euclid(2.0 * PI);
    (longitude / PI * 6.0).floor() as i64
}

/// The first day (Julian day number) of the lunar month 11 that holds the winter solstice of
/// solar year `year`.
fn month_11(year: i32) -> i64 {
    let last_day = Date::from_calendar_date(year, time::Month::December, 31).map_or(0, |d| i64::from(d.to_julian_day()));
    let k = ((last_day as f64 - 2_415_021.0) / SYNODIC).floor() as i64;
    let day = new_moon_day(k);
    // The sun past 270° at that new moon: the solstice fell in the month before.
    if sun_sector(day) >= 9 { new_moon_day(k - 1) } else { day }
}

/// In a 13-month year beginning (month 11) on `a11`, how many months after month 11 the leap
/// month falls: the first month with no major solar term.
fn leap_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - EPOCH) / SYNODIC + 0.5).floor() as i64;
    let mut i = 1;
    let mut sector = sun_sector(new_moon_day(k + i));
    loop {
        let last = sector;
        i += 1;
        sector = sun_sector(new_moon_day(k + i));
        if sector == last || i >= 14 {
            return i - 1;
        }
    }
}

/// The solar date of day `day` of lunar month `month` (1–12, not the leap month) of lunar year
/// `year` (the year in which its month 1 begins). `None` for a day the month does not hold.
pub fn to_solar(day: u8, month: u8, year: i32) -> Option<Date> {
    if !(1..=30).contains(&day) || !(1..=12).contains(&month) {
        return None;
    }
    let (a11, b11) = if month < 11 { (month_11(year - 1), month_11(year)) } else { (month_11(year), month_11(year + 1)) };
    let k = (0.5 + (a11 as f64 - EPOCH) / SYNODIC).floor() as i64;
    let mut offset = (i64::from(month) - 11).rem_euclid(12);
    if b11 - a11 > 365 && offset >= leap_offset(a11) {
        offset += 1;
    }
    let start = new_moon_day(k + offset);
    let next = new_moon_day(k + offset + 1);
    let date = start + i64::from(day) - 1;
    if date >= next {
        return None;
    }
    Date::from_julian_day(i32::try_from(date).ok()?).ok()
}

/// The first day of the lunar new year (Tết Nguyên đán) in solar year `year`.
pub fn new_year(year: i32) -> Option<Date> {
    to_solar(1, 1, year)
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn tet_falls_on_the_days_the_almanac_gives() {
        assert_eq!(new_year(2023), Some(date!(2023 - 01 - 22)));
        assert_eq!(new_year(2024), Some(date!(2024 - 02 - 10)));
        assert_eq!(new_year(2025), Some(date!(2025 - 01 - 29)));
        assert_eq!(new_year(2026), Some(date!(2026 - 02 - 17)));
        assert_eq!(new_year(2027), Some(date!(2027 - 02 - 06)));
    }

    #[test]
    fn the_hung_kings_day_is_the_tenth_of_the_third_month() {
        assert_eq!(to_solar(10, 3, 2024), Some(date!(2024 - 04 - 18)));
        assert_eq!(to_solar(10, 3, 2025), Some(date!(2025 - 04 - 07)));
        assert_eq!(to_solar(10, 3, 2026), Some(date!(2026 - 04 - 26)));
    }

    #[test]
    fn a_leap_year_counts_its_months_after_the_leap_one() {
        // 2023 repeated month 2; month 3 began on 20/4/2023. 2025 repeated month 6; month 7
        // (the Vu Lan month) began on 23/8/2025.
        assert_eq!(to_solar(1, 3, 2023), Some(date!(2023 - 04 - 20)));
        assert_eq!(to_solar(1, 7, 2025), Some(date!(2025 - 08 - 23)));
        assert_eq!(to_solar(31, 1, 2025), None);
        assert_eq!(to_solar(1, 13, 2025), None);
    }
}
