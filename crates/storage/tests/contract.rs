//! The storage contract: every test runs on SQLite and on PostgreSQL (when configured; required
//! by `scripts/test`), so the two backends behave the same.

use domain::audit::AuditAction;
use domain::auth::{Access, Grant, LOCKOUT_THRESHOLD, Permission, Role};
use domain::text::parse_date;
use domain::units::{RawUnitRow, UnitCode, UnitLevel, UnitTree, Validity};
use storage::audit::Filter;
use storage::auth::{FailureOutcome, NewSession, NewUser, SessionPolicy};
use storage::units::{LineageInput, RowAction, UnitFilter, UnitInput};
use storage::{Actor, Error, Paging, Store};

const T0: i64 = 1_760_000_000_000;

fn actor() -> Actor {
    Actor::system("test", T0)
}

fn period(from: &str, to: Option<&str>) -> Validity {
    Validity::new(parse_date(from).unwrap(), to.map(|t| parse_date(t).unwrap())).unwrap()
}

fn input(code: &str, name: &str, level: UnitLevel, parent: Option<i64>, validity: Validity) -> UnitInput {
    UnitInput { code: UnitCode::parse(code).unwrap(), name: name.into(), level, parent_id: parent, validity }
}

fn admin_on(unit: i64) -> Access {
    Access::new(vec![Grant { role: Role::SystemAdmin, unit }])
}

/// Province P → department S, district D (until 30/06/2025) → old commune C; new commune N.
struct Tree {
    p: i64,
    s: i64,
    d: i64,
    c: i64,
    n: i64,
}

async fn tree(store: &Store) -> Tree {
    let founder = admin_on(0);
    let p = store.create_unit(&actor(), &founder, &input("99", "Tỉnh An Lạc", UnitLevel::Province, None, period("01/01/1992", None))).await.unwrap().id;
    let admin = admin_on(p);
    let create = |code: &'static str, name: &'static str, level, parent, validity| {
        let admin = admin.clone();
        async move { store.create_unit(&actor(), &admin, &input(code, name, level, Some(parent), validity)).await.unwrap().id }
    };
    let s = create("STP", "Sở Tư pháp", UnitLevel::Department, p, period("01/01/2008", None)).await;
    let d = create("981", "Huyện Đông Hòa", UnitLevel::District, p, period("01/01/2008", Some("30/06/2025"))).await;
    let c = create("28010", "Xã Hòa Bình", UnitLevel::Commune, d, period("01/01/2008", Some("30/06/2025"))).await;
    let n = create("28103", "Xã Đông Hòa", UnitLevel::Commune, p, period("01/07/2025", None)).await;
    Tree { p, s, d, c, n }
}

async fn audit_count(store: &Store, p: i64) -> i64 {
    store.audit_log(&admin_on(p), &Filter::default(), Paging::new(1, 1)).await.unwrap().total
}

#[tokio::test]
async fn schemas_of_both_backends_have_the_same_tables_and_columns() {
    let Some(pg) = testkit::postgres().await else { return };
    let sqlite = testkit::sqlite();
    let mut a = testkit::store(&sqlite).await.schema().await.unwrap();
    let mut b = testkit::store(&pg).await.schema().await.unwrap();
    a.sort();
    b.sort();
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

#[tokio::test]
async fn units_are_scoped_to_the_callers_subtree() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let commune = Access::new(vec![Grant { role: Role::UnitOfficial, unit: t.c }]);
        let district = Access::new(vec![Grant { role: Role::UnitOfficial, unit: t.d }]);
        let all = store.units(&[t.p], &UnitFilter::default(), Paging::new(1, 100)).await.unwrap();
        assert_eq!(all.total, 5, "{}", db.backend);
        let seen = store.units(&commune.roots(Permission::ViewUnits), &UnitFilter::default(), Paging::new(1, 100)).await.unwrap();
        assert_eq!(seen.items.iter().map(|u| u.id).collect::<Vec<_>>(), vec![t.c], "{}", db.backend);
        let seen = store.units(&district.roots(Permission::ViewUnits), &UnitFilter::default(), Paging::new(1, 100)).await.unwrap();
        assert_eq!(seen.total, 2);
        assert!(matches!(store.unit(&commune, t.s).await, Err(Error::NotFound)));
        assert!(matches!(store.unit(&commune, t.n).await, Err(Error::NotFound)));
        assert_eq!(store.unit(&commune, t.c).await.unwrap().name, "Xã Hòa Bình");
        assert!(store.lineage(&commune, t.n).await.is_err());
        let nobody = Access::new(vec![]);
        assert_eq!(store.units(&nobody.roots(Permission::ViewUnits), &UnitFilter::default(), Paging::new(1, 10)).await.unwrap().total, 0);
    }
}

#[tokio::test]
async fn unit_filters_and_vietnamese_order() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let filter = |f: UnitFilter| {
            let store = store.clone();
            async move { store.units(&[t.p], &f, Paging::new(1, 100)).await.unwrap().items.into_iter().map(|u| u.code).collect::<Vec<_>>() }
        };
        let on_2024 = UnitFilter { valid_on: parse_date("01/01/2024"), ..Default::default() };
        assert_eq!(filter(on_2024).await, vec!["99", "STP", "981", "28010"], "{}", db.backend);
        let on_2026 = UnitFilter { valid_on: parse_date("01/01/2026"), ..Default::default() };
        assert_eq!(filter(on_2026).await, vec!["99", "STP", "28103"]);
        let search = UnitFilter { search: Some("dong hoa".into()), ..Default::default() };
        assert_eq!(filter(search).await, vec!["981", "28103"]);
        let communes = UnitFilter { level: Some(UnitLevel::Commune), ..Default::default() };
        // "Xã Đông Hòa" sorts after "Xã Hòa Bình"? No: Đ comes after D and before H.
        assert_eq!(filter(communes).await, vec!["28103", "28010"]);
        let children = UnitFilter { parent_id: Some(t.d), ..Default::default() };
        assert_eq!(filter(children).await, vec!["28010"]);
    }
}

#[tokio::test]
async fn bad_unit_writes_are_refused_and_leave_nothing_behind() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let admin = admin_on(t.p);
        let before = (store.units(&[t.p], &UnitFilter::default(), Paging::new(1, 1)).await.unwrap().total, audit_count(&store, t.p).await);
        let duplicate = input("STP", "Sở khác", UnitLevel::Department, Some(t.p), period("01/01/2010", None));
        assert!(matches!(store.create_unit(&actor(), &admin, &duplicate).await, Err(Error::Conflict(m)) if m.contains("STP")), "{}", db.backend);
        let wrong_level = input("X1", "Xã lạc chỗ", UnitLevel::Commune, Some(t.s), period("01/01/2010", None));
        assert!(matches!(store.create_unit(&actor(), &admin, &wrong_level).await, Err(Error::Unit(_))));
        let outside_period = input("X2", "Xã mới", UnitLevel::Commune, Some(t.d), period("01/07/2025", None));
        assert!(matches!(store.create_unit(&actor(), &admin, &outside_period).await, Err(Error::Unit(_))));
        let commune_official = Access::new(vec![Grant { role: Role::ReformOffice, unit: t.c }]);
        let elsewhere = input("X3", "Xã khác", UnitLevel::Commune, Some(t.p), period("01/07/2025", None));
        assert!(matches!(store.create_unit(&actor(), &commune_official, &elsewhere).await, Err(Error::Forbidden)));
        let root = input("98", "Tỉnh khác", UnitLevel::Province, None, period("01/01/2000", None));
        assert!(matches!(store.create_unit(&actor(), &Access::new(vec![Grant { role: Role::ReformOffice, unit: t.p }]), &root).await, Err(Error::Forbidden)));
        // Moving the district under its own commune, or shrinking it below its commune's period.
        let cycle = input("981", "Huyện Đông Hòa", UnitLevel::District, Some(t.c), period("01/01/2008", Some("30/06/2025")));
        assert!(store.update_unit(&actor(), &admin, t.d, &cycle).await.is_err());
        let shrink = input("981", "Huyện Đông Hòa", UnitLevel::District, Some(t.p), period("01/01/2008", Some("31/12/2020")));
        assert!(matches!(store.update_unit(&actor(), &admin, t.d, &shrink).await, Err(Error::Conflict(_))));
        let after = (store.units(&[t.p], &UnitFilter::default(), Paging::new(1, 1)).await.unwrap().total, audit_count(&store, t.p).await);
        assert_eq!(before, after, "nothing written on {}", db.backend);
        // A good update is written with its audit entry.
        let rename = input("981", "Thành phố Đông Hòa", UnitLevel::District, Some(t.p), period("01/01/2008", Some("30/06/2025")));
        assert_eq!(store.update_unit(&actor(), &admin, t.d, &rename).await.unwrap().name, "Thành phố Đông Hòa");
        assert_eq!(audit_count(&store, t.p).await, after.1 + 1);
    }
}

#[tokio::test]
async fn lineage_links_merged_communes() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let admin = admin_on(t.p);
        let link = LineageInput { predecessor_id: t.c, successor_id: t.n, effective: parse_date("01/07/2025").unwrap(), share: None, note: "NQ 1234".into() };
        store.add_lineage(&actor(), &admin, &link).await.unwrap();
        let (before, after) = store.lineage(&admin, t.n).await.unwrap();
        assert_eq!((before.len(), after.len()), (1, 0), "{}", db.backend);
        assert_eq!(before[0].code, "28010");
        assert_eq!(before[0].effective, "2025-07-01");
        let (_, after) = store.lineage(&admin, t.c).await.unwrap();
        assert_eq!(after[0].code, "28103");
        assert!(matches!(store.add_lineage(&actor(), &admin, &link).await, Err(Error::Unit(_))));
        let back = LineageInput { predecessor_id: t.n, successor_id: t.c, ..link.clone() };
        assert!(matches!(store.add_lineage(&actor(), &admin, &back).await, Err(Error::Unit(_))));
        let outsider = Access::new(vec![Grant { role: Role::ReformOffice, unit: t.c }]);
        let other = LineageInput { predecessor_id: t.d, ..link };
        assert!(matches!(store.add_lineage(&actor(), &outsider, &other).await, Err(Error::Forbidden)));
    }
}

#[tokio::test]
async fn import_previews_applies_and_rolls_back() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let admin = admin_on(t.p);
        // Children listed before their parent, a renamed existing unit, a merger with predecessors.
        let rows = vec![
            RawUnitRow::from_cells(2, ["28011", "Xã Hòa Lợi", "xã", "982", "01/01/2008", "30/06/2025", ""]),
            RawUnitRow::from_cells(3, ["982", "Huyện Tây Hòa", "huyện", "99", "01/01/2008", "30/06/2025", ""]),
            RawUnitRow::from_cells(4, ["STP", "Sở Tư pháp tỉnh An Lạc", "sở", "99", "01/01/2008", "", ""]),
            RawUnitRow::from_cells(5, ["28104", "Xã Hòa Thắng", "xã", "99", "01/07/2025", "", "28011; 28010"]),
            RawUnitRow::from_cells(6, ["981", "Huyện Đông Hòa", "district", "99", "01/01/2008", "30/06/2025", ""]),
        ];
        let count = || async { store.units(&[t.p], &UnitFilter::default(), Paging::new(1, 1)).await.unwrap().total };
        let audit_before = audit_count(&store, t.p).await;
        let preview = store.import_units(&actor(), &admin, &rows, false).await.unwrap();
        assert!(!preview.applied);
        assert_eq!(preview.error_count(), 0, "{:?}", preview.rows);
        let actions: Vec<RowAction> = preview.rows.iter().map(|r| r.action).collect();
        assert_eq!(actions, vec![RowAction::Create, RowAction::Create, RowAction::Update, RowAction::Create, RowAction::Unchanged], "{}", db.backend);
        assert_eq!(count().await, 5, "a preview writes nothing");
        assert_eq!(audit_count(&store, t.p).await, audit_before);

        let applied = store.import_units(&actor(), &admin, &rows, true).await.unwrap();
        assert!(applied.applied);
        assert_eq!(count().await, 8);
        let merged = store.public_unit_by_code("28104").await.unwrap();
        assert_eq!(store.lineage(&admin, merged.id).await.unwrap().0.len(), 2);
        assert_eq!(store.public_unit_by_code("STP").await.unwrap().name, "Sở Tư pháp tỉnh An Lạc");

        // One bad row (unknown parent, bad date, duplicate code) and nothing of the file is written.
        let bad = vec![
            RawUnitRow::from_cells(2, ["28200", "Xã Mới", "xã", "99", "01/07/2025", "", ""]),
            RawUnitRow::from_cells(3, ["28201", "Xã Lạ", "xã", "NOPE", "01/07/2025", "", ""]),
            RawUnitRow::from_cells(4, ["28202", "Xã Sai Ngày", "xã", "99", "31/02/2025", "", ""]),
            RawUnitRow::from_cells(5, ["28200", "Xã Trùng", "xã", "99", "01/07/2025", "", ""]),
        ];
        let report = store.import_units(&actor(), &admin, &bad, true).await.unwrap();
        assert!(!report.applied);
        assert_eq!(report.error_count(), 3, "{:?}", report.rows);
        assert!(report.rows[1].errors[0].contains("NOPE"));
        assert!(report.rows[3].errors[0].contains("dòng 2"));
        assert_eq!(count().await, 8, "nothing half-imported on {}", db.backend);
    }
}

#[tokio::test]
async fn sql_subtree_agrees_with_the_domain_tree() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let admin = admin_on(t.p);
        // A deterministic pseudo-random forest of departments' sub-units is not allowed by the
        // level rules, so grow districts and communes instead.
        let mut pairs = vec![(t.p, None), (t.s, Some(t.p)), (t.d, Some(t.p)), (t.c, Some(t.d)), (t.n, Some(t.p))];
        let mut seed: u64 = 7;
        for i in 0..30 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let districts: Vec<i64> = pairs.iter().filter(|(id, parent)| *parent == Some(t.p) && *id != t.s && *id != t.n).map(|p| p.0).collect();
            let (level, parent, code) = if seed.is_multiple_of(3) {
                (UnitLevel::District, t.p, format!("D{i}"))
            } else {
                (UnitLevel::Commune, districts[(seed as usize / 7) % districts.len()], format!("C{i}"))
            };
            let unit = store.create_unit(&actor(), &admin, &input(&code, &code, level, Some(parent), period("01/01/2008", Some("30/06/2025")))).await.unwrap();
            pairs.push((unit.id, Some(parent)));
        }
        let domain_tree = UnitTree::new(pairs.clone());
        for (root, _) in &pairs {
            let mut sql: Vec<i64> = store.units(&[*root], &UnitFilter::default(), Paging::new(1, 500)).await.unwrap().items.iter().map(|u| u.id).collect();
            let mut expected: Vec<i64> = domain_tree.subtree(*root).into_iter().collect();
            sql.sort();
            expected.sort();
            assert_eq!(sql, expected, "subtree of {root} on {}", db.backend);
            assert_eq!(store.unit_ancestry(*root).await.unwrap(), domain_tree.ancestors(*root));
        }
    }
}

async fn official(store: &Store, unit: i64, name: &str) -> i64 {
    let user = NewUser {
        username: name.into(),
        full_name: "Nguyễn Văn A".into(),
        email: Some(format!("{name}@example.vn")),
        phone: None,
        unit_id: unit,
        password_hash: "$argon2id$placeholder".into(),
    };
    store.insert_user(&actor(), &user).await.unwrap()
}

#[tokio::test]
async fn sessions_expire_revoke_and_lock_out() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let id = official(&store, t.c, "xa.canbo").await;
        store.insert_grant(&actor(), id, Grant { role: Role::UnitOfficial, unit: t.c }).await.unwrap();
        assert!(matches!(store.insert_grant(&actor(), id, Grant { role: Role::UnitOfficial, unit: t.c }).await, Err(Error::Conflict(_))));
        let policy = SessionPolicy { idle_ms: 30 * 60_000 };
        let session = NewSession {
            token_hash: "h1".into(),
            user_id: id,
            ip: "127.0.0.1".into(),
            user_agent: "test".into(),
            expires_at: T0 + 12 * 3_600_000,
            identity_id: None,
        };
        store.open_session(&actor(), t.c, &session).await.unwrap();
        let principal = store.session_principal("h1", T0 + 1000, policy).await.unwrap().expect("live session");
        assert_eq!(principal.user_id, id, "{}", db.backend);
        assert!(principal.access.can(Permission::ViewUnits, &[t.c, t.d, t.p]));
        assert!(store.session_principal("h1", T0 + 31 * 60_000, policy).await.unwrap().is_none(), "idle too long");
        assert!(store.session_principal("h1", T0 + 13 * 3_600_000, policy).await.unwrap().is_none(), "past absolute expiry");
        assert!(store.session_principal("other", T0, policy).await.unwrap().is_none());
        store.close_session(&Actor { user_id: Some(id), ..actor() }, principal.session_id.unwrap(), t.c).await.unwrap();
        assert!(store.session_principal("h1", T0 + 1000, policy).await.unwrap().is_none(), "revoked");
        // Past its expiry a session is forgotten; one that runs longer stays until its own.
        let later = NewSession { token_hash: "h2".into(), expires_at: T0 + 24 * 3_600_000, ..session };
        store.open_session(&actor(), t.c, &later).await.unwrap();
        assert_eq!(store.tidy_sessions(T0 + 12 * 3_600_000 - 1).await.unwrap(), 0, "{}", db.backend);
        assert_eq!(store.tidy_sessions(T0 + 12 * 3_600_000).await.unwrap(), 1, "{}", db.backend);
        assert_eq!(store.tidy_sessions(T0 + 13 * 3_600_000).await.unwrap(), 0, "{}", db.backend);
        assert!(store.session_principal("h2", T0 + 1000, policy).await.unwrap().is_some(), "the later session stays");
        assert_eq!(store.tidy_sessions(T0 + 24 * 3_600_000).await.unwrap(), 1, "{}", db.backend);

        for attempt in 1..=LOCKOUT_THRESHOLD {
            let outcome = store.record_login_failure(&actor(), id, t.c).await.unwrap();
            let expected = if attempt == LOCKOUT_THRESHOLD { FailureOutcome::Locked } else { FailureOutcome::Counted };
            assert_eq!(outcome, expected);
        }
        let creds = store.credentials("xa.canbo").await.unwrap().unwrap();
        assert!(creds.locked_until.unwrap() > T0);
        let locks =
            store.audit_log(&admin_on(t.p), &Filter { action: Some(AuditAction::AccountLocked), ..Default::default() }, Paging::new(1, 10)).await.unwrap();
        assert_eq!(locks.total, 1);

        store.create_api_token(&actor(), id, "lgsp", "tok", Some(T0 + 1000), &Default::default()).await.unwrap();
        assert!(store.token_principal("tok", T0).await.unwrap().is_some());
        assert!(store.token_principal("tok", T0 + 1000).await.unwrap().is_none(), "expired token");
    }
}

#[tokio::test]
async fn audit_log_is_append_only_and_scoped() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let commune_office = Access::new(vec![Grant { role: Role::ReformOffice, unit: t.c }]);
        let mine = store.audit_log(&commune_office, &Filter::default(), Paging::new(1, 100)).await.unwrap();
        assert!(mine.items.iter().all(|r| r.unit_id == Some(t.c)), "{}", db.backend);
        assert_eq!(mine.total, 1, "only the creation of the commune itself");
        let all = store.audit_log(&admin_on(t.p), &Filter::default(), Paging::new(1, 100)).await.unwrap();
        assert_eq!(all.total, 5);
        let official_only = Access::new(vec![Grant { role: Role::UnitOfficial, unit: t.p }]);
        assert_eq!(store.audit_log(&official_only, &Filter::default(), Paging::new(1, 100)).await.unwrap().total, 0);
        let by_action = Filter { action: Some(AuditAction::UnitCreated), actor: Some("TEST".into()), ..Default::default() };
        assert_eq!(store.audit_log(&admin_on(t.p), &by_action, Paging::new(1, 100)).await.unwrap().total, 5);
        for sql in ["UPDATE audit_log SET actor_name = 'x'", "DELETE FROM audit_log"] {
            let refused = match db.backend {
                "sqlite" => {
                    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.url)).await.unwrap();
                    sqlx::query(sql).execute(&pool).await.is_err()
                }
                _ => {
                    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
                    sqlx::query(sql).execute(&pool).await.is_err()
                }
            };
            assert!(refused, "{sql} must fail on {}", db.backend);
        }
        assert_eq!(store.audit_log(&admin_on(t.p), &Filter::default(), Paging::new(1, 100)).await.unwrap().total, 5);
    }
}

#[tokio::test]
async fn personal_data_is_sealed_at_rest_and_needs_its_key() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let id = official(&store, t.c, "xa.bimat").await;
        let raw: (Option<String>,) = match db.backend {
            "sqlite" => {
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.url)).await.unwrap();
                sqlx::query_as("SELECT email FROM users WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap()
            }
            _ => {
                let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
                sqlx::query_as("SELECT email FROM users WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap()
            }
        };
        let raw = raw.0.unwrap();
        assert!(raw.starts_with("v1:") && !raw.contains("example"), "stored sealed on {}: {raw}", db.backend);
        let (user, _) = store.user(&admin_on(t.p), id).await.unwrap();
        assert_eq!(user.email, None, "contacts are opened only when asked for");
        let (user, _) = store.user_viewed(&actor(), &admin_on(t.p), id).await.unwrap();
        assert_eq!(user.email.as_deref(), Some("xa.bimat@example.vn"));
        let listed = store.users(&admin_on(t.p), None, Paging::new(1, 10)).await.unwrap();
        assert!(listed.items.iter().all(|u| u.email.is_none()), "listings carry no personal data");

        let other_key = storage::crypto::DataKey::generate();
        let wrong = Store::connect(&db.url, &other_key).await.unwrap();
        assert!(matches!(wrong.migrate().await, Err(Error::WrongKey)), "{}", db.backend);
    }
}

#[tokio::test]
async fn a_units_procedures_are_replaced_whole_by_those_who_keep_the_register() {
    use domain::procedures::Procedure;
    let procedure = |code: &str, name: &str| Procedure { code: code.into(), name: name.into(), field: "Hộ tịch".into() };
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let before = audit_count(&store, t.p).await;
        let first = [procedure("1.000894", "Đăng ký kết hôn"), procedure("1.001193", "Đăng ký khai sinh"), procedure("2.000815", "Chứng thực bản sao")];
        store.import_procedures(&actor(), &admin_on(t.p), t.n, &first).await.unwrap();
        let names: Vec<String> = store.unit_procedures(t.n).await.unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["Chứng thực bản sao", "Đăng ký kết hôn", "Đăng ký khai sinh"], "Vietnamese order ({})", db.backend);
        store.import_procedures(&actor(), &admin_on(t.p), t.n, &first[..1]).await.unwrap();
        assert_eq!(store.unit_procedures(t.n).await.unwrap(), vec![first[0].clone()], "a new file replaces the catalogue ({})", db.backend);
        assert_eq!(audit_count(&store, t.p).await, before + 2, "each import is recorded");
        // A commune's officials read the register; they do not keep it.
        let official = Access::new(vec![Grant { role: Role::UnitOfficial, unit: t.n }]);
        assert!(matches!(store.import_procedures(&actor(), &official, t.n, &first).await, Err(Error::Forbidden)));
        assert_eq!(store.unit_procedures(t.n).await.unwrap().len(), 1, "and nothing was written ({})", db.backend);
        assert!(store.unit_procedures(t.s).await.unwrap().is_empty());
        assert_eq!(store.dossier_procedure("000.00.28103-20260101-00001").await.unwrap(), None);
    }
}

#[tokio::test]
async fn a_units_contact_is_set_by_its_managers_and_outlives_an_import() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let t = tree(&store).await;
        let admin = admin_on(t.p);
        assert!(store.unit_contact(t.n).await.unwrap().is_empty(), "{}", db.backend);
        let typed =
            domain::units::Contact { address: " Số 1  Lê Lợi ".into(), phone: "0235 3812 345".into(), hours: "Thứ Hai đến thứ Sáu".into() };
        let official = Access::new(vec![Grant { role: Role::UnitOfficial, unit: t.n }]);
        assert!(matches!(store.set_unit_contact(&actor(), &official, t.n, typed.clone()).await, Err(Error::Forbidden)));
        let bad = domain::units::Contact { phone: "gọi ngay".into(), ..typed.clone() };
        assert!(matches!(store.set_unit_contact(&actor(), &admin, t.n, bad).await, Err(Error::Invalid(_))));
        store.set_unit_contact(&actor(), &admin, t.n, typed).await.unwrap();
        // The unit list imported again (name changed) leaves the contact as it was.
        let row = RawUnitRow::from_cells(2, ["28103", "Xã Đông Hòa mới", "commune", "99", "01/07/2025", "", ""]);
        assert!(store.import_units(&actor(), &admin, &[row], true).await.unwrap().applied, "{}", db.backend);
        let contact = store.unit_contact(t.n).await.unwrap();
        assert_eq!((contact.address.as_str(), contact.phone.as_str()), ("Số 1 Lê Lợi", "0235 3812 345"), "{}", db.backend);
        let log = store.audit_log(&admin, &Filter { unit_id: Some(t.n), ..Filter::default() }, Paging::new(1, 10)).await.unwrap().items;
        assert!(log.iter().any(|r| r.action == AuditAction::UnitUpdated.code() && r.details.contains("Lê Lợi")), "{}", db.backend);
    }
}

/// A job one server at a time runs: its lease is held by one holder, renewed by it, taken over
/// once it runs out or is given back; of servers asking at the same moment, one gets it.
#[tokio::test]
async fn a_job_is_leased_to_one_server_until_the_lease_runs_out_or_is_given_back() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let b = db.backend;
        let minute = 60_000;
        assert!(store.hold_lease("analytics", "a", 0, minute).await.unwrap(), "{b}: free, taken");
        assert!(!store.hold_lease("analytics", "b", 1_000, minute).await.unwrap(), "{b}: held by another");
        assert!(store.hold_lease("tidy", "b", 1_000, minute).await.unwrap(), "{b}: each job has its own lease");
        assert!(store.hold_lease("analytics", "a", 50_000, minute).await.unwrap(), "{b}: renewed by its holder");
        assert!(!store.hold_lease("analytics", "b", 100_000, minute).await.unwrap(), "{b}: the renewal counts from when it was made");
        assert!(store.hold_lease("analytics", "b", 110_000, minute).await.unwrap(), "{b}: run out, taken over");
        assert!(!store.hold_lease("analytics", "a", 110_001, minute).await.unwrap(), "{b}");
        store.release_leases("b").await.unwrap();
        assert!(store.hold_lease("analytics", "a", 110_002, minute).await.unwrap(), "{b}: given back, taken at once");
        assert!(store.hold_lease("tidy", "c", 110_002, minute).await.unwrap(), "{b}: every lease of the holder given back");

        let asking = (0..8).map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.hold_lease("race", &format!("server-{i}"), 0, minute).await.unwrap() })
        });
        let granted = futures_util::future::join_all(asking).await.into_iter().filter(|held| *held.as_ref().unwrap()).count();
        assert_eq!(granted, 1, "{b}: one of the servers asking at once");
    }
}
