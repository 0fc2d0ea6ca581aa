//! Vietnamese text and number conventions: NFC text, accent-insensitive search keys, the
//! Vietnamese alphabetical order, `1.234,5` numbers and `dd/mm/yyyy` dates.

use time::{Date, Month, OffsetDateTime, UtcOffset};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Vietnam has kept UTC+7 without daylight saving since 1975.
pub const VN_OFFSET: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+7 is a valid offset"),
};

/// Canonical form of user-entered text: NFC, trimmed, inner whitespace collapsed.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Free text as typed in a form: NFC, each line cleaned as by [`clean`], at most one blank line
/// in a row, no blank lines at either end.
pub fn clean_multiline(s: &str) -> String {
    let lines: Vec<String> = s.lines().map(clean).collect();
    let mut out: Vec<&str> = Vec::new();
    for line in &lines {
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// Where each of `columns` (code, header shown, other names accepted) is in a table's header
/// row, its cells compared folded (no case, no accents).
pub fn header_positions<const N: usize>(header: &[String], columns: &[(&str, &str, &[&str]); N]) -> [Option<usize>; N] {
    let folded: Vec<String> = header.iter().map(|h| fold(h)).collect();
    columns.map(|(code, label, names)| folded.iter().position(|h| h == code || *h == fold(label) || names.contains(&h.as_str())))
}

/// The cell of `row` at `column`, empty when the column or the cell is missing.
pub fn cell(row: &[String], column: Option<usize>) -> String {
    column.and_then(|c| row.get(c)).cloned().unwrap_or_default()
}

/// Search key: lower case, no diacritics, `đ` → `d`, so "Đông Hòa" matches "dong hoa".
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sort key for the Vietnamese alphabet: a ă â b c d đ e ê … o ô ơ … u ư …, with the tones
/// (none, huyền, hỏi, ngã, sắc, nặng) deciding only between otherwise equal words.
pub fn collation_key(s: &str) -> (Vec<u32>, Vec<u8>) {
    let mut letters = Vec::new();
    let mut tones = Vec::new();
    for ch in s.nfc() {
        let mut parts = std::iter::once(ch).nfd();
        let base = parts.next().unwrap_or(ch);
        let mut letter = base.to_lowercase().next().unwrap_or(base) as u32 * 4;
        let mut tone = 0u8;
        if base == 'đ' || base == 'Đ' {
            letter = 'd' as u32 * 4 + 1;
        }
        for mark in parts {
            match mark {
                '\u{0306}' => letter += 1, // breve: ă
                '\u{0302}' => letter += 2, // circumflex: â ê ô
                '\u{031B}' => letter += 3, // horn: ơ ư
                '\u{0300}' => tone = 1,    // huyền
                '\u{0309}' => tone = 2,    // hỏi
                '\u{0303}' => tone = 3,    // ngã
                '\u{0301}' => tone = 4,    // sắc
                '\u{0323}' => tone = 5,    // nặng
                _ => {}
            }
        }
        letters.push(letter);
        tones.push(tone);
    }
    (letters, tones)
}

/// [`collation_key`] as a string that sorts byte-wise in the database (`COLLATE "C"`).
pub fn sort_key(s: &str) -> String {
    let (letters, tones) = collation_key(s);
    let mut key: String = letters.iter().map(|l| format!("{l:06x}")).collect();
    key.push('!'); // below every hex digit, so a prefix sorts first
    key.extend(tones.iter().map(|t| char::from(b'0' + t)));
    key
}

/// `1234.5` with one decimal → `1.234,5`.
/// `3.187` — a count as Vietnamese pages write it.
pub fn format_count(n: u64) -> String {
    format_number(n as f64, 0)
}

/// A count that stopped at its limit: "hơn 1.000" when `more`, else the count.
pub fn format_count_at_most(n: i64, more: bool) -> String {
    let count = format_count(n.max(0) as u64);
    if more { format!("hơn {count}") } else { count }
}

pub fn format_number(value: f64, decimals: usize) -> String {
    let formatted = format!("{:.*}", decimals, value.abs());
    let (int_part, frac_part) = formatted.split_once('.').unwrap_or((&formatted, ""));
    let mut grouped = String::new();
    for (i, digit) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    let sign = if value < 0.0 && formatted.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    if frac_part.is_empty() { format!("{sign}{grouped}") } else { format!("{sign}{grouped},{frac_part}") }
}

/// A number as a Vietnamese person types it: `12`, `12,5`, `1.234,5`, `1 234`, `1.234` (a
/// thousand: dots that group digits by three after a first group of one to three that is not
/// zero), or with a decimal point, `12.5`, `0.125`.
pub fn parse_number(input: &str) -> Option<f64> {
    let t = input.trim().replace(' ', "");
    let mut groups = t.trim_start_matches('-').split('.');
    let first = groups.next().unwrap_or("");
    let grouped = (1..=3).contains(&first.len()) && first != "0" && t.contains('.') && groups.all(|g| g.len() == 3) && !t.contains(',');
    let normal = if t.contains(',') || grouped { t.replace('.', "").replace(',', ".") } else { t };
    normal.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A percentage typed the Vietnamese way (`90`, `92,5`, `92,5 %`) or with a decimal point.
pub fn parse_percent(input: &str) -> Option<f64> {
    parse_number(input.trim().trim_end_matches('%'))
}

/// `dd/mm/yyyy`, the form every Vietnamese official reads.
pub fn format_date(date: Date) -> String {
    format!("{:02}/{:02}/{:04}", date.day(), u8::from(date.month()), date.year())
}

/// `dd/mm/yyyy HH:MM` in Vietnam time, from a unix timestamp in milliseconds.
pub fn format_timestamp_ms(ms: i64) -> String {
    let at = vn_datetime(ms);
    format!("{} {:02}:{:02}", format_date(at.date()), at.hour(), at.minute())
}

/// When a deadline locks, as officials say it: `khóa lúc 23:59 ngày 15/01/2026` for a deadline
/// at the midnight that ends the 15th (the last minute still open), the exact minute otherwise.
pub fn format_lock(ms: i64) -> String {
    let at = vn_datetime(ms);
    let shown = if (at.hour(), at.minute(), at.second()) == (0, 0, 0) { vn_datetime(ms - 60_000) } else { at };
    format!("khóa lúc {:02}:{:02} ngày {}", shown.hour(), shown.minute(), format_date(shown.date()))
}

/// The moment `ms` (unix milliseconds) on the Vietnamese wall clock.
pub fn vn_datetime(ms: i64) -> OffsetDateTime {
    let utc = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    utc.to_offset(VN_OFFSET)
}

/// The first moment of `date` in Vietnam, as unix milliseconds.
pub fn vn_midnight_ms(date: Date) -> i64 {
    let at = time::PrimitiveDateTime::new(date, time::Time::MIDNIGHT).assume_offset(VN_OFFSET);
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Accepts `dd/mm/yyyy` (also with `-` or `.`) and ISO `yyyy-mm-dd`.
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let numbers: Vec<&str> = s.split(['/', '-', '.']).collect();
    let [a, b, c] = numbers.as_slice() else { return None };
    let (year, month, day) = if a.len() == 4 { (a, b, c) } else { (c, b, a) };
    if year.len() != 4 || day.is_empty() || day.len() > 2 || month.is_empty() || month.len() > 2 {
        return None;
    }
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

/// ISO `yyyy-mm-dd`, the storage form of a date: it sorts like the date itself.
pub fn iso_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_vietnamese_way_and_the_plain_one() {
        for (typed, value) in [
            ("12", 12.0),
            ("12,5", 12.5),
            ("1.234,5", 1234.5),
            ("1.234", 1234.0),
            ("12.500", 12_500.0),
            ("1 234", 1234.0),
            ("12.5", 12.5),
            ("0.125", 0.125),
            ("-1.234", -1234.0),
            ("-2,5", -2.5),
            (" 92,5 ", 92.5),
        ] {
            assert_eq!(parse_number(typed), Some(value), "{typed}");
        }
        for bad in ["", "abc", "1,2,3", "inf", "NaN", "1e999"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
        assert_eq!(parse_percent("92,5 %"), Some(92.5));
        assert_eq!(parse_percent("90%"), Some(90.0));
    }
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("  Sở Nội vụ  Tỉnh ĐỒNG Tháp"), "so noi vu tinh dong thap");
        assert_eq!(fold("Phường Đông Hòa"), fold("phuong dong hoa"));
    }

    #[test]
    fn cleans_to_nfc() {
        let decomposed = "Ho\u{0300}a";
        assert_eq!(clean(&format!(" {decomposed}   Bình ")), "Hòa Bình");
    }

    #[test]
    fn sorts_in_vietnamese_alphabet() {
        let mut words = vec!["Ơn", "Đông", "Ăn", "An", "Ân", "Dương", "Ô", "Bắc", "Ba", "Bà", "Bá"];
        words.sort_by_key(|w| collation_key(w));
        let mut by_string = words.clone();
        by_string.reverse();
        by_string.sort_by_key(|w| sort_key(w));
        assert_eq!(by_string, words);
        assert_eq!(words, vec!["An", "Ăn", "Ân", "Ba", "Bà", "Bá", "Bắc", "Dương", "Đông", "Ô", "Ơn"]);
    }

    #[test]
    fn cleans_free_text_keeping_paragraphs() {
        assert_eq!(clean_multiline("\n  Cán bộ  tận tình\r\n\n\n\nnhưng  chờ lâu \n\n"), "Cán bộ tận tình\n\nnhưng chờ lâu");
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(format_number(1234.5, 1), "1.234,5");
        assert_eq!(format_number(1234567.0, 0), "1.234.567");
        assert_eq!((format_count_at_most(10_000, true), format_count_at_most(12, false)), ("hơn 10.000".to_string(), "12".to_string()));
        assert_eq!(format_number(0.05, 2), "0,05");
        assert_eq!(format_number(-1000.0, 0), "-1.000");
        assert_eq!(format_number(-0.001, 1), "0,0");
        assert_eq!(format_number(999.96, 1), "1.000,0");
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(format_date(date!(2025 - 07 - 01)), "01/07/2025");
        assert_eq!(parse_date("01/07/2025"), Some(date!(2025 - 07 - 01)));
        assert_eq!(parse_date("2025-07-01"), Some(date!(2025 - 07 - 01)));
        assert_eq!(parse_date("1.7.2025"), Some(date!(2025 - 07 - 01)));
        assert_eq!(parse_date("31/02/2025"), None);
        assert_eq!(parse_date("01/07/25"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn midnight_in_vietnam() {
        // 00:00 on 1 July 2025 in Hà Nội is 17:00 UTC the day before.
        assert_eq!(vn_midnight_ms(date!(2025 - 07 - 01)), 1_751_302_800_000);
        assert_eq!(format_timestamp_ms(vn_midnight_ms(date!(2025 - 07 - 01))), "01/07/2025 00:00");
        // A deadline at the midnight after 30/06 locks at the end of 30/06.
        assert_eq!(format_lock(vn_midnight_ms(date!(2025 - 07 - 01))), "khóa lúc 23:59 ngày 30/06/2025");
        assert_eq!(format_lock(vn_midnight_ms(date!(2025 - 07 - 01)) + 90 * 60_000), "khóa lúc 01:30 ngày 01/07/2025");
    }

    #[test]
    fn timestamps_are_vietnam_time() {
        // 2025-06-30T17:30:00Z is 00:30 on 1 July in Hà Nội.
        assert_eq!(format_timestamp_ms(1_751_304_600_000), "01/07/2025 00:30");
    }

    proptest! {
        #[test]
        fn any_date_round_trips(days in 0i32..80_000) {
            let d = date!(1950 - 01 - 01) + time::Duration::days(i64::from(days));
            prop_assert_eq!(parse_date(&format_date(d)), Some(d));
            prop_assert_eq!(parse_date(&iso_date(d)), Some(d));
        }

        #[test]
        fn number_format_parses_back(cents in -10_000_000_000i64..10_000_000_000) {
            let value = cents as f64 / 10.0;
            let text = format_number(value, 1);
            let back: f64 = text.replace('.', "").replace(',', ".").parse().unwrap();
            prop_assert!((back - value).abs() < 1e-6);
        }

        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            prop_assert_eq!(fold(&fold(&s)), fold(&s));
        }
    }
}
