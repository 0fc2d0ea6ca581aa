//! Sampling end to end over HTTP on SQLite and PostgreSQL: the one-stop system registers
//! dossiers through the API and prints the QR code of a one-time link on the receipt, the reform office uploads a frame (refused whole when a row is
//! wrong), opens a contact (audited), draws a sample, checks the replay and replaces the
//! unreachable.

use serde_json::{Value, json};
use testkit::TestApp;

fn frame_csv(rows: &[(String, &str, &str, &str)]) -> Vec<u8> {
    let mut csv = String::from("Mã hồ sơ,Thủ tục,Lĩnh vực,Mã đơn vị,Ngày hoàn thành,Họ tên,Điện thoại,Email,Đồng ý\n");
    for (code, unit, date, phone) in rows {
        csv.push_str(&format!("{code},Đăng ký khai sinh,Hộ tịch,{unit},{date},Trần Văn Bình,{phone},,có\n"));
    }
    csv.into_bytes()
}

async fn upload(session: &testkit::Session, bytes: Vec<u8>, check_only: bool) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new().text("csrf", session.csrf.clone());
    if check_only {
        form = form.text("check_only", "on");
    }
    let form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name("khung-mau.csv"));
    let response = session.client.post(session.url("/admin/sampling/import")).multipart(form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_one_stop_system_feeds_the_frame_and_the_office_draws_from_it() {
    for db in testkit::backends().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        let (token, hash) = web::new_api_token();
        let counter = app.store.user_id_by_name("motcua.anlac").await.unwrap();
        app.store.create_api_token(&storage::Actor::system("test", 0), counter, "một cửa", &hash, None, &Default::default()).await.unwrap();
        let http = reqwest::Client::new();
        let register = |body: Value| http.post(format!("{}/api/v1/frame/dossiers", app.base)).bearer_auth(&token).json(&body).send();
        let dossier = json!({
            "dossier_code": "000.00.28.H56-260305-0001", "procedure": "Đăng ký khai sinh", "field": "Hộ tịch",
            "unit_code": "28101", "completed_on": "2026-03-05", "applicant_name": "Lê Thị Hoa",
            "phone": "0912 345 678", "email": "hoa.le@example.vn", "consent": true
        });
        let first = register(dossier.clone()).await.unwrap();
        assert_eq!(first.status(), 201, "{backend}");
        assert_eq!(first.json::<Value>().await.unwrap()["status"], "added");
        let again = register(dossier.clone()).await.unwrap();
        assert_eq!((again.status().as_u16(), again.json::<Value>().await.unwrap()["status"].clone()), (200, json!("known")), "a resend is harmless");
        let mut bad = dossier.clone();
        bad["dossier_code"] = json!("HS-2");
        bad["phone"] = json!("12");
        bad["completed_on"] = json!("31/02/2026");
        let refused = register(bad).await.unwrap();
        assert_eq!(refused.status(), 422);
        assert_eq!(refused.headers()["content-type"], "application/problem+json");
        let doc: Value = refused.json().await.unwrap();
        let fields: Vec<&str> = doc["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["completed_on", "phone"], "{doc}");
        let mut elsewhere = dossier.clone();
        elsewhere["dossier_code"] = json!("HS-3");
        elsewhere["unit_code"] = json!("STP");
        assert_eq!(register(elsewhere).await.unwrap().status(), 422, "counter staff register only their commune's dossiers");
        let anonymous = http.post(format!("{}/api/v1/frame/dossiers", app.base)).json(&dossier).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);

        // The receipt's QR code: a one-time link for the dossier, the same on a reprint, and one
        // link when two counters print the first receipt at the same moment.
        let receipt = |code: &str| http.post(format!("{}/api/v1/frame/receipts", app.base)).bearer_auth(&token).json(&json!({ "dossier_code": code })).send();
        let (printed, at_once) = tokio::join!(receipt("000.00.28.H56-260305-0001"), receipt("000.00.28.H56-260305-0001"));
        let (printed, at_once): (Value, Value) = (printed.unwrap().json().await.unwrap(), at_once.unwrap().json().await.unwrap());
        assert_eq!(printed["link"], at_once["link"], "{backend}: {} {}", printed["detail"], at_once["detail"]);
        let link = printed["link"].as_str().unwrap().to_string();
        assert!(link.contains("/t/") && printed["qr_svg"].as_str().unwrap().contains("<svg"), "{printed}");
        let reprinted: Value = receipt("000.00.28.H56-260305-0001").await.unwrap().json().await.unwrap();
        assert_eq!(reprinted["link"], printed["link"]);
        assert_eq!(receipt("KHONG-CO").await.unwrap().status(), 404);
        let path = &link[link.find("/t/").unwrap()..];
        let (status, html) = app.client().text(path).await;
        assert!(status == 200 && html.contains("Phường An Lạc"), "{backend}: {status}");

        // The reform office uploads a frame: a wrong row refuses the whole file.
        let office = app.login("cchc").await;
        let mut rows: Vec<(String, &str, &str, &str)> = (0..30).map(|i| (format!("XA-{i:03}"), "28101", "10/03/2026", "0987 000 111")).collect();
        rows.extend((0..20).map(|i| (format!("TP-{i:03}"), "STP", "12/03/2026", "")));
        let mut broken = rows.clone();
        broken[1].2 = "hôm qua";
        let (status, html) = upload(&office, frame_csv(&broken), false).await;
        assert_eq!(status, 422, "{backend}");
        assert!(html.contains("Chưa có hồ sơ nào được ghi") && html.contains("<td>3</td>") && html.contains("hôm qua"), "{html}");
        let before: i64 = app.store.frame_summary(&cchc_access(&app).await).await.unwrap().iter().map(|u| u.dossiers).sum();
        assert_eq!(before, 1, "nothing half-imported on {backend}");
        let (status, html) = upload(&office, frame_csv(&rows), true).await;
        assert!(status == 200 && html.contains("Chưa ghi gì"), "{html}");
        let (status, html) = upload(&office, frame_csv(&rows), false).await;
        assert!(status == 200 && html.contains("thêm 50 hồ sơ"), "{html}");

        // Contacts: opened by the reform office with a purpose, and audited; never by the
        // administrator.
        let entry = app
            .store
            .frame_entries(
                &cchc_access(&app).await,
                &storage::sampling::FrameFilter { dossier: "000.00".into(), ..Default::default() },
                storage::Paging::new(1, 1),
            )
            .await
            .unwrap()
            .items[0]
            .id;
        let (_, page) = office.text(&format!("/admin/sampling/frame/{entry}")).await;
        assert!(!page.contains("0912345678"), "contacts stay closed until asked for");
        let opened = office.post_form(&format!("/admin/sampling/frame/{entry}/contact"), &[("purpose", "gọi điện mời trả lời phiếu")]).await;
        let opened = opened.text().await.unwrap();
        assert!(opened.contains("0912345678") && opened.contains("Lê Thị Hoa"), "{opened}");
        let (_, audit) = office.text("/admin/audit?action=frame.contact_viewed").await;
        assert!(audit.contains("gọi điện mời trả lời phiếu") || audit.contains("Xem thông tin liên hệ"), "{audit}");
        let admin = app.login("quantri").await;
        assert_eq!(admin.post_form(&format!("/admin/sampling/frame/{entry}/contact"), &[("purpose", "xem")]).await.status(), 403);

        // A draw over March: 10 answers shared 31:20 between the commune and the department.
        let survey = app.store.survey_by_code("sipas", app.clock.now_ms()).await.unwrap().id.to_string();
        let drawn = office
            .post_form("/admin/sampling/draws", &[("survey", &survey), ("from", "01/03/2026"), ("to", "31/03/2026"), ("total", "10"), ("seed", "2026")])
            .await;
        assert_eq!(drawn.status(), 303, "{backend}");
        let location = drawn.headers()["location"].to_str().unwrap().to_string();
        let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
        let quotas: Value = office.get(&format!("/api/v1/sampling/draws/{id}")).await.json().await.unwrap();
        let allocated = |code: &str| quotas["quotas"].as_array().unwrap().iter().find(|q| q["unit_code"] == code).unwrap()["allocated"].as_i64().unwrap();
        assert_eq!((allocated("28101"), allocated("STP")), (6, 4), "{quotas}");
        assert_eq!((quotas["seed"].as_str(), quotas["frame_size"].as_i64()), (Some("2026"), Some(51)));
        let (_, checked) = office.text(&format!("{location}?check=1")).await;
        assert!(checked.contains("cho đúng danh sách đã lưu"), "{checked}");

        let members = app.store.draw_members(&cchc_access(&app).await, id, Some(app.unit_id("28101").await), "selected", storage::Paging::ALL).await.unwrap();
        let gone = members.items[0].entry_id.to_string();
        let replaced = office.post_form(&format!("/admin/sampling/draws/{id}/replace"), &[("entry", &gone), ("reason", "gọi 3 lần không nghe máy")]).await;
        assert_eq!(replaced.status(), 303);
        let (_, page) = office.text(&format!("{location}?status=selected")).await;
        assert!(page.contains(&format!("Thay cho {}", members.items[0].dossier_code)), "{page}");
        let csv = office.get(&format!("{location}/members.csv")).await.text().await.unwrap();
        assert!(csv.contains("Không liên hệ được") && csv.contains("gọi 3 lần không nghe máy"));
        let (status, _) = app.login("anlac.canbo").await.text(&location).await;
        assert_eq!(status, 403, "unit officials do not run draws");
    }
}

async fn cchc_access(app: &TestApp) -> domain::auth::Access {
    domain::auth::Access::new(vec![domain::auth::Grant { role: domain::auth::Role::ReformOffice, unit: app.unit_id("99").await }])
}
