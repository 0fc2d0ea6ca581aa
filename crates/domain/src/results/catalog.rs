//! The versions of each index, as their methodologies set them. Names of components follow the
//! publishers' own wording; where a methodology gives the most a component can score, it is here.

use std::sync::OnceLock;

use super::{Component, Definition, IndexCode, Scale};

const PERCENT: Scale = Scale { min: 0.0, max: 100.0, decimals: 2, unit: "%" };
const POINTS_100: Scale = Scale { min: 0.0, max: 100.0, decimals: 2, unit: "điểm" };

fn parts(list: &[(&'static str, &'static str, Option<f64>)]) -> Vec<Component> {
    list.iter().map(|&(code, name, max)| Component { code, name, max }).collect()
}

/// Every version of every index, oldest first within an index.
pub fn catalog() -> &'static [Definition] {
    static CATALOG: OnceLock<Vec<Definition>> = OnceLock::new();
    CATALOG.get_or_init(build)
}

fn build() -> Vec<Definition> {
    let par_2017 = parts(&[
        ("CDDH", "Công tác chỉ đạo, điều hành cải cách hành chính", None),
        ("VBQPPL", "Xây dựng và tổ chức thực hiện văn bản quy phạm pháp luật", None),
        ("TTHC", "Cải cách thủ tục hành chính", None),
        ("TCBM", "Cải cách tổ chức bộ máy hành chính nhà nước", None),
        ("CBCC", "Xây dựng và nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức", None),
        ("TC", "Đổi mới cơ chế quản lý tài chính đối với cơ quan hành chính, đơn vị sự nghiệp công lập", None),
        ("HDH", "Hiện đại hóa hành chính", None),
        ("TD", "Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế – xã hội", None),
    ]);
    let par_2022 = parts(&[
        ("CDDH", "Công tác chỉ đạo, điều hành cải cách hành chính", None),
        ("TCHE", "Cải cách thể chế", None),
        ("TTHC", "Cải cách thủ tục hành chính", None),
        ("TCBM", "Cải cách tổ chức bộ máy hành chính nhà nước", None),
        ("CVU", "Cải cách chế độ công vụ", None),
        ("TCC", "Cải cách tài chính công", None),
        ("CPS", "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số", None),
        ("TD", "Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế – xã hội", None),
    ]);
    let sipas_2017 = parts(&[
        ("TC", "Tiếp cận dịch vụ", Some(100.0)),
        ("TT", "Thủ tục hành chính", Some(100.0)),
        ("CC", "Công chức trực tiếp giải quyết công việc", Some(100.0)),
        ("KQ", "Kết quả giải quyết công việc", Some(100.0)),
        ("PA", "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", Some(100.0)),
    ]);
    let sipas_2023 = parts(&[
        ("CS", "Sự hài lòng đối với việc tổ chức thực hiện chính sách", Some(100.0)),
        ("DV", "Sự hài lòng đối với sự phục vụ hành chính", Some(100.0)),
    ]);
    let papi_common = [
        ("D1", "Tham gia của người dân ở cấp cơ sở", Some(10.0)),
        ("D2", "Công khai, minh bạch trong việc ra quyết định ở địa phương", Some(10.0)),
        ("D3", "Trách nhiệm giải trình với người dân", Some(10.0)),
        ("D4", "Kiểm soát tham nhũng trong khu vực công", Some(10.0)),
        ("D5", "Thủ tục hành chính công", Some(10.0)),
        ("D6", "Cung ứng dịch vụ công", Some(10.0)),
    ];
    let mut papi_2018 = papi_common.to_vec();
    papi_2018.extend([("D7", "Quản trị môi trường", Some(10.0)), ("D8", "Quản trị điện tử", Some(10.0))]);
    let pci = parts(&[
        ("GN", "Gia nhập thị trường", Some(10.0)),
        ("DD", "Tiếp cận đất đai", Some(10.0)),
        ("MB", "Tính minh bạch", Some(10.0)),
        ("TG", "Chi phí thời gian", Some(10.0)),
        ("KCT", "Chi phí không chính thức", Some(10.0)),
        ("BD", "Cạnh tranh bình đẳng", Some(10.0)),
        ("ND", "Tính năng động của chính quyền tỉnh", Some(10.0)),
        ("HT", "Dịch vụ hỗ trợ doanh nghiệp", Some(10.0)),
        ("LD", "Đào tạo lao động", Some(10.0)),
        ("PL", "Thiết chế pháp lý và an ninh trật tự", Some(10.0)),
    ]);
    let ict = parts(&[("HTKT", "Hạ tầng kỹ thuật", Some(1.0)), ("HTNL", "Hạ tầng nhân lực", Some(1.0)), ("UD", "Ứng dụng công nghệ thông tin", Some(1.0))]);
    let dti = parts(&[("CQS", "Chính quyền số", None), ("KTS", "Kinh tế số", None), ("XHS", "Xã hội số", None)]);
    let one_stop = parts(&[
        ("CKMB", "Công khai, minh bạch", Some(18.0)),
        ("TDGQ", "Tiến độ giải quyết", Some(20.0)),
        ("DVTT", "Dịch vụ công trực tuyến", Some(22.0)),
        ("HL", "Mức độ hài lòng", Some(18.0)),
        ("SHHS", "Số hóa hồ sơ", Some(22.0)),
    ]);
    vec![
        Definition {
            index: IndexCode::Par,
            version: "PAR INDEX 2017",
            from_year: 2017,
            to_year: Some(2021),
            basis: "Bộ Chỉ số cải cách hành chính của các bộ và tỉnh giai đoạn 2017–2021 (Bộ Nội vụ)",
            scale: PERCENT,
            components: par_2017,
        },
        Definition {
            index: IndexCode::Par,
            version: "PAR INDEX 2022",
            from_year: 2022,
            to_year: None,
            basis: "Quyết định 876/QĐ-BNV ngày 10/11/2022 của Bộ Nội vụ",
            scale: PERCENT,
            components: par_2022,
        },
        Definition {
            index: IndexCode::Sipas,
            version: "SIPAS 2017",
            from_year: 2017,
            to_year: Some(2022),
            basis: "Quyết định 2640/QĐ-BNV ngày 10/10/2017 của Bộ Nội vụ",
            scale: PERCENT,
            components: sipas_2017,
        },
        Definition {
            index: IndexCode::Sipas,
            version: "SIPAS 2023",
            from_year: 2023,
            to_year: None,
            basis: "Quyết định 1001/QĐ-BNV của Bộ Nội vụ",
            scale: PERCENT,
            components: sipas_2023,
        },
        Definition {
            index: IndexCode::Papi,
            version: "PAPI 2011",
            from_year: 2011,
            to_year: Some(2017),
            basis: "Báo cáo PAPI (6 nội dung)",
            scale: Scale { min: 6.0, max: 60.0, decimals: 2, unit: "điểm" },
            components: parts(&papi_common),
        },
        Definition {
            index: IndexCode::Papi,
            version: "PAPI 2018",
            from_year: 2018,
            to_year: None,
            basis: "Báo cáo PAPI (8 nội dung từ năm 2018)",
            scale: Scale { min: 10.0, max: 80.0, decimals: 2, unit: "điểm" },
            components: parts(&papi_2018),
        },
        Definition {
            index: IndexCode::Pci,
            version: "PCI 2013",
            from_year: 2013,
            to_year: None,
            basis: "Báo cáo PCI của VCCI (10 chỉ số thành phần có trọng số)",
            scale: POINTS_100,
            components: pci,
        },
        Definition {
            index: IndexCode::Ict,
            version: "ICT Index",
            from_year: 2006,
            to_year: Some(2022),
            basis: "Báo cáo Vietnam ICT Index",
            scale: Scale { min: 0.0, max: 1.0, decimals: 4, unit: "" },
            components: ict,
        },
        Definition {
            index: IndexCode::Dti,
            version: "DTI 2022",
            from_year: 2022,
            to_year: None,
            basis: "Quyết định 922/QĐ-BTTTT ngày 20/5/2022 của Bộ Thông tin và Truyền thông",
            scale: Scale { min: 0.0, max: 1000.0, decimals: 2, unit: "điểm" },
            components: dti,
        },
        Definition {
            index: IndexCode::OneStop766,
            version: "766/2022",
            from_year: 2022,
            to_year: None,
            basis: "Quyết định 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ",
            scale: POINTS_100,
            components: one_stop,
        },
    ]
}
