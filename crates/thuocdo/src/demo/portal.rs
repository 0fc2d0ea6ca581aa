//! The portal in the demo: a dozen articles in every category, written by the units' officials
//! and published by the reform office (one waits for approval, one was returned, one is
//! scheduled), with pictures drawn here, a video link and the counter poster as an attachment;
//! and the library's documents, national and provincial, with their appendix tables.

use anyhow::Context;
use domain::auth::{Access, Grant, Role};
use domain::portal::{Category, DocFields, DocType, Draft, Kind, Step};
use storage::portal::Upload;
use storage::{Actor, Store};

const DAY: i64 = 86_400_000;

/// (category, title, summary, paragraphs, section, days ago, picture hue)
type Article = (Category, &'static str, &'static str, &'static [&'static str], &'static str, i64, Option<u8>);

const ARTICLES: [Article; 12] = [
    (
        Category::News,
        "Tỉnh An Lạc triển khai đo lường sự hài lòng bằng mã QR tại Bộ phận Một cửa",
        "Từ tháng 12, người dân đến giải quyết thủ tục tại Bộ phận Một cửa các xã, phường có thể quét mã QR để đánh giá ngay sau khi nhận kết quả.",
        &[
            "Thực hiện Quyết định số 3509/QĐ-UBND, Sở Nội vụ phối hợp với các xã, phường niêm yết áp phích có mã QR tại quầy tiếp nhận và trả kết quả.",
            "Phiếu đánh giá không ghi tên, trả lời dưới một phút. Kết quả được tổng hợp hằng tháng và công bố công khai trên Cổng thông tin cải cách hành chính của tỉnh.",
        ],
        "SNV",
        2,
        Some(12),
    ),
    (
        Category::Results,
        "Công bố Chỉ số cải cách hành chính năm 2025 của các xã, phường",
        "Phường An Lạc dẫn đầu khối xã, phường; kết quả chi tiết từng tiêu chí được công bố trên cổng thông tin.",
        &[
            "Hội đồng thẩm định đã hoàn thành hai vòng thẩm định kết quả tự đánh giá của các xã, phường, kết hợp điểm điều tra xã hội học.",
            "Các đơn vị có chỉ số thấp cần xây dựng kế hoạch khắc phục những tiêu chí bị trừ điểm và báo cáo kết quả trước ngày 31/3.",
        ],
        "SNV",
        6,
        Some(150),
    ),
    (
        Category::Guide,
        "Hướng dẫn đánh giá sự hài lòng khi giải quyết thủ tục hành chính",
        "Ba bước đơn giản: quét mã QR hoặc mở đường dẫn, chọn mức độ hài lòng, gửi ý kiến góp ý nếu có.",
        &[
            "Bước 1: Quét mã QR niêm yết tại quầy hoặc mở trang Đánh giá trên cổng thông tin, tìm tên cơ quan đã giải quyết hồ sơ (gõ có dấu hoặc không dấu đều được).",
            "Bước 2: Chọn mức độ hài lòng cho từng nội dung: tiếp cận dịch vụ, thủ tục hành chính, công chức trực tiếp giải quyết, kết quả và việc tiếp nhận góp ý.",
            "Bước 3: Gửi phiếu. Anh/chị có thể ghi thêm góp ý để cơ quan phục vụ tốt hơn.",
        ],
        "SNV",
        9,
        None,
    ),
    (
        Category::News,
        "Phường An Lạc rút ngắn thời gian giải quyết hồ sơ chứng thực",
        "Tỷ lệ hồ sơ chứng thực trả kết quả trong ngày đạt 98 % trong quý IV.",
        &[
            "Phường bố trí thêm một công chức tại quầy chứng thực vào các buổi sáng thứ Hai và thứ Sáu, thời điểm đông người nhất.",
            "Người dân có thể theo dõi tình trạng hồ sơ qua mã số trên phiếu hẹn.",
        ],
        "28101",
        12,
        Some(60),
    ),
    (
        Category::Images,
        "Hình ảnh hội nghị triển khai nhiệm vụ cải cách hành chính năm 2026",
        "Hội nghị có sự tham dự của lãnh đạo các sở, ban, ngành và chủ tịch UBND các xã, phường.",
        &["Tại hội nghị, các đơn vị đã ký cam kết thực hiện nhiệm vụ cải cách hành chính năm 2026."],
        "SNV",
        15,
        Some(200),
    ),
    (
        Category::Video,
        "Video: Cách nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia",
        "Hướng dẫn từng bước đăng nhập bằng tài khoản định danh điện tử và nộp hồ sơ trực tuyến toàn trình.",
        &["Video giới thiệu cách đăng nhập, tra cứu thủ tục, nộp hồ sơ và thanh toán phí, lệ phí trực tuyến."],
        "SNV",
        18,
        None,
    ),
    (
        Category::News,
        "Sở Tư pháp số hóa kết quả giải quyết thủ tục hành chính",
        "Toàn bộ hồ sơ lý lịch tư pháp năm 2025 đã được số hóa, người dân không phải nộp lại giấy tờ đã có.",
        &["Việc số hóa giúp giảm thời gian tra cứu và tránh yêu cầu người dân bổ sung giấy tờ nhiều lần."],
        "STP",
        21,
        Some(100),
    ),
    (
        Category::Guide,
        "Những điều cần biết về Chỉ số hài lòng SIPAS",
        "Chỉ số SIPAS đo mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước qua năm yếu tố.",
        &[
            "Năm yếu tố gồm: tiếp cận dịch vụ; thủ tục hành chính; công chức trực tiếp giải quyết công việc; kết quả giải quyết; tiếp nhận, xử lý góp ý, phản ánh, kiến nghị.",
            "Chỉ số được tính theo phương pháp công bố trên trang Phương pháp tính, có khoảng tin cậy cho từng đơn vị.",
        ],
        "SNV",
        25,
        None,
    ),
    (
        Category::Results,
        "Kết quả đo lường sự hài lòng quý III năm 2026",
        "Mức độ hài lòng chung của người dân đối với các xã, phường đạt trên 85 %.",
        &["Yếu tố được đánh giá thấp nhất là tiếp nhận, xử lý góp ý, phản ánh, kiến nghị; các đơn vị cần công khai kết quả xử lý phản ánh."],
        "SNV",
        40,
        Some(30),
    ),
    (
        Category::News,
        "Phường An Lạc tổ chức đối thoại với người dân về thủ tục đất đai",
        "Hơn 80 hộ dân tham gia, 12 kiến nghị được giải đáp trực tiếp tại buổi đối thoại.",
        &["Các kiến nghị chưa giải đáp tại chỗ sẽ được trả lời bằng văn bản trong thời hạn quy định."],
        "28101",
        45,
        None,
    ),
    (
        Category::Images,
        "Bộ phận Một cửa phường An Lạc sau khi cải tạo",
        "Khu chờ rộng hơn, có máy lấy số thứ tự và máy đánh giá sự hài lòng tại từng quầy.",
        &["Bộ phận Một cửa được bố trí lối đi cho người khuyết tật và góc hướng dẫn nộp hồ sơ trực tuyến."],
        "28101",
        50,
        Some(80),
    ),
    (
        Category::News,
        "Sở Nội vụ kiểm tra công tác cải cách hành chính tại 10 xã",
        "Đoàn kiểm tra ghi nhận nhiều chuyển biến trong niêm yết công khai thủ tục hành chính.",
        &["Một số đơn vị chưa cập nhật đầy đủ danh mục thủ tục; đoàn đề nghị khắc phục trong 15 ngày."],
        "SNV",
        60,
        None,
    ),
];

/// (number, type, issuer, issued, effective, title, appendix title)
type Document = (&'static str, DocType, &'static str, &'static str, Option<&'static str>, &'static str, Option<&'static str>);

const DOCUMENTS: [Document; 5] = [
    (
        "76/NQ-CP",
        DocType::Resolution,
        "Chính phủ",
        "15/07/2021",
        Some("15/07/2021"),
        "Ban hành Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021 - 2030",
        None,
    ),
    (
        "766/QĐ-TTg",
        DocType::Decision,
        "Thủ tướng Chính phủ",
        "23/06/2022",
        Some("23/06/2022"),
        "Phê duyệt Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người dân, doanh nghiệp trong thực hiện thủ tục hành chính, dịch vụ công theo thời gian thực trên môi trường điện tử",
        None,
    ),
    (
        "3509/QĐ-UBND",
        DocType::Decision,
        "Ủy ban nhân dân tỉnh An Lạc",
        "30/11/2021",
        Some("30/11/2021"),
        "Phê duyệt Đề án Hệ thống ứng dụng công nghệ thông tin đánh giá cải cách hành chính và đo lường sự hài lòng của người dân đối với sự phục vụ của cơ quan hành chính nhà nước",
        None,
    ),
    (
        "06/KH-UBND",
        DocType::Plan,
        "Ủy ban nhân dân tỉnh An Lạc",
        "12/01/2026",
        None,
        "Kế hoạch khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước năm 2026",
        Some("Phân bổ mẫu khảo sát"),
    ),
    (
        "45/BC-SNV",
        DocType::Report,
        "Sở Nội vụ tỉnh An Lạc",
        "20/02/2026",
        None,
        "Báo cáo kết quả Chỉ số cải cách hành chính năm 2025 của các xã, phường",
        Some("Kết quả Chỉ số CCHC"),
    ),
];

fn access(role: Role, unit: i64) -> Access {
    Access::new(vec![Grant { role, unit }])
}

fn paragraphs(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("<p>{l}</p>")).collect()
}

pub async fn load(store: &Store, now_ms: i64) -> anyhow::Result<()> {
    let province = store.public_unit_by_code(super::PROVINCE_CODE).await?.id;
    let office = access(Role::ReformOffice, province);
    let publisher = Actor::system("cchc", now_ms);
    for (n, (category, title, summary, body, section, days_ago, hue)) in ARTICLES.iter().enumerate() {
        let unit = store.public_unit_by_code(section).await.with_context(|| format!("chuyên trang {section}"))?.id;
        let writer = access(Role::UnitOfficial, unit);
        let at = now_ms - days_ago * DAY;
        let actor = Actor::system("demo", at);
        let draft = Draft {
            kind: Kind::Article,
            category: Some(*category),
            title: title.to_string(),
            summary: summary.to_string(),
            body_html: paragraphs(body),
            video_url: (*category == Category::Video).then(|| "https://www.youtube.com/@baochinhphu".to_string()),
            doc: None,
        };
        let id = store.create_item(&actor, &writer, unit, draft).await?;
        if let Some(hue) = hue {
            let png = media::images::illustration(1600, 900, *hue);
            let widths = media::images::variants(&png)?.into_iter().map(|v| (v.width, v.height, v.jpeg)).collect();
            store.add_item_file(&actor, &writer, id, Upload::Image { alt: format!("Ảnh minh họa: {title}").as_str(), widths }).await?;
        }
        if n == 0 {
            let poster = print::poster(&print::Poster { province: "Tỉnh An Lạc", unit: "Phường An Lạc", link: "/don-vi/28101" })?;
            store
                .add_item_file(
                    &actor,
                    &writer,
                    id,
                    Upload::Attachment { name: "Ap-phich-danh-gia-Phuong-An-Lac.pdf", media_type: "application/pdf", bytes: poster },
                )
                .await?;
        }
        store.item_step(&actor, &writer, id, &Step::Submit).await?;
        store.item_step(&Actor { at, ..publisher.clone() }, &office, id, &Step::Publish { at }).await?;
    }
    drafts_in_the_workflow(store, &office, now_ms).await?;
    for (number, doc_type, issuer, issued, effective, title, appendix) in DOCUMENTS {
        let issued_on = domain::text::parse_date(issued).context("ngày ban hành")?;
        let draft = Draft {
            kind: Kind::Document,
            category: None,
            title: title.to_string(),
            summary: String::new(),
            body_html: String::new(),
            video_url: None,
            doc: Some(DocFields {
                number: number.to_string(),
                doc_type,
                issuer: issuer.to_string(),
                issued_on,
                effective_on: effective.and_then(domain::text::parse_date),
            }),
        };
        let actor = Actor::system("cchc", now_ms - 30 * DAY);
        let id = store.create_item(&actor, &office, province, draft).await?;
        if let Some(sheet) = appendix {
            let bytes = appendix_table(store, sheet).await?;
            let name = format!("Phu-luc-{}.xlsx", domain::portal::slug(sheet));
            let media_type = media::files::attachment_type(&name, &bytes)?;
            store.add_item_file(&actor, &office, id, Upload::Attachment { name: &name, media_type, bytes }).await?;
        }
        store.item_step(&actor, &office, id, &Step::Publish { at: actor.at }).await?;
    }
    Ok(())
}

/// The workflow's other states, so that the editors' list shows them: one article waits for
/// approval, one was returned with a reason, one is scheduled for next week.
async fn drafts_in_the_workflow(store: &Store, office: &Access, now_ms: i64) -> anyhow::Result<()> {
    let anlac = store.public_unit_by_code("28101").await?.id;
    let writer = access(Role::UnitOfficial, anlac);
    let actor = Actor::system("anlac.canbo", now_ms - DAY);
    let article = |title: &str, body: &str| Draft {
        kind: Kind::Article,
        category: Some(Category::News),
        title: title.to_string(),
        summary: String::new(),
        body_html: format!("<p>{body}</p>"),
        video_url: None,
        doc: None,
    };
    let waiting = store
        .create_item(&actor, &writer, anlac, article("Phường An Lạc tiếp nhận hồ sơ ngoài giờ hành chính", "Bộ phận Một cửa mở cửa sáng thứ Bảy hằng tuần."))
        .await?;
    store.item_step(&actor, &writer, waiting, &Step::Submit).await?;
    let returned = store.create_item(&actor, &writer, anlac, article("Kết quả khảo sát tháng 11", "Số liệu sơ bộ.")).await?;
    store.item_step(&actor, &writer, returned, &Step::Submit).await?;
    let reason = "Số liệu chưa được Sở Nội vụ công bố; chờ kết quả chính thức.";
    store.item_step(&Actor::system("cchc", now_ms), office, returned, &Step::Return { reason: reason.into() }).await?;
    let scheduled = store
        .create_item(&actor, &writer, anlac, article("Lịch tiếp công dân tháng 01 năm 2027", "Chủ tịch UBND phường tiếp công dân vào thứ Năm tuần thứ hai."))
        .await?;
    store.item_step(&Actor::system("cchc", now_ms), office, scheduled, &Step::Publish { at: now_ms + 7 * DAY }).await?;
    Ok(())
}

/// An appendix as units would send it: a table of the province's communes.
async fn appendix_table(store: &Store, title: &str) -> anyhow::Result<Vec<u8>> {
    let roots = store.root_units().await?;
    let filter = storage::units::UnitFilter { level: Some(domain::units::UnitLevel::Commune), ..Default::default() };
    let communes = store.units(&roots, &filter, storage::Paging::new(1, 200)).await?.items;
    let rows: Vec<Vec<String>> = communes.iter().enumerate().map(|(i, u)| vec![(i + 1).to_string(), u.code.clone(), u.name.clone()]).collect();
    Ok(sheets::write_xlsx(title, &["STT", "Mã đơn vị", "Tên đơn vị"], &rows)?)
}
