//! The parsers that take outside input, each with real seeds and, where the format allows, an
//! oracle stronger than "does not panic": what is read and written back must read the same.

use std::io::{Read, Write};

use domain::invitations::hooks;
use domain::surveys::{Answers, Layout, quality, validate, xlsform};
use sheets::Limits;

use crate::Target;

pub fn targets() -> Vec<Target> {
    vec![
        Target { name: "relevant", seeds: relevant_seeds, tokens: RELEVANT_TOKENS, run: relevant },
        Target { name: "xlsform", seeds: xlsform_seeds, tokens: XLSFORM_TOKENS, run: xlsform_tables },
        Target { name: "answers", seeds: answer_seeds, tokens: JSON_TOKENS, run: answers },
        Target { name: "csv", seeds: csv_seeds, tokens: CSV_TOKENS, run: csv_imports },
        Target { name: "xlsx", seeds: xlsx_seeds, tokens: XML_TOKENS, run: xlsx_imports },
        Target { name: "multipart", seeds: multipart_seeds, tokens: MULTIPART_TOKENS, run: multipart },
        Target { name: "sms_hook", seeds: sms_seeds, tokens: JSON_TOKENS, run: sms_hook },
        Target { name: "zalo_hook", seeds: zalo_seeds, tokens: JSON_TOKENS, run: zalo_hook },
    ]
}

fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

// --- `relevant` expressions of XLSForm (skip logic) ---------------------------------------

const RELEVANT_TOKENS: &[&str] =
    &["${", "}", " and ", " or ", "not(", "selected(", ", ", "=", "!=", ">=", "<", "'", "(", ")", "''", "1.5", "-2", "PA0", "'co'"];

fn relevant_seeds() -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> =
        ["${PA0} = 'co'", "selected(${TC_KV}, 'TC1') and not(${HL_CHUNG} = '1')", "${TUOI} >= 18 or ${GT} != 'nam'", "(${A} = 'x' or ${B} = 'y') and ${C} < 3"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
    for form in domain::sipas::templates() {
        let (survey, _, _) = xlsform::to_sheets(&form);
        let column = survey[0].iter().position(|c| c == "relevant");
        seeds.extend(survey.iter().skip(1).filter_map(|row| column.and_then(|c| row.get(c))).filter(|e| !e.is_empty()).map(|e| e.as_bytes().to_vec()));
    }
    seeds
}

/// An expression that parses is written back and must parse to the same condition.
fn relevant(input: &[u8]) {
    if let Ok(condition) = xlsform::parse_expression(&text(input)) {
        let written = xlsform::expression(&condition);
        assert_eq!(xlsform::parse_expression(&written).as_ref(), Ok(&condition), "written back as {written:?}");
    }
}

// --- XLSForm sheets -------------------------------------------------------------------------

const XLSFORM_TOKENS: &[&str] = &[
    "\t",
    "\n",
    "select_one ",
    "select_multiple ",
    "integer",
    "decimal",
    "text",
    "begin_group",
    "end_group",
    "required",
    "yes",
    "${",
    "}",
    "constraint",
    "relevant",
    "list_name",
    "\u{1}",
];

/// Three tables in one input: sheets apart by `\x01`, rows by newlines, cells by tabs.
fn tables(input: &[u8]) -> [Vec<Vec<String>>; 3] {
    let text = text(input);
    let mut sheets = text.split('\u{1}').map(|sheet| sheet.split('\n').map(|row| row.split('\t').map(str::to_string).collect()).collect());
    [sheets.next().unwrap_or_default(), sheets.next().unwrap_or_default(), sheets.next().unwrap_or_default()]
}

fn joined(sheets: &[&[Vec<String>]]) -> Vec<u8> {
    sheets.iter().map(|sheet| sheet.iter().map(|row| row.join("\t")).collect::<Vec<_>>().join("\n")).collect::<Vec<_>>().join("\u{1}").into_bytes()
}

fn xlsform_seeds() -> Vec<Vec<u8>> {
    domain::sipas::templates()
        .iter()
        .map(|form| {
            let (survey, choices, settings) = xlsform::to_sheets(form);
            joined(&[&survey, &choices, &settings])
        })
        .collect()
}

/// A form that reads and passes the questionnaire's checks (as publishing requires; a draft
/// may break them) is written back as sheets and must read as the same form.
fn xlsform_tables(input: &[u8]) {
    let [survey, choices, settings] = tables(input);
    if let Ok(form) = xlsform::from_sheets(&survey, &choices, &settings)
        && form.check().is_ok()
    {
        let (survey, choices, settings) = xlsform::to_sheets(&form);
        assert_eq!(xlsform::from_sheets(&survey, &choices, &settings), Ok(form), "a form does not read back as itself");
    }
}

// --- JSON answers ---------------------------------------------------------------------------

const JSON_TOKENS: &[&str] =
    &["{", "}", "[", "]", ":", ",", "\"", "null", "true", "-1e309", "1e2", "\"\\u0000\"", "\"\\ud800\"", "{\"a\":", "[[[[[[[[", "\"co\"", "\"5\""];

fn sipas() -> domain::surveys::Questionnaire {
    domain::sipas::sipas_2017()
}

fn answer_seeds() -> Vec<Vec<u8>> {
    let mut full = serde_json::Map::new();
    for (element, criteria) in [("TC", 4), ("TT", 5), ("CC", 6), ("KQ", 3), ("PA", 4)] {
        for i in 1..=criteria {
            full.insert(format!("{element}{i}"), "co".into());
        }
        full.insert(format!("{element}_HL"), "4".into());
    }
    full.insert("PA0".into(), "co".into());
    full.insert("HL_CHUNG".into(), "5".into());
    full.insert("TC_KV".into(), serde_json::json!(["TC1", "TC2"]));
    full.insert("GOP_Y".into(), "Cán bộ nhiệt tình".into());
    let full = serde_json::Value::Object(full);
    vec![full.to_string().into_bytes(), serde_json::json!({ "HL_CHUNG": "1" }).to_string().into_bytes(), b"{}".to_vec()]
}

thread_local! {
    static FORM: (domain::surveys::Questionnaire, Layout) = {
        let form = sipas();
        let layout = Layout::of(&form);
        (form, layout)
    };
}

/// The input read as JSON, and read again as choices of answers for the form's questions (so
/// that most sheets get past the JSON and reach the rules). Answers that pass validation are
/// counted: every counted key must have its counter.
fn answers(input: &[u8]) {
    FORM.with(|(form, layout)| {
        let sheets = [serde_json::from_slice::<Answers>(input).ok(), Some(chosen(form, input))];
        for raw in sheets.into_iter().flatten() {
            if let Ok(valid) = validate(form, &raw) {
                assert!(layout.positions(form, &valid).is_ok(), "valid answers count under a key with no counter");
                quality::assess(form, &valid, 30_000);
            }
        }
    });
}

/// A sheet built from the input's bytes: for each question in turn, one byte chooses to leave
/// it out or to answer with one of its options, some text, a number, a list or a map, with the
/// bytes after it for the content.
fn chosen(form: &domain::surveys::Questionnaire, input: &[u8]) -> Answers {
    use domain::surveys::{Answer, QuestionKind};
    let mut bytes = input.iter().copied().cycle().take(input.len() * 4);
    let mut next = || bytes.next().unwrap_or(0);
    let mut sheet = Answers::new();
    for (_, question) in form.questions() {
        let codes: Vec<String> = match &question.kind {
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options, .. } => options.iter().map(|o| o.code.clone()).collect(),
            QuestionKind::Likert { scale } => scale.iter().map(|o| o.code.clone()).collect(),
            QuestionKind::Matrix { rows, scale } => rows.iter().chain(scale).map(|o| o.code.clone()).collect(),
            _ => Vec::new(),
        };
        let pick = |n: u8| codes.get(n as usize % codes.len().max(1)).cloned().unwrap_or_else(|| String::from_utf8_lossy(&[n, n ^ 0x5a]).into_owned());
        let answer = match next() % 6 {
            0 => continue,
            1 => Answer::Text(pick(next())),
            2 => Answer::Text(String::from_utf8_lossy(&(0..next() % 24).map(|_| next()).collect::<Vec<_>>()).into_owned()),
            3 => Answer::Number(f64::from(i16::from_le_bytes([next(), next()])) / f64::from(1 + next() % 4)),
            4 => Answer::List((0..next() % 5).map(|_| pick(next())).collect()),
            _ => Answer::Map((0..next() % 5).map(|_| (pick(next()), pick(next()))).collect()),
        };
        sheet.insert(question.code.clone(), answer);
    }
    sheet
}

// --- Imported tables: CSV -------------------------------------------------------------------

const CSV_TOKENS: &[&str] =
    &[",", ";", "\"", "\"\"", "\n", "\r\n", "\u{feff}", "=HYPERLINK(", "28101", "01/07/2025", "31/02/2025", "0912345678", "+84", "@", "xã", "Có"];

fn csv_seeds() -> Vec<Vec<u8>> {
    vec![
        "ma_ho_so,thu_tuc,linh_vuc,ma_don_vi,ngay_hoan_thanh,ho_ten,dien_thoai,email,dong_y\n000.00.12.H56-250101-0001,Đăng ký khai sinh,Hộ tịch,28101,01/07/2025,Nguyễn Văn A,0912345678,a@example.vn,có\n".as_bytes().to_vec(),
        "code;name;level;parent_code;valid_from;valid_to;predecessors\n28101;Phường An Lạc;xã;99;01/07/2025;;26734,26737\n".as_bytes().to_vec(),
        "\u{feff}\"Mã\",\"Tên, có dấu phẩy\"\r\n\"01\",\"Tỉnh \"\"An Lạc\"\"\"\r\n".as_bytes().to_vec(),
    ]
}

/// Read as a table of the largest kind, then as a sampling frame and as units, row by row.
fn csv_imports(input: &[u8]) {
    if let Ok(table) = sheets::read_table("bang.csv", input, &Limits::FRAME) {
        rows(&table);
    }
}

fn rows(table: &[Vec<String>]) {
    if let Ok(frame) = domain::sampling::frame::rows_from_table(table) {
        for (_, row) in frame.iter().take(200) {
            let _ = row.parse();
        }
    }
    if let Ok(units) = domain::units::rows_from_table(table) {
        for row in units.iter().take(200) {
            let _ = row.parse();
        }
    }
}

// --- Imported workbooks: XLSX ---------------------------------------------------------------

const XML_TOKENS: &[&str] = &[
    "<",
    ">",
    "</",
    "/>",
    "<c r=\"XFD1048576\">",
    "<c r=\"A1\" t=\"s\"><v>0</v></c>",
    "<v>",
    "</v>",
    "t=\"inlineStr\"",
    "<is><t>",
    "</t></is>",
    "&amp;",
    "&#0;",
    "<![CDATA[",
    "<row r=\"1048576\">",
    "<si><t>",
    "]]>",
];

/// Real workbooks with their parts stored unpacked, so that changes land in the XML rather
/// than in compressed data.
fn xlsx_seeds() -> Vec<Vec<u8>> {
    let tree = domain::par::template::provincial(domain::units::UnitLevel::Commune, 2026);
    let (info, criteria) = domain::par::workbook::to_tables(&tree);
    let (survey, choices, settings) = xlsform::to_sheets(&sipas());
    [
        sheets::write_sheets(&[("Thông tin", &info), ("Tiêu chí", &criteria)]),
        sheets::write_sheets(&[("survey", &survey), ("choices", &choices), ("settings", &settings)]),
        sheets::write_xlsx("Đơn vị", &["Mã", "Tên"], &[vec!["28101".into(), "Phường An Lạc".into()]]),
    ]
    .into_iter()
    .filter_map(Result::ok)
    .map(|packed| stored(&packed))
    .collect()
}

fn stored(packed: &[u8]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(packed)).expect("a workbook written by sheets");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).expect("a part");
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let mut body = Vec::new();
        part.read_to_end(&mut body).expect("the part's bytes");
        out.start_file(name, options).expect("a stored part");
        out.write_all(&body).expect("written");
    }
    out.finish().expect("the archive").into_inner()
}

/// Read within a questionnaire's limits, then as a PAR criteria tree, an XLSForm and rows.
fn xlsx_imports(input: &[u8]) {
    let Ok(workbook) = sheets::read_sheets(input, &Limits::QUESTIONNAIRE) else { return };
    let empty = Vec::new();
    let sheet = |n: usize| workbook.get(n).map_or(&empty, |(_, rows)| rows);
    let _ = domain::par::workbook::from_tables(sheet(0), sheet(1));
    let _ = xlsform::from_sheets(sheet(0), sheet(1), sheet(2));
    rows(sheet(0));
}

// --- Multipart uploads ----------------------------------------------------------------------

const BOUNDARY: &str = "----thuocdo";
const MULTIPART_TOKENS: &[&str] = &[
    "------thuocdo\r\n",
    "------thuocdo--\r\n",
    "\r\n\r\n",
    "Content-Disposition: form-data; name=\"",
    "\"; filename=\"",
    "Content-Type: text/csv\r\n",
    "\r\n",
    "\"",
    ";",
    "filename*=UTF-8''%E1%BA%A1.csv",
];

fn multipart_seeds() -> Vec<Vec<u8>> {
    let part = |name: &str, file: Option<&str>, body: &str| match file {
        Some(file) => {
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: text/csv\r\n\r\n{body}\r\n")
        }
        None => format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{body}\r\n"),
    };
    vec![
        format!(
            "{}{}{}--{BOUNDARY}--\r\n",
            part("csrf", None, "abc"),
            part("check_only", None, "1"),
            part("file", Some("khung-mau.csv"), "ma_ho_so,ma_don_vi\nHS1,28101")
        )
        .into_bytes(),
        format!("{}--{BOUNDARY}--\r\n", part("file", Some("đơn vị.xlsx"), "PK\u{3}\u{4}")).into_bytes(),
    ]
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
}

/// Read as the upload pages read it: each field's name, then its file name and bytes or its
/// text.
fn multipart(input: &[u8]) {
    use axum::extract::FromRequest;
    let request = axum::http::Request::builder()
        .method("POST")
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(axum::body::Body::from(input.to_vec()))
        .expect("a request");
    RUNTIME.with(|runtime| {
        runtime.block_on(async {
            let Ok(mut form) = axum::extract::Multipart::from_request(request, &()).await else { return };
            let mut read = 0;
            while let Ok(Some(field)) = form.next_field().await {
                let _ = field.name().map(str::to_string);
                read += match field.file_name().map(str::to_string) {
                    Some(_) => field.bytes().await.map(|b| b.len()).unwrap_or(0),
                    None => field.text().await.map(|t| t.len()).unwrap_or(0),
                };
            }
            std::hint::black_box(read);
        })
    });
}

// --- Delivery reports of the SMS gateway and Zalo -------------------------------------------

fn sms_seeds() -> Vec<Vec<u8>> {
    vec![br#"{"id": "m-1", "reference": "42", "status": "delivered"}"#.to_vec(), br#"{"id": "m-2", "reference": 7, "status": "failed"}"#.to_vec()]
}

fn sms_hook(input: &[u8]) {
    if let Ok(delivery) = hooks::sms_report(input) {
        assert!(!delivery.message_id.is_empty());
    }
}

const ZALO_SECRET: &str = "bi-mat-cua-oa";

fn zalo_seeds() -> Vec<Vec<u8>> {
    vec![
        br#"{"app_id": "123", "timestamp": "1700000000000", "event_name": "user_received_message", "message": {"msg_id": "z-9", "tracking_id": "42"}}"#
            .to_vec(),
        br#"{"app_id": 5, "timestamp": 1, "event_name": "follow", "follower": {"id": "1"}}"#.to_vec(),
    ]
}

/// Half the inputs carry the right signature for their body, so that the reading after the
/// check is reached; the others a wrong one, which must always be refused.
fn zalo_hook(input: &[u8]) {
    let signed = input.len().is_multiple_of(2);
    let signature = match serde_json::from_slice::<serde_json::Value>(input) {
        Ok(event) if signed => format!("mac={}", hooks::zalo_mac(&event, input, ZALO_SECRET)),
        _ => "mac=0000".to_string(),
    };
    let read = hooks::zalo_event(input, &signature, ZALO_SECRET);
    if !signed {
        assert!(read.is_err(), "an event with a wrong signature was believed");
    }
}
