//! `cargo run --release -p fuzz -- [--inputs 1000000] [--seed N] [--only NAME]`: the long
//! fuzzing run. Prints one line per parser (inputs, crashes, peak memory, slowest input, time),
//! the first crashing inputs if any, and a JSON line of the figures; exits non-zero on a crash.

use fuzz::{Counting, fuzz, targets::targets};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let inputs: u64 = value("--inputs").map(|v| v.parse()).transpose()?.unwrap_or(1_000_000);
    let seed: u64 = value("--seed").map(|v| v.parse()).transpose()?.unwrap_or(2026);
    let only = value("--only");
    let mut figures = Vec::new();
    let mut crashed = false;
    for target in targets().iter().filter(|t| only.as_deref().is_none_or(|o| o == t.name)) {
        let report = fuzz(target, inputs, seed);
        println!(
            "{:<10} {:>9} inputs  {:>3} crashes  peak {:>7.1} MB  slowest {:>7.2} ms  {:>7.1} s  ({:.0} inputs/s)",
            report.target,
            report.inputs,
            report.crash_count,
            report.peak_bytes as f64 / 1_048_576.0,
            report.slowest_ms,
            report.seconds,
            report.inputs as f64 / report.seconds
        );
        for (input, message) in &report.crashes {
            println!("  crash: {message}\n  input: {:?}", String::from_utf8_lossy(input));
        }
        crashed |= report.crash_count > 0;
        figures.push(serde_json::json!({
            "target": report.target, "inputs": report.inputs, "crashes": report.crash_count,
            "peak_mb": (report.peak_bytes as f64 / 1_048_576.0 * 10.0).round() / 10.0,
            "slowest_ms": (report.slowest_ms * 100.0).round() / 100.0, "seconds": (report.seconds * 10.0).round() / 10.0,
        }));
    }
    println!("{}", serde_json::Value::Array(figures));
    if crashed {
        anyhow::bail!("crashes found");
    }
    Ok(())
}
