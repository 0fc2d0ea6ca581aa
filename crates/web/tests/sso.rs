//! Single sign-on for officials against the test kit's OpenID Connect provider (discovery, JWKS,
//! RS256 ID tokens, PKCE): the whole round trip over HTTP on both backends and in Chromium; a
//! token for another client, an expired one or one signed by a key the provider does not
//! publish opens no session; a state is good once and only in the browser that began it;
//! passwords turned off for an official, never for the first administrator. The same provider
//! stands for VNeID where a consultation asks for a verified identity.

use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use storage::Paging;
use storage::audit::Filter;
use testkit::oidc::{Misbehaviour, Provider};
use testkit::{Session, TestApp, TestDb};

async fn app_with(db: TestDb, provider: &Provider, username_claim: Option<&str>) -> TestApp {
    let config = web::Config { sso: Some(provider.config(username_claim)), ..web::Config::default() };
    let app = TestApp::spawn_with(db, config).await;
    provider.register(&format!("{}/login/sso/callback", app.base));
    app
}

/// Starts a sign-in from `path` in this browser; the address the provider sent it to.
async fn to_provider(session: &Session, path: &str) -> String {
    let response = session.get(path).await;
    assert_eq!(response.status(), 303, "{path} sends the browser to the provider");
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("code_challenge_method=S256"), "{location}");
    location
}

/// Comes back from the provider to `callback`; the status and the page.
async fn back(session: &Session, callback: &str) -> (u16, String, Option<String>) {
    let response = session.client.get(callback).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    (status, response.text().await.unwrap(), location)
}

async fn signed_in(session: &Session) -> bool {
    session.get("/admin").await.status() == 200
}

/// Who did it and the details, of the audit entries of one action.
async fn audited(app: &TestApp, action: AuditAction) -> Vec<(String, serde_json::Value)> {
    let everything = Access::new(vec![Grant { role: Role::SystemAdmin, unit: app.unit_id("99").await }]);
    let filter = Filter { action: Some(action), ..Filter::default() };
    let entries = app.store.audit_log(&everything, &filter, Paging::new(1, 100)).await.unwrap().items;
    entries.into_iter().map(|e| (e.actor_name, serde_json::from_str(&e.details).unwrap())).collect()
}

#[tokio::test]
async fn an_official_signs_in_through_the_provider_and_no_bad_token_opens_a_session() {
    for db in testkit::backends().await {
        let provider = Provider::start().await;
        provider.add_user("cchc", "f3c1-cchc");
        provider.add_user("nguoi.la", "f3c1-la");
        let app = app_with(db, &provider, Some("preferred_username")).await;

        // The login page offers the provider; the provider's name for the official links them.
        let browser = app.client();
        let (_, login) = browser.text("/login").await;
        assert!(login.contains("Đăng nhập bằng tài khoản công vụ"), "{login}");
        let at_provider = to_provider(&browser, "/login/sso?next=/admin/users").await;
        let callback = provider.sign_in_at(&at_provider, "cchc").await;
        let (status, _, location) = back(&browser, &callback).await;
        assert_eq!((status, location.as_deref()), (303, Some("/admin/users")));
        assert!(signed_in(&browser).await);
        let linked = audited(&app, AuditAction::IdentityLinked).await;
        assert_eq!(linked.len(), 1);
        assert_eq!((linked[0].0.as_str(), &linked[0].1["subject"]), ("cchc", &serde_json::json!("f3c1-cchc")));
        assert!(audited(&app, AuditAction::LoginSucceeded).await.iter().any(|(who, d)| who == "cchc" && d["method"] == "sso"));

        // The same return a second time, or in another browser, is refused.
        let (status, page, _) = back(&app.client(), &callback).await;
        assert_eq!(status, 400, "{page}");
        let (status, _, _) = back(&browser, &callback).await;
        assert_eq!(status, 400);
        let elsewhere = app.client();
        let at_provider = to_provider(&browser, "/login/sso").await;
        let callback = provider.sign_in_at(&at_provider, "cchc").await;
        let (status, page, _) = back(&elsewhere, &callback).await;
        assert_eq!(status, 400);
        assert!(page.contains("trình duyệt khác"), "{page}");

        // A token for another client, an expired one, one signed by a key not published.
        for (how, words) in [
            (Misbehaviour::WrongAudience, "không cấp cho hệ thống này"),
            (Misbehaviour::Expired, "đã hết hạn"),
            (Misbehaviour::ForeignKey, "Chữ ký của mã định danh không hợp lệ"),
        ] {
            let fresh = app.client();
            provider.misbehave_once(how);
            let callback = provider.sign_in_at(&to_provider(&fresh, "/login/sso").await, "cchc").await;
            let (status, page, _) = back(&fresh, &callback).await;
            assert_eq!(status, 401, "{how:?}: {page}");
            assert!(page.contains(words), "{how:?}: {page}");
            assert!(!signed_in(&fresh).await, "{how:?} opened a session");
        }
        assert_eq!(audited(&app, AuditAction::LoginFailed).await.iter().filter(|(_, d)| d["sso"].is_string()).count(), 3);

        // Someone the province's provider knows but who is no official here.
        let stranger = app.client();
        let callback = provider.sign_in_at(&to_provider(&stranger, "/login/sso").await, "nguoi.la").await;
        let (status, page, _) = back(&stranger, &callback).await;
        assert_eq!(status, 403);
        assert!(page.contains("chưa được liên kết"), "{page}");
        assert!(!signed_in(&stranger).await);
    }
}

#[tokio::test]
async fn an_official_links_their_identity_then_signs_in_without_a_password() {
    for db in testkit::backends().await {
        let provider = Provider::start().await;
        provider.add_user("tran.thi.b", "9d2e-b");
        // No claim carries login names here: officials link themselves.
        let app = app_with(db, &provider, None).await;

        let official = app.login("stp.canbo").await;
        let callback = provider.sign_in_at(&to_provider(&official, "/account/sso").await, "tran.thi.b").await;
        let (status, _, location) = back(&official, &callback).await;
        assert_eq!((status, location.as_deref()), (303, Some("/account/password?linked=1")));
        let (_, account) = official.text("/account/password?linked=1").await;
        assert!(account.contains("Đã liên kết") && account.contains("9d2e-b"), "{account}");

        // The administrator turns the password off; the official's password no longer opens.
        let admin = app.login("quantri").await;
        let id = app.store.user_id_by_name("stp.canbo").await.unwrap();
        let response = admin.post_form(&format!("/admin/users/{id}/password-login"), &[("allowed", "0")]).await;
        assert_eq!(response.status(), 303);
        let (_, page) = admin.text(&format!("/admin/users/{id}")).await;
        assert!(page.contains("đã tắt (chỉ đăng nhập một lần)"), "{page}");
        let mut by_password = app.client();
        let response = by_password.login("stp.canbo", testkit::PASSWORD).await;
        assert_eq!(response.status(), 403);
        assert!(response.text().await.unwrap().contains("không đăng nhập bằng mật khẩu"));
        assert!(audited(&app, AuditAction::PasswordLoginChanged).await.iter().any(|(who, d)| who == "quantri" && d["allowed"] == false));

        let browser = app.client();
        let callback = provider.sign_in_at(&to_provider(&browser, "/login/sso").await, "tran.thi.b").await;
        let (status, _, _) = back(&browser, &callback).await;
        assert_eq!(status, 303);
        assert!(signed_in(&browser).await);
        assert!(audited(&app, AuditAction::LoginSucceeded).await.iter().any(|(who, d)| who == "stp.canbo" && d["method"] == "sso"));

        // The first administrator keeps their password, whoever asks.
        let first = app.store.first_administrator().await.unwrap().unwrap();
        let response = admin.post_form(&format!("/admin/users/{first}/password-login"), &[("allowed", "0")]).await;
        assert_eq!(response.status(), 409);
        assert!(response.text().await.unwrap().contains("Quản trị viên đầu tiên luôn giữ"));
        assert_eq!(app.login("quantri").await.get("/admin").await.status(), 200);

        // Only those who manage accounts turn passwords on or off, or unlink another's identity;
        // an official unlinks only their own.
        let identity = app.store.identities(id).await.unwrap()[0].id;
        for refused in ["lanhdao", "stp.giamdoc", "anlac.chutich"] {
            let session = app.login(refused).await;
            let response = session.post_form(&format!("/admin/users/{id}/password-login"), &[("allowed", "1")]).await;
            assert_eq!(response.status(), 403, "{refused}");
            let response = session.post_form(&format!("/admin/users/{id}/identities/{identity}/unlink"), &[]).await;
            assert_eq!(response.status(), 403, "{refused}");
            let response = session.post_form(&format!("/account/sso/{identity}/unlink"), &[]).await;
            assert_eq!(response.status(), 404, "{refused}");
        }
        assert_eq!(app.store.identities(id).await.unwrap().len(), 1);

        // Unlinked by the administrator, the identity opens nothing.
        let response = admin.post_form(&format!("/admin/users/{id}/identities/{identity}/unlink"), &[]).await;
        assert_eq!(response.status(), 303);
        let browser = app.client();
        let callback = provider.sign_in_at(&to_provider(&browser, "/login/sso").await, "tran.thi.b").await;
        assert_eq!(back(&browser, &callback).await.0, 403);

        // Without VNeID connected, no consultation may ask for an electronic identity.
        let official = app.login("stp.giamdoc").await;
        let day = domain::text::format_date(domain::text::vn_datetime(app.clock.now_ms()).date());
        let fields = [
            ("unit", "STP"),
            ("title", "Dự thảo quy định về hỗ trợ người có công"),
            ("subject", "chinh-sach"),
            ("audience", "da-dinh-danh"),
            ("moderation", "duyet-sau"),
            ("opens_on", day.as_str()),
            ("opens_time", "08:00"),
            ("closes_on", day.as_str()),
            ("closes_time", "17:00"),
        ];
        let refused = official.post_form("/admin/y-kien", &fields).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("chưa được kết nối với VNeID"));
    }
}

#[tokio::test]
async fn an_official_signs_in_through_the_provider_in_chromium() {
    let Some(browser) = testkit::browser::Browser::start(390, 844).await.unwrap() else { return };
    let provider = Provider::start().await;
    provider.add_user("lanhdao", "7a7a-lanhdao");
    let app = app_with(testkit::sqlite(), &provider, Some("preferred_username")).await;
    browser.goto(&format!("{}/login", app.base)).await.unwrap();
    browser.click("#sso").await.unwrap();
    browser.wait_text("Cổng định danh của tỉnh").await.unwrap();
    browser.fill("#provider-username", "lanhdao").await.unwrap();
    browser.click("#provider-submit").await.unwrap();
    browser.wait_text("Vai trò của bạn").await.unwrap();
    assert!(browser.current_url().await.unwrap().starts_with(&format!("{}/admin", app.base)));
    browser.quit().await.unwrap();
}

/// A published consultation of the Department of Justice that only takes comments from those
/// who proved who they are.
async fn identified_only(app: &TestApp) -> i64 {
    use domain::consultation::{Audience, Moderation, Rules, Settings, Subject};
    let justice = app.unit_id("STP").await;
    let access = Access::new(vec![Grant { role: Role::UnitOfficial, unit: justice }]);
    let settings = Settings {
        title: "Dự thảo quy định về hỗ trợ người có công".into(),
        summary: String::new(),
        subject: Subject::Policy,
        audience: Audience::Identified,
        invited: Vec::new(),
        moderation: Moderation::After,
        opens_at: app.clock.now_ms() - 1,
        closes_at: app.clock.now_ms() + 10 * 86_400_000,
    };
    let actor = storage::Actor::system("test", app.clock.now_ms());
    let id = app.store.create_consultation(&actor, &access, justice, settings, &Rules::default()).await.unwrap();
    let outline = domain::consultation::outline(&thuocdo::demo::consultation::draft_lines()).unwrap();
    app.store.save_consultation_text(&actor, &access, id, &outline).await.unwrap();
    app.store.publish_consultation(&actor, &access, id).await.unwrap();
    id
}

#[tokio::test]
async fn a_consultation_that_asks_for_an_identity_takes_a_comment_once_vneid_says_who_it_is() {
    for db in testkit::backends().await {
        let vneid = Provider::start().await;
        vneid.add_user("Nguyễn Thị Hoa", "vneid-001094012345");
        let app = TestApp::spawn_with(db, web::Config { vneid: Some(vneid.config(None)), ..web::Config::default() }).await;
        vneid.register(&format!("{}/xac-thuc/vneid/callback", app.base));
        let id = identified_only(&app).await;
        let page = format!("/y-kien/{id}/dieu-4");
        let fields = [("part", "dieu-4"), ("page", "dieu-4"), ("body", "Đề nghị mở rộng đối tượng được hỗ trợ."), ("kind", "ca-nhan")];

        let mut person = app.client();
        person.csrf = person.csrf_of(&page).await;
        let (_, html) = person.text(&page).await;
        assert!(html.contains("Xác thực bằng VNeID"), "{html}");
        let refused = person.post_form(&format!("/y-kien/{id}/gop-y"), &fields).await;
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("người đã xác thực danh tính"));

        // A token VNeID did not sign for us proves nothing.
        vneid.misbehave_once(Misbehaviour::WrongAudience);
        let callback = vneid.sign_in_at(&to_provider(&person, &format!("/xac-thuc/vneid?next={page}")).await, "Nguyễn Thị Hoa").await;
        let (status, html, _) = back(&person, &callback).await;
        assert_eq!(status, 401, "{html}");
        assert_eq!(person.post_form(&format!("/y-kien/{id}/gop-y"), &fields).await.status(), 422);

        let callback = vneid.sign_in_at(&to_provider(&person, &format!("/xac-thuc/vneid?next={page}")).await, "Nguyễn Thị Hoa").await;
        let (status, _, location) = back(&person, &callback).await;
        assert_eq!((status, location), (303, Some(page.clone())));
        let (_, html) = person.text(&page).await;
        assert!(html.contains("Bạn đã xác thực danh tính bằng VNeID (Nguyễn Thị Hoa)"), "{html}");
        let taken = person.post_form(&format!("/y-kien/{id}/gop-y"), &fields).await;
        assert_eq!(taken.status(), 303);
        assert!(taken.headers()["location"].to_str().unwrap().contains("xong=da-dang"));
        // The statistics count her among those who proved who they are.
        let (_, stats) = person.text(&format!("/y-kien/{id}/thong-ke")).await;
        assert!(stats.contains("bằng tài khoản định danh điện tử (VNeID): 1."), "{stats}");
        // The citizen's return is no sign-in for officials.
        assert!(!signed_in(&person).await);
    }
}
