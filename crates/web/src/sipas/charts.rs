//! Charts drawn on the server as SVG: no script, readable on a 360-pixel phone (the drawing is
//! 360 units wide and scales up to the column), and each carries its figures in words for screen
//! readers. The same figures are always in a table beside the chart.

use std::fmt::Write;

use domain::text;

const WIDTH: f64 = 360.0;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One value of a chart: its label, the figure if there is one, and whether it rests on too few
/// answers to compare (drawn hollow and told so).
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub few: bool,
}

impl Point {
    /// A figure's point, marked when it rests on few answers.
    pub fn of(label: &str, figure: &domain::sipas::index::Figure) -> Self {
        Self { label: label.to_string(), value: figure.value, few: figure.few_answers() }
    }
}

/// The points of a figure's slices (months, channels, officers).
pub fn points(slices: &[domain::sipas::figures::Slice]) -> Vec<Point> {
    slices.iter().map(|s| Point::of(&s.label, &s.figure)).collect()
}

fn describe(title: &str, points: &[Point]) -> String {
    let parts: Vec<String> = points
        .iter()
        .map(|p| {
            let value = p.value.map_or("không có số liệu".into(), |v| format!("{} %", text::format_number(v, 1)));
            format!("{}: {value}{}", p.label, if p.few { " (ít phiếu)" } else { "" })
        })
        .collect();
    format!("{title}. {}", parts.join("; "))
}

/// A bar's label cut to what the drawing's width holds in the 12-pixel font; the whole label is
/// its tooltip and in the chart's description.
fn fitted(label: &str) -> String {
    const MAX: usize = 50;
    if label.chars().count() <= MAX { escape(label) } else { format!("{}…", escape(label.chars().take(MAX - 1).collect::<String>().trim_end())) }
}

/// Horizontal bars on a 0–100 scale, label above each bar, value at its end; a dashed line at
/// the target when there is one. Bars under the target are drawn in the warning colour.
pub fn bars(title: &str, items: &[Point], target: Option<f64>) -> String {
    const ROW: f64 = 34.0;
    const LEFT: f64 = 4.0;
    const SPAN: f64 = WIDTH - 52.0;
    let height = ROW * items.len() as f64 + 8.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(&describe(title, items)),
        escape(title)
    );
    for (i, Point { label, value, .. }) in items.iter().enumerate() {
        let top = i as f64 * ROW;
        let _ = write!(svg, r#"<text class="label" x="{LEFT}" y="{:.1}">{}<title>{}</title></text>"#, top + 12.0, fitted(label), escape(label));
        let _ = write!(svg, r#"<rect class="track" x="{LEFT}" y="{:.1}" width="{SPAN}" height="12" rx="2"/>"#, top + 17.0);
        if let Some(v) = value {
            let width = (v.clamp(0.0, 100.0) / 100.0 * SPAN).max(1.0);
            let class = if target.is_some_and(|t| *v < t) { "bar low" } else { "bar" };
            let _ = write!(svg, r#"<rect class="{class}" x="{LEFT}" y="{:.1}" width="{width:.1}" height="12" rx="2"/>"#, top + 17.0);
        }
        let _ = write!(
            svg,
            r#"<text class="value" x="{:.1}" y="{:.1}">{}</text>"#,
            LEFT + SPAN + 4.0,
            top + 27.0,
            value.map_or("–".to_string(), |v| text::format_number(v, 1))
        );
    }
    if let Some(t) = target {
        let x = LEFT + t.clamp(0.0, 100.0) / 100.0 * SPAN;
        let _ = write!(svg, r#"<line class="target" x1="{x:.1}" y1="0" x2="{x:.1}" y2="{height:.1}"/>"#);
    }
    svg.push_str("</svg>");
    svg
}

/// The width a month's label (`12/2026` in the 11-pixel axis font) takes, with a little space.
const MONTH_LABEL: f64 = 48.0;

/// Every how many months a label goes, so that labels `plot_w` wide apart in all never overlap.
fn label_step(months: usize, plot_w: f64) -> usize {
    if months < 2 {
        return 1;
    }
    let spacing = plot_w / (months - 1) as f64;
    ((MONTH_LABEL / spacing).ceil() as usize).max(1)
}

/// A line over months; months without a value leave a gap, and months with few answers are
/// drawn hollow. The vertical scale starts below the lowest value (in steps of 10) so that a
/// change of a few points is visible, and says so.
pub fn trend(title: &str, items: &[Point], target: Option<f64>) -> String {
    const HEIGHT: f64 = 200.0;
    const LEFT: f64 = 30.0;
    // Room for half a month's label on the right, so the latest month is not cut.
    const RIGHT: f64 = MONTH_LABEL / 2.0 + 2.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 30.0;
    let values: Vec<f64> = items.iter().filter_map(|p| p.value).chain(target).collect();
    let low = values.iter().copied().fold(100.0f64, f64::min);
    let floor = ((low - 5.0) / 10.0).floor().clamp(0.0, 9.0) * 10.0;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| LEFT + if items.len() > 1 { i as f64 * plot_w / (items.len() - 1) as f64 } else { plot_w / 2.0 };
    let y = |v: f64| TOP + (100.0 - v.clamp(floor, 100.0)) / (100.0 - floor) * plot_h;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(&describe(title, items)),
        escape(title)
    );
    let mut tick = floor;
    while tick <= 100.0 {
        let _ = write!(svg, r#"<line class="grid" x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}"/>"#, y(tick), WIDTH - RIGHT);
        let _ = write!(svg, r#"<text class="axis" x="{:.1}" y="{:.1}">{}</text>"#, LEFT - 4.0, y(tick) + 4.0, tick as i64);
        tick += if 100.0 - floor > 50.0 { 20.0 } else { 10.0 };
    }
    if let Some(t) = target {
        let _ = write!(svg, r#"<line class="target" x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}"/>"#, y(t), WIDTH - RIGHT);
    }
    // One path per run of months with values.
    let mut path = String::new();
    let mut pen_down = false;
    for (i, Point { value, .. }) in items.iter().enumerate() {
        match value {
            Some(v) => {
                let _ = write!(path, "{}{:.1},{:.1} ", if pen_down { "L" } else { "M" }, x(i), y(*v));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        let _ = write!(svg, r#"<path class="line" d="{}"/>"#, path.trim_end());
    }
    let step = label_step(items.len(), plot_w);
    for (i, Point { label, value, few }) in items.iter().enumerate() {
        if let Some(v) = value {
            let class = if *few { "point few" } else { "point" };
            let _ = write!(svg, r#"<circle class="{class}" cx="{:.1}" cy="{:.1}" r="3"><title>{}</title></circle>"#, x(i), y(*v), escape(label));
        }
        // Counted back from the latest month, which is always labelled.
        if (items.len() - 1 - i).is_multiple_of(step) {
            let _ = write!(svg, r#"<text class="axis" x="{:.1}" y="{:.1}">{}</text>"#, x(i), HEIGHT - 4.0, escape(label));
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(label: &str, value: Option<f64>, few: bool) -> Point {
        Point { label: label.into(), value, few }
    }

    #[test]
    fn bars_show_every_value_and_mark_those_below_target() {
        let svg = bars("SIPAS", &[point("Sở <Tư pháp>", Some(92.5), false), point("Sở Y tế", Some(81.0), false), point("Sở mới", None, false)], Some(90.0));
        assert!(svg.contains("Sở &lt;Tư pháp&gt;"), "labels are escaped");
        assert!(svg.contains(">92,5<") && svg.contains(">81,0<") && svg.contains(">–<"));
        assert_eq!(svg.matches(r#"class="bar low""#).count(), 1);
        assert!(svg.contains(r#"class="target""#));
        assert!(svg.contains("Sở Y tế: 81,0 %"), "the figures are told in words");
        let long = "Trung tâm Phục vụ hành chính công tỉnh An Lạc — Chi nhánh khu vực phía Bắc";
        let svg = bars("SIPAS", &[point(long, Some(90.0), false)], None);
        assert!(svg.contains("Trung tâm Phục vụ hành chính công tỉnh An Lạc — C…<title>"), "a long name is cut to fit: {svg}");
        assert!(svg.contains(&format!("<title>{long}</title>")), "and whole in its tooltip");
    }

    #[test]
    fn month_labels_never_overlap_nor_leave_the_drawing() {
        for months in 1..=36 {
            let items: Vec<Point> = (0..months).map(|m| point(&format!("{:02}/{}", m % 12 + 1, 2026 + m / 12), Some(80.0), false)).collect();
            let svg = trend("Xu hướng", &items, None);
            let xs: Vec<f64> = svg
                .split(r#"<text class="axis" x=""#)
                .skip(1)
                .filter(|t| t.split("</text>").next().unwrap().contains("/20"))
                .map(|t| t.split('"').next().unwrap().parse().unwrap())
                .collect();
            assert!(!xs.is_empty(), "{months} months have a label");
            assert!(svg.contains(&format!(">{}</text>", items[months - 1].label)), "the latest month is labelled ({months} months)");
            for pair in xs.windows(2) {
                assert!(pair[1] - pair[0] >= MONTH_LABEL, "{months} months: labels at {pair:?} overlap");
            }
            assert!(xs[0] - MONTH_LABEL / 2.0 >= 0.0 && xs[xs.len() - 1] + MONTH_LABEL / 2.0 <= WIDTH, "{months} months: a label leaves the drawing: {xs:?}");
        }
    }

    #[test]
    fn trend_leaves_gaps_for_months_without_data() {
        let items =
            [point("01/2026", Some(80.0), false), point("02/2026", None, false), point("03/2026", Some(85.0), true), point("04/2026", Some(90.0), false)];
        let svg = trend("Xu hướng", &items, None);
        let path = svg.split(r#"d=""#).nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(path.matches('M').count(), 2, "a new run after the gap: {path}");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert_eq!(svg.matches(r#"class="point few""#).count(), 1, "the month with few answers is drawn apart");
        assert!(svg.contains("03/2026: 85,0 % (ít phiếu)"), "and told so in words");
    }
}
