//! The results database's storage contract on both backends: imports (good, bad rows,
//! duplicate year, unknown unit, merged unit), all or nothing; reads; lineage; and this
//! system's own publications filed by themselves, replacing an imported copy.

mod common;

use common::{T0, actor, admin_on, units};
use domain::audit::AuditAction;
use domain::auth::{Access, Grant, Role};
use domain::calendar::Month;
use domain::results::{IndexCode, Origin, Scope, parse_table};
use domain::sipas::figures::{Overview, Row};
use domain::sipas::index::Figure;
use domain::text::parse_date;
use domain::units::{UnitCode, UnitLevel, Validity};
use storage::audit::Filter;
use storage::results::ResultQuery;
use storage::sipas::NewPublication;
use storage::units::{LineageInput, UnitInput};
use storage::{Error, Paging, Store};

const HEADER: [&str; 10] =
    ["Năm", "Phạm vi", "Mã đơn vị", "Điểm", "Xếp hạng", "Số đơn vị được xếp hạng", "Xếp loại", "Văn bản công bố", "Gia nhập thị trường", "Tiếp cận đất đai"];

fn rows(index: IndexCode, body: &[[&str; 10]]) -> Vec<domain::results::ImportRow> {
    let mut table = vec![HEADER.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    table.extend(body.iter().map(|r| r.iter().map(|s| s.to_string()).collect()));
    let (rows, problems) = parse_table(index, &table).expect("the header is the template's");
    assert!(problems.is_empty(), "{problems:?}");
    rows
}

/// A commune that was merged into `into` on 01/07/2025.
async fn former_commune(store: &Store, p: i64, into: i64) -> i64 {
    let validity = Validity::new(parse_date("01/01/1992").unwrap(), Some(parse_date("30/06/2025").unwrap())).unwrap();
    let input = UnitInput { code: UnitCode::parse("28001").unwrap(), name: "Xã Cũ".into(), level: UnitLevel::Commune, parent_id: Some(p), validity };
    let old = store.create_unit(&actor(), &admin_on(p), &input).await.unwrap().id;
    let link = LineageInput { predecessor_id: old, successor_id: into, effective: parse_date("01/07/2025").unwrap(), share: None, note: String::new() };
    store.add_lineage(&actor(), &admin_on(p), &link).await.unwrap();
    old
}

#[tokio::test]
async fn an_import_is_checked_whole_and_written_whole() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, _) = units(&store).await;
        let old = former_commune(&store, p, a).await;
        let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: p }]);
        let good = rows(
            IndexCode::Pci,
            &[
                ["2023", "Toàn quốc", "99", "66,1", "20", "63", "Khá", "Báo cáo PCI 2023", "7,1", "6"],
                ["2024", "Toàn quốc", "99", "68,52", "12", "63", "Khá", "Báo cáo PCI 2024", "7,9", "6,5"],
                ["2024", "Toàn quốc", "Cả nước", "65,2", "", "", "", "Báo cáo PCI 2024", "", ""],
                // A commune merged in 2025 keeps its results of the years it existed.
                ["2024", "Trong tỉnh", "28001", "70", "3", "10", "", "Khảo sát DDCI 2024", "", ""],
            ],
        );
        let dry = store.import_index_results(&actor(), &office, IndexCode::Pci, "pci.xlsx", &good, false).await.unwrap();
        assert!(dry.problems.is_empty() && !dry.applied && dry.rows.len() == 4, "{}: {:?}", db.backend, dry.problems);
        assert!(store.index_results(&ResultQuery::default()).await.unwrap().is_empty(), "a dry run writes nothing");

        let bad = rows(
            IndexCode::Pci,
            &[
                ["2022", "Toàn quốc", "99", "60", "", "", "", "Báo cáo PCI 2022", "", ""],
                ["2024", "Trong tỉnh", "KHONGCO", "60", "", "", "", "Báo cáo", "", ""],
                ["2024", "Trong tỉnh", "28101", "60", "", "", "", "Báo cáo", "", ""],
                ["2026", "Trong tỉnh", "28001", "60", "", "", "", "Báo cáo", "", ""],
                ["2024", "Toàn quốc", "28101", "60", "", "", "", "Báo cáo", "", ""],
                ["2022", "Toàn quốc", "99", "61", "", "", "", "Báo cáo PCI 2022", "", ""],
            ],
        );
        let refused = store.import_index_results(&actor(), &office, IndexCode::Pci, "pci.xlsx", &bad, true).await.unwrap();
        let problems = refused.problems.join("\n");
        assert!(!refused.applied, "{}", db.backend);
        assert!(problems.contains("Dòng 3: không có đơn vị mã «KHONGCO»"), "{problems}");
        assert!(problems.contains("Dòng 4: đơn vị «28101» chỉ có từ 01/07/2025, nên không có kết quả năm 2024"), "{problems}");
        assert!(problems.contains("Dòng 5: đơn vị «28001» đã thôi hoạt động từ 30/06/2025, nên không có kết quả năm 2026"), "{problems}");
        assert!(problems.contains("Dòng 6: kết quả «Toàn quốc» là của tỉnh"), "{problems}");
        assert!(problems.contains("Dòng 7: trùng với dòng 2"), "{problems}");
        assert!(!problems.contains("Dòng 2:"), "{problems}");
        assert!(store.index_results(&ResultQuery::default()).await.unwrap().is_empty(), "one bad row and nothing is written");

        // Only the province's reform office imports.
        let commune = Access::new(vec![Grant { role: Role::ReformOffice, unit: a }]);
        assert!(matches!(store.import_index_results(&actor(), &commune, IndexCode::Pci, "pci.xlsx", &good, true).await, Err(Error::Forbidden)));

        let done = store.import_index_results(&actor(), &office, IndexCode::Pci, "pci.xlsx", &good, true).await.unwrap();
        assert!(done.applied, "{}", db.backend);
        let again = store.import_index_results(&actor(), &office, IndexCode::Pci, "pci-2.xlsx", &good[1..2], true).await.unwrap();
        assert!(!again.applied);
        assert_eq!(again.problems, ["Dòng 3: đã có kết quả PCI năm 2024 của 99 — Đơn vị 99 (Báo cáo PCI 2024); mỗi năm chỉ có một kết quả."]);

        let national = ResultQuery { index: Some(IndexCode::Pci), scope: Some(Scope::National), ..Default::default() };
        let held = store.index_results(&national).await.unwrap();
        let summary: Vec<(i32, Option<i64>, f64, Option<u32>)> = held.iter().map(|r| (r.year, r.unit_id, r.score, r.rank)).collect();
        assert_eq!(summary, vec![(2023, Some(p), 66.1, Some(20)), (2024, Some(p), 68.52, Some(12)), (2024, None, 65.2, None)], "{}", db.backend);
        let r2024 = &held[1];
        assert_eq!(
            (r2024.version.as_str(), r2024.class.as_str(), r2024.source.as_str(), r2024.unit_code.as_str()),
            ("PCI 2013", "Khá", "Báo cáo PCI 2024", "99")
        );
        assert_eq!(r2024.components.iter().map(|c| (c.code.as_str(), c.score)).collect::<Vec<_>>(), vec![("GN", 7.9), ("DD", 6.5)]);
        assert!(matches!(r2024.origin, Origin::Import(_)));
        assert_eq!(held[2].unit_name, "Cả nước");

        // The new commune's history holds its predecessor's results.
        let mut lineage = store.unit_with_predecessors(a).await.unwrap();
        lineage.sort();
        assert_eq!(lineage, {
            let mut both = vec![a, old];
            both.sort();
            both
        });
        let history = store.index_results(&ResultQuery { units: Some(lineage), ..Default::default() }).await.unwrap();
        assert_eq!(history.iter().map(|r| (r.year, r.unit_name.as_str())).collect::<Vec<_>>(), vec![(2024, "Xã Cũ")]);
        let second = store.index_results_page(&ResultQuery::default(), Paging::new(2, 3)).await.unwrap();
        assert_eq!((second.items.len(), second.total), (1, 4), "pages, and how many in all");
        let editions = store.index_editions(None).await.unwrap();
        assert_eq!(store.index_editions(Some(IndexCode::Pci)).await.unwrap(), editions, "one index only");
        assert_eq!(store.index_editions(Some(IndexCode::Papi)).await.unwrap(), vec![]);
        assert!(editions.contains(&(IndexCode::Pci, Scope::National, 2024, 2)) && editions.contains(&(IndexCode::Pci, Scope::Provincial, 2024, 1)));

        let log =
            store.audit_log(&admin_on(p), &Filter { action: Some(AuditAction::IndexResultsImported), ..Default::default() }, Paging::new(1, 10)).await.unwrap();
        assert_eq!(log.items.len(), 1, "one import, one entry: {}", db.backend);

        // A mistaken import is withdrawn whole, once, by the reform office; its record stays.
        let import = store.index_imports(10).await.unwrap();
        assert_eq!((import.len(), import[0].file_name.as_str(), import[0].row_count, import[0].removed_at), (1, "pci.xlsx", 4, None));
        assert!(matches!(store.withdraw_index_import(&actor(), &commune, import[0].id).await, Err(Error::Forbidden)));
        assert_eq!(store.withdraw_index_import(&actor(), &office, import[0].id).await.unwrap(), 4, "{}", db.backend);
        assert!(store.index_results(&ResultQuery::default()).await.unwrap().is_empty());
        assert!(matches!(store.withdraw_index_import(&actor(), &office, import[0].id).await, Err(Error::Conflict(_))));
        assert!(matches!(store.withdraw_index_import(&actor(), &office, 999_999).await, Err(Error::NotFound)));
        assert_eq!(store.index_imports(10).await.unwrap()[0].removed_at, Some(T0));
        // The years are free again for the corrected file.
        assert!(store.import_index_results(&actor(), &office, IndexCode::Pci, "pci-2.xlsx", &good, true).await.unwrap().applied);
    }
}

fn row(unit_id: i64, code: &str, value: f64, rank: Option<u32>) -> Row {
    Row {
        unit_id,
        code: code.into(),
        name: format!("Đơn vị {code}"),
        figure: Figure { value: Some(value), n: 400, valid: 390, margin: Some(2.9) },
        columns: vec![Some(value - 1.0), None],
        rank,
        previous: None,
        change: None,
        target: None,
        meets_target: None,
    }
}

fn overview(p: i64, a: i64, b: i64, year: i32, a_value: f64, methodology_id: i64) -> Overview {
    Overview {
        period: format!("Năm {year}"),
        from: Month::new(year, 1).unwrap(),
        to: Month::new(year, 12).unwrap(),
        methodology: "SIPAS 2017 (phiên bản 1)".into(),
        methodology_id,
        rules: String::new(),
        level: "Cấp xã".into(),
        columns: vec![("TC".into(), "Tiếp cận dịch vụ".into()), ("TT".into(), "Thủ tục hành chính".into())],
        total: row(p, "99", 88.0, None),
        rows: vec![row(a, "28101", a_value, Some(1)), row(b, "28102", 85.0, Some(2))],
    }
}

#[tokio::test]
async fn a_publication_files_its_results_and_replaces_an_imported_copy() {
    for db in testkit::backends().await {
        let store = testkit::store(&db).await;
        let (p, a, b) = units(&store).await;
        let admin = admin_on(p);
        let imported = parse_table(
            IndexCode::Sipas,
            &[
                vec!["Năm".into(), "Phạm vi".into(), "Mã đơn vị".into(), "Điểm".into(), "Văn bản công bố".into()],
                vec!["2026".into(), "Trong tỉnh".into(), "28101".into(), "80".into(), "Báo cáo giấy".into()],
            ],
        )
        .unwrap()
        .0;
        assert!(store.import_index_results(&actor(), &admin, IndexCode::Sipas, "sipas.csv", &imported, true).await.unwrap().applied);
        let methodology = store.methodologies().await.unwrap()[0].id;
        let form = store.create_questionnaire(&actor(), &admin, p, &domain::sipas::sipas_2017()).await.unwrap();
        let version = store.publish_questionnaire(&actor(), &admin, form).await.unwrap();
        let publish = |at: i64, a_value: f64| {
            let store = store.clone();
            let admin = admin.clone();
            async move {
                let publication = NewPublication {
                    title: format!("Kết quả SIPAS năm 2026 ({a_value})"),
                    unit_id: p,
                    version_id: version,
                    overview: overview(p, a, b, 2026, a_value, methodology),
                };
                store.publish(&storage::Actor { at, ..actor() }, &admin, &publication).await.unwrap()
            }
        };
        let first = publish(T0, 91.5).await;
        let query = ResultQuery { index: Some(IndexCode::Sipas), ..Default::default() };
        let filed = store.index_results(&query).await.unwrap();
        let summary: Vec<_> = filed.iter().map(|r| (r.unit_id, r.score, r.rank, r.ranked)).collect();
        assert_eq!(summary, vec![(Some(a), 91.5, Some(1), Some(2)), (Some(b), 85.0, Some(2), Some(2)), (Some(p), 88.0, None, None)], "{}", db.backend);
        assert!(filed.iter().all(|r| r.origin == Origin::Publication(first) && r.year == 2026 && r.scope == Scope::Provincial));
        assert_eq!(filed[0].components.iter().map(|c| (c.code.as_str(), c.score)).collect::<Vec<_>>(), vec![("TC", 90.5)], "a missing element is left out");

        // A later publication of the same year replaces the figures; filing again is a no-op.
        let second = publish(T0 + 1000, 93.0).await;
        let again = store.index_results(&query).await.unwrap();
        assert_eq!(again[0].score, 93.0);
        assert_eq!(again[0].origin, Origin::Publication(second));
        // Catching up at start files nothing twice: the first publication does not come back.
        store.migrate().await.unwrap();
        assert_eq!(store.index_results(&query).await.unwrap(), again, "{}", db.backend);
    }
}
