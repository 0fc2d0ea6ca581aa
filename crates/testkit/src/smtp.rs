//! A real SMTP server for tests: Python's aiosmtpd (Debian's python3-aiosmtpd, installed by
//! `scripts/test`) on a free loopback port, storing what it receives in a Maildir that the test
//! reads. Without it the test is skipped, unless `THUOCDO_REQUIRE_SMTP=1` makes that a failure.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;
use tokio::process::{Child, Command};

/// aiosmtpd's Maildir handler, refusing (550, a bounce) recipients whose address starts with
/// `bounce`, as a server without that mailbox does.
const SERVER: &str = r#"
import sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

class Sink(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

controller = Controller(Sink(sys.argv[2]), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
threading.Event().wait()
"#;

pub struct MailSink {
    _server: Child,
    dir: tempfile::TempDir,
    pub port: u16,
}

/// One received message: its headers as sent and its body decoded.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: String,
    pub body: String,
}

impl MailSink {
    pub async fn start() -> anyhow::Result<Option<Self>> {
        let python = "/usr/bin/python3";
        let available = std::process::Command::new(python).args(["-c", "import aiosmtpd"]).output().is_ok_and(|o| o.status.success());
        if !available {
            if std::env::var("THUOCDO_REQUIRE_SMTP").is_ok() {
                bail!("THUOCDO_REQUIRE_SMTP is set but python3-aiosmtpd is not installed");
            }
            eprintln!("aiosmtpd missing: skipping the e-mail test (run ./scripts/test)");
            return Ok(None);
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let dir = tempfile::tempdir()?;
        let maildir = dir.path().join("mail");
        let server = Command::new(python)
            .args(["-c", SERVER, &port.to_string()])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("start aiosmtpd")?;
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(Some(Self { _server: server, dir, port }));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("aiosmtpd did not start on port {port}")
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<Received> {
        let new = self.dir.path().join("mail").join("new");
        let Ok(entries) = std::fs::read_dir(new) else { return Vec::new() };
        entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).map(|raw| parse(&raw)).collect()
    }

    /// Waits until a message to `to` whose body contains `needle` arrives.
    pub async fn wait_for(&self, to: &str, needle: &str, timeout: Duration) -> anyhow::Result<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(found) = self.received().into_iter().find(|m| m.headers.contains(to) && m.body.contains(needle)) {
                return Ok(found);
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("no message to {to} containing «{needle}»; received: {:?}", self.received());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Splits headers from body and undoes the body's transfer encoding.
fn parse(raw: &str) -> Received {
    let raw = raw.replace("\r\n", "\n");
    let (headers, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let encoding =
        headers.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-transfer-encoding:").map(|v| v.trim().to_string())).unwrap_or_default();
    let body = match encoding.as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(compact).unwrap_or_default()).into_owned()
        }
        "quoted-printable" => quoted_printable(body),
        _ => body.to_string(),
    };
    Received { headers: headers.to_string(), body }
}

fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
