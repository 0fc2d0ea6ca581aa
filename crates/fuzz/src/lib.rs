//! Fuzzing of every parser that takes outside input (see [`targets`]). Each target starts from
//! real inputs (seeds) and feeds its parser mutations of them — bits flipped, bytes set to edge
//! values, runs cut, repeated or spliced, tokens of the format inserted — so that most inputs
//! are nearly right and reach deep into the parser, while some are plain noise. A panic is a
//! crash; the slowest input and the most memory held are measured too.
//!
//! The same driver runs briefly in the test suite and for millions of inputs from the command
//! line (`cargo run --release -p fuzz -- --inputs 1000000`).

pub mod bombs;
pub mod targets;

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// An allocator that counts what is held, for the peak memory of a run. The fuzzing binary and
/// tests that measure memory install it as their global allocator.
pub struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(now, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Starts a measurement: the peak is brought down to what is held now, which is returned.
pub fn start_measuring() -> usize {
    let base = CURRENT.load(Relaxed);
    PEAK.store(base, Relaxed);
    base
}

/// The most memory held at once since [`start_measuring`] returned `base`, beyond `base`.
pub fn peak_since(base: usize) -> usize {
    PEAK.load(Relaxed).saturating_sub(base)
}

/// One parser under fuzzing.
pub struct Target {
    pub name: &'static str,
    /// Real inputs to start from.
    pub seeds: fn() -> Vec<Vec<u8>>,
    /// Pieces of the format worth inserting.
    pub tokens: &'static [&'static str],
    /// Feeds one input to the parser; it may refuse it, never panic.
    pub run: fn(&[u8]),
}

/// What a run found.
#[derive(Debug)]
pub struct Report {
    pub target: &'static str,
    pub inputs: u64,
    /// Inputs that made the parser panic, with the message (the first few).
    pub crashes: Vec<(Vec<u8>, String)>,
    pub crash_count: u64,
    /// The most memory held at once beyond what was held before, in bytes; meaningful only
    /// under the [`Counting`] allocator.
    pub peak_bytes: usize,
    pub slowest_ms: f64,
    pub seconds: f64,
}

/// xorshift64*: small, fast, and the same sequence for the same seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }
}

const EDGE_BYTES: [u8; 12] = [0, 0xff, 0x7f, 0x80, b'\n', b'\r', b'\t', b'"', b'\'', b'<', b'&', b'\\'];

/// A few random changes to `input`, drawn from `seeds` and `tokens` as well.
pub fn mutate(rng: &mut Rng, input: &[u8], seeds: &[Vec<u8>], tokens: &[&str]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        match rng.below(9) {
            0 if len > 0 => {
                let at = rng.below(len);
                out[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                out[at] = EDGE_BYTES[rng.below(EDGE_BYTES.len())];
            }
            2 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(16)).min(len);
                out.drain(at..end);
            }
            3 if len > 0 => {
                // A run repeated, up to a few times its length.
                let at = rng.below(len);
                let end = (at + 1 + rng.below(64)).min(len);
                let run = out[at..end].repeat(1 + rng.below(8));
                out.splice(at..at, run);
            }
            4 | 5 if !tokens.is_empty() => {
                let token = tokens[rng.below(tokens.len())].as_bytes();
                let at = rng.below(len + 1);
                out.splice(at..at, token.iter().copied());
            }
            6 if !seeds.is_empty() => {
                // Spliced with another seed: this one's start, that one's end.
                let other = &seeds[rng.below(seeds.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
            7 => {
                let at = rng.below(len + 1);
                let noise: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next_u64() as u8).collect();
                out.splice(at..at, noise);
            }
            _ if len > 1 => {
                let at = rng.below(len);
                out.truncate(at.max(1));
            }
            _ => out.push(rng.next_u64() as u8),
        }
    }
    out
}

/// Feeds `inputs` inputs to `target` from the random sequence `seed`.
pub fn fuzz(target: &Target, inputs: u64, seed: u64) -> Report {
    let seeds = (target.seeds)();
    let mut rng = Rng::new(seed);
    let mut report = Report { target: target.name, inputs, crashes: Vec::new(), crash_count: 0, peak_bytes: 0, slowest_ms: 0.0, seconds: 0.0 };
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let mut corpus = seeds.clone();
    for n in 0..inputs {
        // Every seed as it is first, then mutations of seeds and of inputs that went through.
        let input = if (n as usize) < seeds.len() {
            seeds[n as usize].clone()
        } else {
            let parent = rng.below(corpus.len());
            mutate(&mut rng, &corpus[parent], &seeds, target.tokens)
        };
        let base = start_measuring();
        let one = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| (target.run)(&input)));
        report.slowest_ms = report.slowest_ms.max(one.elapsed().as_secs_f64() * 1000.0);
        report.peak_bytes = report.peak_bytes.max(peak_since(base));
        match outcome {
            Ok(()) => {
                // A few inputs that passed are kept to mutate further, so changes pile up.
                if corpus.len() < 256 && rng.below(64) == 0 {
                    corpus.push(input);
                }
            }
            Err(panic) => {
                report.crash_count += 1;
                if report.crashes.len() < 5 {
                    let message = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
                    report.crashes.push((input, message));
                }
            }
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    std::panic::set_hook(previous_hook);
    report
}
