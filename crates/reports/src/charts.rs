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
        escape(&describe(title, &[("", items)], Axis::PERCENT)),
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

/// The vertical scale of a line chart.
#[derive(Clone, Copy, Debug)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    /// Decimals of the values told in words.
    pub decimals: usize,
    /// After each value in words ("%", "điểm"), or empty.
    pub unit: &'static str,
}

impl Axis {
    pub const PERCENT: Axis = Axis { min: 0.0, max: 100.0, decimals: 1, unit: "%" };

    /// A round step giving at most ten grid lines over `span`.
    fn step(span: f64) -> f64 {
        let magnitude = 10f64.powf((span / 10.0).log10().floor());
        [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| span / s <= 10.0).unwrap_or(10.0 * magnitude)
    }
}

/// One line of a chart: its name (in the legend) and its points, one per label of the chart.
pub struct Line {
    pub name: String,
    pub points: Vec<Point>,
}

/// A line over months; months without a value leave a gap, and months with few answers are
/// drawn hollow. The vertical scale starts below the lowest value (in steps of 10) so that a
/// change of a few points is visible, and says so.
pub fn trend(title: &str, items: &[Point], target: Option<f64>) -> String {
    let labels: Vec<String> = items.iter().map(|p| p.label.clone()).collect();
    let line = Line { name: String::new(), points: items.iter().map(|p| Point { label: p.label.clone(), value: p.value, few: p.few }).collect() };
    lines(title, &labels, &[line], Axis::PERCENT, target, &[])
}

/// Lines over shared labels (months, years), up to four, told apart by colour and by dash so
/// that they read in black and white; a legend below names them when there are several. Where
/// a label is in `breaks` (a new methodology), the lines are not joined across it and a dashed
/// upright marks it. The vertical scale starts below the lowest value so a change is visible.
pub fn lines(title: &str, labels: &[String], series: &[Line], axis: Axis, target: Option<f64>, breaks: &[usize]) -> String {
    const PLOT_HEIGHT: f64 = 200.0;
    const LEGEND_ROW: f64 = 18.0;
    const LEFT: f64 = 34.0;
    // Room for half a label on the right, so the latest is not cut.
    const RIGHT: f64 = MONTH_LABEL / 2.0 + 2.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 30.0;
    let legend = if series.len() > 1 { series.len() as f64 * LEGEND_ROW + 4.0 } else { 0.0 };
    let height = PLOT_HEIGHT + legend;
    let values: Vec<f64> = series.iter().flat_map(|l| l.points.iter().filter_map(|p| p.value)).chain(target).collect();
    let low = values.iter().copied().fold(axis.max, f64::min);
    let step = Axis::step(axis.max - axis.min);
    // Whole steps below the lowest value, keeping at least half a step under it.
    let floor = (((low - step / 2.0 - axis.min) / step).floor() * step + axis.min).clamp(axis.min, axis.max - step);
    let tick_step = if (axis.max - floor) / step > 5.0 { step * 2.0 } else { step };
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = PLOT_HEIGHT - TOP - BOTTOM;
    let x = |i: usize| LEFT + if labels.len() > 1 { i as f64 * plot_w / (labels.len() - 1) as f64 } else { plot_w / 2.0 };
    let y = |v: f64| TOP + (axis.max - v.clamp(floor, axis.max)) / (axis.max - floor) * plot_h;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}"><title>{}</title>"#,
        escape(&describe(title, &series.iter().map(|l| (l.name.as_str(), l.points.as_slice())).collect::<Vec<_>>(), axis)),
        escape(title)
    );
    // Down from the top, which is always labelled.
    let mut tick = axis.max;
    while tick >= floor - step / 1000.0 {
        let _ = write!(svg, r#"<line class="grid" x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}"/>"#, y(tick), WIDTH - RIGHT);
        let _ = write!(svg, r#"<text class="axis" x="{:.1}" y="{:.1}">{}</text>"#, LEFT - 16.0, y(tick) + 4.0, tick_label(tick));
        tick -= tick_step;
    }
    if let Some(t) = target {
        let _ = write!(svg, r#"<line class="target" x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}"/>"#, y(t), WIDTH - RIGHT);
    }
    for &b in breaks.iter().filter(|b| (1..labels.len()).contains(b)) {
        let middle = (x(b - 1) + x(b)) / 2.0;
        let _ = write!(svg, r#"<line class="break" x1="{middle:.1}" y1="{TOP}" x2="{middle:.1}" y2="{:.1}"/>"#, TOP + plot_h);
    }
    // The first line in the plain style, the others in theirs.
    let style = |n: usize| if n.is_multiple_of(4) { String::new() } else { format!(" s{}", n % 4) };
    for (n, line) in series.iter().enumerate() {
        // One path per run of labels with values, cut at a methodology break.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, Point { value, .. }) in line.points.iter().enumerate() {
            match value {
                Some(v) => {
                    let _ = write!(path, "{}{:.1},{:.1} ", if pen_down && !breaks.contains(&i) { "L" } else { "M" }, x(i), y(*v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(svg, r#"<path class="line{}" d="{}"/>"#, style(n), path.trim_end());
        }
        for (i, Point { label, value, few }) in line.points.iter().enumerate() {
            if let Some(v) = value {
                let class = if *few { "point few" } else { "point" };
                let _ =
                    write!(svg, r#"<circle class="{class}{}" cx="{:.1}" cy="{:.1}" r="3"><title>{}</title></circle>"#, style(n), x(i), y(*v), escape(label));
            }
        }
    }
    let step = label_step(labels.len(), plot_w);
    for (i, label) in labels.iter().enumerate() {
        // Counted back from the latest, which is always labelled.
        if (labels.len() - 1 - i).is_multiple_of(step) {
            let _ = write!(svg, r#"<text class="axis" x="{:.1}" y="{:.1}">{}</text>"#, x(i), PLOT_HEIGHT - 4.0, escape(label));
        }
    }
    if series.len() > 1 {
        for (n, line) in series.iter().enumerate() {
            let top = PLOT_HEIGHT + n as f64 * LEGEND_ROW + 4.0;
            let _ = write!(svg, r#"<line class="line{}" x1="4" y1="{1:.1}" x2="28" y2="{1:.1}"/>"#, style(n), top + 8.0);
            let _ = write!(svg, r#"<text class="label" x="34" y="{:.1}">{}</text>"#, top + 12.0, fitted(&line.name));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A grid value as Vietnamese read it, without trailing zeros.
fn tick_label(value: f64) -> String {
    let formatted = text::format_number(value, 3);
    if formatted.contains(',') { formatted.trim_end_matches('0').trim_end_matches(',').to_string() } else { formatted }
}

/// The figures in words, for screen readers: each line's name, then each label and value.
fn describe(title: &str, series: &[(&str, &[Point])], axis: Axis) -> String {
    let parts: Vec<String> = series
        .iter()
        .map(|(name, points)| {
            let told: Vec<String> = points
                .iter()
                .map(|p| {
                    let value = p.value.map_or("không có số liệu".into(), |v| {
                        let number = text::format_number(v, axis.decimals);
                        if axis.unit.is_empty() { number } else { format!("{number} {}", axis.unit) }
                    });
                    format!("{}: {value}{}", p.label, if p.few { " (ít phiếu)" } else { "" })
                })
                .collect();
            if name.is_empty() { told.join("; ") } else { format!("{name}: {}", told.join("; ")) }
        })
        .collect();
    format!("{title}. {}", parts.join(". "))
}

/// The palette of the page's stylesheet, for a chart that leaves the page: printed in a report
/// it has no stylesheet around it.
const PRINT_STYLE: &str = "text{font-family:'Liberation Serif'}.label{font-size:12px;fill:#1b1f24}\
.value,.axis{font-size:11px;fill:#555e68}.axis{text-anchor:middle}.track{fill:#f4f6f8}.bar{fill:#a61c1c}\
.bar.low{fill:#b35900}.target{stroke:#8a1c12;stroke-width:1.5;stroke-dasharray:4 3}.grid{stroke:#d0d7de;stroke-width:1}\
.line{fill:none;stroke:#a61c1c;stroke-width:2.5}.point{fill:#a61c1c}.point.few{fill:#fff;stroke:#a61c1c;stroke-width:1.5}\
.line.s1{stroke:#b35900;stroke-dasharray:6 3}.line.s2{stroke:#5b3f8c;stroke-dasharray:2 3}.line.s3{stroke:#2f6b2f;stroke-dasharray:8 3 2 3}\
.point.s1{fill:#b35900}.point.s2{fill:#5b3f8c}.point.s3{fill:#2f6b2f}.break{stroke:#555e68;stroke-width:1;stroke-dasharray:3 3}";

/// A chart as a stand-alone SVG file: with its namespace and its own styles.
pub fn printable(svg: &str) -> String {
    let Some(rest) = svg.strip_prefix("<svg ") else { return svg.to_string() };
    let Some(end) = rest.find('>') else { return svg.to_string() };
    format!(r#"<svg xmlns="http://www.w3.org/2000/svg" {}><style>{PRINT_STYLE}</style>{}"#, &rest[..end], &rest[end + 1..])
}

/// A stand-alone chart (see [`printable`]) as a PNG picture `scale` times its drawing's size,
/// with its width and height in pixels: for documents that take no vector drawing (DOCX).
pub fn png(svg: &str, scale: f32) -> Result<(Vec<u8>, u32, u32), crate::ReportError> {
    use resvg::{tiny_skia, usvg};
    static FONTS: std::sync::LazyLock<std::sync::Arc<usvg::fontdb::Database>> = std::sync::LazyLock::new(|| {
        let mut db = usvg::fontdb::Database::new();
        for data in crate::fonts::SERIF {
            db.load_font_data(data.to_vec());
        }
        std::sync::Arc::new(db)
    });
    let bad = |e: String| crate::ReportError::Layout(format!("biểu đồ: {e}"));
    let options = usvg::Options { fontdb: FONTS.clone(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| bad(e.to_string()))?;
    let (width, height) = ((tree.size().width() * scale).ceil() as u32, (tree.size().height() * scale).ceil() as u32);
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or_else(|| bad("kích thước không hợp lệ".into()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    Ok((pixmap.encode_png().map_err(|e| bad(e.to_string()))?, width, height))
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

    #[test]
    fn lines_keep_their_scale_name_each_line_and_break_at_a_new_methodology() {
        let years: Vec<String> = (2016..=2019).map(|y| y.to_string()).collect();
        let line = |name: &str, values: [f64; 4]| Line { name: name.into(), points: years.iter().zip(values).map(|(y, v)| point(y, Some(v), false)).collect() };
        let axis = Axis { min: 10.0, max: 80.0, decimals: 2, unit: "điểm" };
        let svg = lines("PAPI", &years, &[line("Tỉnh An Lạc", [36.0, 37.5, 44.0, 45.25]), line("Cả nước", [35.0, 36.0, 43.0, 44.0])], axis, None, &[2]);
        assert!(svg.contains("Tỉnh An Lạc: 2016: 36,00 điểm; 2017: 37,50 điểm") && svg.contains("Cả nước: 2016: 35,00 điểm"), "{svg}");
        let first = svg.split(r#"<path class="line" d=""#).nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(first.matches('M').count(), 2, "not joined across the break: {first}");
        assert_eq!(svg.matches(r#"class="break""#).count(), 1);
        assert!(svg.contains(r#"<path class="line s1""#) && svg.contains(">Cả nước</text>"), "the second line has its own style and legend");
        assert!(svg.contains(">30</text>") && svg.contains(">80</text>") && !svg.contains(">100</text>"), "grid on the index's own scale: {svg}");
        let ict = lines("ICT", &years, &[line("", [0.41, 0.45, 0.5, 0.52])], Axis { min: 0.0, max: 1.0, decimals: 4, unit: "" }, None, &[]);
        assert!(ict.contains(">0,4</text>") && ict.contains(">1</text>"), "{ict}");
    }
}
