//! The methodology page: how every figure is computed, in words, for officials and citizens.
//! Everything that is data (the index rules of each methodology in force, the PAR INDEX fields
//! and their points, the classes, the alert thresholds) is read from the data itself, so the
//! page says what the system does.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use domain::alerts::AlertKind;
use domain::par::{Classes, Source};
use domain::sipas::index::FEW_ANSWERS;
use domain::text;
use domain::units::UnitLevel;

use crate::AppState;
use crate::error::PageResult;
use crate::layout::Layout;

/// A methodology in force, as the page tells it.
pub struct MethodologyView {
    name: String,
    version: i64,
    element: String,
    part: Option<String>,
    overall: String,
    parts: Vec<String>,
    note: String,
}

/// A field of the PAR INDEX criteria: its name, its points, and how many of them are measured
/// by surveys rather than scored by the unit.
pub struct FieldView {
    name: String,
    max: String,
    measured: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home/methodology.html")]
pub struct MethodologyPage {
    layout: Layout,
    methodologies: Vec<MethodologyView>,
    few_answers: u64,
    /// (level, fields, total points)
    par: Vec<(&'static str, Vec<FieldView>, String)>,
    classes: Vec<(&'static str, String)>,
    alerts: Vec<(&'static str, &'static str)>,
}

pub async fn page(State(state): State<AppState>) -> PageResult<MethodologyPage> {
    let mut methodologies: Vec<MethodologyView> = Vec::new();
    for m in state.store.methodologies().await? {
        // The list holds every version; the page tells the newest of each.
        methodologies.retain(|shown| shown.name != m.methodology.name);
        let r = &m.methodology;
        methodologies.push(MethodologyView {
            name: r.name.clone(),
            version: m.version,
            element: r.element.label(),
            part: (!r.parts.is_empty()).then(|| r.part.label()),
            overall: r.overall.label(),
            parts: r.parts.iter().map(|(_, label)| label.clone()).collect(),
            note: r.note.clone(),
        });
    }
    let year = text::vn_datetime(state.clock.now_ms()).year();
    let par = [UnitLevel::Department, UnitLevel::Commune]
        .into_iter()
        .map(|level| {
            let tree = domain::par::template::provincial(level, year);
            let fields = tree
                .fields
                .iter()
                .map(|f| {
                    let measured = f.criteria.iter().flat_map(|c| &c.items).filter(|i| i.source != Source::SelfAssessed).map(|i| i.max).sum();
                    FieldView { name: f.name.clone(), max: f.max().display(), measured: domain::par::Points::display(measured) }
                })
                .collect();
            (level.plural(), fields, tree.max().display())
        })
        .collect();
    let c = Classes::default();
    let number = |v: f64| text::format_number(v, 0);
    let classes = vec![
        ("Tốt", format!("từ {} điểm trở lên", number(c.good))),
        ("Khá", format!("từ {} đến dưới {}", number(c.fair), number(c.good))),
        ("Trung bình", format!("từ {} đến dưới {}", number(c.average), number(c.fair))),
        ("Yếu", format!("dưới {}", number(c.average))),
    ];
    let alerts = AlertKind::ALL.into_iter().map(|k| (k.label(), alert_rule(k))).collect();
    Ok(MethodologyPage { layout: Layout::public("Phương pháp tính"), methodologies, few_answers: FEW_ANSWERS, par, classes, alerts })
}

/// When a case of each kind opens, with the defaults a survey starts with.
fn alert_rule(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::VeryDissatisfied => "Một phiếu chọn mức «Rất không hài lòng» ở câu hài lòng chung.",
        AlertKind::Problem => {
            "Một phiếu trả lời «Không» ở tiêu chí về phí, lệ phí hoặc về việc công chức tuân thủ quy định, chọn lý do «phải trả thêm chi phí ngoài quy định», hoặc có lời góp ý nêu việc gây khó khăn, nhũng nhiễu."
        }
        AlertKind::BelowThreshold => "Chỉ số hài lòng của đơn vị trong tháng dưới 70 % khi tháng đã có từ 30 phiếu trở lên.",
        AlertKind::Burst => {
            "Trong một giờ, một đơn vị nhận nhiều phiếu bị đánh dấu bất thường (gửi quá nhanh, trùng nhau, cùng một nơi gửi; mặc định từ 5 phiếu): có thể là phiếu bị gửi hàng loạt."
        }
        AlertKind::CommentSpike => {
            "Trong tháng, từ 40 % ý kiến góp ý của đơn vị là tiêu cực, hoặc ý kiến tiêu cực về một chủ đề (trễ hẹn, thái độ, chi phí ngoài quy định…) gấp đôi bình quân ba tháng trước; cần ít nhất 10 ý kiến. Sắc thái và chủ đề do hệ thống tự phân loại trên máy chủ của tỉnh."
        }
    }
}
