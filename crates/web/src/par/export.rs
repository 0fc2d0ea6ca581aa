//! A unit's scorecard (bảng điểm) to print and as XLSX: every field, criterion and
//! sub-criterion with its maximum and its points at each stage, then bonus, penalty, total,
//! index and class. One table serves both.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use domain::par::scoring::score;
use domain::par::{Points, Stage};
use domain::text;
use sheets::{ReportSheet, Value};
use storage::par::AssessmentRecord;

use crate::AppState;
use crate::auth::session::CurrentUser;
use crate::error::PageResult;
use crate::extract::Path;
use crate::layout::Layout;

const HEADER: [&str; 8] = ["Mã", "Nội dung", "Điểm tối đa", "Tự chấm", "Thẩm định vòng 1", "Thẩm định vòng 2", "Điều tra, theo dõi kế hoạch", "Điểm đạt"];

/// The stages shown as columns, in the header's order.
const STAGES: [Stage; 4] = [Stage::SelfAssessment, Stage::Appraisal, Stage::FinalAppraisal, Stage::Measured];

/// A line of the scorecard: its kind (field, criterion, item, total) styles it on paper.
pub struct Line {
    pub kind: &'static str,
    pub cells: Vec<Value>,
}

fn points(p: Points) -> Value {
    Value::Hundredths(p.as_f64())
}

fn lines(record: &AssessmentRecord) -> Vec<Line> {
    let tree = &record.round.tree;
    let stands = record.standing_points();
    let result = score(tree, &stands, &record.round.classes);
    let standing = |code: &str| stands.get(code).copied().unwrap_or_default();
    let item_line = |code: &str, name: &str, max: Points| {
        let mut cells = vec![Value::Text(code.into()), Value::Text(name.into()), points(max)];
        cells.extend(STAGES.iter().map(|s| record.mark(code, *s).and_then(|m| m.points).map_or(Value::Empty, |p| points(Points(p)))));
        cells.push(points(standing(code)));
        Line { kind: "item", cells }
    };
    let sum_line = |kind, code: &str, name: &str, max: Points, got: Points| {
        let mut cells = vec![Value::Text(code.into()), Value::Text(name.into()), points(max)];
        cells.extend(STAGES.iter().map(|_| Value::Empty));
        cells.push(points(got));
        Line { kind, cells }
    };
    let mut lines = Vec::new();
    for (field, scored) in tree.fields.iter().zip(&result.fields) {
        lines.push(sum_line("field", &field.code, &field.name, scored.max, scored.points));
        for criterion in &field.criteria {
            let max = criterion.max();
            let got = criterion.items.iter().map(|i| standing(&i.code)).sum();
            lines.push(sum_line("criterion", &criterion.code, &criterion.name, max, got));
            lines.extend(criterion.items.iter().map(|i| item_line(&i.code, &i.name, i.max)));
        }
    }
    lines.push(sum_line("total", "", "Cộng điểm các lĩnh vực", result.max, result.items));
    for (adjustments, cap, counted, kind) in
        [(&tree.bonus, tree.bonus_cap, result.bonus, "Điểm thưởng"), (&tree.penalties, tree.penalty_cap, result.penalty, "Điểm trừ")]
    {
        if adjustments.is_empty() {
            continue;
        }
        lines.extend(adjustments.iter().map(|a| item_line(&a.code, &format!("{kind}: {}", a.name), a.max)));
        lines.push(sum_line("total", "", &format!("{kind} được tính (tối đa {})", cap.display()), cap, counted));
    }
    lines.push(sum_line("total", "", "Tổng điểm", result.max, result.total));
    let text_line = |name: &str, value: Value| {
        let mut cells = vec![Value::Empty, Value::Text(name.into())];
        cells.extend((0..5).map(|_| Value::Empty));
        cells.push(value);
        Line { kind: "total", cells }
    };
    lines.push(text_line("Chỉ số (%)", Value::Hundredths(result.index.percent())));
    lines.push(text_line("Xếp loại", Value::Text(result.class.label().into())));
    lines
}

fn shown(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        Value::Count(n) => text::format_count(n.unsigned_abs()),
        Value::Number(n) | Value::Hundredths(n) => text::format_number(*n, 2),
        Value::Empty => String::new(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "par/par_print.html")]
pub struct PrintPage {
    layout: Layout,
    id: i64,
    round_id: i64,
    round: String,
    year: i32,
    unit: String,
    state: &'static str,
    printed: String,
    header: [&'static str; 8],
    rows: Vec<(&'static str, Vec<String>)>,
}

async fn assessment(state: &AppState, user: &CurrentUser, id: i64) -> PageResult<AssessmentRecord> {
    super::require_par(&user.principal.access)?;
    Ok(state.store.par_assessment(&user.actor(state), &user.principal.access, id).await?)
}

pub async fn print(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<PrintPage> {
    let record = assessment(&state, &user, id).await?;
    Ok(PrintPage {
        layout: Layout::admin(&user, format!("Bảng điểm — {}", record.assessment.unit_name), "/admin/par"),
        id,
        round_id: record.round.id,
        round: record.round.title.clone(),
        year: record.round.tree.year,
        unit: record.assessment.unit_name.clone(),
        state: record.assessment.state().label(),
        printed: text::format_timestamp_ms(state.clock.now_ms()),
        header: HEADER,
        rows: lines(&record).into_iter().map(|l| (l.kind, l.cells.iter().map(shown).collect())).collect(),
    })
}

pub async fn xlsx(State(state): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> PageResult<Response> {
    let record = assessment(&state, &user, id).await?;
    let report = ReportSheet {
        name: "Bảng điểm".into(),
        header: HEADER.iter().map(|h| h.to_string()).collect(),
        rows: lines(&record).into_iter().map(|l| l.cells).collect(),
        chart: None,
    };
    let name = format!("bang-diem-cchc-{}-{}", record.round.tree.year, record.assessment.unit_code);
    Ok(crate::sipas::export::download(&[report], &name, crate::sipas::export::ReportFile::Xlsx)?)
}
