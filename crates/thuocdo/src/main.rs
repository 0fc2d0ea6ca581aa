//! `thuocdo`: the one binary of Thước Đo.

mod analytics;
mod sampling;

use thuocdo::{backup, demo};

/// A faster allocator than the system's for a server that allocates per request on many
/// threads (measured by the ingest benchmark: the system allocator was a quarter of the CPU).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use domain::auth::{Grant, Role, check_new_password, parse_username};
use domain::text;
use storage::auth::NewUser;
use storage::crypto::DataKey;
use storage::units::UnitInput;
use storage::{Actor, Store};
use tracing_subscriber::EnvFilter;
use web::{AppState, Clock, Config};

#[derive(Parser)]
#[command(name = "thuocdo", version, about = "Thước Đo — đánh giá cải cách hành chính và đo lường sự hài lòng")]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    /// Write logs as JSON lines (for log collectors).
    #[arg(long, global = true, env = "THUOCDO_LOG_JSON")]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct DbArgs {
    /// `postgres://…` for PostgreSQL, or a SQLite file path.
    #[arg(long, global = true, env = "THUOCDO_DATABASE_URL", default_value = "./data/thuocdo.db")]
    database_url: String,
    /// File with the data key (64 hex digits) that encrypts personal data; created for a new
    /// database. `THUOCDO_DATA_KEY` (the hex digits themselves) takes precedence.
    #[arg(long, global = true, env = "THUOCDO_DATA_KEY_FILE", default_value = "./data/thuocdo.key")]
    data_key_file: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates the database first).
    Serve(Box<ServeArgs>),
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Load the demo province into the database.
    Demo,
    /// Manage officials.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the OpenAPI document.
    Openapi,
    /// Plan a sample: its size for a frame, its allocation to units (no database needed).
    #[command(subcommand)]
    Sampling(SamplingCommand),
    /// Text analytics: train and measure the sentiment model (no database needed).
    #[command(subcommand)]
    Analytics(AnalyticsCommand),
    /// Write a consistent copy of the database while the server serves, with its manifest
    /// (FILE.json). SQLite by VACUUM INTO; PostgreSQL by pg_dump.
    Backup {
        /// The copy to write (default: ./backups/thuocdo-yyyymmdd-hhmmss.db, .dump on PostgreSQL).
        #[arg(long)]
        to: Option<PathBuf>,
    },
    /// Check a copy: unchanged since taken, opens with the data key and migrates, holds the
    /// rows its manifest counted, and its counters recompute to the same figures.
    VerifyBackup {
        file: PathBuf,
        /// For a PostgreSQL copy: an empty database to load it into for the check.
        #[arg(long)]
        scratch_url: Option<String>,
    },
    /// Replace the database with a verified copy (stop the server first). SQLite: the file
    /// replaced is kept beside it. PostgreSQL: into the empty database of --database-url.
    Restore { file: PathBuf },
    /// Rebuild the survey counters from the raw responses and report any difference.
    Recompute {
        /// Only this survey (its code); all surveys if omitted.
        #[arg(long)]
        survey: Option<String>,
    },
}

#[derive(Args)]
struct ServeArgs {
    #[arg(long, env = "THUOCDO_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Load the demo province first (if not loaded yet).
    #[arg(long)]
    demo: bool,
    /// Served over HTTPS: Secure cookies and HSTS.
    #[arg(long, env = "THUOCDO_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Behind reverse proxies: their addresses or CIDR ranges, comma-separated (e.g.
    /// "127.0.0.1,10.0.0.0/8"). A request from one of them is taken to come from the
    /// right-most X-Forwarded-For address that is not one of them; other requests' headers
    /// are ignored.
    #[arg(long, env = "THUOCDO_TRUST_PROXY", value_parser = web::TrustedProxies::parse, default_value = "")]
    trust_proxy: web::TrustedProxies,
    /// The address officials open, for links in e-mails (default: http://BIND).
    #[arg(long, env = "THUOCDO_PUBLIC_URL")]
    public_url: Option<String>,
    /// SMTP server for alert e-mails: smtp://host:port, smtp://user:pass@host:587?tls=required,
    /// smtps://host. Without it, e-mails wait in the outbox.
    #[arg(long, env = "THUOCDO_SMTP_URL")]
    smtp_url: Option<String>,
    /// Minutes between two digests of the alert cases that are not urgent (a dissatisfied
    /// citizen, a low month); reports of harassment or fees and bursts are told at once.
    #[arg(long, env = "THUOCDO_DIGEST_MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=1440))]
    digest_minutes: u64,
    /// Sender of the e-mails, e.g. "Sở Nội vụ <cchc@anlac.gov.vn>".
    #[arg(long, env = "THUOCDO_MAIL_FROM", default_value = "Thước Đo <khong-tra-loi@thuocdo.local>")]
    mail_from: String,
    /// SMS gateway for invitations: the URL that takes {"to", "text", "reference"} (see the
    /// README); without it SMS invitations wait.
    #[arg(long, env = "THUOCDO_SMS_URL")]
    sms_url: Option<String>,
    /// Bearer token for the SMS gateway.
    #[arg(long, env = "THUOCDO_SMS_TOKEN", default_value = "")]
    sms_token: String,
    /// Key the gateway's delivery reports must carry as /hooks/sms?key=…
    #[arg(long, env = "THUOCDO_SMS_HOOK_KEY", default_value = "")]
    sms_hook_key: String,
    /// Zalo Official Account access token for ZNS invitations; without it Zalo invitations wait.
    #[arg(long, env = "THUOCDO_ZALO_TOKEN")]
    zalo_token: Option<String>,
    /// The approved ZNS template (parameters ten_don_vi, ma_ho_so, ma_khao_sat).
    #[arg(long, env = "THUOCDO_ZALO_TEMPLATE", default_value = "")]
    zalo_template: String,
    /// The approved ZNS template of the messages to those who asked a question (parameters
    /// ma_theo_doi, tieu_de, trang_thai, lien_ket); without it they go by SMS.
    #[arg(long, env = "THUOCDO_ZALO_QA_TEMPLATE", default_value = "")]
    zalo_qa_template: String,
    /// The OA secret key that signs Zalo's webhook events (/hooks/zalo).
    #[arg(long, env = "THUOCDO_ZALO_SECRET", default_value = "")]
    zalo_secret: String,
    /// Single sign-on for officials: the OpenID Connect provider's issuer
    /// (`https://id.tinh.gov.vn/realms/tinh`); its discovery document is read from
    /// `{issuer}/.well-known/openid-configuration`. The client is registered there with the
    /// redirect address `{public-url}/login/sso/callback`.
    #[arg(long, env = "THUOCDO_OIDC_ISSUER", requires_all = ["oidc_client_id", "oidc_client_secret"])]
    oidc_issuer: Option<String>,
    #[arg(long, env = "THUOCDO_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    #[arg(long, env = "THUOCDO_OIDC_CLIENT_SECRET")]
    oidc_client_secret: Option<String>,
    /// What the sign-in button says.
    #[arg(long, env = "THUOCDO_OIDC_LABEL", default_value = "Đăng nhập bằng tài khoản công vụ")]
    oidc_label: String,
    /// A claim of the ID token that carries the official's login name here
    /// (`preferred_username`): an official is linked at their first sign-in. Only a claim the
    /// province's provider sets, never one its users may edit.
    #[arg(long, env = "THUOCDO_OIDC_USERNAME_CLAIM")]
    oidc_username_claim: Option<String>,
    /// VNeID, for citizens to prove who they are where a consultation asks for it: the issuer
    /// of the national identity platform's OpenID Connect service; the client is registered with
    /// the redirect address `{public-url}/xac-thuc/vneid/callback`.
    #[arg(long, env = "THUOCDO_VNEID_ISSUER", requires_all = ["vneid_client_id", "vneid_client_secret"])]
    vneid_issuer: Option<String>,
    #[arg(long, env = "THUOCDO_VNEID_CLIENT_ID")]
    vneid_client_id: Option<String>,
    #[arg(long, env = "THUOCDO_VNEID_CLIENT_SECRET")]
    vneid_client_secret: Option<String>,
    /// Sites allowed to embed the survey widget (a CSP frame-ancestors list).
    #[arg(long, env = "THUOCDO_WIDGET_ORIGINS", default_value = web::DEFAULT_WIDGET_ORIGINS)]
    widget_origins: String,
    /// Survey answers taken per client address per minute (one-stop offices behind one
    /// address send many).
    #[arg(long, env = "THUOCDO_SUBMISSIONS_PER_MINUTE", default_value_t = 600)]
    submissions_per_minute: u32,
    /// Take a copy of the database into this folder at start and then every --backup-every
    /// (see `thuocdo backup`), keeping the newest --backup-keep.
    #[arg(long, env = "THUOCDO_BACKUP_DIR")]
    backup_dir: Option<PathBuf>,
    #[arg(long, env = "THUOCDO_BACKUP_KEEP", default_value_t = 7)]
    backup_keep: usize,
    /// How often: 24h, 6h, 30m…
    #[arg(long, env = "THUOCDO_BACKUP_EVERY", default_value = "24h", value_parser = thuocdo::backup::parse_interval)]
    backup_every: std::time::Duration,
    /// Serve /metrics (Prometheus) on this address of its own, e.g. 127.0.0.1:9100, for the
    /// monitoring alone.
    #[arg(long, env = "THUOCDO_METRICS_BIND")]
    metrics_bind: Option<SocketAddr>,
    /// Serve /metrics on the main port too, to scrapers that send this bearer token.
    #[arg(long, env = "THUOCDO_METRICS_TOKEN")]
    metrics_token: Option<String>,
    /// A sentiment model file (ONNX; see `thuocdo analytics export` for its shape) that
    /// classifies comments instead of the built-in model; needs a build with `--features onnx`.
    #[arg(long, env = "THUOCDO_SENTIMENT_MODEL")]
    sentiment_model: Option<PathBuf>,
    /// The shortest period, in days, a draft legal document is open for comment (the Law on
    /// Promulgation of Legal Documents sets the minimum; confirm the province's figure).
    #[arg(long, env = "THUOCDO_CONSULTATION_MIN_DAYS", default_value_t = 20)]
    consultation_min_days: i64,
    /// Working days to answer a question, feedback on administrative rules and a proposal, as
    /// "7,10,10" (the province's Q&A rules set them).
    #[arg(long, env = "THUOCDO_QA_DAYS", default_value = "7,10,10", value_parser = domain::qa::Periods::parse)]
    qa_days: domain::qa::Periods,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an official with one role, e.g. the first system administrator.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// Code of the official's unit; the role is granted on it.
        #[arg(long)]
        unit: String,
        /// With a unit code not yet in the database: create it as a province with this name.
        #[arg(long)]
        unit_name: Option<String>,
        /// Role code (system_admin, reform_office, leadership, unit_official, …).
        #[arg(long, default_value = "system_admin")]
        role: String,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum SamplingCommand {
    /// n = N / (1 + N·e²), rounded up.
    Size {
        /// Transactions in the frame (N).
        #[arg(long)]
        population: u64,
        /// Margin of error e.
        #[arg(long, default_value_t = 0.05)]
        margin: f64,
    },
    /// Allocates a total sample to units in proportion to their dossiers (largest remainder);
    /// reads a CSV or XLSX with columns unit_code,dossiers and prints unit_code,allocated.
    Allocate {
        #[arg(long)]
        total: u64,
        /// At least this many per unit (or all its dossiers, if fewer).
        #[arg(long, default_value_t = 0)]
        min: u64,
        file: PathBuf,
    },
    /// Draws a sample from a frame file (CSV or XLSX with a header), repeatably: the same file,
    /// seed and sizes give the same rows. Prints them as CSV, replacements after the sample.
    Draw {
        #[arg(long)]
        sample: usize,
        #[arg(long)]
        seed: u64,
        /// Replacement rows to draw after the sample, in the order they are used.
        #[arg(long, default_value_t = 0)]
        replacements: usize,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum AnalyticsCommand {
    /// Train the sentiment model from a labelled corpus and print its confusion matrix and
    /// macro-F1 on the held-out part, beside the rules'.
    Train {
        /// A corpus in the shipped format (id, split, label, source, text; tab-separated);
        /// the shipped corpus if omitted.
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// Measure a sentiment model file (ONNX) on the corpus's held-out part, beside the
    /// built-in model, before plugging it in with `serve --sentiment-model`.
    Evaluate {
        #[arg(long)]
        model: PathBuf,
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// Write a corpus's hashed features (svmlight format, on standard output) to train a model
    /// elsewhere; its input width is 2^BITS.
    Features {
        #[arg(long, default_value_t = 18)]
        bits: u32,
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// Write the built-in model as an ONNX file (the template of a model to plug in).
    Export {
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for an official and print it (it is shown only once).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until it expires; never if omitted.
        #[arg(long)]
        days: Option<i64>,
        /// The code of the unit whose subtree it reaches; wherever the official reaches if omitted.
        #[arg(long)]
        unit: Option<String>,
        /// The permissions it carries, comma-separated codes (e.g. `view_results,view_alerts`);
        /// all of the official's if omitted.
        #[arg(long, value_delimiter = ',')]
        permissions: Vec<String>,
        /// Requests a minute it may make.
        #[arg(long, default_value_t = 600)]
        per_minute: u32,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logs(cli.log_json);
    match &cli.command {
        Command::Openapi => {
            println!("{}", web::openapi_json());
            return Ok(());
        }
        Command::Sampling(SamplingCommand::Size { population, margin }) => {
            println!("{}", sampling::size(*population, *margin)?);
            return Ok(());
        }
        Command::Sampling(SamplingCommand::Allocate { total, min, file }) => {
            print!("{}", sampling::allocate_file(*total, *min, file)?);
            return Ok(());
        }
        Command::Sampling(SamplingCommand::Draw { sample, seed, replacements, file }) => {
            print!("{}", sampling::draw_file(*sample, *replacements, *seed, file)?);
            return Ok(());
        }
        Command::Analytics(AnalyticsCommand::Train { corpus }) => {
            print!("{}", analytics::train_report(corpus.as_deref())?);
            return Ok(());
        }
        Command::Analytics(AnalyticsCommand::Evaluate { model, corpus }) => {
            print!("{}", analytics::evaluate_report(model, corpus.as_deref())?);
            return Ok(());
        }
        Command::Analytics(AnalyticsCommand::Features { bits, corpus }) => {
            analytics::features(*bits, corpus.as_deref(), &mut std::io::BufWriter::new(std::io::stdout().lock()))?;
            return Ok(());
        }
        Command::Analytics(AnalyticsCommand::Export { to }) => {
            analytics::export(to)?;
            return Ok(());
        }
        Command::VerifyBackup { file, scratch_url } => {
            let verified = backup::verify(file, &existing_key(&cli.db.data_key_file)?, scratch_url.as_deref()).await?;
            print_verified(file, &verified);
            return Ok(());
        }
        Command::Restore { file } => {
            let now = Clock::System.now_ms();
            let verified = backup::restore(file, &existing_key(&cli.db.data_key_file)?, &cli.db.database_url, now).await?;
            print_verified(file, &verified);
            println!("Đã phục hồi cơ sở dữ liệu {} từ bản sao lưu.", cli.db.database_url);
            return Ok(());
        }
        _ => {}
    }
    let (key, created) = data_key(&cli.db.data_key_file)?;
    let store = Store::connect(&cli.db.database_url, &key).await.with_context(|| format!("mở cơ sở dữ liệu {}", cli.db.database_url))?;
    if let Err(e) = store.migrate().await {
        if created {
            // A key made just now for a database sealed with another one: do not leave it behind.
            let _ = std::fs::remove_file(&cli.db.data_key_file);
        }
        return Err(anyhow::anyhow!("{e}")).context("mở cơ sở dữ liệu");
    }
    if created {
        eprintln!("Đã tạo khóa dữ liệu mới tại {}: hãy sao lưu tệp này; mất khóa là mất dữ liệu cá nhân đã mã hóa.", cli.db.data_key_file.display());
    }
    let clock = Clock::System;
    match cli.command {
        Command::Serve(args) => serve(store, clock, *args, cli.db.database_url).await,
        Command::Migrate => {
            println!("Cơ sở dữ liệu đã được cập nhật.");
            Ok(())
        }
        Command::Demo => {
            if load_demo(&store, &clock).await? {
                print_demo_logins();
            } else {
                println!("Dữ liệu minh họa đã có sẵn.");
            }
            Ok(())
        }
        Command::User(UserCommand::Add { username, full_name, unit, unit_name, role, password_stdin }) => {
            add_user(&store, &clock, username, full_name, unit, unit_name, role, password_stdin).await
        }
        Command::Token(TokenCommand::Create { user, name, days, unit, permissions, per_minute }) => {
            let user_id = store.user_id_by_name(&user.to_lowercase()).await.with_context(|| format!("không có người dùng «{user}»"))?;
            let unit_id = match unit {
                Some(code) => Some(store.public_unit_by_code(&code).await.with_context(|| format!("không có đơn vị mã «{code}»"))?.id),
                None => None,
            };
            let permissions = permissions
                .iter()
                .map(|code| domain::auth::Permission::parse(code.trim()).with_context(|| format!("không có quyền «{code}»")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let scope = storage::auth::TokenScope { unit_id, permissions, per_minute: per_minute.max(1) };
            let (token, hash) = web::new_api_token();
            let now = clock.now_ms();
            let expires = days.map(|d| now + d * 86_400_000);
            store.create_api_token(&Actor::system("cli", now), user_id, &name, &hash, expires, &scope).await?;
            println!("{token}");
            Ok(())
        }
        Command::Recompute { survey } => recompute(&store, &clock, survey).await,
        Command::Backup { to } => {
            let now = clock.now_ms();
            let dest = to.unwrap_or_else(|| PathBuf::from("backups").join(backup::name_at(store.backend(), now)));
            let manifest = backup::create(&store, &cli.db.database_url, &dest, now).await?;
            let rows: i64 = manifest.tables.values().sum();
            println!("Đã sao lưu vào {} ({} byte, {} bảng, {rows} dòng; SHA-256 {}).", dest.display(), manifest.bytes, manifest.tables.len(), manifest.sha256);
            println!("Hãy cất tệp khóa dữ liệu cùng bản sao, nhưng ở nơi khác: thiếu khóa thì không đọc được dữ liệu cá nhân.");
            Ok(())
        }
        Command::Openapi | Command::Sampling(_) | Command::Analytics(_) | Command::VerifyBackup { .. } | Command::Restore { .. } => {
            unreachable!("handled before connecting")
        }
    }
}

/// The data key of an existing database: a copy cannot be read with a new one.
fn existing_key(path: &Path) -> anyhow::Result<DataKey> {
    let (key, created) = data_key(path)?;
    if created {
        let _ = std::fs::remove_file(path);
        bail!("không có khóa dữ liệu {}: bản sao lưu chỉ đọc được bằng khóa của cơ sở dữ liệu đã sao lưu", path.display());
    }
    Ok(key)
}

fn print_verified(file: &Path, verified: &backup::Verified) {
    let rows: i64 = verified.manifest.tables.values().sum();
    println!(
        "Bản sao lưu {} (tạo lúc {}) còn nguyên vẹn: mở được bằng khóa dữ liệu, {} bảng với {rows} dòng như lúc sao lưu, {} cuộc khảo sát với {} phiếu tính lại đúng số liệu.",
        file.display(),
        verified.manifest.created_at,
        verified.manifest.tables.len(),
        verified.surveys,
        verified.responses
    );
}

/// The data key from `THUOCDO_DATA_KEY`, or from its file, or a new one written to that file
/// (readable by the owner only). Also says whether it was created now.
fn data_key(path: &Path) -> anyhow::Result<(DataKey, bool)> {
    if let Ok(hex) = std::env::var("THUOCDO_DATA_KEY") {
        return Ok((DataKey::from_hex(&hex).context("THUOCDO_DATA_KEY phải là 64 chữ số thập lục phân")?, false));
    }
    if path.exists() {
        let text = std::fs::read_to_string(path).with_context(|| format!("đọc tệp khóa {}", path.display()))?;
        let key = DataKey::from_hex(&text).with_context(|| format!("tệp khóa {} phải chứa 64 chữ số thập lục phân", path.display()))?;
        return Ok((key, false));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let key = DataKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("tạo tệp khóa {}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{}\n", key.to_hex()).as_bytes())?;
    Ok((key, true))
}

fn init_logs(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn serve(store: Store, clock: Clock, args: ServeArgs, database_url: String) -> anyhow::Result<()> {
    // A model file that cannot run stops the server before anything else.
    let sentiment = analytics::classifier(args.sentiment_model.as_deref())?;
    if args.demo && load_demo(&store, &clock).await? {
        print_demo_logins();
    }
    let config = Config {
        secure_cookies: args.secure_cookies,
        trusted_proxies: args.trust_proxy,
        public_url: args.public_url.unwrap_or_else(|| format!("http://{}", args.bind)),
        smtp_url: args.smtp_url,
        mail_from: args.mail_from,
        digest_interval_ms: args.digest_minutes * 60_000,
        sms_url: args.sms_url,
        sms_token: args.sms_token,
        sms_hook_key: args.sms_hook_key,
        zalo_token: args.zalo_token,
        zalo_template: args.zalo_template,
        zalo_qa_template: args.zalo_qa_template,
        zalo_secret: args.zalo_secret,
        widget_origins: args.widget_origins,
        metrics_token: args.metrics_token.filter(|t| !t.is_empty()),
        submissions_per_minute: args.submissions_per_minute,
        consultation: domain::consultation::Rules { min_days_legal: args.consultation_min_days },
        qa: args.qa_days,
        sentiment,
        sso: args.oidc_issuer.map(|issuer| web::SsoProvider {
            issuer,
            client_id: args.oidc_client_id.unwrap_or_default(),
            client_secret: args.oidc_client_secret.unwrap_or_default(),
            label: args.oidc_label,
            username_claim: args.oidc_username_claim.filter(|c| !c.is_empty()),
        }),
        vneid: args.vneid_issuer.map(|issuer| web::SsoProvider {
            issuer,
            client_id: args.vneid_client_id.unwrap_or_default(),
            client_secret: args.vneid_client_secret.unwrap_or_default(),
            label: "Xác thực bằng VNeID".into(),
            username_claim: None,
        }),
        ..Config::default()
    };
    if let Some(bind) = args.metrics_bind {
        let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("mở cổng số liệu vận hành {bind}"))?;
        tracing::info!(address = %bind, "metrics listening");
        tokio::spawn(web::serve_metrics(listener));
    }
    let state = AppState::new(store, config, clock).await?;
    let listener = tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("mở cổng {}", args.bind))?;
    let address = listener.local_addr()?;
    println!("Thước Đo đang chạy: mở http://{address} trong trình duyệt (Ctrl-C để dừng).");
    tracing::info!(%address, "listening");
    let store = state.store.clone();
    if let Some(dir) = args.backup_dir {
        tokio::spawn(backup::keep_backing_up(store.clone(), database_url, dir, args.backup_keep.max(1), args.backup_every));
    }
    web::serve(state, listener).await?;
    store.close().await;
    Ok(())
}

/// Recounts the counters of one survey or all, printing each difference; exits non-zero when
/// any counter differed (the counters are then corrected).
async fn recompute(store: &Store, clock: &Clock, survey: Option<String>) -> anyhow::Result<()> {
    let ids = match survey {
        Some(code) => vec![store.survey_by_code(&code, clock.now_ms()).await.with_context(|| format!("không có cuộc khảo sát «{code}»"))?.id],
        None => store.survey_ids().await?,
    };
    let actor = Actor::system("cli", clock.now_ms());
    let mut differing = 0;
    for id in ids {
        let started = std::time::Instant::now();
        let report = store.recompute(&actor, id).await?;
        println!(
            "Cuộc khảo sát #{id}: {} phiếu, {} ô số liệu, {} khác biệt ({:.1} giây).",
            report.responses,
            report.cells,
            report.differences.len(),
            started.elapsed().as_secs_f64()
        );
        for d in &report.differences {
            let (_, unit, month, channel, staff) = &d.key;
            let counted = d.counted.map_or_else(|| "không đọc được".to_string(), |c| c.to_string());
            println!(
                "  đơn vị {unit}, tháng {month}, kênh {channel}, quầy «{staff}», câu «{}», lựa chọn «{}»: {counted} → {}",
                d.question, d.option, d.recounted
            );
        }
        differing += report.differences.len();
    }
    if differing > 0 {
        anyhow::bail!("{differing} bộ đếm khác với số liệu gốc và đã được tính lại");
    }
    Ok(())
}

/// Loads the demo province with a year of answers, unless it is there already.
async fn load_demo(store: &Store, clock: &Clock) -> anyhow::Result<bool> {
    if !demo::load(store, clock.now_ms()).await? {
        return Ok(false);
    }
    demo::responses::load(store, demo::responses::COUNT, clock.now_ms()).await?;
    demo::frame::load(store, demo::frame::COUNT, clock.now_ms()).await?;
    demo::par::load(store, clock.now_ms()).await?;
    demo::portal::load(store, clock.now_ms()).await?;
    demo::consultation::load(store, clock.now_ms()).await?;
    demo::qa::load(store, clock.now_ms()).await?;
    demo::results::load(store, clock.now_ms()).await?;
    Ok(true)
}

fn print_demo_logins() {
    println!(
        "Đã nạp dữ liệu minh họa «Tỉnh An Lạc»: cuộc khảo sát SIPAS tại /s/{}?u=28101 với {} phiếu đã trả lời; chỉ số hài lòng tại /admin/sipas; Chỉ số CCHC cấp xã năm 2024 và 2025 đã công bố tại /chi-so-cchc.",
        demo::SURVEY_CODE,
        demo::responses::COUNT
    );
    println!("Tài khoản (mật khẩu chung: {}):", demo::DEMO_PASSWORD);
    for (username, name, _, role, unit) in demo::OFFICIALS {
        println!("  {username:<15} {name} — {} ({unit})", role.label());
    }
}

#[allow(clippy::too_many_arguments)]
async fn add_user(
    store: &Store,
    clock: &Clock,
    username: String,
    full_name: String,
    unit_code: String,
    unit_name: Option<String>,
    role: String,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let username = parse_username(&username)?;
    let role = Role::parse(&role).with_context(|| format!("vai trò «{role}» không có"))?;
    let actor = Actor::system("cli", clock.now_ms());
    let unit = match (store.public_unit_by_code(&unit_code).await, unit_name) {
        (Ok(unit), _) => unit,
        (Err(_), Some(name)) => {
            let input = UnitInput {
                code: domain::units::UnitCode::parse(&unit_code)?,
                name: domain::units::parse_name(&name)?,
                level: domain::units::UnitLevel::Province,
                parent_id: None,
                validity: domain::units::Validity::new(text::parse_date("01/01/1976").context("ngày")?, None)?,
            };
            let founder = domain::auth::Access::new(vec![Grant { role: Role::SystemAdmin, unit: 0 }]);
            store.create_unit(&actor, &founder, &input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            store.public_unit_by_code(&unit_code).await?
        }
        (Err(_), None) => bail!("không có đơn vị mã «{unit_code}»; thêm --unit-name để tạo đơn vị cấp tỉnh này"),
    };
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (format!("Td-{}", &web::new_api_token().0[3..19]), true)
    };
    check_new_password(&username, &password)?;
    let user = NewUser {
        username: username.clone(),
        full_name: text::clean(&full_name),
        email: None,
        phone: None,
        unit_id: unit.id,
        password_hash: web::hash_password(password.clone()).await?,
    };
    let id = store.insert_user(&actor, &user).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    store.insert_grant(&actor, id, Grant { role, unit: unit.id }).await?;
    println!("Đã tạo tài khoản «{username}» ({}) tại {}.", role.label(), unit.name);
    if generated {
        println!("Mật khẩu ban đầu (chỉ hiện một lần): {password}");
    }
    Ok(())
}
