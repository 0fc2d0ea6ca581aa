//! `thuocdo analytics train`: trains the sentiment model from a labelled corpus (the shipped
//! one by default) and reports how it and the rules do on the corpus's held-out part — the
//! figures the README gives, reproducible on any machine (no database needed).

use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

use analytics::corpus::{self, Source, Split};
use analytics::evaluate::held_out;
use analytics::lexicon;
use analytics::model::Model;
use analytics::normalize::tokens;
use anyhow::Context;

/// The largest corpus read: some hundred thousand comments, and no more memory than that.
const MAX_CORPUS_BYTES: u64 = 64 << 20;

pub fn train_report(file: Option<&Path>) -> anyhow::Result<String> {
    let text = match file {
        Some(path) => {
            let size = std::fs::metadata(path).with_context(|| format!("không đọc được tệp {}", path.display()))?.len();
            anyhow::ensure!(size <= MAX_CORPUS_BYTES, "Tệp ngữ liệu lớn quá {} MB.", MAX_CORPUS_BYTES >> 20);
            std::fs::read_to_string(path).with_context(|| format!("không đọc được tệp {}", path.display()))?
        }
        None => corpus::BUILTIN.to_string(),
    };
    let examples = corpus::parse(&text)?;
    let count = |split: Split| examples.iter().filter(|e| e.split == split).count();
    let started = Instant::now();
    let model = Model::train(examples.iter().filter(|e| e.split == Split::Train).map(|e| (e.text.as_str(), e.label)));
    let trained_in = started.elapsed();
    let by_model = |t: &str| model.verdict(&tokens(t)).sentiment;
    let by_rules = |t: &str| lexicon::verdict(&tokens(t)).sentiment;
    let mut out = String::new();
    writeln!(out, "Kho ngữ liệu: {} câu, {} để học, {} để kiểm tra.", examples.len(), count(Split::Train), count(Split::Test))?;
    writeln!(out, "Đã học trong {:.1} giây.\n", trained_in.as_secs_f64())?;
    writeln!(out, "Mô hình tuyến tính (mặc định), phần kiểm tra:\n{}\n", held_out(&examples, None, by_model))?;
    writeln!(out, "Từ điển và quy tắc (đối chứng), phần kiểm tra:\n{}\n", held_out(&examples, None, by_rules))?;
    for (source, name) in [(Source::Written, "câu viết nguyên"), (Source::Composed, "câu ghép")] {
        let m = held_out(&examples, Some(source), by_model);
        let r = held_out(&examples, Some(source), by_rules);
        writeln!(out, "Riêng {name} ({} câu): macro-F1 mô hình {:.3}, quy tắc {:.3}", m.total(), m.macro_f1(), r.macro_f1())?;
    }
    Ok(out)
}
