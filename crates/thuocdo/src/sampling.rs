//! `thuocdo sampling …`: the sample-size calculator and the allocation of a total sample to
//! units, for planning on the command line (no database needed).

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, bail};
use domain::sampling::{allocate, draw_order, sample_size};

/// `n` for a frame of `population` at margin `margin`.
pub fn size(population: u64, margin: f64) -> anyhow::Result<String> {
    Ok(sample_size(population, margin)?.to_string())
}

/// Reads `unit_code,dossiers` rows (CSV or XLSX, a header first) and returns
/// `unit_code,allocated` CSV.
pub fn allocate_file(total: u64, minimum: u64, file: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("không đọc được tệp {}", file.display()))?;
    let table = sheets::read_table(&file.to_string_lossy(), &bytes, &sheets::Limits::FRAME)?;
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

/// Draws `sample` rows of a frame file (CSV or XLSX, a header first) with `seed`, then up to
/// `replacements` more in the order they replace the unreachable; prints them as CSV with the
/// draw order and role in front. The same file, seed and sizes always print the same.
pub fn draw_file(sample: usize, replacements: usize, seed: u64, file: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(file).with_context(|| format!("không đọc được tệp {}", file.display()))?;
    let table = sheets::read_table(&file.to_string_lossy(), &bytes, &sheets::Limits::FRAME)?;
    let Some((header, rows)) = table.split_first() else { bail!("Tệp trống: cần dòng tiêu đề và các dòng của khung mẫu.") };
    let rows: Vec<&Vec<String>> = rows.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).collect();
    if sample > rows.len() {
        bail!("Cỡ mẫu ({sample}) lớn hơn số dòng của khung mẫu ({}).", rows.len());
    }
    let mut out = vec![["thu_tu".to_string(), "vai_tro".to_string()].into_iter().chain(header.iter().cloned()).collect::<Vec<_>>()];
    for (rank, index) in draw_order(rows.len(), seed).into_iter().take(sample + replacements).enumerate() {
        let role = if rank < sample { "mau" } else { "du_phong" };
        out.push([(rank + 1).to_string(), role.to_string()].into_iter().chain(rows[index].iter().cloned()).collect());
    }
    Ok(String::from_utf8(sheets::csv_chunk(&out, false, sheets::CsvDialect::Machine))?)
}
