//! `bench public`: what a citizen's browser does on the public form, over and over — a fresh
//! connection and no cookie, GET the form from the unit's link, read the CSRF token, the
//! submission id and the cookie it sets, POST varied answers as a form, follow to the thanks
//! page. Reports completed answers per second, the GET and POST latencies, and the server's CPU
//! per completed answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use serde_json::{Value, json};
use storage::crypto::DataKey;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::{UNITS, cpu_seconds, fresh_database, percentile, sheet, start_server, submission_ids};

/// One HTTP/1.1 response as the browser sees it.
struct Page {
    status: u16,
    cookies: Vec<String>,
    body: String,
}

/// Sends one request on a fresh connection, as a new visitor does, and reads the response.
async fn fetch(address: &str, request: &str) -> anyhow::Result<Page> {
    let stream = tokio::net::TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let mut stream = BufReader::new(stream);
    stream.get_mut().write_all(request.as_bytes()).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).context("status line")?;
    let (mut cookies, mut length) = (Vec::new(), 0usize);
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("set-cookie") {
                cookies.push(value.trim().split(';').next().unwrap_or_default().to_string());
            } else if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await?;
    Ok(Page { status, cookies, body: String::from_utf8_lossy(&body).into_owned() })
}

/// A hidden field's value in a form.
fn hidden(html: &str, name: &str) -> Option<String> {
    html.split(&format!("name=\"{name}\" value=\"")).nth(1)?.split('"').next().map(str::to_string)
}

/// Varied answers as the form posts them: `a.CODE=value`, repeated for multiple choice.
fn form_answers(answers: &Value) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for (code, value) in answers.as_object().into_iter().flatten() {
        match value {
            Value::Array(items) => fields.extend(items.iter().filter_map(|v| Some((format!("a.{code}"), v.as_str()?.to_string())))),
            Value::String(v) => fields.push((format!("a.{code}"), v.clone())),
            _ => {}
        }
    }
    fields
}

pub async fn run(count: usize, concurrency: usize, postgres: Option<String>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let database_url = fresh_database(&dir, postgres.as_deref()).await?;
    let key = DataKey::generate();
    let (mut server, pid, address) = start_server(&database_url, &key).await?;
    let code = thuocdo::demo::SURVEY_CODE;
    let next = Arc::new(AtomicUsize::new(0));
    let (cpu_start, started) = (cpu_seconds(pid), Instant::now());
    let mut visitors = Vec::new();
    for _ in 0..concurrency {
        let (address, next) = (address.clone(), next.clone());
        visitors.push(tokio::spawn(async move {
            let (mut gets, mut posts, mut completed) = (Vec::new(), Vec::new(), Vec::new());
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let unit = UNITS[i % UNITS.len()];
                let sent = Instant::now();
                let form = fetch(&address, &format!("GET /s/{code}?u={unit} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")).await?;
                gets.push(sent.elapsed().as_secs_f64() * 1000.0);
                anyhow::ensure!(form.status == 200, "the form answered {}", form.status);
                let mut fields: Vec<(String, String)> =
                    ["csrf", "started_at", "submission_id", "unit"].iter().filter_map(|name| Some((name.to_string(), hidden(&form.body, name)?))).collect();
                fields.extend(form_answers(&sheet(i)));
                let body = serde_urlencoded::to_string(&fields)?;
                let cookie = form.cookies.join("; ");
                let request = format!(
                    "POST /s/{code} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nCookie: {cookie}\r\n\
                     Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let sent = Instant::now();
                let answered = fetch(&address, &request).await?;
                posts.push(sent.elapsed().as_secs_f64() * 1000.0);
                if answered.status == 303 {
                    completed.push(hidden(&form.body, "submission_id").unwrap_or_default());
                }
            }
            anyhow::Ok((gets, posts, completed))
        }));
    }
    let (mut gets, mut posts, mut completed) = (Vec::new(), Vec::new(), Vec::new());
    for visitor in visitors {
        let (g, p, c) = visitor.await??;
        gets.extend(g);
        posts.extend(p);
        completed.extend(c);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu_start;
    server.kill().await?;
    let _ = server.wait().await;
    let stored: std::collections::HashSet<String> = submission_ids(&database_url).await?.into_iter().collect();
    let lost = completed.iter().filter(|id| !stored.contains(*id)).count();
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let figures = json!({
        "backend": if postgres.is_some() { "postgres" } else { "sqlite" },
        "count": count,
        "concurrency": concurrency,
        "completed": completed.len(),
        "lost": lost,
        "completions_per_s": (completed.len() as f64 / elapsed).round(),
        "get_p50_ms": round(percentile(&mut gets, 0.50)),
        "get_p99_ms": round(percentile(&mut gets, 0.99)),
        "post_p50_ms": round(percentile(&mut posts, 0.50)),
        "post_p99_ms": round(percentile(&mut posts, 0.99)),
        "server_cpu_ms_per_completion": round(cpu * 1000.0 / completed.len().max(1) as f64),
    });
    println!("{figures}");
    Ok(())
}
