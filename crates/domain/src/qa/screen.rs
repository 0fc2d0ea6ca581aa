//! Holding off spam without a third party: a field people never see (a honeypot), a form that
//! must have been open a few seconds and not for days, and a light proof of work the page's
//! script does (a SHA-256 with `WORK_BITS` leading zero bits: a fraction of a second on a cheap
//! phone, a real cost for a flood). A page without script still sends; the server then counts
//! the sender against a tighter limit. And the tracking code, as people type it back.

use sha2::{Digest, Sha256};

/// Leading zero bits the proof of work needs: about 16,000 hashes on average.
pub const WORK_BITS: u32 = 14;
/// A form sent sooner than this after it was served was not filled in by a person.
pub const MIN_FILL_MS: i64 = 3_000;
/// A form older than this is stale (its stamp could have been harvested for a flood).
pub const MAX_FORM_AGE_MS: i64 = 24 * 3_600_000;

/// Whether `nonce` completes the proof of work for `challenge`: the SHA-256 of
/// `challenge:nonce` begins with `bits` zero bits.
pub fn work_done(challenge: &str, nonce: &str, bits: u32) -> bool {
    if nonce.is_empty() || nonce.len() > 32 {
        return false;
    }
    let hash = Sha256::digest(format!("{challenge}:{nonce}").as_bytes());
    let mut zeros = 0;
    for byte in hash {
        zeros += byte.leading_zeros();
        if byte != 0 {
            break;
        }
    }
    zeros >= bits
}

/// What the screen found in a sent form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screened {
    /// The work was done: the sender's usual limit applies.
    Worked,
    /// Sent without script: the tighter limit applies.
    Unworked,
}

/// Screens a form issued at `issued_at` (from a stamp the server signed) and sent at `now`,
/// with what its honeypot field held and whether its proof of work holds.
pub fn screen(honeypot: &str, issued_at: i64, now: i64, worked: bool) -> Result<Screened, &'static str> {
    if !honeypot.trim().is_empty() {
        return Err("Không gửi được biểu mẫu. Nếu bạn dùng công cụ tự điền, hãy tắt nó và gửi lại.");
    }
    let age = now - issued_at;
    if age < MIN_FILL_MS {
        return Err("Biểu mẫu được gửi quá nhanh. Vui lòng kiểm tra nội dung và gửi lại.");
    }
    if age > MAX_FORM_AGE_MS {
        return Err("Biểu mẫu đã mở quá lâu. Hãy tải lại trang rồi gửi lại.");
    }
    Ok(if worked { Screened::Worked } else { Screened::Unworked })
}

/// A tracking code as typed back: letters and digits of Crockford's base32 (no I, L, O, U),
/// case, spaces and dashes ignored, O read as 0 and I, L as 1. `None` unless 16 symbols.
pub fn parse_code(input: &str) -> Option<String> {
    let mut code = String::new();
    for c in input.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '.')) {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii_digit() || (c.is_ascii_uppercase() && c != 'U') => c,
            _ => return None,
        };
        code.push(c);
    }
    // Codes are written with a `HD` ahead to say what they are.
    let code = code.strip_prefix("HD").filter(|rest| rest.len() == 16).map(str::to_string).unwrap_or(code);
    (code.len() == 16).then_some(code)
}

/// `HD-7K3M-9QX2-…`: the code in groups of four, as printed and sent.
pub fn format_code(code: &str) -> String {
    let groups: Vec<String> = code.as_bytes().chunks(4).map(|g| String::from_utf8_lossy(g).into_owned()).collect();
    format!("HD-{}", groups.join("-"))
}
