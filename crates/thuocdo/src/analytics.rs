//! `thuocdo analytics …` (no database needed):
//! - `train` trains the sentiment model from a labelled corpus (the shipped one by default) and
//!   reports how it and the rules do on the corpus's held-out part — the figures the README
//!   gives, reproducible on any machine;
//! - `features` writes a corpus's hashed features, to train a model elsewhere;
//! - `export` writes the built-in model as an ONNX file, and `evaluate` measures a model file
//!   on the held-out part before it is plugged in (`serve --sentiment-model`).

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

use analytics::corpus::{self, Example, Source, Split};
use analytics::evaluate::held_out;
use analytics::model::{self, BUILTIN, Model};
use analytics::normalize::tokens;
use analytics::{Classifier, Sentiment, lexicon};
use anyhow::Context;

/// The largest corpus read: some hundred thousand comments, and no more memory than that.
const MAX_CORPUS_BYTES: u64 = 64 << 20;

/// A corpus file, or the shipped corpus.
fn examples(file: Option<&Path>) -> anyhow::Result<Vec<Example>> {
    let text = match file {
        Some(path) => {
            let size = std::fs::metadata(path).with_context(|| format!("không đọc được tệp {}", path.display()))?.len();
            anyhow::ensure!(size <= MAX_CORPUS_BYTES, "Tệp ngữ liệu lớn quá {} MB.", MAX_CORPUS_BYTES >> 20);
            std::fs::read_to_string(path).with_context(|| format!("không đọc được tệp {}", path.display()))?
        }
        None => corpus::BUILTIN.to_string(),
    };
    Ok(corpus::parse(&text)?)
}

pub fn train_report(file: Option<&Path>) -> anyhow::Result<String> {
    let examples = examples(file)?;
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

/// A plugged model measured on the held-out part, beside the built-in one, and how fast it is.
pub fn evaluate_report(model_file: &Path, corpus_file: Option<&Path>) -> anyhow::Result<String> {
    let plugged = classifier(Some(model_file))?;
    let examples = examples(corpus_file)?;
    let test: Vec<&Example> = examples.iter().filter(|e| e.split == Split::Test).collect();
    let started = Instant::now();
    let mut verdicts: HashMap<&str, Sentiment> = HashMap::new();
    for e in &test {
        verdicts.insert(&e.text, plugged.verdict(&tokens(&e.text))?.sentiment);
    }
    let took = started.elapsed().as_secs_f64();
    let by_plugged = |t: &str| verdicts[t];
    let by_builtin = |t: &str| BUILTIN.model().verdict(&tokens(t)).sentiment;
    let mut out = String::new();
    writeln!(out, "Mô hình {} ({}), phần kiểm tra:\n{}\n", model_file.display(), plugged.id(), held_out(&examples, None, by_plugged))?;
    writeln!(out, "{} câu trong {:.2} giây: {:.0} câu/giây trên một lõi.", test.len(), took, test.len() as f64 / took.max(1e-9))?;
    writeln!(out, "Mô hình có sẵn, cùng phần kiểm tra: macro-F1 {:.3}", held_out(&examples, None, by_builtin).macro_f1())?;
    Ok(out)
}

/// A corpus's comments as lines of `label slot:value …` (the svmlight format scikit-learn's
/// `load_svmlight_file` reads), label −1, 0 or 1, slots among 2^`bits` in order, and `qid`
/// 1 for the training part and 2 for the held-out part.
pub fn features(bits: u32, corpus_file: Option<&Path>, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    anyhow::ensure!(model::PLUGGED_BITS.contains(&bits), "Số bit phải từ {} đến {}.", model::PLUGGED_BITS.start(), model::PLUGGED_BITS.end());
    for e in examples(corpus_file)? {
        let mut slots: Vec<(usize, f32)> = model::vector(&tokens(&e.text), bits);
        slots.sort_by_key(|s| s.0);
        slots.dedup_by(|next, kept| {
            let same = next.0 == kept.0;
            if same {
                kept.1 += next.1;
            }
            same
        });
        write!(out, "{} qid:{}", e.label.value(), if e.split == Split::Train { 1 } else { 2 })?;
        for (slot, value) in slots {
            write!(out, " {slot}:{value}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The classifier `serve` uses: the built-in model, or the model file given.
pub fn classifier(file: Option<&Path>) -> anyhow::Result<&'static dyn Classifier> {
    match file {
        None => Ok(&BUILTIN),
        Some(path) => plugged::load(path),
    }
}

/// Writes the built-in model as an ONNX file.
pub fn export(to: &Path) -> anyhow::Result<()> {
    plugged::export(to)
}

#[cfg(feature = "onnx")]
mod plugged {
    use super::*;

    pub fn load(path: &Path) -> anyhow::Result<&'static dyn Classifier> {
        let model = onnx::OnnxModel::load_file(path)?;
        // Loaded once, used for the life of the process.
        Ok(Box::leak(Box::new(model)))
    }

    pub fn export(to: &Path) -> anyhow::Result<()> {
        let bytes = onnx::export(BUILTIN.model(), BUILTIN.id());
        std::fs::write(to, bytes).with_context(|| format!("không ghi được tệp {}", to.display()))
    }
}

#[cfg(not(feature = "onnx"))]
mod plugged {
    use super::*;

    const MISSING: &str = "Bản dựng này không chạy mô hình ONNX: dựng lại với `cargo build --release --features onnx`.";

    pub fn load(_: &Path) -> anyhow::Result<&'static dyn Classifier> {
        anyhow::bail!(MISSING)
    }

    pub fn export(_: &Path) -> anyhow::Result<()> {
        anyhow::bail!(MISSING)
    }
}
