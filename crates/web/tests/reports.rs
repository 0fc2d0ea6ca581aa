//! The official reports on both databases, read back as a person would (pdftotext, pdffonts,
//! the DOCX's document.xml): the annual SIPAS report with the reform office's own words, the
//! decision announcing PAR INDEX and SIPAS with its appendices, the PAR INDEX annual report
//! with the change across the merger, a unit's one-page card, and the monthly form (also as
//! XLSX). Who may ask for what, and bad requests told in Vietnamese with nothing written.

use testkit::TestApp;
use testkit::documents::{docx_xml, first_page_image, pdf_fonts, pdf_pages, pdf_text, poppler};

const PDF: &str = "application/pdf";

async fn download(session: &testkit::Session, path: &str) -> (u16, String, Vec<u8>) {
    let response = session.get(path).await;
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, kind, response.bytes().await.unwrap().to_vec())
}

/// Every font of the PDF is embedded: pdffonts' `emb` column says `yes` on each line.
fn fonts_embedded(pdf: &[u8]) -> bool {
    let table = pdf_fonts(pdf);
    let fonts: Vec<&str> = table.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    !fonts.is_empty() && fonts.iter().all(|l| l.contains("LiberationSerif") && l.split_whitespace().rev().nth(4) == Some("yes"))
}

/// Words of a laid-out text joined by single spaces, so that a phrase split by layout matches.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The year's comments once the comment analysis has read them all: the count and the count of
/// the dissatisfied ones, as the report writes them. The test reads what is left itself, as the
/// job does (the two may read the same batch: a comment is kept once), rather than guessing
/// from a pause that the job has finished.
async fn analysed_comments(app: &TestApp) -> (String, String) {
    let classifier = web::Config::default().sentiment;
    let link = |id: i64| format!("/admin/alerts/{id}");
    while app.store.read_new_comments(classifier, app.clock.now_ms(), &link).await.unwrap() > 0 {}
    let office = domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit: app.unit_id("99").await }]);
    let year =
        storage::analytics::CommentFilter { from: domain::calendar::Month::new(2026, 1), to: domain::calendar::Month::new(2026, 12), ..Default::default() };
    let months = app.store.count_comments(&office, &year, storage::analytics::CountBy::Month).await.unwrap();
    let (total, negative) = (months.iter().map(|m| m.total()).sum::<i64>(), months.iter().map(|m| m.negative).sum::<i64>());
    assert!(total > 0, "the demo answers carry comments");
    (domain::text::format_count(total as u64), domain::text::format_count(negative as u64))
}

#[tokio::test]
async fn the_reform_office_draws_the_official_reports_from_the_data() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        app.demo_answers(600).await;
        app.demo_par().await;
        app.demo_results().await;
        let cchc = app.login("cchc").await;
        let ward_official = app.login("anlac.canbo").await;
        let check_pdf = poppler();

        // The office writes its introduction; a second save is a new version, the first kept.
        let (status, page) = cchc.text("/admin/bao-cao?loai=sipas-nam&nam=2026").await;
        assert_eq!(status, 200, "{backend}");
        assert!(page.contains("TM. ỦY BAN NHÂN DÂN"), "{backend}: the signature the committee's documents carry by default");
        let text = |intro: &str| {
            vec![
                ("loai", "sipas-nam".to_string()),
                ("nam", "2026".to_string()),
                ("introduction", intro.to_string()),
                ("conclusion", "Các đơn vị có chỉ số dưới 80 % rà soát quy trình tiếp nhận hồ sơ.".to_string()),
                ("signature", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".to_string()),
                ("signer", "Trần Thị Bích Ngọc".to_string()),
            ]
        };
        for intro in ["Bản nháp đầu.", "Năm 2026, tỉnh khảo sát sự hài lòng qua sáu kênh, từ quầy một cửa đến điện thoại."] {
            let fields = text(intro);
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let saved = cchc.post_form("/admin/bao-cao/loi-van", &fields).await;
            assert_eq!(saved.status(), 303, "{backend}");
        }
        let (_, page) = cchc.text("/admin/bao-cao?loai=sipas-nam&nam=2026").await;
        assert!(page.contains("Mở phiên bản 2") && page.contains("Mở phiên bản 1") && page.contains("sáu kênh"), "{backend}: {page}");
        let (_, first) = cchc.text("/admin/bao-cao?loai=sipas-nam&nam=2026&phien-ban=1").await;
        assert!(first.contains("Bản nháp đầu."), "{backend}: an older version can be read again");

        // The annual SIPAS report: the province's figure is the dashboard's, to the decimal.
        let overview: serde_json::Value = cchc.get("/api/v1/sipas/overview?from=01/2026&to=12/2026").await.json().await.unwrap();
        let overall = overview["total"]["figure"]["value"].as_f64().expect("the province's index");
        let shown = domain::text::format_number(overall, 1);
        let comments = analysed_comments(&app).await;
        let (status, kind, pdf) = download(&cchc, "/admin/bao-cao/tai?loai=sipas-nam&nam=2026&dinh-dang=pdf").await;
        assert_eq!((status, kind.as_str()), (200, PDF), "{backend}: {}", String::from_utf8_lossy(&pdf));
        if check_pdf {
            let text = words(&pdf_text(&pdf));
            for expected in [
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
                "ỦY BAN NHÂN DÂN",
                "TỈNH AN LẠC",
                "/BC-UBND",
                "BÁO CÁO",
                "sáu kênh, từ quầy một cửa đến điện thoại",
                "rà soát quy trình tiếp nhận hồ sơ",
                "PHÓ CHỦ TỊCH",
                "Trần Thị Bích Ngọc",
                "Nơi nhận:",
                "Bảng 3. Chỉ số hài lòng theo yếu tố, tiêu chí",
                "Biểu đồ 1",
            ] {
                assert!(text.contains(expected), "{backend}: the report lacks «{expected}»: {text}");
            }
            assert!(text.contains(&format!("năm 2026 đạt {shown} %")), "{backend}: the province's index {shown}: {text}");
            let summary = format!("Năm 2026, {} ý kiến góp ý ghi trong phiếu được phân tích: {} ý kiến chưa hài lòng", comments.0, comments.1);
            assert!(text.contains(&summary) && text.contains("Các chủ đề được góp ý nhiều nhất"), "{backend}: «{summary}» in {text}");
            assert!(fonts_embedded(&pdf), "{backend}: {}", pdf_fonts(&pdf));
            first_page_image(&pdf, &format!("bao-cao-sipas-2026-{backend}"));
        }
        // Sections and levels left out stay out.
        let (_, _, short) = download(&cchc, "/admin/bao-cao/tai?loai=sipas-nam&nam=2026&phan=yeu-to&phan=xep-hang&cap=commune").await;
        if check_pdf {
            let text = words(&pdf_text(&short));
            assert!(text.contains("Bảng 3.") && !text.contains("Bảng 2. Số phiếu theo đơn vị"), "{backend}: {text}");
            assert!(text.contains("Xếp hạng chỉ số hài lòng — Cấp xã") && !text.contains("Xếp hạng chỉ số hài lòng — Sở, ban, ngành"), "{backend}: {text}");
        }
        let (status, kind, docx) = download(&cchc, "/admin/bao-cao/tai?loai=sipas-nam&nam=2026&dinh-dang=docx").await;
        assert_eq!(status, 200, "{backend}");
        assert!(kind.contains("wordprocessingml"), "{backend}");
        let xml = docx_xml(&docx);
        assert!(xml.contains(&format!("năm 2026 đạt {shown} %")) && xml.contains("Trần Thị Bích Ngọc"), "{backend}");
        assert!(xml.contains(&format!("Năm 2026, {} ý kiến góp ý ghi trong phiếu được phân tích", comments.0)), "{backend}: the comments' summary");

        // The decision: the communes' PAR INDEX of 2025 in its first appendix, with the change
        // of the merged ward against the wards it was formed from.
        let (status, _, decision) = download(&cchc, "/admin/bao-cao/tai?loai=quyet-dinh&nam=2025").await;
        assert_eq!(status, 200, "{backend}: {}", String::from_utf8_lossy(&decision));
        let ward = app
            .store
            .index_results(&storage::results::ResultQuery { index: Some(domain::results::IndexCode::Par), year: Some(2025), units: None, scope: None })
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.unit_code == "28101")
            .expect("the ward's 2025 result");
        let of_2024 = app
            .store
            .index_results(&storage::results::ResultQuery { index: Some(domain::results::IndexCode::Par), year: Some(2024), units: None, scope: None })
            .await
            .unwrap();
        let wards: Vec<f64> = of_2024.iter().filter(|r| ["28001", "28002"].contains(&r.unit_code.as_str())).map(|r| r.score).collect();
        assert_eq!(wards.len(), 2, "{backend}");
        assert!(((wards[0] + wards[1]) / 2.0 - 75.29).abs() < 0.005, "{backend}: {wards:?}");
        let before = app.store.previous_results(domain::results::IndexCode::Par, domain::results::Scope::Provincial, 2025).await.unwrap();
        let carried = before.get(&ward.unit_id.unwrap()).expect("carried from the two wards");
        assert_eq!(carried.unit_name, "Phường Bắc Sơn, Phường Nam Sơn", "{backend}");
        let change = domain::results::change_text(domain::results::change(&ward, carried));
        assert_eq!((ward.score_text(), carried.score_text(), change.as_str()), ("69,24 %".into(), "75,29 %".into(), "−6,05"), "{backend}");
        if check_pdf {
            let text = words(&pdf_text(&decision));
            for expected in ["QUYẾT ĐỊNH", "/QĐ-UBND", "Căn cứ Luật Tổ chức chính quyền địa phương", "Điều 1. Công bố", "Phụ lục I", "(Kèm theo Quyết định số"]
            {
                assert!(text.contains(expected), "{backend}: the decision lacks «{expected}»: {text}");
            }
            // Hand-checked: the ward's 69,24 % of 2025 against 75,29 %, the mean of the 2024
            // scores of the two wards it was formed from (no population shares in the lineage).
            assert!(text.contains("69,24 % Khá 75,29 % −6,05"), "{backend}: {text}");
            assert!(text.contains("Phường An Lạc (trước sắp xếp:") && text.contains("Phường Bắc Sơn, Phường Nam Sơn)"), "{backend}: {text}");
            assert!(text.contains("của Ủy ban nhân dân tỉnh An Lạc)"), "{backend}: {text}");
            assert!(fonts_embedded(&decision), "{backend}");
            first_page_image(&decision, &format!("quyet-dinh-2025-{backend}"));
        }
        let xml = docx_xml(&download(&cchc, "/admin/bao-cao/tai?loai=quyet-dinh&nam=2025&dinh-dang=docx").await.2);
        assert!(xml.contains("Phụ lục I") && xml.contains(&ward.score_text()), "{backend}");

        // The PAR INDEX annual report: classes, fields, ranks.
        let (status, _, par) = download(&cchc, "/admin/bao-cao/tai?loai=par-nam&nam=2025").await;
        assert_eq!(status, 200, "{backend}");
        if check_pdf {
            let text = words(&pdf_text(&par));
            assert!(text.contains("Bảng 1. Số đơn vị theo xếp loại") && text.contains("Điểm bình quân theo lĩnh vực"), "{backend}: {text}");
            assert!(text.contains("69,24 % Khá 75,29 % −6,05") && text.contains("So với năm trước, 3/8 đơn vị có điểm tăng."), "{backend}: {text}");
        }

        // The ward's card: one page, its own figures only; the ward's official may have it.
        let (status, _, card) = download(&ward_official, "/admin/bao-cao/tai?loai=phieu-don-vi&don-vi=28101&nam=2025").await;
        assert_eq!(status, 200, "{backend}");
        if check_pdf {
            assert_eq!(pdf_pages(&card), 1, "{backend}: a card is one page");
            let text = words(&pdf_text(&card));
            assert!(text.contains("PHIẾU KẾT QUẢ") && text.contains("Phường An Lạc — năm 2025") && text.contains(&change), "{backend}: {text}");
            first_page_image(&card, &format!("phieu-28101-2025-{backend}"));
        }

        // The monthly form, also as a sheet.
        let (status, _, form) = download(&cchc, "/admin/bao-cao/tai?loai=bieu-thang&thang=11/2026&cap=commune").await;
        assert_eq!(status, 200, "{backend}: {}", String::from_utf8_lossy(&form));
        if check_pdf {
            let text = words(&pdf_text(&form));
            assert!(text.contains("BIỂU THỐNG KÊ") && text.contains("tháng 11/2026") && text.contains("Phường An Lạc"), "{backend}: {text}");
        }
        let (status, kind, sheet) = download(&cchc, "/admin/bao-cao/tai?loai=bieu-thang&thang=11/2026&cap=commune&dinh-dang=xlsx").await;
        assert_eq!(status, 200, "{backend}");
        assert!(kind.contains("spreadsheetml") && sheet.starts_with(b"PK"), "{backend}");

        // Who may ask for what; bad requests told, nothing written.
        assert_eq!(download(&ward_official, "/admin/bao-cao/tai?loai=sipas-nam&nam=2026").await.0, 403, "{backend}: a commune has no province-wide report");
        assert_eq!(download(&ward_official, "/admin/bao-cao/tai?loai=phieu-don-vi&don-vi=28102&nam=2025").await.0, 404, "{backend}: another unit's card");
        let refused = ward_official.post_form("/admin/bao-cao/loi-van", &[("loai", "sipas-nam"), ("nam", "2026"), ("introduction", "Không được phép.")]).await;
        assert_eq!(refused.status(), 403, "{backend}");
        for (path, message) in [
            ("/admin/bao-cao/tai?loai=khac", "Hãy chọn một loại báo cáo."),
            ("/admin/bao-cao/tai?loai=sipas-nam&nam=1899", "Năm «1899» không hợp lệ."),
            ("/admin/bao-cao/tai?loai=sipas-nam&nam=2026&dinh-dang=xlsx", "Chỉ biểu thống kê tháng có bản XLSX"),
            ("/admin/bao-cao/tai?loai=sipas-nam&nam=2026&phan=khac", "Phần báo cáo «khac» không có."),
            ("/admin/bao-cao/tai?loai=bieu-thang&thang=13/2026", "Tháng «13/2026» không hợp lệ"),
            ("/admin/bao-cao/tai?loai=sipas-nam&nam=2026&cap=province", "Cấp đơn vị «province» không hợp lệ."),
            ("/admin/bao-cao/tai?loai=phieu-don-vi&nam=2025", "Hãy ghi mã đơn vị"),
        ] {
            let (status, page) = cchc.text(path).await;
            assert_eq!(status, 422, "{backend}: {path}");
            assert!(page.contains(message), "{backend}: {path}: {page}");
        }
        let long = "a".repeat(20_001);
        let refused = cchc.post_form("/admin/bao-cao/loi-van", &[("loai", "sipas-nam"), ("nam", "2026"), ("introduction", &long)]).await;
        assert_eq!(refused.status(), 422, "{backend}");
        assert_eq!(app.store.report_texts(domain::reports::ReportKind::SipasAnnual, 2026).await.unwrap().len(), 2, "{backend}: nothing written");
    }
}
