//! The binary as an operator uses it: `serve` with no configuration, `user add` for the first
//! administrator, `token create`, `demo`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_thuocdo");

fn thuocdo(dir: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("THUOCDO_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

/// `thuocdo serve` on a free port in `dir`, and the first line it printed.
fn serving(dir: &std::path::Path, args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .current_dir(dir)
        .env_remove("THUOCDO_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line)
}

#[test]
fn first_administrator_token_and_demo() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = thuocdo(dir.path(), &["user", "add", "--username", "admin", "--full-name", "Quản Trị", "--unit", "01"], "");
    assert!(!ok && out.contains("--unit-name"), "an unknown unit needs a name: {out}");
    let (ok, out) = thuocdo(
        dir.path(),
        &["user", "add", "--username", "Admin", "--full-name", "Quản  Trị", "--unit", "01", "--unit-name", "Tỉnh Thử", "--password-stdin"],
        "short\n",
    );
    assert!(!ok && out.contains("Mật khẩu phải có ít nhất 10 ký tự"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &["user", "add", "--username", "Admin", "--full-name", "Quản  Trị", "--unit", "01", "--unit-name", "Tỉnh Thử"], "");
    assert!(ok, "{out}");
    assert!(out.contains("Đã tạo tài khoản «admin» (Quản trị hệ thống) tại Tỉnh Thử") && out.contains("Mật khẩu ban đầu"), "{out}");
    assert!(dir.path().join("data/thuocdo.db").exists(), "the default database is ./data/thuocdo.db");
    let key_file = dir.path().join("data/thuocdo.key");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().trim().len(), 64);
    #[cfg(unix)]
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key_file).unwrap().permissions()) & 0o777, 0o600);
    let (ok, out) = thuocdo(dir.path(), &["migrate", "--data-key-file", "other.key"], "");
    assert!(!ok && out.contains("khóa dữ liệu không khớp"), "the wrong key is refused: {out}");
    assert!(!dir.path().join("other.key").exists(), "and the key made for it is not left behind");
    let (ok, token) = thuocdo(dir.path(), &["token", "create", "--user", "admin", "--days", "30"], "");
    assert!(ok && token.trim().starts_with("td_") && token.trim().len() > 40, "{token}");
    let (ok, out) = thuocdo(dir.path(), &["token", "create", "--user", "nobody"], "");
    assert!(!ok && out.contains("không có người dùng «nobody»"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &["demo"], "");
    assert!(ok && out.contains("cchc"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &["demo"], "");
    assert!(ok && out.contains("đã có sẵn"), "loading twice changes nothing: {out}");
    let (ok, out) = thuocdo(dir.path(), &["recompute"], "");
    // The demo's answers: the year's visitors and the sample's telephone interviews.
    let answers: usize = out.lines().filter_map(|line| line.split(": ").nth(1)?.split(' ').next()?.parse::<usize>().ok()).sum();
    assert!(ok && answers > 3_000 && out.contains("0 khác biệt"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &["recompute", "--survey", "khong-co"], "");
    assert!(!ok && out.contains("không có cuộc khảo sát «khong-co»"), "{out}");
}

#[test]
fn serve_needs_no_configuration() {
    let dir = tempfile::tempdir().unwrap();
    // A database file left world-readable (as earlier versions made it) is tightened.
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/thuocdo.db"), b"").unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(dir.path().join("data/thuocdo.db"), std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let (mut child, line) = serving(dir.path(), &[]);
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("the address is printed").to_string();
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(response.starts_with("HTTP/1.1 200") && response.ends_with("ready"), "{response}");
    let database = dir.path().join("data/thuocdo.db");
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&database).unwrap().permissions()) & 0o777,
        0o600,
        "the database is its owner's alone"
    );
}

#[test]
fn sampling_plans_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = thuocdo(dir.path(), &["sampling", "size", "--population", "10000"], "");
    assert!(ok, "{out}");
    assert_eq!(out.trim(), "385");
    let (ok, out) = thuocdo(dir.path(), &["sampling", "size", "--population", "1000000", "--margin", "0.03"], "");
    assert_eq!((ok, out.trim()), (true, "1110"));
    let (ok, out) = thuocdo(dir.path(), &["sampling", "size", "--population", "100", "--margin", "2"], "");
    assert!(!ok && out.contains("Sai số phải lớn hơn 0 và nhỏ hơn 1"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &["sampling", "size", "--population", "-5"], "");
    assert!(!ok, "{out}");

    std::fs::write(dir.path().join("units.csv"), "unit_code,dossiers\nSTP,600\nSYT,200\n28101,20\n").unwrap();
    let (ok, out) = thuocdo(dir.path(), &["sampling", "allocate", "--total", "20", "--min", "3", "units.csv"], "");
    assert!(ok, "{out}");
    assert_eq!(out, "unit_code,allocated\nSTP,13\nSYT,4\n28101,3\n");
    assert!(!dir.path().join("data").exists(), "planning opens no database");

    std::fs::write(dir.path().join("bad.csv"), "unit_code,dossiers\nSTP,600\n,5\nSYT,nhiều\nSTP,1\n").unwrap();
    let (ok, out) = thuocdo(dir.path(), &["sampling", "allocate", "--total", "20", "bad.csv"], "");
    assert!(!ok, "{out}");
    assert!(out.contains("dòng 3: thiếu unit_code") && out.contains("dòng 4: số hồ sơ «nhiều»") && out.contains("dòng 5: đơn vị STP lặp lại"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &["sampling", "allocate", "--total", "5000", "units.csv"], "");
    assert!(!ok && out.contains("lớn hơn số hồ sơ của khung mẫu (820)"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &["sampling", "allocate", "--total", "5", "--min", "3", "units.csv"], "");
    assert!(!ok && out.contains("Mức tối thiểu 3"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &["sampling", "allocate", "--total", "5", "khong-co.csv"], "");
    assert!(!ok && out.contains("không đọc được tệp"), "{out}");

    // A repeatable draw: the same seed gives the same people, replacements after the sample.
    let frame: String = std::iter::once("ma_ho_so,don_vi".to_string()).chain((1..=50).map(|i| format!("HS{i:03},28101"))).collect::<Vec<_>>().join("\n");
    std::fs::write(dir.path().join("frame.csv"), frame).unwrap();
    let draw = |seed: &str| thuocdo(dir.path(), &["sampling", "draw", "--sample", "5", "--replacements", "2", "--seed", seed, "frame.csv"], "");
    let (ok, first) = draw("2026");
    assert!(ok, "{first}");
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(lines[0], "thu_tu,vai_tro,ma_ho_so,don_vi");
    assert_eq!(lines.len(), 8);
    assert!(lines[1].starts_with("1,mau,HS") && lines[6].starts_with("6,du_phong,HS"), "{first}");
    let drawn: std::collections::HashSet<&str> = lines[1..].iter().map(|l| l.split(',').nth(2).unwrap()).collect();
    assert_eq!(drawn.len(), 7, "no one drawn twice");
    assert_eq!(draw("2026").1, first, "same seed, same draw");
    assert_ne!(draw("2027").1, first);
    let (ok, out) = thuocdo(dir.path(), &["sampling", "draw", "--sample", "51", "--seed", "1", "frame.csv"], "");
    assert!(!ok && out.contains("lớn hơn số dòng của khung mẫu (50)"), "{out}");
}

/// The operator's way to a model of their own: the built-in model written as ONNX (the
/// template), measured on the held-out comments, then plugged into the server, whose job
/// classifies with it; a file that is no model stops the server before it serves.
#[cfg(feature = "onnx")]
#[tokio::test]
async fn a_sentiment_model_is_exported_measured_and_plugged_in() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = thuocdo(dir.path(), &["analytics", "export", "--to", "model.onnx"], "");
    assert!(ok, "{out}");
    let (ok, out) = thuocdo(dir.path(), &["analytics", "evaluate", "--model", "model.onnx"], "");
    let f1: Vec<&str> = out.split("macro-F1 ").skip(1).map(|rest| &rest[..5]).collect();
    assert!(ok && f1.len() == 2 && f1[0] == f1[1], "the same weights, the same figure: {out}");
    assert!(out.contains("câu/giây"), "{out}");

    std::fs::write(dir.path().join("bad.onnx"), b"not a model").unwrap();
    let (ok, out) = thuocdo(dir.path(), &["analytics", "evaluate", "--model", "bad.onnx"], "");
    assert!(!ok && out.contains("không phải mô hình ONNX"), "{out}");
    let (ok, out) = thuocdo(dir.path(), &["serve", "--bind", "127.0.0.1:0", "--sentiment-model", "bad.onnx"], "");
    assert!(!ok && out.contains("không phải mô hình ONNX") && !out.contains("đang chạy"), "{out}");

    let (ok, out) = thuocdo(dir.path(), &["analytics", "features", "--bits", "12"], "");
    let lines: Vec<&str> = out.lines().collect();
    assert!(ok && lines.len() > 3_000, "{}", lines.len());
    assert!(lines.iter().all(|l| l.starts_with("-1 qid:") || l.starts_with("0 qid:") || l.starts_with("1 qid:")), "{}", lines[0]);
    let slots: Vec<usize> = lines[0].split(' ').skip(2).map(|kv| kv.split(':').next().unwrap().parse().unwrap()).collect();
    assert!(slots.windows(2).all(|w| w[0] < w[1]) && slots.iter().all(|&s| s < 1 << 12), "{slots:?}");

    let (mut child, line) = serving(dir.path(), &["--sentiment-model", "model.onnx"]);
    assert!(line.contains("đang chạy"), "{line}");
    let key = storage::crypto::DataKey::from_hex(&std::fs::read_to_string(dir.path().join("data/thuocdo.key")).unwrap()).unwrap();
    let store = storage::Store::connect(&dir.path().join("data/thuocdo.db").to_string_lossy(), &key).await.unwrap();
    let mut model = String::new();
    for _ in 0..100 {
        model = store.analytics_state().await.unwrap().model;
        if model.starts_with("onnx-") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(model.starts_with("onnx-"), "the server's job classifies with the plugged model: «{model}»");
}
