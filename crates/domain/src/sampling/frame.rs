//! The sampling frame (khung mẫu): one record per dossier the one-stop system has completed, with
//! the applicant's contact details. Rows arrive from an uploaded export or one at a time from the
//! one-stop system; both are checked here, field by field, with the row's line in every message.

use time::Date;

use crate::text;

/// A checked frame record. Contact details are normalised so that the same person written two
/// ways is recognised as one (for the contact-frequency rule and opt-outs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameRecord {
    pub dossier_code: String,
    pub procedure: String,
    pub field: String,
    pub unit_code: String,
    pub completed_on: Date,
    pub name: String,
    /// `0` followed by nine or ten digits.
    pub phone: Option<String>,
    /// Lower case.
    pub email: Option<String>,
    /// The applicant agreed to be asked about the service.
    pub consent: bool,
}

/// The columns of a frame file, in order: the name a header shows, and the names accepted (the
/// English codes and the Vietnamese names one-stop exports use; compared without accents or case).
pub const COLUMNS: [(&str, &str, &[&str]); 9] = [
    ("dossier_code", "Mã hồ sơ", &["ma ho so", "ma_ho_so", "so ho so"]),
    ("procedure", "Thủ tục", &["thu tuc", "thu_tuc", "ten thu tuc"]),
    ("field", "Lĩnh vực", &["linh vuc", "linh_vuc"]),
    ("unit_code", "Mã đơn vị", &["ma don vi", "ma_don_vi"]),
    ("completed_on", "Ngày hoàn thành", &["ngay hoan thanh", "ngay_hoan_thanh", "ngay tra ket qua"]),
    ("name", "Họ tên", &["ho ten", "ho_ten", "ho va ten", "ten nguoi nop"]),
    ("phone", "Điện thoại", &["dien thoai", "dien_thoai", "so dien thoai"]),
    ("email", "Thư điện tử", &["thu dien tu"]),
    ("consent", "Đồng ý khảo sát", &["dong y", "dong_y", "dong y khao sat"]),
];

/// One row as read, before any check.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RawFrameRow {
    pub dossier_code: String,
    pub procedure: String,
    #[serde(default)]
    pub field: String,
    pub unit_code: String,
    pub completed_on: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// `có`/`không` (also 1/0, x, true/false).
    #[serde(default)]
    pub consent: String,
}

/// What is wrong with a row; each message names the field in Vietnamese.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("thiếu mã hồ sơ")]
    MissingDossier,
    #[error("mã hồ sơ «{0}» không hợp lệ (tối đa 64 ký tự: chữ không dấu, số, . - _ /)")]
    BadDossier(String),
    #[error("thiếu tên thủ tục")]
    MissingProcedure,
    #[error("tên thủ tục hoặc lĩnh vực quá dài (tối đa 300 ký tự)")]
    TooLong,
    #[error("thiếu mã đơn vị")]
    MissingUnit,
    #[error("ngày hoàn thành «{0}» không đúng dạng dd/mm/yyyy")]
    BadDate(String),
    #[error("họ tên quá dài (tối đa 200 ký tự)")]
    LongName,
    #[error("số điện thoại «{0}» không hợp lệ (10–11 chữ số, bắt đầu bằng 0 hoặc +84)")]
    BadPhone(String),
    #[error("thư điện tử «{0}» không hợp lệ")]
    BadEmail(String),
    #[error("ô đồng ý khảo sát «{0}» phải là «có» hoặc «không»")]
    BadConsent(String),
}

impl FrameError {
    /// The column the problem is in.
    pub fn field(&self) -> &'static str {
        match self {
            Self::MissingDossier | Self::BadDossier(_) => "dossier_code",
            Self::MissingProcedure | Self::TooLong => "procedure",
            Self::MissingUnit => "unit_code",
            Self::BadDate(_) => "completed_on",
            Self::LongName => "name",
            Self::BadPhone(_) => "phone",
            Self::BadEmail(_) => "email",
            Self::BadConsent(_) => "consent",
        }
    }
}

impl RawFrameRow {
    /// Checks every field and reports all that are wrong, not only the first.
    pub fn parse(&self) -> Result<FrameRecord, Vec<FrameError>> {
        let mut errors = Vec::new();
        let dossier_code = self.dossier_code.trim().to_string();
        if dossier_code.is_empty() {
            errors.push(FrameError::MissingDossier);
        } else if !is_dossier_code(&dossier_code) {
            errors.push(FrameError::BadDossier(dossier_code.clone()));
        }
        let procedure = text::clean(&self.procedure);
        let field = text::clean(&self.field);
        if procedure.is_empty() {
            errors.push(FrameError::MissingProcedure);
        }
        if procedure.chars().count() > 300 || field.chars().count() > 300 {
            errors.push(FrameError::TooLong);
        }
        let unit_code = self.unit_code.trim().to_string();
        if unit_code.is_empty() {
            errors.push(FrameError::MissingUnit);
        }
        let completed_on = text::parse_date(&self.completed_on);
        if completed_on.is_none() {
            errors.push(FrameError::BadDate(self.completed_on.trim().to_string()));
        }
        let name = text::clean(&self.name);
        if name.chars().count() > 200 {
            errors.push(FrameError::LongName);
        }
        let phone = match self.phone.trim() {
            "" => None,
            given => normalise_phone(given).or_else(|| {
                errors.push(FrameError::BadPhone(given.to_string()));
                None
            }),
        };
        let email = match self.email.trim() {
            "" => None,
            given => normalise_email(given).or_else(|| {
                errors.push(FrameError::BadEmail(given.to_string()));
                None
            }),
        };
        let consent = parse_consent(&self.consent).unwrap_or_else(|| {
            errors.push(FrameError::BadConsent(self.consent.trim().to_string()));
            false
        });
        match completed_on {
            Some(completed_on) if errors.is_empty() => Ok(FrameRecord { dossier_code, procedure, field, unit_code, completed_on, name, phone, email, consent }),
            _ => Err(errors),
        }
    }
}

/// A one-stop dossier code such as `000.00.12.H56-250101-0001`.
pub fn is_dossier_code(code: &str) -> bool {
    (1..=64).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
}

/// `0xxxxxxxxx` from the ways Vietnamese numbers are written: spaces, dots, dashes, brackets,
/// a `+84` or `84` country prefix.
pub fn normalise_phone(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')')).collect();
    let national = if let Some(rest) = digits.strip_prefix("+84") {
        format!("0{rest}")
    } else if digits.starts_with("84") && digits.len() >= 11 {
        format!("0{}", &digits[2..])
    } else {
        digits
    };
    let valid = national.starts_with('0') && (10..=11).contains(&national.len()) && national.chars().all(|c| c.is_ascii_digit());
    valid.then_some(national)
}

/// A plain address check: one `@`, a dotted domain, no spaces; lower-cased.
pub fn normalise_email(input: &str) -> Option<String> {
    let email = input.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let valid = !local.is_empty()
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    valid.then_some(email)
}

/// `có` or `không` as people write them in a spreadsheet; an empty cell is no consent.
pub fn parse_consent(input: &str) -> Option<bool> {
    match text::fold(input).as_str() {
        "co" | "x" | "1" | "true" | "yes" | "dong y" => Some(true),
        "" | "khong" | "0" | "false" | "no" | "khong dong y" => Some(false),
        _ => None,
    }
}

/// A row's problems with the line it came from (the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RowProblems {
    pub line: usize,
    pub messages: Vec<String>,
}

impl RowProblems {
    /// `Dòng 3: thiếu chức vụ; …`.
    pub fn sentence(&self) -> String {
        format!("Dòng {}: {}.", self.line, self.messages.join("; "))
    }
}

/// Reads a table (header first) into raw rows, recognising the columns by their header names.
/// A header without the required columns is refused as a whole.
pub fn rows_from_table(table: &[Vec<String>]) -> Result<Vec<(usize, RawFrameRow)>, String> {
    let Some((header, rows)) = table.split_first() else {
        return Err("Tệp trống: cần dòng tiêu đề và các dòng hồ sơ.".into());
    };
    let positions = text::header_positions(header, &COLUMNS);
    let missing: Vec<&str> = [0, 1, 3, 4].into_iter().filter(|i| positions[*i].is_none()).map(|i| COLUMNS[i].1).collect();
    if !missing.is_empty() {
        return Err(format!("Dòng tiêu đề thiếu cột: {}. Các cột: {}.", missing.join(", "), COLUMNS.map(|(_, label, _)| label).join(", ")));
    }
    let cell = |row: &Vec<String>, i: usize| text::cell(row, positions[i]);
    Ok(rows
        .iter()
        .enumerate()
        .filter(|(_, row)| row.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, row)| {
            let raw = RawFrameRow {
                dossier_code: cell(row, 0),
                procedure: cell(row, 1),
                field: cell(row, 2),
                unit_code: cell(row, 3),
                completed_on: cell(row, 4),
                name: cell(row, 5),
                phone: cell(row, 6),
                email: cell(row, 7),
                consent: cell(row, 8),
            };
            (i + 2, raw)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(dossier: &str, phone: &str, email: &str, consent: &str, date: &str) -> RawFrameRow {
        RawFrameRow {
            dossier_code: dossier.into(),
            procedure: "Đăng ký khai sinh".into(),
            field: "Hộ tịch".into(),
            unit_code: "28101".into(),
            completed_on: date.into(),
            name: "Nguyễn Văn A".into(),
            phone: phone.into(),
            email: email.into(),
            consent: consent.into(),
        }
    }

    #[test]
    fn normalises_contacts() {
        assert_eq!(normalise_phone("+84 912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(normalise_phone("84912345678").as_deref(), Some("0912345678"));
        assert_eq!(normalise_phone("0912.345.678").as_deref(), Some("0912345678"));
        assert_eq!(normalise_phone("(0236) 3822 111").as_deref(), Some("02363822111"));
        assert_eq!(normalise_phone("12345"), None);
        assert_eq!(normalise_phone("09123456ab"), None);
        assert_eq!(normalise_email(" An.Nguyen@Gmail.COM ").as_deref(), Some("an.nguyen@gmail.com"));
        assert_eq!(normalise_email("an@localhost"), None);
        assert_eq!(normalise_email("a b@x.vn"), None);
        assert_eq!(normalise_email("@x.vn"), None);
    }

    #[test]
    fn consent_as_people_write_it() {
        for yes in ["có", "Có", "x", "1", "Đồng ý"] {
            assert_eq!(parse_consent(yes), Some(true), "{yes}");
        }
        for no in ["", "không", "KHÔNG", "0"] {
            assert_eq!(parse_consent(no), Some(false), "{no}");
        }
        assert_eq!(parse_consent("có lẽ"), None);
    }

    #[test]
    fn a_good_row_parses_and_a_bad_one_lists_every_problem() {
        let good = row("H56-250101-0001", "0912 345 678", "", "có", "05/03/2026").parse().unwrap();
        assert_eq!(good.phone.as_deref(), Some("0912345678"));
        assert_eq!(good.completed_on, Date::from_calendar_date(2026, time::Month::March, 5).unwrap());
        assert!(good.consent);
        let errors = row("mã có dấu", "12", "không-phải-thư", "chắc", "31/02/2026").parse().unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors.iter().any(|e| e.to_string().contains("31/02/2026")));
    }

    #[test]
    fn headers_in_english_or_vietnamese() {
        let table = vec![
            vec!["Mã hồ sơ".into(), "Thủ tục".into(), "Mã đơn vị".into(), "Ngày hoàn thành".into(), "Điện thoại".into()],
            vec!["A-1".into(), "Khai sinh".into(), "28101".into(), "2026-03-05".into(), "0912345678".into()],
            vec!["".into(), "".into(), "".into(), "".into(), "".into()],
            vec!["A-2".into(), "Khai tử".into(), "28101".into(), "06/03/2026".into(), "".into()],
        ];
        let rows = rows_from_table(&table).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 4, "line numbers count the header and the blank row");
        assert_eq!(rows[0].1.phone, "0912345678");
        let missing = rows_from_table(&[vec!["dossier_code".into()]]).unwrap_err();
        assert!(missing.contains("thiếu cột: Thủ tục, Mã đơn vị, Ngày hoàn thành"), "the missing columns by their Vietnamese names: {missing}");
    }
}
