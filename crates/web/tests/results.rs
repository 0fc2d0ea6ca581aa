//! The results database on the web, on both databases: the public pages of an index across the
//! years (the province against the national figures, a methodology break, the units of a
//! year), a unit's history across the merger, the tables as CSV and XLSX, the open-data API,
//! and the reform office's import (bad rows named, nothing written; then the good file).

use testkit::TestApp;

#[tokio::test]
async fn results_across_years_are_published_downloadable_and_imported() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        app.demo_par().await;
        app.demo_results().await;
        let visitor = app.client();

        let (status, page) = visitor.text("/chi-so").await;
        assert_eq!(status, 200, "{backend}");
        assert!(page.contains("Tỉnh An Lạc năm 2024: 68,52 điểm, xếp hạng 12/63"), "{backend}: {page}");

        // PCI: the province and the national average, year by year, changes against the year before.
        let (status, page) = visitor.text("/chi-so/pci").await;
        assert_eq!(status, 200, "{backend}");
        let national = page.split(r#"<table id="national">"#).nth(1).unwrap().split("</table>").next().unwrap();
        assert!(
            national.contains(r#"<td class="num">68,52 điểm</td><td class="num">12/63</td><td class="num">+1,62</td><td>Tốt</td>"#),
            "{backend}: {national}"
        );
        assert!(national.contains("Cả nước") && national.contains("66,10 điểm"), "{backend}");
        assert!(page.contains(r#"<svg class="chart""#) && page.contains("Tỉnh An Lạc: 2019: 64,10 điểm"), "{backend}: the chart, told in words");

        // PAPI changed methodology in 2018: the edition after the break is not compared.
        let (_, page) = visitor.text("/chi-so/papi").await;
        let national = page.split(r#"<table id="national">"#).nth(1).unwrap().split("</table>").next().unwrap();
        assert!(national.contains(r#"<tr class="after-break"><td>2018</td>"#), "{backend}: {national}");
        assert!(national.contains(r#"<td class="num">43,10 điểm</td><td class="num">25/63</td><td class="num">–</td>"#), "{backend}: {national}");
        assert!(page.contains(r#"class="break""#), "{backend}: the chart marks the break");

        // The communes' PAR INDEX flowed in from the published rounds; the ward's history holds the
        // wards it was formed from.
        let (_, page) = visitor.text("/chi-so/par-index").await;
        assert!(page.contains(r#"<a href="/chi-so/par-index/don-vi/28101">Phường An Lạc</a>"#), "{backend}: {page}");
        assert!(page.contains(r#"<a href="/chi-so/par-index?nam=2024#units">2024</a>"#), "{backend}: another year to choose");
        let (status, page) = visitor.text("/chi-so/par-index/don-vi/28101").await;
        assert_eq!(status, 200, "{backend}");
        assert!(page.contains("Gồm cả kết quả của các đơn vị trước khi sắp xếp") && page.contains("Phường Bắc Sơn"), "{backend}: {page}");
        // Units side by side: two to four.
        let (status, page) = visitor.text("/chi-so/par-index/so-sanh?don-vi=28101&don-vi=28102").await;
        assert_eq!(status, 200, "{backend}");
        assert!(page.contains(r#"<th scope="col" class="num">Phường An Lạc</th><th scope="col" class="num">Phường Đông Thành</th>"#), "{backend}: {page}");
        assert!(page.contains(r#"<path class="line s1""#), "{backend}: a line each");
        let (status, page) = visitor.text("/chi-so/par-index/so-sanh?don-vi=28101").await;
        assert_eq!(status, 422, "{backend}");
        assert!(page.contains("Hãy chọn từ 2 đến 4 đơn vị để so sánh (đã chọn 1)."), "{backend}");
        let five = "/chi-so/par-index/so-sanh?don-vi=28101&don-vi=28102&don-vi=28103&don-vi=28104&don-vi=28105";
        assert_eq!(visitor.text(five).await.0, 422);
        assert_eq!(visitor.text("/chi-so/par-index/so-sanh?don-vi=28101&don-vi=KHONGCO").await.0, 404);
        // Public pages are revalidated, and listed for search engines.
        let first = visitor.get("/chi-so/pci").await;
        let tag = first.headers()["etag"].to_str().unwrap().to_string();
        let again = visitor.client.get(visitor.url("/chi-so/pci")).header("if-none-match", tag).send().await.unwrap();
        assert_eq!(again.status(), 304, "{backend}");
        assert!(visitor.text("/sitemap.xml").await.1.contains("/chi-so/papi</loc>"), "{backend}");
        assert_eq!(visitor.text("/chi-so/khong-co").await.0, 404);
        assert_eq!(visitor.text("/chi-so/pci?nam=1999").await.0, 404);

        // Every table as files.
        let csv = visitor.get("/chi-so/pci/bang.csv").await.text().await.unwrap();
        assert!(csv.contains("PCI,2024,Toàn quốc,99,Tỉnh An Lạc,68.52,12,63,Tốt,PCI 2013,Báo cáo PCI năm 2024,7.9,6.5"), "{backend}: {csv}");
        let excel = visitor.get("/chi-so/pci/bang.csv?excel=1&nam=2024").await.text().await.unwrap();
        assert!(excel.contains("68,52") && !excel.contains("2023"), "{backend}: {excel}");
        let ward_csv = visitor.get("/chi-so/par-index/bang.csv?don-vi=28101").await.text().await.unwrap();
        assert!(
            ward_csv.contains(",28001,Phường Bắc Sơn,") && ward_csv.contains(",28002,Phường Nam Sơn,") && ward_csv.contains(",28101,Phường An Lạc,"),
            "{backend}: {ward_csv}"
        );
        assert!(!ward_csv.contains("Xã Hòa Bình"), "{backend}: only the ward and the wards it was formed from");
        let xlsx = visitor.get("/chi-so/pci/bang.xlsx").await.bytes().await.unwrap();
        assert!(xlsx.starts_with(b"PK"), "{backend}");

        // The open-data API.
        let indices: serde_json::Value = visitor.get("/api/v1/open/indices").await.json().await.unwrap();
        let papi = indices.as_array().unwrap().iter().find(|i| i["code"] == "papi").unwrap();
        assert_eq!(papi["versions"].as_array().unwrap().len(), 2, "{backend}");
        let page: serde_json::Value = visitor.get("/api/v1/open/results?index=pci&year=2024&per_page=1").await.json().await.unwrap();
        assert_eq!(page["items"][0]["score"], 68.52, "{backend}: {page}");
        assert_eq!(page["items"][0]["index"], "pci");
        let next = page["next"].as_str().unwrap().to_string();
        let second: serde_json::Value = visitor.get(&next).await.json().await.unwrap();
        assert_eq!(second["items"][0]["unit_name"], "Cả nước", "{backend}: {second}");
        let ward: serde_json::Value = visitor.get("/api/v1/open/results?index=par-index&unit=28101&per_page=500").await.json().await.unwrap();
        assert!(ward["items"].as_array().unwrap().iter().any(|r| r["year"] == 2024 && r["origin"]["kind"] == "par_round"), "{backend}: {ward}");
        let refused = visitor.get("/api/v1/open/results.csv").await;
        assert_eq!(refused.status(), 422);
        assert_eq!(refused.headers()["content-type"], "application/problem+json");
        assert_eq!(visitor.get("/api/v1/open/results?index=nope").await.status(), 422);
        let open_csv = visitor.get("/api/v1/open/results.csv?index=dti").await.text().await.unwrap();
        assert!(open_csv.contains("DTI,2024,Toàn quốc,99,Tỉnh An Lạc,498.7,19,63"), "{backend}: {open_csv}");
        let openapi = visitor.get("/api/openapi.json").await.text().await.unwrap();
        assert!(openapi.contains("/api/v1/open/results.csv") && openapi.contains("/api/v1/open/indices"), "{backend}");

        // Only the reform office imports.
        let ward_official = app.login("anlac.canbo").await;
        assert_eq!(ward_official.get("/admin/chi-so").await.status(), 403, "{backend}");
        let cchc = app.login("cchc").await;
        let (status, page) = cchc.text("/admin/chi-so").await;
        assert_eq!(status, 200);
        assert!(page.contains("<td>PCI</td><td>Toàn quốc</td><td>2019, 2020, 2021, 2022, 2023, 2024</td>"), "{backend}: {page}");
        let template = cchc.get("/admin/chi-so/mau/papi").await.bytes().await.unwrap();
        assert!(template.starts_with(b"PK"));
        let upload = |index: &str, body: &str| {
            let form = reqwest::multipart::Form::new()
                .text("csrf", cchc.csrf.clone())
                .text("index", index.to_string())
                .part("file", reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name("ict.csv"));
            cchc.client.post(cchc.url("/admin/chi-so")).multipart(form).send()
        };
        let bad =
            "Năm,Phạm vi,Mã đơn vị,Điểm,Văn bản công bố\n2021,Toàn quốc,99,0.52,ICT 2021\n2024,Toàn quốc,99,0.6,ICT 2024\n2020,Toàn quốc,99,0.5,ICT 2020\n";
        let response = upload("ict-index", bad).await.unwrap();
        assert_eq!(response.status(), 422, "{backend}");
        let page = response.text().await.unwrap();
        assert!(page.contains("Dòng 3: chưa có phương pháp ICT Index cho năm 2024"), "{backend}: {page}");
        assert!(page.contains("Dòng 4: đã có kết quả ICT Index năm 2020"), "{backend}: {page}");
        assert!(!page.contains("Xác nhận nhập"), "{backend}");
        let good = "Năm,Phạm vi,Mã đơn vị,Điểm,Xếp hạng,Văn bản công bố\n2021,Toàn quốc,99,\"0,5230\",22,Báo cáo ICT Index 2021\n";
        let response = upload("ict-index", good).await.unwrap();
        assert_eq!(response.status(), 200, "{backend}");
        let page = response.text().await.unwrap();
        assert!(page.contains("Xem trước tệp ict.csv: 1 kết quả hợp lệ"), "{backend}: {page}");
        assert!(
            visitor.text("/chi-so/ict-index").await.1.contains("0,4512") && !visitor.text("/chi-so/ict-index").await.1.contains("0,5230"),
            "a preview writes nothing"
        );
        let table = page.split(r#"name="table" value=""#).nth(1).unwrap().split('"').next().unwrap().replace("&quot;", "\"").replace("&#34;", "\"");
        let applied = cchc.post_form("/admin/chi-so/apply", &[("index", "ict-index"), ("file_name", "ict.csv"), ("table", &table)]).await;
        assert_eq!(applied.status(), 200, "{backend}");
        assert!(applied.text().await.unwrap().contains("Đã nhập tệp ict.csv: 1 kết quả."), "{backend}");
        let (_, page) = visitor.text("/chi-so/ict-index").await;
        assert!(page.contains(r#"<td class="num">0,5230</td><td class="num">22</td><td class="num">+0,02</td>"#), "{backend}: {page}");

        // The file was a mistake: the import is withdrawn whole, and the page says so.
        let (_, page) = cchc.text("/admin/chi-so").await;
        let id = page.split(r#"action="/admin/chi-so/imports/"#).nth(1).unwrap().split('/').next().unwrap().to_string();
        let withdrawn = cchc.post_form(&format!("/admin/chi-so/imports/{id}/withdraw"), &[]).await;
        assert_eq!(withdrawn.status(), 200, "{backend}");
        assert!(withdrawn.text().await.unwrap().contains("1 kết quả đã bị xoá"), "{backend}");
        assert!(!visitor.text("/chi-so/ict-index").await.1.contains("0,5230"), "{backend}");
        assert_eq!(cchc.post_form(&format!("/admin/chi-so/imports/{id}/withdraw"), &[]).await.status(), 409, "{backend}: once");
        assert_eq!(ward_official.post_form(&format!("/admin/chi-so/imports/{id}/withdraw"), &[]).await.status(), 403, "{backend}");
    }
}

#[tokio::test]
async fn another_system_imports_results_through_the_api_checked_whole_and_withdraws_them() {
    let app = TestApp::spawn(testkit::sqlite()).await;
    app.demo_results().await;
    let office = app.api("cchc", Default::default()).await;
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let body = |table: Vec<Vec<String>>, apply: bool| serde_json::json!({ "index": "ict-index", "file_name": "lgsp-ict", "table": table, "apply": apply });
    let score_2021 = || async {
        let found: serde_json::Value = app.client().get("/api/v1/open/results?index=ict-index&year=2021&scope=national").await.json().await.unwrap();
        found["items"].as_array().unwrap().iter().find(|r| r["unit_code"] == "99").map(|r| r["score"].as_f64().unwrap())
    };
    let before = score_2021().await;

    let header = row(&["Năm", "Phạm vi", "Mã đơn vị", "Điểm", "Văn bản công bố"]);
    let bad = vec![header, row(&["2024", "Toàn quốc", "99", "0.6", "ICT 2024"]), row(&["2020", "Toàn quốc", "99", "0.5", "ICT 2020"])];
    assert_eq!(app.api("anlac.canbo", Default::default()).await.post("/api/v1/results/imports", &body(bad.clone(), true)).await.0, 403);
    let (status, problem) = office.post("/api/v1/results/imports", &body(bad, true)).await;
    assert_eq!(status, 422, "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("Dòng 2: chưa có phương pháp ICT Index cho năm 2024") && detail.contains("Dòng 3: đã có kết quả ICT Index năm 2020"), "{detail}");

    // A table past the sheets' limits (here its cells) is refused before it is read.
    let huge = vec![vec!["1".to_string(); 21]; 5_000];
    let (status, problem) = office.post("/api/v1/results/imports", &body(huge, false)).await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("Bảng vượt giới hạn: tối đa 5.001 dòng, 50 cột, 100.000 ô."), "{problem}");

    let good = vec![
        row(&["Năm", "Phạm vi", "Mã đơn vị", "Điểm", "Xếp hạng", "Văn bản công bố"]),
        row(&["2021", "Toàn quốc", "99", "0,5230", "22", "Báo cáo ICT Index 2021"]),
    ];
    let (status, dry) = office.post("/api/v1/results/imports", &body(good.clone(), false)).await;
    assert_eq!((status, dry["applied"].as_bool()), (200, Some(false)), "{dry}");
    assert_eq!(dry["results"][0]["score"].as_f64(), Some(0.523));
    assert_eq!(score_2021().await, before, "a dry run writes nothing");
    let (status, applied) = office.post("/api/v1/results/imports", &body(good, true)).await;
    assert_eq!((status, applied["applied"].as_bool()), (201, Some(true)), "{applied}");
    assert_eq!(score_2021().await, Some(0.523));

    let (_, imports) = office.get("/api/v1/results/imports").await;
    let import = imports.as_array().unwrap().iter().find(|i| i["file_name"] == "lgsp-ict").unwrap();
    let withdraw = format!("/api/v1/results/imports/{}/withdraw", import["id"]);
    assert_eq!(office.post(&withdraw, &serde_json::json!({})).await, (200, serde_json::json!({ "removed": 1 })));
    assert_eq!(score_2021().await, before);
    assert_eq!(office.post(&withdraw, &serde_json::json!({})).await.0, 409, "once");
}
