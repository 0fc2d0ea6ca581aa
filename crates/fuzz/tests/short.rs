//! The short fuzzing run of the test suite: a few thousand inputs per parser, no crash, and
//! memory held within bounds. The long run is `cargo run --release -p fuzz`.

use fuzz::{Counting, fuzz, targets::targets};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Inputs per parser: enough for every kind of change to reach each one many times, in a
/// few seconds of the suite.
const INPUTS: u64 = 3_000;

#[test]
fn every_parser_survives_mutated_input() {
    // The seed changes every day, so that the suite looks somewhere new each time; a failure
    // prints it to replay with `--seed`.
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs() / 86_400);
    let mut failures = Vec::new();
    for target in targets() {
        let report = fuzz(&target, INPUTS, seed);
        println!(
            "{}: {} inputs, {} crashes, peak {} KB, slowest {:.1} ms",
            report.target,
            report.inputs,
            report.crash_count,
            report.peak_bytes / 1024,
            report.slowest_ms
        );
        if report.crash_count > 0 {
            failures.push(format!(
                "{} (seed {seed}): {:?}",
                report.target,
                report.crashes.iter().map(|(input, message)| (message.clone(), String::from_utf8_lossy(input).into_owned())).collect::<Vec<_>>()
            ));
        }
        assert!(report.peak_bytes < 100 << 20, "{}: {} MB held", report.target, report.peak_bytes >> 20);
    }
    assert!(failures.is_empty(), "crashes: {failures:#?}");
}

#[test]
fn the_driver_finds_a_planted_crash() {
    let planted = fuzz::Target {
        name: "planted",
        seeds: || vec![b"abc".to_vec()],
        tokens: &["boom"],
        run: |input| assert!(!input.windows(4).any(|w| w == b"boom"), "planted"),
    };
    let report = fuzz(&planted, 2_000, 7);
    assert!(report.crash_count > 0, "the mutator inserts tokens, so the plant is found");
    assert!(report.crashes[0].1.contains("planted"));
}
