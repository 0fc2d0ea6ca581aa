//! `thuocdo sampling …`: the sample-size calculator and the allocation of a total sample to
//! units, for planning on the command line (no database needed).

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, bail};
use domain::sampling::{allocate, sample_size};

/// `n` for a frame of `population` at margin `margin`.
pub fn size(population: u64, margin: f64) -> anyhow::Result<String> {
    Ok(sample_size(population, margin)?.to_string())
}

/// Reads `unit_code,dossiers` rows (CSV or XLSX, a header first) and returns
/// `unit_code,allocated` CSV.
pub fn allocate_file(total: u64, minimum: u64, file: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("không đọc được tệp {}", file.display()))?;
    let table = sheets::read_table(&file.to_string_lossy(), &bytes)?;
    let Some((header, rows)) = table.split_first() else { bail!("Tệp trống: cần dòng tiêu đề unit_code,dossiers.") };
    let column = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let (Some(code_at), Some(count_at)) = (column("unit_code"), column("dossiers")) else {
        bail!("Dòng tiêu đề cần hai cột unit_code và dossiers.");
    };
    let mut codes = Vec::new();
    let mut dossiers = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let line = i + 2;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let code = row.get(code_at).map(|c| c.trim()).unwrap_or_default();
        let count = row.get(count_at).map(|c| c.trim()).unwrap_or_default();
        match (code.is_empty(), count.parse::<u64>()) {
            (true, _) => errors.push(format!("dòng {line}: thiếu unit_code")),
            (false, Err(_)) => errors.push(format!("dòng {line}: số hồ sơ «{count}» không phải số nguyên không âm")),
            (false, Ok(_)) if !seen.insert(code.to_string()) => errors.push(format!("dòng {line}: đơn vị {code} lặp lại")),
            (false, Ok(n)) => {
                codes.push(code.to_string());
                dossiers.push(n);
            }
        }
    }
    if !errors.is_empty() {
        bail!("Tệp có {} dòng lỗi: {}", errors.len(), errors.join("; "));
    }
    let shares = allocate(total, &dossiers, minimum)?;
    let mut out = String::from("unit_code,allocated\n");
    for (code, n) in codes.iter().zip(shares) {
        out.push_str(&format!("{code},{n}\n"));
    }
    Ok(out)
}
