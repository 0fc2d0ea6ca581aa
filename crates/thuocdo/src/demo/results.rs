//! The results database in the demo: the province's national results of the other indices
//! across the years, with the national average, imported through the reform office's own import
//! (the PAR and SIPAS results of the demo's own rounds and publications file themselves). The
//! figures are made up for the demo province.

use anyhow::Context;
use domain::auth::{Access, Grant, Role};
use domain::results::{IndexCode, NATIONAL_AVERAGE, header_for, parse_table, versions};
use storage::{Actor, Store};

/// (year, unit code, score, rank of 63, class, components of the newest version or none)
type Line = (i32, &'static str, &'static str, &'static str, &'static str, &'static [&'static str]);

const PROVINCE: &str = super::PROVINCE_CODE;

fn sets() -> Vec<(IndexCode, &'static str, Vec<Line>)> {
    vec![
        (
            IndexCode::Pci,
            "Báo cáo PCI",
            vec![
                (2019, PROVINCE, "64,10", "30", "Khá", &[]),
                (2020, PROVINCE, "63,80", "33", "Khá", &[]),
                (2021, PROVINCE, "65,20", "25", "Khá", &[]),
                (2022, PROVINCE, "66,00", "21", "Khá", &[]),
                (2023, PROVINCE, "66,90", "18", "Khá", &[]),
                (2024, PROVINCE, "68,52", "12", "Tốt", &["7,90", "6,50", "6,85", "7,10", "6,95", "6,20", "7,05", "6,40", "6,75", "7,30"]),
                (2019, NATIONAL_AVERAGE, "64,50", "", "", &[]),
                (2020, NATIONAL_AVERAGE, "64,30", "", "", &[]),
                (2021, NATIONAL_AVERAGE, "64,70", "", "", &[]),
                (2022, NATIONAL_AVERAGE, "65,00", "", "", &[]),
                (2023, NATIONAL_AVERAGE, "65,40", "", "", &[]),
                (2024, NATIONAL_AVERAGE, "66,10", "", "", &["7,50", "6,40", "6,60", "6,90", "6,70", "6,00", "6,80", "6,30", "6,60", "7,10"]),
            ],
        ),
        (
            IndexCode::Papi,
            "Báo cáo PAPI",
            vec![
                (2016, PROVINCE, "36,00", "28", "", &[]),
                (2017, PROVINCE, "37,50", "22", "", &[]),
                (2018, PROVINCE, "43,10", "25", "", &[]),
                (2020, PROVINCE, "44,20", "20", "", &[]),
                (2022, PROVINCE, "44,60", "17", "", &[]),
                (2024, PROVINCE, "45,30", "14", "", &["5,20", "5,60", "4,90", "6,80", "7,40", "7,60", "3,90", "3,90"]),
                (2018, NATIONAL_AVERAGE, "43,40", "", "", &[]),
                (2020, NATIONAL_AVERAGE, "43,90", "", "", &[]),
                (2022, NATIONAL_AVERAGE, "44,10", "", "", &[]),
                (2024, NATIONAL_AVERAGE, "44,70", "", "", &[]),
            ],
        ),
        (
            IndexCode::Par,
            "Quyết định công bố Chỉ số cải cách hành chính của Bộ Nội vụ",
            vec![
                (2021, PROVINCE, "84,50", "27", "", &[]),
                (2022, PROVINCE, "86,20", "22", "", &[]),
                (2023, PROVINCE, "87,90", "16", "", &[]),
                (2024, PROVINCE, "89,52", "11", "", &["8,80", "8,20", "9,50", "8,60", "8,70", "6,90", "9,80", "29,02"]),
            ],
        ),
        (
            IndexCode::Sipas,
            "Quyết định công bố Chỉ số SIPAS của Bộ Nội vụ",
            vec![
                (2021, PROVINCE, "81,20", "30", "", &[]),
                (2022, PROVINCE, "82,50", "26", "", &[]),
                (2023, PROVINCE, "83,90", "20", "", &[]),
                (2024, PROVINCE, "85,10", "15", "", &["84,20", "86,00"]),
            ],
        ),
        (
            IndexCode::Ict,
            "Báo cáo Vietnam ICT Index",
            vec![
                (2018, PROVINCE, "0,4512", "29", "", &[]),
                (2019, PROVINCE, "0,4735", "26", "", &[]),
                (2020, PROVINCE, "0,5010", "23", "", &["0,5200", "0,4410", "0,5420"]),
            ],
        ),
        (
            IndexCode::Dti,
            "Báo cáo Chỉ số chuyển đổi số cấp tỉnh",
            vec![
                (2022, PROVINCE, "412,50", "31", "", &[]),
                (2023, PROVINCE, "455,30", "24", "", &[]),
                (2024, PROVINCE, "498,70", "19", "", &["510,20", "470,40", "515,50"]),
            ],
        ),
        (
            IndexCode::OneStop766,
            "Cổng Dịch vụ công quốc gia, số liệu tháng 12",
            vec![
                (2023, PROVINCE, "78,40", "25", "", &[]),
                (2024, PROVINCE, "82,10", "19", "", &[]),
                (2025, PROVINCE, "85,60", "13", "", &["16,80", "18,20", "17,90", "16,40", "16,30"]),
            ],
        ),
    ]
}

pub async fn load(store: &Store, now_ms: i64) -> anyhow::Result<()> {
    let province = store.public_unit_by_code(PROVINCE).await?.id;
    let office = Access::new(vec![Grant { role: Role::ReformOffice, unit: province }]);
    let actor = Actor::system("cchc", now_ms);
    for (index, source, lines) in sets() {
        let newest = versions(index).last().context("every index has a version")?;
        let mut table = vec![header_for(newest)];
        for (year, unit, score, rank, class, components) in lines {
            let ranked = if rank.is_empty() { "" } else { "63" };
            let mut row: Vec<String> = [year.to_string().as_str(), "Toàn quốc", unit, "", score, rank, ranked, class, &format!("{source} năm {year}")]
                .iter()
                .map(|s| s.to_string())
                .collect();
            row.extend(components.iter().map(|c| c.to_string()));
            table.push(row);
        }
        let (rows, problems) = parse_table(index, &table).map_err(|problems| anyhow::anyhow!("{}: {}", index.short(), problems.join("; ")))?;
        anyhow::ensure!(problems.is_empty(), "{}: {}", index.short(), problems.join("; "));
        let outcome = store.import_index_results(&actor, &office, index, &format!("ket-qua-{}.xlsx", index.code()), &rows, true).await?;
        anyhow::ensure!(outcome.applied, "{}: {}", index.short(), outcome.problems.join("; "));
    }
    Ok(())
}
