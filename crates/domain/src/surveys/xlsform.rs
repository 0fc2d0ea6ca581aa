//! An XLSForm-style spreadsheet form of a questionnaire, so officials can author in Excel: a
//! `survey` sheet (one row per question, `begin group`/`end group` around sections), a `choices`
//! sheet (option lists) and a `settings` sheet. Types and columns follow XLSForm where it has
//! them (`select_one`, `select_multiple`, `text`, `integer`, `decimal`, `date`, `relevant`,
//! `required`, `hint`); Thước Đo adds `matrix`, `unit`, `procedure` and the methodology tag
//! columns. Skip logic is written as XLSForm `relevant` expressions:
//! `${PA0} = 'co'`, `${Q} != ''`, `${Q} >= 3`, `${Q} <= 2`, `one_of(${Q}, 'a', 'b')`, joined by
//! `and`, `or`, `not(…)` and parentheses.

use std::collections::BTreeMap;

use super::logic::Condition;
use super::schema::{Choice, Question, QuestionKind, Questionnaire, Section, Tag, TagRole};
use crate::text;
use crate::units::UnitLevel;

/// A sheet: its header row first.
pub type Table = Vec<Vec<String>>;

const SURVEY_COLUMNS: [&str; 17] = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "min",
    "max",
    "min_length",
    "max_length",
    "pattern",
    "pattern_message",
    "appearance",
    "tag_element",
    "tag_criterion",
    "tag_role",
    "tag_part",
];
const CHOICE_COLUMNS: [&str; 7] = ["list_name", "name", "label", "value", "positive", "not_applicable", "exclusive"];
const SETTINGS_COLUMNS: [&str; 4] = ["form_id", "form_title", "description", "methodology"];

fn yes(flag: bool) -> String {
    if flag { "yes".into() } else { String::new() }
}

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// The three sheets of `form`: (`survey`, `choices`, `settings`).
pub fn to_sheets(form: &Questionnaire) -> (Table, Table, Table) {
    let mut survey: Table = vec![SURVEY_COLUMNS.iter().map(|c| c.to_string()).collect()];
    let mut choices: Table = vec![CHOICE_COLUMNS.iter().map(|c| c.to_string()).collect()];
    let list = |name: String, options: &[Choice], choices: &mut Table| {
        for o in options {
            choices.push(vec![name.clone(), o.code.clone(), o.label.clone(), number(o.value), yes(o.positive), yes(o.not_applicable), yes(o.exclusive)]);
        }
        name
    };
    let row = |cells: &[(&str, String)]| -> Vec<String> {
        SURVEY_COLUMNS.iter().map(|c| cells.iter().find(|(k, _)| k == c).map(|(_, v)| v.clone()).unwrap_or_default()).collect()
    };
    for section in &form.sections {
        survey.push(row(&[
            ("type", "begin group".into()),
            ("name", section.code.clone()),
            ("label", section.title.clone()),
            ("hint", section.description.clone()),
            ("relevant", section.visible_if.as_ref().map(expression).unwrap_or_default()),
        ]));
        for q in &section.questions {
            let mut cells: Vec<(&str, String)> = vec![
                ("name", q.code.clone()),
                ("label", q.text.clone()),
                ("hint", q.help.clone()),
                ("required", yes(q.required)),
                ("relevant", q.visible_if.as_ref().map(expression).unwrap_or_default()),
            ];
            if let Some(tag) = &q.tag {
                cells.push(("tag_element", tag.element.clone()));
                cells.push(("tag_criterion", tag.criterion.clone().unwrap_or_default()));
                cells.push(("tag_role", role_code(tag.role).into()));
                cells.push(("tag_part", tag.part.clone().unwrap_or_default()));
            }
            let kind = match &q.kind {
                QuestionKind::SingleChoice { options } => format!("select_one {}", list(q.code.clone(), options, &mut choices)),
                QuestionKind::Likert { scale } => {
                    cells.push(("appearance", "likert".into()));
                    format!("select_one {}", list(q.code.clone(), scale, &mut choices))
                }
                QuestionKind::MultipleChoice { options, min, max } => {
                    cells.push(("min", min.map(|m| m.to_string()).unwrap_or_default()));
                    cells.push(("max", max.map(|m| m.to_string()).unwrap_or_default()));
                    format!("select_multiple {}", list(q.code.clone(), options, &mut choices))
                }
                QuestionKind::Matrix { rows, scale } => {
                    let scale = list(q.code.clone(), scale, &mut choices);
                    let rows = list(format!("{}.rows", q.code), rows, &mut choices);
                    format!("matrix {scale} {rows}")
                }
                QuestionKind::Text { multiline, min_length, max_length, pattern, pattern_message } => {
                    if *multiline {
                        cells.push(("appearance", "multiline".into()));
                    }
                    cells.push(("min_length", min_length.map(|m| m.to_string()).unwrap_or_default()));
                    cells.push(("max_length", max_length.map(|m| m.to_string()).unwrap_or_default()));
                    cells.push(("pattern", pattern.clone().unwrap_or_default()));
                    cells.push(("pattern_message", pattern_message.clone().unwrap_or_default()));
                    "text".into()
                }
                QuestionKind::Number { min, max, integer } => {
                    cells.push(("min", number(*min)));
                    cells.push(("max", number(*max)));
                    if *integer { "integer".into() } else { "decimal".into() }
                }
                QuestionKind::Date { min, max } => {
                    cells.push(("min", min.map(text::format_date).unwrap_or_default()));
                    cells.push(("max", max.map(text::format_date).unwrap_or_default()));
                    "date".into()
                }
                QuestionKind::Unit { level } => {
                    cells.push(("appearance", level.map(|l| l.code().to_string()).unwrap_or_default()));
                    "unit".into()
                }
                QuestionKind::Procedure => "procedure".into(),
            };
            cells.push(("type", kind));
            survey.push(row(&cells));
        }
        survey.push(row(&[("type", "end group".into())]));
    }
    let settings = vec![
        SETTINGS_COLUMNS.iter().map(|c| c.to_string()).collect(),
        vec![form.code.clone(), form.title.clone(), form.description.clone(), form.methodology.clone().unwrap_or_default()],
    ];
    (survey, choices, settings)
}

fn role_code(role: TagRole) -> &'static str {
    match role {
        TagRole::Criterion => "criterion",
        TagRole::Satisfaction => "satisfaction",
        TagRole::Expectation => "expectation",
        TagRole::Overall => "overall",
        TagRole::Respondent => "respondent",
    }
}

fn parse_role(code: &str) -> Option<TagRole> {
    [TagRole::Criterion, TagRole::Satisfaction, TagRole::Expectation, TagRole::Overall, TagRole::Respondent].into_iter().find(|r| role_code(*r) == code)
}

/// A problem found in the spreadsheet, with the sheet and the Excel row number.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("Trang «{sheet}», dòng {row}: {message}")]
pub struct SheetProblem {
    pub sheet: &'static str,
    pub row: usize,
    pub message: String,
}

/// One sheet read by its header: cell of a column in a row, "" when absent.
struct Reader<'a> {
    header: Vec<String>,
    rows: &'a [Vec<String>],
}

impl<'a> Reader<'a> {
    fn new(table: &'a Table) -> Self {
        let header = table.first().map(|h| h.iter().map(|c| c.trim().to_lowercase()).collect()).unwrap_or_default();
        Self { header, rows: table.get(1..).unwrap_or(&[]) }
    }

    fn cell(&self, row: &'a [String], column: &str) -> &'a str {
        self.header.iter().position(|h| h == column).and_then(|i| row.get(i)).map(|c| c.trim()).unwrap_or("")
    }
}

fn flag(value: &str) -> bool {
    matches!(text::fold(value).as_str(), "yes" | "true" | "1" | "co" | "x")
}

/// Reads a workbook's `survey`, `choices` and `settings` sheets (named in any case; a missing
/// one is empty) into a questionnaire; every problem is reported with its sheet and row.
pub fn from_workbook(workbook: &[(String, Table)]) -> Result<Questionnaire, Vec<SheetProblem>> {
    let empty = Table::new();
    let sheet = |wanted: &str| workbook.iter().find(|(name, _)| name.eq_ignore_ascii_case(wanted)).map_or(&empty, |(_, rows)| rows);
    from_sheets(sheet("survey"), sheet("choices"), sheet("settings"))
}

/// Reads the three sheets back into a questionnaire; every problem is reported with its row.
pub fn from_sheets(survey: &Table, choices: &Table, settings: &Table) -> Result<Questionnaire, Vec<SheetProblem>> {
    let mut problems = Vec::new();
    let mut problem = |sheet: &'static str, row: usize, message: String| problems.push(SheetProblem { sheet, row, message });
    let choice_sheet = Reader::new(choices);
    let mut lists: BTreeMap<String, Vec<Choice>> = BTreeMap::new();
    for (i, row) in choice_sheet.rows.iter().enumerate() {
        let list_name = choice_sheet.cell(row, "list_name");
        if list_name.is_empty() {
            continue;
        }
        let value = choice_sheet.cell(row, "value");
        let parsed_value = if value.is_empty() { None } else { value.replace(',', ".").parse::<f64>().ok() };
        if !value.is_empty() && parsed_value.is_none() {
            problem("choices", i + 2, format!("Giá trị «{value}» không phải là số."));
        }
        lists.entry(list_name.to_string()).or_default().push(Choice {
            code: choice_sheet.cell(row, "name").to_string(),
            label: text::clean(choice_sheet.cell(row, "label")),
            value: parsed_value,
            positive: flag(choice_sheet.cell(row, "positive")),
            not_applicable: flag(choice_sheet.cell(row, "not_applicable")),
            exclusive: flag(choice_sheet.cell(row, "exclusive")),
        });
    }
    let settings_sheet = Reader::new(settings);
    let first = settings_sheet.rows.first().map(Vec::as_slice).unwrap_or(&[]);
    let mut form = Questionnaire {
        code: settings_sheet.cell(first, "form_id").to_string(),
        title: text::clean(settings_sheet.cell(first, "form_title")),
        description: text::clean_multiline(settings_sheet.cell(first, "description")),
        methodology: Some(settings_sheet.cell(first, "methodology").to_string()).filter(|m| !m.is_empty()),
        sections: Vec::new(),
        index: Default::default(),
    };
    let sheet = Reader::new(survey);
    let mut current: Option<Section> = None;
    for (i, row) in sheet.rows.iter().enumerate() {
        let line = i + 2;
        let kind = text::fold(sheet.cell(row, "type"));
        if kind.is_empty() {
            continue;
        }
        let relevant = match sheet.cell(row, "relevant") {
            "" => None,
            expr => match parse_expression(expr) {
                Ok(c) => Some(c),
                Err(e) => {
                    problem("survey", line, e);
                    None
                }
            },
        };
        match kind.as_str() {
            "begin group" | "begin_group" => {
                if let Some(done) = current.take() {
                    form.sections.push(done);
                }
                current = Some(Section {
                    code: sheet.cell(row, "name").to_string(),
                    title: text::clean(sheet.cell(row, "label")),
                    description: text::clean_multiline(sheet.cell(row, "hint")),
                    visible_if: relevant,
                    questions: Vec::new(),
                });
            }
            "end group" | "end_group" => {
                if let Some(done) = current.take() {
                    form.sections.push(done);
                }
            }
            _ => {
                let code = sheet.cell(row, "name").to_string();
                let list = |name: &str, problems: &mut dyn FnMut(String)| {
                    lists.get(name).cloned().unwrap_or_else(|| {
                        problems(format!("Không có danh sách lựa chọn «{name}» trong trang choices."));
                        Vec::new()
                    })
                };
                let mut missing = |m: String| problem("survey", line, m);
                let int = |column: &str| sheet.cell(row, column).parse::<u32>().ok();
                let float = |column: &str| sheet.cell(row, column).replace(',', ".").parse::<f64>().ok();
                // The type word is read in any case; list names keep theirs.
                let words: Vec<&str> = sheet.cell(row, "type").split_whitespace().collect();
                let first = words.first().map(|w| w.to_lowercase()).unwrap_or_default();
                let appearance = sheet.cell(row, "appearance");
                let question_kind = match (first.as_str(), &words[1.min(words.len())..]) {
                    ("select_one", [name]) if appearance == "likert" => Some(QuestionKind::Likert { scale: list(name, &mut missing) }),
                    ("select_one", [name]) => Some(QuestionKind::SingleChoice { options: list(name, &mut missing) }),
                    ("select_multiple", [name]) => Some(QuestionKind::MultipleChoice { options: list(name, &mut missing), min: int("min"), max: int("max") }),
                    ("matrix", [scale, rows]) => Some(QuestionKind::Matrix { scale: list(scale, &mut missing), rows: list(rows, &mut missing) }),
                    ("text", []) => Some(QuestionKind::Text {
                        multiline: appearance == "multiline",
                        min_length: int("min_length"),
                        max_length: int("max_length"),
                        pattern: Some(sheet.cell(row, "pattern").to_string()).filter(|p| !p.is_empty()),
                        pattern_message: Some(sheet.cell(row, "pattern_message").to_string()).filter(|p| !p.is_empty()),
                    }),
                    ("integer", []) => Some(QuestionKind::Number { min: float("min"), max: float("max"), integer: true }),
                    ("decimal", []) => Some(QuestionKind::Number { min: float("min"), max: float("max"), integer: false }),
                    ("date", []) => Some(QuestionKind::Date { min: text::parse_date(sheet.cell(row, "min")), max: text::parse_date(sheet.cell(row, "max")) }),
                    ("unit", []) => Some(QuestionKind::Unit { level: UnitLevel::parse(appearance).ok() }),
                    ("procedure", []) => Some(QuestionKind::Procedure),
                    _ => {
                        missing(format!("Loại câu hỏi «{}» không được hỗ trợ.", sheet.cell(row, "type")));
                        None
                    }
                };
                let tag = match sheet.cell(row, "tag_element") {
                    "" => None,
                    element => {
                        let role = parse_role(sheet.cell(row, "tag_role"));
                        if role.is_none() {
                            missing(format!("Vai trò chỉ số «{}» không hợp lệ.", sheet.cell(row, "tag_role")));
                        }
                        role.map(|role| Tag {
                            element: element.to_string(),
                            criterion: Some(sheet.cell(row, "tag_criterion").to_string()).filter(|c| !c.is_empty()),
                            role,
                            part: Some(sheet.cell(row, "tag_part").to_string()).filter(|p| !p.is_empty()),
                        })
                    }
                };
                let Some(kind) = question_kind else { continue };
                let question = Question {
                    code,
                    text: text::clean(sheet.cell(row, "label")),
                    help: text::clean_multiline(sheet.cell(row, "hint")),
                    kind,
                    required: flag(sheet.cell(row, "required")),
                    visible_if: relevant,
                    tag,
                };
                match current.as_mut() {
                    Some(section) => section.questions.push(question),
                    None => problem("survey", line, "Câu hỏi phải nằm giữa «begin group» và «end group».".into()),
                }
            }
        }
    }
    if let Some(done) = current.take() {
        form.sections.push(done);
    }
    if problems.is_empty() { Ok(form) } else { Err(problems) }
}

/// A condition as a `relevant` expression.
pub fn expression(condition: &Condition) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let nested = |c: &Condition| match c {
        Condition::All { .. } | Condition::Any { .. } => format!("({})", expression(c)),
        _ => expression(c),
    };
    match condition {
        Condition::Answered { question } => format!("${{{question}}} != ''"),
        Condition::Equals { question, option } => format!("${{{question}}} = {}", quote(option)),
        Condition::AnyOf { question, options } => {
            format!("one_of(${{{question}}}, {})", options.iter().map(|o| quote(o)).collect::<Vec<_>>().join(", "))
        }
        Condition::AtLeast { question, value } => format!("${{{question}}} >= {value}"),
        Condition::AtMost { question, value } => format!("${{{question}}} <= {value}"),
        Condition::All { conditions } => conditions.iter().map(nested).collect::<Vec<_>>().join(" and "),
        Condition::Any { conditions } => conditions.iter().map(nested).collect::<Vec<_>>().join(" or "),
        Condition::Not { condition } => format!("not({})", expression(condition)),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Field(String),
    Text(String),
    Number(f64),
    Word(String),
    Op(&'static str),
    Open,
    Close,
    Comma,
}

fn tokens(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '$' if chars.get(i + 1) == Some(&'{') => {
                let end = chars[i..].iter().position(|c| *c == '}').ok_or("Thiếu dấu } trong ${…}.")? + i;
                out.push(Token::Field(chars[i + 2..end].iter().collect::<String>().trim().to_string()));
                i = end + 1;
            }
            '\'' | '"' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("Thiếu dấu nháy đóng.".into()),
                        Some(q) if *q == c && chars.get(i + 1) == Some(&c) => {
                            text.push(c);
                            i += 2;
                        }
                        Some(q) if *q == c => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            text.push(*other);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Text(text));
            }
            '=' => {
                out.push(Token::Op("="));
                i += 1;
            }
            '!' | '>' | '<' if chars.get(i + 1) == Some(&'=') => {
                out.push(Token::Op(match c {
                    '!' => "!=",
                    '>' => ">=",
                    _ => "<=",
                }));
                i += 2;
            }
            c if c.is_ascii_digit() || c == '-' || c == '.' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == '-') {
                    i += 1;
                }
                let number: String = chars[start..i].iter().collect();
                out.push(Token::Number(number.parse().map_err(|_| format!("«{number}» không phải là số."))?));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect::<String>().to_lowercase()));
            }
            other => return Err(format!("Ký tự «{other}» không hợp lệ trong biểu thức.")),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn expect(&mut self, token: Token) -> Result<(), String> {
        if self.next() == Some(token.clone()) {
            Ok(())
        } else {
            Err(format!(
                "Thiếu «{}».",
                match token {
                    Token::Open => "(",
                    Token::Close => ")",
                    Token::Comma => ",",
                    _ => "?",
                }
            ))
        }
    }

    fn or(&mut self) -> Result<Condition, String> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Token::Word("or".into())) {
            self.next();
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Condition::Any { conditions: parts } })
    }

    fn and(&mut self) -> Result<Condition, String> {
        let mut parts = vec![self.unary()?];
        while self.peek() == Some(&Token::Word("and".into())) {
            self.next();
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Condition::All { conditions: parts } })
    }

    fn field(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Field(f)) => Ok(f),
            _ => Err("Cần một câu hỏi dạng ${MÃ}.".into()),
        }
    }

    fn unary(&mut self) -> Result<Condition, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                self.expect(Token::Close)?;
                Ok(inner)
            }
            Some(Token::Word(w)) if w == "not" => {
                self.expect(Token::Open)?;
                let inner = self.or()?;
                self.expect(Token::Close)?;
                Ok(Condition::Not { condition: Box::new(inner) })
            }
            Some(Token::Word(w)) if w == "selected" || w == "one_of" => {
                self.expect(Token::Open)?;
                let question = self.field()?;
                let mut options = Vec::new();
                while self.peek() == Some(&Token::Comma) {
                    self.next();
                    match self.next() {
                        Some(Token::Text(t)) => options.push(t),
                        _ => return Err("Lựa chọn phải đặt trong dấu nháy, ví dụ 'co'.".into()),
                    }
                }
                self.expect(Token::Close)?;
                match (w.as_str(), options.len()) {
                    ("selected", 1) => Ok(Condition::Equals { question, option: options.remove(0) }),
                    ("one_of", n) if n > 0 => Ok(Condition::AnyOf { question, options }),
                    _ => Err(format!("Số lựa chọn trong {w}(…) không đúng.")),
                }
            }
            Some(Token::Field(question)) => match (self.next(), self.next()) {
                (Some(Token::Op("=")), Some(Token::Text(option))) => Ok(Condition::Equals { question, option }),
                (Some(Token::Op("!=")), Some(Token::Text(t))) if t.is_empty() => Ok(Condition::Answered { question }),
                (Some(Token::Op("!=")), Some(Token::Text(option))) => Ok(Condition::Not { condition: Box::new(Condition::Equals { question, option }) }),
                (Some(Token::Op(">=")), Some(Token::Number(value))) => Ok(Condition::AtLeast { question, value }),
                (Some(Token::Op("<=")), Some(Token::Number(value))) => Ok(Condition::AtMost { question, value }),
                _ => Err(format!("Không hiểu điều kiện về ${{{question}}}.")),
            },
            _ => Err("Biểu thức điều kiện không hợp lệ.".into()),
        }
    }
}

/// Reads a `relevant` expression.
pub fn parse_expression(input: &str) -> Result<Condition, String> {
    let mut parser = Parser { tokens: tokens(input)?, at: 0 };
    let condition = parser.or()?;
    if parser.at < parser.tokens.len() {
        return Err(format!("Thừa phần cuối trong biểu thức «{input}»."));
    }
    Ok(condition)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sipas::templates;
    use proptest::prelude::*;

    #[test]
    fn the_built_in_questionnaires_round_trip() {
        for form in templates() {
            let (survey, choices, settings) = to_sheets(&form);
            assert_eq!(from_sheets(&survey, &choices, &settings), Ok(form));
        }
    }

    #[test]
    fn every_question_type_round_trips() {
        let choices = |codes: &[&str]| codes.iter().map(|c| Choice::new(c, &format!("Mục {c}"))).collect::<Vec<_>>();
        let q = |code: &str, kind: QuestionKind| Question {
            code: code.into(),
            text: format!("Câu {code}"),
            help: "Gợi ý".into(),
            kind,
            required: code.len().is_multiple_of(2),
            visible_if: None,
            tag: None,
        };
        let mut last = q("LAST", QuestionKind::Procedure);
        last.visible_if = Some(Condition::All {
            conditions: vec![
                Condition::AnyOf { question: "ONE".into(), options: vec!["a".into(), "b".into()] },
                Condition::Not { condition: Box::new(Condition::AtLeast { question: "NUM".into(), value: 2.5 }) },
            ],
        });
        let form = Questionnaire {
            code: "ALL".into(),
            title: "Mọi loại câu".into(),
            description: "Dòng một\n\nDòng hai".into(),
            methodology: None,
            sections: vec![Section {
                code: "S".into(),
                title: "Phần".into(),
                description: String::new(),
                visible_if: Some(Condition::Answered { question: "NOPE".into() }),
                questions: vec![
                    q("ONE", QuestionKind::SingleChoice { options: choices(&["a", "b"]) }),
                    q("MANY", QuestionKind::MultipleChoice { options: choices(&["a", "b", "c"]), min: Some(1), max: Some(2) }),
                    q("GRID", QuestionKind::Matrix { rows: choices(&["r1", "r2"]), scale: choices(&["x", "y"]) }),
                    q(
                        "TXT",
                        QuestionKind::Text {
                            multiline: false,
                            min_length: Some(2),
                            max_length: Some(9),
                            pattern: Some("[0-9]+".into()),
                            pattern_message: Some("Chỉ số".into()),
                        },
                    ),
                    q("NUM", QuestionKind::Number { min: Some(0.5), max: Some(10.0), integer: false }),
                    q("INT", QuestionKind::Number { min: None, max: None, integer: true }),
                    q("DAY", QuestionKind::Date { min: text::parse_date("01/01/2020"), max: text::parse_date("31/12/2030") }),
                    q("UNIT", QuestionKind::Unit { level: Some(UnitLevel::Commune) }),
                    last,
                ],
            }],
            index: Default::default(),
        };
        let (survey, choices, settings) = to_sheets(&form);
        assert_eq!(from_sheets(&survey, &choices, &settings), Ok(form));
    }

    #[test]
    fn expressions_read_as_written_in_excel() {
        assert_eq!(parse_expression("${PA0} = 'co'"), Ok(Condition::Equals { question: "PA0".into(), option: "co".into() }));
        assert_eq!(parse_expression("selected(${KV}, 'TC1')"), Ok(Condition::Equals { question: "KV".into(), option: "TC1".into() }));
        let parsed = parse_expression("${SAT} <= 2 and (${A} != '' or not(${B} = 'x'))").unwrap();
        assert_eq!(expression(&parsed), "${SAT} <= 2 and (${A} != '' or not(${B} = 'x'))");
        assert!(parse_expression("${A} = ").is_err());
        assert!(parse_expression("${A} = 'x' extra").is_err());
        assert!(parse_expression("${A = 'x'").is_err());
    }

    #[test]
    fn problems_are_reported_with_their_rows() {
        let form = crate::sipas::sipas_2017();
        let (mut survey, mut choices, settings) = to_sheets(&form);
        survey[3][0] = "select_one nowhere".into();
        survey[4][0] = "rating".into();
        survey[5][5] = "${GHOST = 'x'".into();
        choices[1][3] = "many".into();
        let problems = from_sheets(&survey, &choices, &settings).unwrap_err();
        let rows: Vec<(&str, usize)> = problems.iter().map(|p| (p.sheet, p.row)).collect();
        assert_eq!(rows, vec![("choices", 2), ("survey", 4), ("survey", 5), ("survey", 6)]);
        assert!(problems[1].to_string().starts_with("Trang «survey», dòng 4: Không có danh sách lựa chọn «nowhere»"));
    }

    fn arb_condition() -> impl Strategy<Value = Condition> {
        let code = "[A-Z][A-Z0-9_]{0,5}";
        let option = "[a-z0-9]{1,4}";
        let leaf = prop_oneof![
            code.prop_map(|q| Condition::Answered { question: q }),
            (code, option).prop_map(|(q, o)| Condition::Equals { question: q, option: o }),
            (code, prop::collection::vec(option, 1..4)).prop_map(|(q, os)| Condition::AnyOf { question: q, options: os }),
            (code, 0u8..10).prop_map(|(q, v)| Condition::AtLeast { question: q, value: f64::from(v) }),
            (code, 0u8..10).prop_map(|(q, v)| Condition::AtMost { question: q, value: f64::from(v) }),
        ];
        leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(|cs| Condition::All { conditions: cs }),
                prop::collection::vec(inner.clone(), 2..4).prop_map(|cs| Condition::Any { conditions: cs }),
                inner.prop_map(|c| Condition::Not { condition: Box::new(c) }),
            ]
        })
    }

    /// `All` inside `All` (and `Any` inside `Any`) reads back flattened, which means the same.
    fn flatten(c: Condition) -> Condition {
        match c {
            Condition::All { conditions } => Condition::All {
                conditions: conditions
                    .into_iter()
                    .map(flatten)
                    .flat_map(|c| match c {
                        Condition::All { conditions } => conditions,
                        other => vec![other],
                    })
                    .collect(),
            },
            Condition::Any { conditions } => Condition::Any {
                conditions: conditions
                    .into_iter()
                    .map(flatten)
                    .flat_map(|c| match c {
                        Condition::Any { conditions } => conditions,
                        other => vec![other],
                    })
                    .collect(),
            },
            Condition::Not { condition } => Condition::Not { condition: Box::new(flatten(*condition)) },
            other => other,
        }
    }

    proptest! {
        #[test]
        fn any_condition_round_trips_through_its_expression(condition in arb_condition()) {
            let written = expression(&condition);
            let read = parse_expression(&written);
            prop_assert_eq!(read.map(flatten), Ok(flatten(condition)), "{}", written);
        }
    }
}
