//! The built-in provincial template: the eight fields of METHODOLOGY §2 with criteria and
//! sub-criteria drawn from common provincial practice under Quyết định 876/QĐ-BNV. It is a
//! starting point, marked as a template: each province adapts the items and points to its own
//! decision before opening a round.

use super::points::Points;
use super::tree::{Adjustment, Band, Criterion, Field, Item, Mapping, Module, Source, Tree};
use crate::units::UnitLevel;

/// One sub-criterion: code, name, maximum in hundredths, evidence required, guide.
type Row = (&'static str, &'static str, i64, bool, &'static str);

fn item(row: &Row) -> Item {
    let (code, name, max, evidence_required, guide) = *row;
    Item { code: code.into(), name: name.into(), max: Points(max), guide: guide.into(), evidence_required, source: Source::SelfAssessed }
}

/// An item measured by a survey: by the element of the officials' form that measures it (see
/// `surveys::measure_of`), or by the survey's overall index.
fn surveyed(code: &str, name: &str, max: i64, module: Module) -> Item {
    let measure = super::surveys::measure_of(code).filter(|(m, _)| *m == module).map_or(String::new(), |(_, element)| element.into());
    Item {
        code: code.into(),
        name: name.into(),
        max: Points(max),
        guide: "Điểm = điểm tối đa × chỉ số điều tra ÷ 100; không tự chấm.".into(),
        evidence_required: false,
        source: Source::Measured { module, measure, mapping: Mapping::Proportional },
    }
}

/// 1.1.2: the share of the unit's reform plan tasks completed on time, from plan tracking.
fn plan_completion() -> Item {
    let band = |at_least: f64, points: i64| Band { at_least, points: Points(points) };
    Item {
        code: "1.1.2".into(),
        name: "Mức độ hoàn thành kế hoạch cải cách hành chính".into(),
        max: Points(300),
        guide: "Tỷ lệ nhiệm vụ hoàn thành đúng hạn theo theo dõi kế hoạch: 100%: 3 điểm; từ 80%: 2 điểm; từ 70%: 1 điểm; dưới 70%: 0 điểm.".into(),
        evidence_required: false,
        source: Source::Measured {
            module: Module::Plan,
            measure: String::new(),
            mapping: Mapping::Bands { bands: vec![band(70.0, 100), band(80.0, 200), band(100.0, 300)] },
        },
    }
}

fn criterion(code: &str, name: &str, items: Vec<Item>) -> Criterion {
    Criterion { code: code.into(), name: name.into(), items }
}

const GUIDE_ON_TIME: &str = "Ban hành đúng hạn: điểm tối đa; chậm hạn: 0 điểm.";
const GUIDE_SHARE: &str = "Hoàn thành 100%: điểm tối đa; từ 80% đến dưới 100%: một nửa điểm tối đa; dưới 80%: 0 điểm.";

/// The template for `level` and `year`.
pub fn provincial(level: UnitLevel, year: i32) -> Tree {
    let unit = match level {
        UnitLevel::Commune => "XA",
        UnitLevel::District => "HUYEN",
        _ => "SO",
    };
    let field = |code: &str, name: &str, criteria: Vec<Criterion>| Field { code: code.into(), name: name.into(), criteria };
    let rows = |rows: &[Row]| rows.iter().map(item).collect::<Vec<_>>();
    let fields = vec![
        field(
            "1",
            "Công tác chỉ đạo, điều hành cải cách hành chính",
            vec![
                criterion(
                    "1.1",
                    "Kế hoạch cải cách hành chính năm",
                    rows(&[("1.1.1", "Ban hành kế hoạch cải cách hành chính năm kịp thời", 100, true, GUIDE_ON_TIME)])
                        .into_iter()
                        .chain([plan_completion()])
                        .collect(),
                ),
                criterion(
                    "1.2",
                    "Báo cáo cải cách hành chính",
                    rows(&[("1.2.1", "Thực hiện đầy đủ, đúng hạn các báo cáo cải cách hành chính", 100, true, GUIDE_ON_TIME)]),
                ),
                criterion(
                    "1.3",
                    "Kiểm tra, tự kiểm tra công tác cải cách hành chính",
                    rows(&[
                        ("1.3.1", "Thực hiện kế hoạch kiểm tra cải cách hành chính", 100, true, GUIDE_SHARE),
                        ("1.3.2", "Xử lý các vấn đề phát hiện qua kiểm tra", 100, true, GUIDE_SHARE),
                    ]),
                ),
                criterion(
                    "1.4",
                    "Công tác tuyên truyền cải cách hành chính",
                    rows(&[("1.4.1", "Mức độ thực hiện kế hoạch tuyên truyền cải cách hành chính", 100, true, GUIDE_SHARE)]),
                ),
                criterion(
                    "1.5",
                    "Đổi mới trong chỉ đạo, điều hành",
                    rows(&[(
                        "1.5.1",
                        "Có sáng kiến hoặc giải pháp mới trong cải cách hành chính được áp dụng",
                        100,
                        true,
                        "Có sáng kiến được cấp có thẩm quyền công nhận hoặc giải pháp mới được áp dụng: 1 điểm.",
                    )]),
                ),
                criterion(
                    "1.6",
                    "Đánh giá của cán bộ, công chức",
                    vec![surveyed("1.6.1", "Đánh giá của lãnh đạo, quản lý về công tác chỉ đạo, điều hành cải cách hành chính", 300, Module::Leaders)],
                ),
            ],
        ),
        field(
            "2",
            "Cải cách thể chế",
            vec![
                criterion(
                    "2.1",
                    "Xây dựng, ban hành văn bản quy phạm pháp luật",
                    rows(&[("2.1.1", "Thực hiện kế hoạch xây dựng văn bản quy phạm pháp luật thuộc thẩm quyền", 200, true, GUIDE_SHARE)]),
                ),
                criterion(
                    "2.2",
                    "Rà soát, kiểm tra văn bản",
                    rows(&[
                        ("2.2.1", "Rà soát, hệ thống hóa văn bản quy phạm pháp luật", 200, true, GUIDE_SHARE),
                        ("2.2.2", "Tự kiểm tra và xử lý văn bản sau kiểm tra", 200, true, GUIDE_SHARE),
                    ]),
                ),
                criterion(
                    "2.3",
                    "Tổ chức thi hành văn bản quy phạm pháp luật",
                    rows(&[("2.3.1", "Thực hiện kế hoạch theo dõi thi hành pháp luật", 200, true, GUIDE_SHARE)]),
                ),
                criterion(
                    "2.4",
                    "Đánh giá của cán bộ, công chức",
                    vec![surveyed("2.4.1", "Đánh giá của cán bộ, công chức về chất lượng văn bản", 200, Module::CivilServants)],
                ),
            ],
        ),
        field(
            "3",
            "Cải cách thủ tục hành chính",
            vec![
                criterion(
                    "3.1",
                    "Kiểm soát thủ tục hành chính",
                    rows(&[
                        ("3.1.1", "Công khai đầy đủ, đúng quy định thủ tục hành chính", 200, true, GUIDE_SHARE),
                        ("3.1.2", "Rà soát, đơn giản hóa thủ tục hành chính", 200, true, GUIDE_SHARE),
                    ]),
                ),
                criterion(
                    "3.2",
                    "Thực hiện cơ chế một cửa, một cửa liên thông",
                    rows(&[
                        ("3.2.1", "Tỷ lệ hồ sơ giải quyết đúng hạn", 300, true, "Từ 98% trở lên: 3 điểm; từ 95%: 2 điểm; từ 90%: 1 điểm; dưới 90%: 0 điểm."),
                        ("3.2.2", "Xin lỗi người dân, tổ chức khi giải quyết hồ sơ quá hạn", 100, true, "Xin lỗi bằng văn bản đủ 100% hồ sơ quá hạn: 1 điểm."),
                        ("3.2.3", "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", 200, true, GUIDE_SHARE),
                    ]),
                ),
                criterion(
                    "3.3",
                    "Tiếp nhận, xử lý phản ánh, kiến nghị",
                    rows(&[("3.3.1", "Xử lý đúng hạn phản ánh, kiến nghị về thủ tục hành chính", 100, true, GUIDE_SHARE)]),
                ),
                criterion(
                    "3.4",
                    "Đánh giá của lãnh đạo, quản lý",
                    vec![surveyed("3.4.1", "Đánh giá của lãnh đạo, quản lý về cải cách thủ tục hành chính", 300, Module::Leaders)],
                ),
            ],
        ),
        field(
            "4",
            "Cải cách tổ chức bộ máy hành chính",
            vec![
                criterion(
                    "4.1",
                    "Sắp xếp tổ chức bộ máy",
                    rows(&[("4.1.1", "Thực hiện quy định về cơ cấu tổ chức, chức năng, nhiệm vụ", 200, true, GUIDE_SHARE)]),
                ),
                criterion(
                    "4.2",
                    "Quản lý biên chế",
                    rows(&[("4.2.1", "Sử dụng biên chế đúng số lượng được giao", 200, true, "Đúng số lượng được giao: 2 điểm; vượt: 0 điểm.")]),
                ),
                criterion("4.3", "Phân cấp, ủy quyền", rows(&[("4.3.1", "Thực hiện các nhiệm vụ được phân cấp, ủy quyền", 300, true, GUIDE_SHARE)])),
                criterion(
                    "4.4",
                    "Đánh giá của cán bộ, công chức",
                    vec![surveyed("4.4.1", "Đánh giá của cán bộ, công chức về tổ chức bộ máy", 200, Module::CivilServants)],
                ),
            ],
        ),
        field(
            "5",
            "Cải cách chế độ công vụ",
            vec![
                criterion(
                    "5.1",
                    "Vị trí việc làm và tuyển dụng",
                    rows(&[
                        ("5.1.1", "Bố trí công chức theo đúng vị trí việc làm được phê duyệt", 200, true, GUIDE_SHARE),
                        ("5.1.2", "Tuyển dụng, sử dụng công chức đúng quy định", 200, true, GUIDE_SHARE),
                    ]),
                ),
                criterion("5.2", "Đào tạo, bồi dưỡng", rows(&[("5.2.1", "Thực hiện kế hoạch đào tạo, bồi dưỡng cán bộ, công chức", 200, true, GUIDE_SHARE)])),
                criterion(
                    "5.3",
                    "Kỷ luật, kỷ cương hành chính",
                    rows(&[("5.3.1", "Không có cán bộ, công chức bị kỷ luật", 300, true, "Không có: 3 điểm; có trường hợp bị kỷ luật: 0 điểm.")]),
                ),
                criterion(
                    "5.4",
                    "Đánh giá của cán bộ, công chức",
                    vec![surveyed("5.4.1", "Đánh giá của cán bộ, công chức về chế độ công vụ", 300, Module::CivilServants)],
                ),
            ],
        ),
        field(
            "6",
            "Cải cách tài chính công",
            vec![
                criterion(
                    "6.1",
                    "Quản lý, sử dụng ngân sách",
                    rows(&[
                        ("6.1.1", "Tỷ lệ giải ngân vốn đầu tư công", 300, true, "Từ 95% trở lên: 3 điểm; từ 80%: 2 điểm; từ 60%: 1 điểm; dưới 60%: 0 điểm."),
                        ("6.1.2", "Công khai ngân sách, tài chính theo quy định", 200, true, GUIDE_SHARE),
                    ]),
                ),
                criterion("6.2", "Thực hiện cơ chế tự chủ", rows(&[("6.2.1", "Thực hiện quy chế chi tiêu nội bộ và cơ chế tự chủ", 200, true, GUIDE_SHARE)])),
                criterion(
                    "6.3",
                    "Đánh giá của lãnh đạo, quản lý",
                    vec![surveyed("6.3.1", "Đánh giá của lãnh đạo, quản lý về quản lý tài chính công", 200, Module::Leaders)],
                ),
            ],
        ),
        field(
            "7",
            "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số",
            vec![
                criterion(
                    "7.1",
                    "Hạ tầng và ứng dụng công nghệ thông tin",
                    rows(&[
                        ("7.1.1", "Tỷ lệ văn bản trao đổi dưới dạng điện tử, có chữ ký số", 300, true, GUIDE_SHARE),
                        ("7.1.2", "Bảo đảm an toàn thông tin theo cấp độ", 200, true, GUIDE_SHARE),
                    ]),
                ),
                criterion(
                    "7.2",
                    "Dịch vụ công trực tuyến",
                    rows(&[
                        ("7.2.1", "Tỷ lệ hồ sơ trực tuyến toàn trình", 400, true, "Từ 80% trở lên: 4 điểm; từ 50%: 2 điểm; dưới 50%: 0 điểm."),
                        ("7.2.2", "Tỷ lệ thanh toán trực tuyến phí, lệ phí", 300, true, GUIDE_SHARE),
                    ]),
                ),
                criterion(
                    "7.3",
                    "Đánh giá của cán bộ, công chức",
                    vec![surveyed("7.3.1", "Đánh giá của cán bộ, công chức về chuyển đổi số", 200, Module::CivilServants)],
                ),
            ],
        ),
        field(
            "8",
            "Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế - xã hội",
            vec![
                criterion(
                    "8.1",
                    "Sự hài lòng của người dân, tổ chức",
                    vec![surveyed("8.1.1", "Chỉ số hài lòng của người dân, tổ chức đối với sự phục vụ (SIPAS)", 1400, Module::Sipas)],
                ),
                criterion(
                    "8.2",
                    "Phát triển kinh tế - xã hội",
                    rows(&[
                        ("8.2.1", "Thực hiện các chỉ tiêu phát triển kinh tế - xã hội được giao", 400, true, GUIDE_SHARE),
                        ("8.2.2", "Thu hút đầu tư, phát triển doanh nghiệp trên địa bàn", 200, true, GUIDE_SHARE),
                    ]),
                ),
            ],
        ),
    ];
    Tree {
        code: format!("PAR-{unit}-{year}-MAU"),
        title: format!("Bộ tiêu chí Chỉ số cải cách hành chính {} năm {year} (mẫu)", level_name(level)),
        year,
        level,
        template: true,
        fields,
        bonus: vec![
            Adjustment {
                code: "T1".into(),
                name: "Sáng kiến cải cách hành chính được cấp tỉnh trở lên công nhận".into(),
                max: Points(100),
                guide: "Mỗi sáng kiến: 0,5 điểm.".into(),
            },
            Adjustment {
                code: "T2".into(), name: "Được khen thưởng về công tác cải cách hành chính".into(), max: Points(100), guide: String::new()
            },
        ],
        bonus_cap: Points(200),
        penalties: vec![
            Adjustment {
                code: "D1".into(),
                name: "Để xảy ra sai phạm, tiêu cực trong giải quyết thủ tục hành chính".into(),
                max: Points(200),
                guide: "Mỗi vụ việc: 1 điểm.".into(),
            },
            Adjustment {
                code: "D2".into(),
                name: "Nộp báo cáo tự đánh giá chậm hoặc thiếu tài liệu kiểm chứng".into(),
                max: Points(100),
                guide: String::new(),
            },
        ],
        penalty_cap: Points(300),
    }
}

fn level_name(level: UnitLevel) -> &'static str {
    match level {
        UnitLevel::Commune => "cấp xã",
        UnitLevel::District => "cấp huyện",
        _ => "các sở, ban, ngành",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_has_the_eight_fields_worth_a_hundred_points() {
        for level in [UnitLevel::Department, UnitLevel::District, UnitLevel::Commune] {
            let tree = provincial(level, 2026);
            assert_eq!(tree.check(), Ok(()));
            assert!(tree.template);
            assert_eq!(tree.fields.len(), 8);
            assert_eq!(tree.max(), Points::whole(100));
            let surveyed: Points = tree.items().filter(|(_, _, i)| !i.self_assessed()).map(|(_, _, i)| i.max).sum();
            assert_eq!(surveyed, Points::whole(34), "31 points measured by surveys, 3 by plan tracking");
        }
    }
}
