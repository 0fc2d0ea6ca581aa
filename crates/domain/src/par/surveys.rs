//! The PAR INDEX sociological surveys (METHODOLOGY §2, Quyết định 876/QĐ-BNV): the questionnaires
//! of leaders and managers, of civil servants and (where a province uses it) of people's council
//! deputies, whose element figures give the template's
//! measured items their points, and the survey of the system itself. As SIPAS's, they are data:
//! the structure and the tags are what the index reads; the wording of the statements is ours.
//!
//! Each statement is answered on a five-point scale of agreement ("Đồng ý" and "Rất đồng ý"
//! count as positive; "Không rõ" is left out of the valid answers); an element's figure is the
//! mean of its statements' shares of positive answers, and the form's overall figure the mean
//! of its elements ([`METHODOLOGY`]).

use super::tree::Module;
use crate::sipas::templates::{five_points, question, tag};
use crate::surveys::{Choice, QuestionKind, Questionnaire, Section, TagRole};

/// The code of the methodology the officials' surveys are read with (see `sipas::methodology`).
pub const METHODOLOGY: &str = "par-can-bo";

/// An element of a form: its code, the built-in template's item it measures (if any: a province
/// may measure items of its own tree by any element), its name, its statements.
struct Element {
    code: &'static str,
    item: Option<&'static str>,
    name: &'static str,
    statements: &'static [&'static str],
}

const LEADERS: [Element; 3] = [
    Element {
        code: "CDDH",
        item: Some("1.6.1"),
        name: "Chỉ đạo, điều hành cải cách hành chính",
        statements: &[
            "Kế hoạch cải cách hành chính của cơ quan được ban hành kịp thời, sát với thực tế.",
            "Lãnh đạo cơ quan thường xuyên kiểm tra, đôn đốc thực hiện nhiệm vụ cải cách hành chính.",
            "Công tác tuyên truyền cải cách hành chính đến cán bộ và người dân có hiệu quả.",
            "Sáng kiến, cách làm mới trong cải cách hành chính được khuyến khích và nhân rộng.",
        ],
    },
    Element {
        code: "TTHC",
        item: Some("3.4.1"),
        name: "Cải cách thủ tục hành chính",
        statements: &[
            "Thủ tục hành chính thuộc thẩm quyền được rà soát, đơn giản hóa thực chất.",
            "Cơ chế một cửa, một cửa liên thông được thực hiện nghiêm túc.",
            "Hồ sơ trễ hạn được thông báo và xin lỗi người dân, tổ chức đúng quy định.",
            "Phản ánh, kiến nghị về thủ tục hành chính được xử lý kịp thời.",
        ],
    },
    Element {
        code: "TCC",
        item: Some("6.3.1"),
        name: "Quản lý tài chính công",
        statements: &[
            "Cơ chế tự chủ tài chính của cơ quan, đơn vị được thực hiện đúng quy định.",
            "Quy chế chi tiêu nội bộ được xây dựng công khai, minh bạch.",
            "Tài sản công được quản lý, sử dụng tiết kiệm, hiệu quả.",
        ],
    },
];

const CIVIL_SERVANTS: [Element; 4] = [
    Element {
        code: "VB",
        item: Some("2.4.1"),
        name: "Chất lượng văn bản",
        statements: &[
            "Văn bản của cơ quan ban hành đúng thẩm quyền, đúng trình tự.",
            "Nội dung văn bản rõ ràng, dễ hiểu, dễ thực hiện.",
            "Văn bản được rà soát, sửa đổi kịp thời khi không còn phù hợp.",
        ],
    },
    Element {
        code: "BM",
        item: Some("4.4.1"),
        name: "Tổ chức bộ máy",
        statements: &[
            "Chức năng, nhiệm vụ của các phòng, đơn vị được phân định rõ, không chồng chéo.",
            "Việc phân cấp, ủy quyền trong cơ quan hợp lý.",
            "Cơ cấu tổ chức tinh gọn, hoạt động hiệu quả.",
        ],
    },
    Element {
        code: "CV",
        item: Some("5.4.1"),
        name: "Chế độ công vụ",
        statements: &[
            "Việc tuyển dụng, bổ nhiệm công khai, minh bạch, đúng quy định.",
            "Đánh giá, xếp loại cán bộ, công chức thực chất, công bằng.",
            "Kỷ luật, kỷ cương hành chính được chấp hành nghiêm.",
            "Cán bộ, công chức được đào tạo, bồi dưỡng phù hợp với vị trí việc làm.",
        ],
    },
    Element {
        code: "CDS",
        item: Some("7.3.1"),
        name: "Chuyển đổi số",
        statements: &[
            "Hệ thống quản lý văn bản và điều hành giúp công việc nhanh hơn.",
            "Hồ sơ công việc được xử lý trên môi trường mạng.",
            "Cán bộ, công chức được hướng dẫn sử dụng các hệ thống thông tin.",
        ],
    },
];

/// The survey of people's council deputies, where a province uses it: they judge the reform of
/// the administration they oversee. The built-in templates have no item of theirs; a province's
/// tree measures its own items by these elements ([`Module::Deputies`]).
const DEPUTIES: [Element; 5] = [
    Element {
        code: "VBPL",
        item: None,
        name: "Chất lượng văn bản quy phạm pháp luật",
        statements: &[
            "Văn bản quy phạm pháp luật của địa phương được ban hành kịp thời, đúng thẩm quyền.",
            "Văn bản phù hợp với thực tiễn và dễ thực hiện.",
            "Ý kiến của đại biểu, cử tri được tiếp thu khi xây dựng văn bản.",
        ],
    },
    Element {
        code: "TTHC",
        item: None,
        name: "Cải cách thủ tục hành chính",
        statements: &[
            "Thủ tục hành chính của địa phương được công khai đầy đủ, dễ tiếp cận.",
            "Phản ánh của cử tri về thủ tục hành chính được giải quyết thỏa đáng.",
            "Thời gian giải quyết thủ tục hành chính được rút ngắn rõ rệt.",
        ],
    },
    Element {
        code: "BM",
        item: None,
        name: "Tổ chức bộ máy và đội ngũ cán bộ, công chức",
        statements: &[
            "Bộ máy hành chính của địa phương tinh gọn, hoạt động hiệu quả.",
            "Cán bộ, công chức có năng lực, tận tụy phục vụ người dân.",
            "Trách nhiệm giải trình của cơ quan hành chính trước Hội đồng nhân dân được thực hiện tốt.",
        ],
    },
    Element {
        code: "CQS",
        item: None,
        name: "Chính quyền số",
        statements: &[
            "Dịch vụ công trực tuyến của địa phương thuận tiện cho người dân, doanh nghiệp.",
            "Thông tin về hoạt động của chính quyền được công khai trên môi trường mạng.",
            "Dữ liệu của địa phương được chia sẻ, dùng chung giữa các cơ quan.",
        ],
    },
    Element {
        code: "TD",
        item: None,
        name: "Tác động của cải cách hành chính",
        statements: &[
            "Cải cách hành chính góp phần cải thiện môi trường đầu tư, kinh doanh của địa phương.",
            "Người dân, doanh nghiệp hài lòng hơn với sự phục vụ của cơ quan hành chính.",
            "Cải cách hành chính góp phần phòng, chống tham nhũng, tiêu cực.",
        ],
    },
];

/// The element of an officials' form that measures a template item, with the form's module.
pub fn measure_of(item: &str) -> Option<(Module, &'static str)> {
    let find = |elements: &[Element]| elements.iter().find(|e| e.item == Some(item)).map(|e| e.code);
    find(&LEADERS).map(|code| (Module::Leaders, code)).or_else(|| find(&CIVIL_SERVANTS).map(|code| (Module::CivilServants, code)))
}

/// Five points of agreement, and "don't know", which is not a valid answer.
fn agreement() -> Vec<Choice> {
    let mut scale = five_points(["Rất không đồng ý", "Không đồng ý", "Phân vân", "Đồng ý", "Rất đồng ý"]);
    let mut unknown = Choice::new("kr", "Không rõ");
    unknown.not_applicable = true;
    scale.push(unknown);
    scale
}

fn text(code: &str, label: &str) -> crate::surveys::Question {
    question(
        code.into(),
        label,
        QuestionKind::Text { multiline: true, min_length: None, max_length: Some(2_000), pattern: None, pattern_message: None },
        false,
        None,
    )
}

/// The unit the official works in and what they hold; no name, and nothing else that would
/// single a person out in a unit.
fn respondent(positions: &[(&str, &str)]) -> Section {
    let respondent = || tag("TTC", None, TagRole::Respondent, None);
    Section {
        code: "TTC".into(),
        title: "Thông tin chung".into(),
        description: "Phiếu không ghi tên. Câu trả lời không gắn với người trả lời trên bất kỳ trang, tệp xuất hay API nào.".into(),
        visible_if: None,
        questions: vec![
            question("DV".into(), "Cơ quan, đơn vị anh/chị công tác", QuestionKind::Unit { level: None }, true, respondent()),
            question(
                "CV_NHOM".into(),
                "Anh/chị là",
                QuestionKind::SingleChoice { options: positions.iter().map(|(c, l)| Choice::new(c, l)).collect() },
                false,
                respondent(),
            ),
        ],
    }
}

fn officials_form(code: &str, title: &str, description: &str, positions: &[(&str, &str)], elements: &[Element]) -> Questionnaire {
    let mut sections = vec![respondent(positions)];
    for element in elements {
        let questions = element
            .statements
            .iter()
            .enumerate()
            .map(|(i, statement)| {
                let code = format!("{}{}", element.code, i + 1);
                question(code.clone(), statement, QuestionKind::Likert { scale: agreement() }, true, tag(element.code, Some(code), TagRole::Criterion, None))
            })
            .collect();
        sections.push(Section { code: element.code.into(), title: element.name.into(), description: String::new(), visible_if: None, questions });
    }
    sections.push(Section {
        code: "KN".into(),
        title: "Kiến nghị".into(),
        description: String::new(),
        visible_if: None,
        questions: vec![text("GOP_Y", "Anh/chị có kiến nghị gì để công tác cải cách hành chính của cơ quan tốt hơn? (không bắt buộc)")],
    });
    Questionnaire {
        code: code.into(),
        title: title.into(),
        description: description.into(),
        methodology: Some(METHODOLOGY.into()),
        sections,
        index: Default::default(),
    }
}

/// The survey of leaders and managers: its elements measure the items of [`Module::Leaders`].
pub fn leaders() -> Questionnaire {
    officials_form(
        "PAR-LDQL",
        "Phiếu khảo sát lãnh đạo, quản lý về công tác cải cách hành chính",
        "Phục vụ xác định Chỉ số cải cách hành chính (PAR INDEX). Mỗi nhận định, anh/chị chọn mức đồng ý phù hợp nhất.",
        &[("ld_co_quan", "Lãnh đạo cơ quan, đơn vị"), ("ld_phong", "Lãnh đạo phòng hoặc tương đương")],
        &LEADERS,
    )
}

/// The survey of civil servants: its elements measure the items of [`Module::CivilServants`].
pub fn civil_servants() -> Questionnaire {
    officials_form(
        "PAR-CBCC",
        "Phiếu khảo sát cán bộ, công chức về công tác cải cách hành chính",
        "Phục vụ xác định Chỉ số cải cách hành chính (PAR INDEX). Mỗi nhận định, anh/chị chọn mức đồng ý phù hợp nhất.",
        &[("cong_chuc", "Công chức"), ("vien_chuc", "Viên chức"), ("can_bo", "Cán bộ (bầu cử, phê chuẩn)")],
        &CIVIL_SERVANTS,
    )
}

/// The survey of the system itself (phiếu phản hồi ý kiến về Hệ thống), for those who used it
/// in a round: no index, its shares and comments are read as they are.
pub fn system_feedback() -> Questionnaire {
    let statements = [
        ("DE_DUNG", "Hệ thống dễ sử dụng, không cần nhiều hướng dẫn."),
        ("NHANH", "Các trang mở nhanh, kể cả trên điện thoại."),
        ("DU_CHUC_NANG", "Hệ thống có đủ chức năng cho công việc tự chấm, thẩm định và theo dõi."),
        ("HUONG_DAN", "Tài liệu hướng dẫn và hỗ trợ kỹ thuật kịp thời, dễ hiểu."),
        ("GIAM_GIAY", "Hệ thống giúp giảm giấy tờ và thời gian so với cách làm trước."),
    ];
    let questions = statements
        .iter()
        .map(|(code, statement)| question(code.to_string(), statement, QuestionKind::Likert { scale: agreement() }, false, None))
        .chain([text("VUONG_MAC", "Anh/chị gặp vướng mắc gì khi sử dụng? (không bắt buộc)"), text("DE_XUAT", "Đề xuất cải tiến Hệ thống (không bắt buộc)")])
        .collect();
    Questionnaire {
        code: "PHAN-HOI-HE-THONG".into(),
        title: "Phiếu phản hồi ý kiến về Hệ thống".into(),
        description: "Ý kiến của anh/chị giúp hoàn thiện Hệ thống đánh giá. Phiếu không ghi tên.".into(),
        methodology: None,
        sections: vec![Section { code: "PH".into(), title: "Đánh giá Hệ thống".into(), description: String::new(), visible_if: None, questions }],
        index: Default::default(),
    }
}

/// The officials' forms and the system's, ready to copy.
/// The survey of people's council deputies: its elements measure the items a province's tree
/// gives [`Module::Deputies`].
pub fn deputies() -> Questionnaire {
    officials_form(
        "PAR-DBHDND",
        "Phiếu khảo sát đại biểu Hội đồng nhân dân về công tác cải cách hành chính",
        "Phục vụ xác định Chỉ số cải cách hành chính (PAR INDEX) ở những địa phương khảo sát đại biểu Hội đồng nhân dân. Mỗi nhận định, đại biểu chọn mức đồng ý phù hợp nhất.",
        &[("dbhdnd_tinh", "Đại biểu Hội đồng nhân dân tỉnh"), ("dbhdnd_xa", "Đại biểu Hội đồng nhân dân cấp xã")],
        &DEPUTIES,
    )
}

pub fn templates() -> Vec<Questionnaire> {
    vec![leaders(), civil_servants(), deputies(), system_feedback()]
}

#[cfg(test)]
#[path = "surveys_tests.rs"]
mod tests;
