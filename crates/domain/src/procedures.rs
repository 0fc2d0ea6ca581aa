//! The administrative procedures a unit handles (thủ tục hành chính), as the national procedure
//! database lists them: a code such as `1.001193`, a name and a field. A unit's catalogue offers
//! citizens the names to pick from; what a citizen types is always accepted, and becomes the
//! procedure's code only when it names one of the unit's procedures.

use crate::text;

/// Longest name a citizen may type for a procedure, in characters.
pub const MAX_TYPED: usize = 300;
/// Most procedures one unit's catalogue holds (a commune handles a few hundred).
pub const MAX_PER_UNIT: usize = 5_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Procedure {
    pub code: String,
    pub name: String,
    pub field: String,
}

/// The columns of a catalogue file with the names accepted in its header (compared without
/// accents or case), as the national procedure database exports them.
const COLUMNS: [(&str, &[&str]); 3] = [
    ("Mã thủ tục", &["ma thu tuc", "ma tthc", "ma so", "ma thu tuc hanh chinh", "ma"]),
    ("Tên thủ tục", &["ten thu tuc", "ten tthc", "ten thu tuc hanh chinh", "ten"]),
    ("Lĩnh vực", &["linh vuc", "ten linh vuc"]),
];

/// A catalogue line's problem, with the line it came from (the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

/// Reads a catalogue table (header first). Every bad line is named; a file with any is refused
/// whole, so nothing is half-imported. The same code twice is a mistake in the file.
pub fn read_catalogue(table: &[Vec<String>]) -> Result<Vec<Procedure>, Vec<LineError>> {
    let whole = |message: String| vec![LineError { line: 1, message }];
    let Some((header, rows)) = table.split_first() else { return Err(whole("Tệp trống: cần dòng tiêu đề và các dòng thủ tục.".into())) };
    let folded: Vec<String> = header.iter().map(|h| text::fold(h)).collect();
    let positions: Vec<Option<usize>> = COLUMNS.iter().map(|(_, names)| folded.iter().position(|h| names.contains(&h.as_str()))).collect();
    if positions[0].is_none() || positions[1].is_none() {
        let names: Vec<&str> = COLUMNS.iter().map(|(name, _)| *name).collect();
        return Err(whole(format!("Dòng tiêu đề phải có cột «Mã thủ tục» và «Tên thủ tục» (các cột: {}).", names.join(", "))));
    }
    let cell = |row: &[String], i: usize| positions[i].and_then(|p| row.get(p)).map(|c| text::clean(c)).unwrap_or_default();
    let mut procedures: Vec<Procedure> = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, row) in rows.iter().enumerate().filter(|(_, row)| row.iter().any(|c| !c.trim().is_empty())) {
        let line = i + 2;
        let procedure = Procedure { code: cell(row, 0), name: cell(row, 1), field: cell(row, 2) };
        let mut fail = |message: String| errors.push(LineError { line, message });
        if !valid_code(&procedure.code) {
            fail(format!("Mã thủ tục «{}» không hợp lệ (chữ, số, dấu chấm, gạch; tối đa 64 ký tự).", procedure.code));
        } else if let Some(first) = seen.insert(procedure.code.clone(), line) {
            fail(format!("Mã thủ tục «{}» đã có ở dòng {first}.", procedure.code));
        }
        if procedure.name.is_empty() || procedure.name.chars().count() > MAX_TYPED {
            fail(format!("Tên thủ tục phải có từ 1 đến {MAX_TYPED} ký tự."));
        }
        if procedure.field.chars().count() > MAX_TYPED {
            fail(format!("Tên lĩnh vực dài quá {MAX_TYPED} ký tự."));
        }
        procedures.push(procedure);
    }
    if procedures.len() > MAX_PER_UNIT {
        errors.push(LineError {
            line: 1,
            message: format!(
                "Mỗi đơn vị có tối đa {} thủ tục; tệp có {}.",
                text::format_count(MAX_PER_UNIT as u64),
                text::format_count(procedures.len() as u64)
            ),
        });
    }
    if procedures.is_empty() && errors.is_empty() {
        errors.push(LineError { line: 1, message: "Tệp không có dòng thủ tục nào dưới dòng tiêu đề.".into() });
    }
    if errors.is_empty() { Ok(procedures) } else { Err(errors) }
}

fn valid_code(code: &str) -> bool {
    (1..=64).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
}

/// What a procedure answer stores: the catalogue's code when the text names (or is the code of)
/// one of the unit's procedures, compared without accents, case or extra spaces; otherwise the
/// text as typed, its spaces tidied.
pub fn resolve(typed: &str, catalogue: &[Procedure]) -> String {
    let tidy = text::clean(typed);
    let key = text::fold(&tidy);
    catalogue.iter().find(|p| p.code == tidy || text::fold(&p.name) == key).map_or(tidy, |p| p.code.clone())
}

/// How a stored procedure answer reads: the name of the catalogue's procedure with that code, or
/// the answer itself (a name typed by the citizen).
pub fn shown<'a>(answer: &'a str, catalogue: &'a [Procedure]) -> &'a str {
    catalogue.iter().find(|p| p.code == answer).map_or(answer, |p| p.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
    }

    fn catalogue() -> Vec<Procedure> {
        read_catalogue(&table(&[
            &["Mã TTHC", "Tên TTHC", "Lĩnh vực"],
            &["1.001193", "Đăng ký khai sinh", "Hộ tịch"],
            &["1.000894", "Đăng ký kết hôn", "Hộ tịch"],
        ]))
        .unwrap()
    }

    #[test]
    fn a_national_export_is_read_by_its_vietnamese_headers() {
        let c = catalogue();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0], Procedure { code: "1.001193".into(), name: "Đăng ký khai sinh".into(), field: "Hộ tịch".into() });
    }

    #[test]
    fn every_bad_line_is_named_and_nothing_is_taken() {
        let errors = read_catalogue(&table(&[
            &["Mã thủ tục", "Tên thủ tục"],
            &["1.001193", "Đăng ký khai sinh"],
            &["", "Không có mã"],
            &["1.001193", "Trùng mã"],
            &["2.000<script>", ""],
        ]))
        .unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 5], "{errors:?}");
        assert!(errors[1].message.contains("đã có ở dòng 2"));
        assert!(read_catalogue(&table(&[&["Tên", "Lĩnh vực"], &["x", "y"]])).unwrap_err()[0].message.contains("Mã thủ tục"));
        assert!(read_catalogue(&table(&[&["Mã", "Tên"]])).is_err(), "a file without procedures is refused");
    }

    #[test]
    fn a_typed_name_becomes_the_code_only_when_it_names_a_procedure() {
        let c = catalogue();
        assert_eq!(resolve("Đăng ký khai sinh", &c), "1.001193");
        assert_eq!(resolve("  dang ky   KHAI SINH ", &c), "1.001193", "without accents, case or extra spaces");
        assert_eq!(resolve("1.000894", &c), "1.000894");
        assert_eq!(resolve("Xin  giấy xác nhận tình trạng hôn nhân", &c), "Xin giấy xác nhận tình trạng hôn nhân", "kept as typed");
        assert_eq!(shown("1.001193", &c), "Đăng ký khai sinh");
        assert_eq!(shown("Xin giấy xác nhận", &c), "Xin giấy xác nhận");
    }
}
