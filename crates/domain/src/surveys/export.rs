//! Responses as table rows for export: every answer as its code, and for choices also as its
//! label, in the order of the form, so a spreadsheet can be read by people and by programs.

use super::answers::{Answer, Answers};
use super::schema::{Choice, QuestionKind, Questionnaire};

/// The answer columns of a form, after the fixed columns of each response.
pub fn columns(form: &Questionnaire) -> Vec<String> {
    let mut columns = Vec::new();
    for (_, q) in form.questions() {
        match &q.kind {
            QuestionKind::Matrix { rows, .. } => {
                for row in rows {
                    columns.push(format!("{}/{}", q.code, row.code));
                    columns.push(format!("{}/{} (nhãn)", q.code, row.code));
                }
            }
            kind if !kind.options().is_empty() => {
                columns.push(q.code.clone());
                columns.push(format!("{} (nhãn)", q.code));
            }
            _ => columns.push(q.code.clone()),
        }
    }
    columns
}

fn label<'a>(options: &'a [Choice], code: &str) -> &'a str {
    options.iter().find(|o| o.code == code).map(|o| o.label.as_str()).unwrap_or("")
}

/// One response's answer cells, aligned with [`columns`].
pub fn cells(form: &Questionnaire, answers: &Answers) -> Vec<String> {
    let mut cells = Vec::new();
    for (_, q) in form.questions() {
        let answer = answers.get(&q.code);
        match &q.kind {
            QuestionKind::Matrix { rows, scale } => {
                for row in rows {
                    let point = match answer {
                        Some(Answer::Map(m)) => m.get(&row.code).cloned().unwrap_or_default(),
                        _ => String::new(),
                    };
                    let point_label = label(scale, &point).to_string();
                    cells.push(point);
                    cells.push(point_label);
                }
            }
            kind if !kind.options().is_empty() => {
                let codes: Vec<String> = match answer {
                    Some(Answer::Text(code)) => vec![code.clone()],
                    Some(Answer::List(codes)) => codes.clone(),
                    _ => Vec::new(),
                };
                cells.push(codes.join("; "));
                cells.push(codes.iter().map(|c| label(kind.options(), c)).collect::<Vec<_>>().join("; "));
            }
            _ => cells.push(match answer {
                Some(Answer::Text(t)) => t.clone(),
                Some(Answer::Number(n)) => n.to_string(),
                Some(Answer::List(l)) => l.join("; "),
                Some(Answer::Map(m)) => m.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "),
                None => String::new(),
            }),
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sipas::sipas_2017;

    #[test]
    fn cells_line_up_with_columns() {
        let form = sipas_2017();
        let answers: Answers = [
            ("TC1".to_string(), Answer::Text("co".into())),
            ("TC_KV".to_string(), Answer::List(vec!["TC1".into(), "khong".into()])),
            ("GOP_Y".to_string(), Answer::Text("Cần thêm ghế".into())),
        ]
        .into();
        let columns = columns(&form);
        let cells = cells(&form, &answers);
        assert_eq!(columns.len(), cells.len());
        let at = |name: &str| cells[columns.iter().position(|c| c == name).unwrap()].clone();
        assert_eq!(at("TC1"), "co");
        assert_eq!(at("TC1 (nhãn)"), "Có");
        assert_eq!(at("TC_KV"), "TC1; khong");
        assert_eq!(at("TC_KV (nhãn)"), "Bố trí thêm chỗ ngồi chờ; Không có ý kiến");
        assert_eq!(at("GOP_Y"), "Cần thêm ghế");
        assert_eq!(at("HL_CHUNG"), "");
    }
}
