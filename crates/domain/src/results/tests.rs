use proptest::prelude::*;

use super::*;

fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

fn result(unit: Option<i64>, year: i32, score: f64) -> IndexResult {
    IndexResult {
        index: IndexCode::Papi,
        year,
        version: definition(IndexCode::Papi, year).map(|d| d.version.to_string()).unwrap_or_default(),
        scope: Scope::National,
        unit_id: unit,
        unit_code: unit.map_or(String::new(), |u| format!("U{u}")),
        unit_name: unit.map_or(NATIONAL_AVERAGE.into(), |u| format!("Tỉnh {u} ({year})")),
        score,
        rank: None,
        ranked: None,
        class: String::new(),
        source: "Báo cáo PAPI".into(),
        components: Vec::new(),
        origin: Origin::Import(1),
    }
}

#[test]
fn every_index_has_versions_that_do_not_overlap() {
    for index in IndexCode::ALL {
        let list: Vec<_> = versions(index).collect();
        assert!(!list.is_empty(), "{index:?} has a version");
        for pair in list.windows(2) {
            let to = pair[0].to_year.expect("an older version ends");
            assert_eq!(to + 1, pair[1].from_year, "{index:?}: versions meet without a gap or an overlap");
        }
        assert_eq!(IndexCode::parse(index.code()), Some(index));
        assert_eq!(serde_json::to_value(index).unwrap(), index.code(), "the API names an index by its code");
        for d in &list {
            assert!(!d.components.is_empty());
            let codes: std::collections::HashSet<_> = d.components.iter().map(|c| c.code).collect();
            assert_eq!(codes.len(), d.components.len(), "{}: component codes are distinct", d.version);
        }
    }
}

#[test]
fn the_version_of_a_year_is_the_one_in_force_then() {
    assert_eq!(definition(IndexCode::Papi, 2017).map(|d| d.version), Some("PAPI 2011"));
    assert_eq!(definition(IndexCode::Papi, 2018).map(|d| d.version), Some("PAPI 2018"));
    assert_eq!(definition(IndexCode::Papi, 2018).map(|d| d.components.len()), Some(8));
    assert_eq!(definition(IndexCode::Ict, 2023), None, "the ICT Index ended with 2022");
    assert_eq!(definition(IndexCode::Dti, 2030).map(|d| d.scale.max), Some(1000.0));
    let groups: f64 = definition(IndexCode::OneStop766, 2025).unwrap().components.iter().filter_map(|c| c.max).sum();
    assert_eq!(groups, 100.0, "the five 766 groups make up 100 points");
}

#[test]
fn scales_format_the_vietnamese_way() {
    let papi = definition(IndexCode::Papi, 2024).unwrap().scale;
    assert_eq!(papi.format(44.5), "44,50 điểm");
    assert_eq!(papi.describe(), "10–80 điểm");
    let ict = definition(IndexCode::Ict, 2020).unwrap().scale;
    assert_eq!(ict.format(0.61234), "0,6123");
}

#[test]
fn a_good_template_reads_back_with_its_components() {
    let header = header_for(definition(IndexCode::Pci, 2024).unwrap());
    let mut body: Vec<String> =
        ["2024", "Toàn quốc", "AL", "Tỉnh An Lạc", "68,52", "12", "63", "Khá", "Báo cáo PCI 2024"].iter().map(|s| s.to_string()).collect();
    body.extend(["7.9", "6,5", "", "", "", "", "", "", "", "9"].iter().map(|s| s.to_string()));
    let (rows, problems) = parse_table(IndexCode::Pci, &[header, body]).expect("the template's own header is accepted");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!((row.line, row.year, row.version, row.scope), (2, 2024, "PCI 2013", Scope::National));
    assert_eq!(row.target, Target::Unit("AL".into()));
    assert_eq!((row.score, row.rank, row.ranked, row.class.as_str()), (68.52, Some(12), Some(63), "Khá"));
    let parts: Vec<(&str, f64)> = row.components.iter().map(|c| (c.code.as_str(), c.score)).collect();
    assert_eq!(parts, vec![("GN", 7.9), ("DD", 6.5), ("PL", 9.0)]);
}

#[test]
fn headers_match_without_accents_and_by_code() {
    let rows = parse_table(
        IndexCode::Papi,
        &table(&[
            &["nam", "pham vi", "ma don vi", "diem", "van ban cong bo", "D8", "quan tri moi truong"],
            &["2020", "toan quoc", "Cả nước", "44,1", "PAPI 2020", "3,2", "3,5"],
        ]),
    )
    .unwrap()
    .0;
    assert_eq!(rows[0].target, Target::NationalAverage);
    assert_eq!(rows[0].components.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["D8", "D7"]);
}

#[test]
fn every_bad_row_is_named_and_none_pass_alone() {
    let (passed, problems) = parse_table(
        IndexCode::Papi,
        &table(&[
            &["Năm", "Phạm vi", "Mã đơn vị", "Điểm", "Xếp hạng", "Số đơn vị được xếp hạng", "Văn bản công bố", "Quản trị điện tử (D8)"],
            &["2024", "Toàn quốc", "AL", "45", "3", "63", "PAPI 2024", "4"],
            &["2009", "Toàn quốc", "AL", "45", "", "", "PAPI", ""],
            &["2024", "Huyện", "AL", "90", "70", "63", "", ""],
            &["2016", "Trong tỉnh", "Cả nước", "abc", "", "", "PAPI 2016", "4"],
            &["", "", "", "", "", "", "", ""],
            &["2024", "Toàn quốc", "AL", "45", "", "", "PAPI 2024", "12"],
        ]),
    )
    .unwrap();
    assert_eq!(passed.iter().map(|r| r.line).collect::<Vec<_>>(), [2], "the good row passes on, for the store to check");
    let joined = problems.join("\n");
    assert!(joined.contains("Dòng 3: chưa có phương pháp PAPI cho năm 2009"), "{joined}");
    assert!(joined.contains("Dòng 4: phạm vi «Huyện» không hợp lệ"), "{joined}");
    assert!(joined.contains("Dòng 4: điểm 90,00 nằm ngoài thang 10–80 điểm"), "{joined}");
    assert!(joined.contains("Dòng 4: xếp hạng 70 lớn hơn số đơn vị được xếp hạng (63)"), "{joined}");
    assert!(joined.contains("Dòng 4: thiếu văn bản công bố"), "{joined}");
    assert!(joined.contains("Dòng 5: «Cả nước» chỉ dùng với phạm vi «Toàn quốc»"), "{joined}");
    assert!(joined.contains("Dòng 5: điểm «abc» không phải là số"), "{joined}");
    assert!(joined.contains("Dòng 5: cột 8: năm 2016 tính theo PAPI 2011, không có thành phần «D8»"), "{joined}");
    assert!(joined.contains("Dòng 7: «Quản trị điện tử» = 12 vượt quá mức tối đa 10,00"), "{joined}");
    assert!(!joined.contains("Dòng 2:") && !joined.contains("Dòng 6:"), "good and blank rows pass: {joined}");
}

#[test]
fn a_foreign_header_is_refused_whole() {
    let problems = parse_table(IndexCode::Pci, &table(&[&["Năm", "Điểm", "Tiếp cận đất đai", "Quản trị điện tử"], &["2024", "60"]])).unwrap_err();
    assert!(problems.contains(&"Cột 4 «Quản trị điện tử» không có trong mẫu của PCI.".to_string()), "{problems:?}");
    assert!(problems.contains(&"Thiếu cột «Phạm vi».".to_string()), "{problems:?}");
    assert!(parse_table(IndexCode::Pci, &[]).is_err());
    assert!(
        parse_table(IndexCode::Pci, &table(&[&["Năm", "Phạm vi", "Mã đơn vị", "Điểm", "Văn bản công bố"], &["", "", "", "", ""]])).is_err(),
        "no rows at all"
    );
}

#[test]
fn a_methodology_break_is_shown_but_not_compared() {
    let list = series(&[
        result(Some(1), 2018, 44.0),
        result(Some(1), 2016, 36.0),
        result(Some(1), 2017, 37.5),
        result(None, 2018, 43.0),
        result(Some(1), 2019, 45.25),
    ]);
    assert_eq!(list.len(), 2);
    let province = &list[0];
    assert_eq!(province.label, "Tỉnh 1 (2019)", "a series is named as its unit is now");
    let years: Vec<(i32, Option<f64>, bool)> = province.editions.iter().map(|e| (e.result.year, e.change, e.after_break)).collect();
    assert_eq!(years, vec![(2016, None, false), (2017, Some(1.5), false), (2018, None, true), (2019, Some(1.25), false)]);
    assert_eq!(list[1].unit_id, None);
}

#[test]
fn a_merged_unit_carries_its_predecessors_weighted_by_share() {
    let (a, b) = (result(Some(1), 2019, 60.0), result(Some(2), 2019, 70.0));
    // Population shares 0.75 and 0.25: 60 × 0,75 + 70 × 0,25 = 62,5.
    let merged = carried(&[(&a, 0.75), (&b, 0.25)]).unwrap();
    assert!((merged.score - 62.5).abs() < 1e-9);
    assert_eq!(merged.unit_name, "Tỉnh 1 (2019), Tỉnh 2 (2019)");
    assert_eq!(merged.rank, None);
    let now = result(Some(3), 2020, 65.0);
    assert_eq!(change(&now, &merged), Some(2.5));
    // Across a methodology break nothing is carried.
    let older = result(Some(2), 2017, 50.0);
    assert_eq!(carried(&[(&a, 1.0), (&older, 1.0)]), None);
    assert_eq!(carried(&[]), None);
}

proptest! {
    #[test]
    fn series_keep_every_result_once_and_in_year_order(entries in proptest::collection::btree_map((0i64..4, 2011i32..2030), 10.0f64..80.0, 0..40)) {
        let results: Vec<IndexResult> = entries.iter().map(|((unit, year), score)| result(Some(*unit), *year, *score)).collect();
        let list = series(&results);
        prop_assert_eq!(list.iter().map(|s| s.editions.len()).sum::<usize>(), results.len());
        for s in &list {
            prop_assert!(s.editions.windows(2).all(|w| w[0].result.year < w[1].result.year));
            prop_assert!(s.editions.iter().all(|e| e.change.is_none() || !e.after_break));
            for e in &s.editions {
                prop_assert_eq!(e.result.unit_id, s.unit_id);
            }
        }
    }
}
