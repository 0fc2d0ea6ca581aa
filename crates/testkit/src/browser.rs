//! A small W3C WebDriver client for Debian's `chromium` driven by `chromedriver`: enough to act
//! as a person would (open pages, type, click, upload files, read text, take screenshots).
//!
//! Browser tests call [`Browser::start`]; without chromedriver they are skipped, unless
//! `THUOCDO_REQUIRE_BROWSER=1` (set by `scripts/test`) makes that a failure.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    http: reqwest::Client,
    session_url: String,
    _driver: Child,
    profile: tempfile::TempDir,
}

#[derive(Clone)]
pub struct Element {
    id: String,
}

fn find_binary(candidates: &[&str]) -> Option<String> {
    candidates.iter().find(|path| std::path::Path::new(path).exists()).map(|p| p.to_string())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a phone-sized or desktop window.
    pub async fn start(width: u32, height: u32) -> anyhow::Result<Option<Self>> {
        Self::launch(width, height, true, None).await
    }

    /// The same, with JavaScript switched off in the page, as on a browser that has none.
    pub async fn start_without_javascript(width: u32, height: u32) -> anyhow::Result<Option<Self>> {
        Self::launch(width, height, false, None).await
    }

    /// The same, calling itself `user_agent` (an app's in-app browser, as Zalo's).
    pub async fn start_as(width: u32, height: u32, user_agent: &str) -> anyhow::Result<Option<Self>> {
        Self::launch(width, height, true, Some(user_agent)).await
    }

    async fn launch(width: u32, height: u32, javascript: bool, user_agent: Option<&str>) -> anyhow::Result<Option<Self>> {
        let driver = find_binary(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
        let chromium = find_binary(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
        let (Some(driver), Some(chromium)) = (driver, chromium) else {
            if std::env::var("THUOCDO_REQUIRE_BROWSER").is_ok() {
                bail!("THUOCDO_REQUIRE_BROWSER is set but chromium/chromedriver are not installed");
            }
            eprintln!("chromium or chromedriver missing: skipping the browser test (run ./scripts/test)");
            return Ok(None);
        };
        let port = {
            let socket = std::net::TcpListener::bind("127.0.0.1:0")?;
            socket.local_addr()?.port()
        };
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            // Its own process group, so that the browser it starts dies with it (see Drop).
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("start chromedriver")?;
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir()?;
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--lang=vi-VN".into(),
            // Third-party cookies blocked, as browsers now do: the widget must work without them.
            "--test-third-party-cookie-phaseout".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        if let Some(agent) = user_agent {
            args.push(format!("--user-agent={agent}"));
        }
        // Files the pages give are saved, not opened, where `downloaded` finds them.
        let downloads = profile.path().join("downloads");
        std::fs::create_dir_all(&downloads)?;
        let prefs = json!({
            "download.default_directory": downloads,
            "download.prompt_for_download": false,
            "plugins.always_open_pdf_externally": true
        });
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args, "prefs": prefs }
        }}});
        let response: Value = http.post(format!("{base}/session")).json(&capabilities).send().await?.json().await?;
        let session_id = response["value"]["sessionId"].as_str().with_context(|| format!("no WebDriver session: {response}"))?;
        Ok(Some(Self { http, session_url: format!("{base}/session/{session_id}"), _driver: child, profile }))
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.session_url);
        let request = self.http.request(method, url);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        let response: Value = request.send().await?.json().await?;
        if let Some(error) = response["value"]["error"].as_str() {
            bail!("WebDriver {path}: {error}: {}", response["value"]["message"]);
        }
        Ok(response["value"].clone())
    }

    /// Waits for a file ending in `extension` to finish downloading; gives its name and bytes
    /// and removes it, so that the next download is told apart. Chromium reserves the final
    /// name with an empty file while it writes `….crdownload` beside it, so a file counts only
    /// once it has bytes and nothing is still being written.
    pub async fn downloaded(&self, extension: &str) -> anyhow::Result<(String, Vec<u8>)> {
        let dir = self.profile.path().join("downloads");
        for _ in 0..300 {
            let names: Vec<String> =
                std::fs::read_dir(&dir)?.map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned())).collect::<Result<_, _>>()?;
            let writing = names.iter().any(|n| n.ends_with(".crdownload"));
            if let Some(name) = names.into_iter().find(|n| n.ends_with(extension))
                && !writing
            {
                let path = dir.join(&name);
                let bytes = std::fs::read(&path)?;
                if !bytes.is_empty() {
                    std::fs::remove_file(&path)?;
                    return Ok((name, bytes));
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("no {extension} file downloaded within 30 s")
    }

    /// Runs `script` in the page (WebDriver's execute) with `args` as `arguments`; gives what it
    /// returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.command(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": args }))).await
    }

    /// What axe-core, run in the page, finds against WCAG 2.1 A and AA: one line per broken rule
    /// with the elements that break it. `THUOCDO_AXE` names axe.min.js (`scripts/test` installs
    /// it from npm); without it the check is skipped, unless `THUOCDO_REQUIRE_BROWSER` is set.
    pub async fn accessibility_problems(&self) -> anyhow::Result<Vec<String>> {
        let Ok(path) = std::env::var("THUOCDO_AXE") else {
            if std::env::var("THUOCDO_REQUIRE_BROWSER").is_ok() {
                bail!("THUOCDO_REQUIRE_BROWSER is set but THUOCDO_AXE does not name axe-core's axe.min.js");
            }
            eprintln!("THUOCDO_AXE unset: accessibility check skipped");
            return Ok(Vec::new());
        };
        let source = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
        // Injected by the driver, not by the page, so the page's script policy stays as it is.
        self.execute(&format!("{source}\nwindow.axe = axe;"), vec![]).await?;
        let found = self
            .execute(
                "return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                   .then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', ')));",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(found)?)
    }

    /// Bytes the current page loaded before pictures: the page itself, its stylesheet and any
    /// other resource that is not an image.
    pub async fn weight_before_pictures(&self) -> anyhow::Result<f64> {
        let weight = self
            .execute(
                "const nav = performance.getEntriesByType('navigation')[0];
                 const rest = performance.getEntriesByType('resource').filter(r => r.initiatorType !== 'img');
                 return nav.decodedBodySize + rest.reduce((sum, r) => sum + r.decodedBodySize, 0);",
                vec![],
            )
            .await?;
        weight.as_f64().context("the page's weight is a number")
    }

    /// What keeps each of `pages` (paths on `base`) from a cheap phone on a slow network: its
    /// WCAG 2.1 AA problems, more than 100 kB before pictures, and scrolling sideways. One line
    /// per problem, named by its page; none when all is well.
    pub async fn public_page_problems(&self, base: &str, pages: &[String]) -> anyhow::Result<Vec<String>> {
        let mut problems = Vec::new();
        for page in pages {
            self.goto(&format!("{base}{page}")).await?;
            problems.extend(self.accessibility_problems().await?.into_iter().map(|p| format!("{page}: {p}")));
            let weight = self.weight_before_pictures().await?;
            if weight >= 100_000.0 {
                problems.push(format!("{page}: weighs {weight} bytes before pictures"));
            }
            let overflow = self.execute("return document.documentElement.scrollWidth - window.innerWidth;", vec![]).await?;
            if overflow.as_i64().unwrap_or(0) > 0 {
                problems.push(format!("{page}: scrolls sideways by {overflow} px"));
            }
        }
        Ok(problems)
    }

    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await.map(|_| ())
    }

    pub async fn current_url(&self) -> anyhow::Result<String> {
        Ok(self.command(reqwest::Method::GET, "/url", None).await?.as_str().unwrap_or_default().to_string())
    }

    pub async fn find(&self, css: &str) -> anyhow::Result<Element> {
        let found = self.command(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css }))).await?;
        let id = found[ELEMENT_KEY].as_str().with_context(|| format!("no element {css}"))?;
        Ok(Element { id: id.to_string() })
    }

    /// The visible text of the whole page.
    pub async fn page_text(&self) -> anyhow::Result<String> {
        let body = self.find("body").await?;
        self.text(&body).await
    }

    /// Waits (up to ten seconds) until the page shows `needle`, and returns the page text. A
    /// click that submits a form returns before the next page has loaded; this waits for it.
    pub async fn wait_text(&self, needle: &str) -> anyhow::Result<String> {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(text) = self.page_text().await {
                if text.contains(needle) {
                    return Ok(text);
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the page never showed «{needle}»; it shows:\n{last}")
    }

    /// The visible text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> anyhow::Result<String> {
        let element = self.find(css).await?;
        self.text(&element).await
    }

    pub async fn text(&self, element: &Element) -> anyhow::Result<String> {
        let path = format!("/element/{}/text", element.id);
        Ok(self.command(reqwest::Method::GET, &path, None).await?.as_str().unwrap_or_default().to_string())
    }

    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let element = self.find(css).await?;
        self.command(reqwest::Method::POST, &format!("/element/{}/click", element.id), Some(json!({}))).await.map(|_| ())
    }

    /// Signs in as a demo official and waits for the officials' home page.
    pub async fn sign_in(&self, base: &str, username: &str) -> anyhow::Result<()> {
        self.goto(&format!("{base}/login")).await?;
        self.fill("#username", username).await?;
        self.fill("#password", crate::PASSWORD).await?;
        self.click("main form.stack button[type=submit]").await?;
        self.wait_text("Tổng quan").await.map(|_| ())
    }

    /// Types into a field (clearing it first); for a file input, `text` is the file's path.
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let element = self.find(css).await?;
        let is_file = self.command(reqwest::Method::GET, &format!("/element/{}/attribute/type", element.id), None).await?.as_str() == Some("file");
        if !is_file {
            self.command(reqwest::Method::POST, &format!("/element/{}/clear", element.id), Some(json!({}))).await?;
        }
        let path = format!("/element/{}/value", element.id);
        self.command(reqwest::Method::POST, &path, Some(json!({ "text": text }))).await.map(|_| ())
    }

    /// Presses and releases one key (WebDriver key codes: `\u{E004}` Tab, `\u{E007}` Enter, " ").
    pub async fn press(&self, key: &str) -> anyhow::Result<()> {
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
            { "type": "keyDown", "value": key }, { "type": "keyUp", "value": key }
        ]}]});
        self.command(reqwest::Method::POST, "/actions", Some(actions)).await.map(|_| ())
    }

    /// Tag name and `type` and `name` attributes of the element that has the keyboard focus.
    pub async fn focused(&self) -> anyhow::Result<(String, String, String)> {
        let active = self.command(reqwest::Method::GET, "/element/active", None).await?;
        let id = active[ELEMENT_KEY].as_str().context("no focused element")?.to_string();
        let tag = self.command(reqwest::Method::GET, &format!("/element/{id}/name"), None).await?;
        let attribute = |name: &'static str| {
            let path = format!("/element/{id}/attribute/{name}");
            async move { self.command(reqwest::Method::GET, &path, None).await.map(|v| v.as_str().unwrap_or_default().to_string()) }
        };
        Ok((tag.as_str().unwrap_or_default().to_lowercase(), attribute("type").await?, attribute("name").await?))
    }

    /// Cuts the page off the network (Chromium's network emulation), or gives it back.
    pub async fn set_offline(&self, offline: bool) -> anyhow::Result<()> {
        let conditions = json!({ "network_conditions": {
            "offline": offline, "latency": 0, "download_throughput": 1_000_000, "upload_throughput": 1_000_000
        }});
        self.command(reqwest::Method::POST, "/chromium/network_conditions", Some(conditions)).await.map(|_| ())
    }

    /// Continues inside the frame matching `css` (WebDriver's frame switch); `leave_frame` comes
    /// back to the page.
    pub async fn enter_frame(&self, css: &str) -> anyhow::Result<()> {
        let frame = self.find(css).await?;
        self.command(reqwest::Method::POST, "/frame", Some(json!({ "id": { ELEMENT_KEY: frame.id } }))).await.map(|_| ())
    }

    pub async fn leave_frame(&self) -> anyhow::Result<()> {
        self.command(reqwest::Method::POST, "/frame/parent", Some(json!({}))).await.map(|_| ())
    }

    /// Fills a survey form with the keyboard only: Tab through it, choose the first option of
    /// every radio group with Space (the first radio of a group is its tab stop), and send with
    /// Enter on the button. Gives the keys pressed.
    pub async fn answer_with_keyboard(&self) -> anyhow::Result<usize> {
        const TAB: &str = "\u{E004}";
        const ENTER: &str = "\u{E007}";
        let mut chosen = std::collections::HashSet::new();
        let mut keys = 0;
        for _ in 0..400 {
            self.press(TAB).await?;
            keys += 1;
            let (tag, kind, name) = self.focused().await?;
            if tag == "input" && kind == "radio" && chosen.insert(name) {
                self.press(" ").await?;
                keys += 1;
            } else if tag == "button" && kind == "submit" && !chosen.is_empty() {
                self.press(ENTER).await?;
                return Ok(keys + 1);
            }
        }
        bail!("never reached the send button with the keyboard")
    }

    /// Chooses the `<option>` of a select by its value.
    pub async fn select(&self, css: &str, value: &str) -> anyhow::Result<()> {
        self.click(&format!("{css} option[value=\"{value}\"]")).await
    }

    /// Saves a PNG of the viewport, for a person to look at.
    pub async fn screenshot(&self, path: &std::path::Path) -> anyhow::Result<()> {
        let data = self.command(reqwest::Method::GET, "/screenshot", None).await?;
        let png = base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap_or_default())?;
        std::fs::write(path, png)?;
        Ok(())
    }

    pub async fn quit(self) -> anyhow::Result<()> {
        self.http.delete(&self.session_url).send().await?;
        Ok(())
    }
}

impl Drop for Browser {
    /// A failing test never reaches `quit`: kill chromedriver's whole process group, Chromium
    /// included, so that no browser outlives its test.
    fn drop(&mut self) {
        if let Some(pid) = self._driver.id() {
            let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
        }
    }
}
