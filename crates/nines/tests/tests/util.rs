//! The nines binary's harness on top of `nines-testkit`: config builders,
//! a daemon in-process on port 0, and the real binary as a child process
//! that binds port 0 and says where.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use nines::app::App;
use nines::clock::Clock;
use nines::daemon::{Intervals, serve};
use serde_json::{Value, json};

pub use nines_testkit::ports::{http_ok, start_on_a_free_port};
pub use nines_testkit::{
    Receiver, Reply, ReservedPort, Spawned, Workspace, eventually, eventually_blocking, require,
};

pub const READER: &str = "nines_test_reader_token";
pub const WRITER: &str = "nines_test_writer_token";
pub const ADMIN: &str = "nines_test_admin_token";

/// `auth:` with one token per role.
pub fn auth_yaml() -> String {
    format!(
        "auth:\n  tokens:\n    - {{ name: r, role: reader, hash: \"{}\" }}\n    - {{ name: w, role: writer, hash: \"{}\" }}\n    - {{ name: a, role: admin, hash: \"{}\" }}\n",
        nines_config::hash_token(READER),
        nines_config::hash_token(WRITER),
        nines_config::hash_token(ADMIN)
    )
}

/// A config with service `shop`: `availability` 99.9% over 30d and
/// `latency` 99% over 7d, plus the test tokens.
pub fn shop_yaml() -> String {
    format!(
        "services:\n  shop:\n    owner: payments\n    slos:\n      - name: availability\n        objective: 99.9\n        window: 30d\n        sli: events\n      - name: latency\n        objective: 99\n        window: 7d\n        sli: events\n{}",
        auth_yaml()
    )
}

/// A daemon running in this process, on a free loopback port.
pub struct Daemon {
    pub url: String,
    pub app: Arc<App>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Daemon {
    pub async fn start(ws: &Workspace, clock: Clock) -> Daemon {
        let intervals = Intervals {
            evaluate: Duration::from_secs(3600),
            checkpoint: Duration::from_secs(3600),
            ..Intervals::default()
        };
        Daemon::start_with(ws, clock, intervals).await
    }

    pub async fn start_with(ws: &Workspace, clock: Clock, intervals: Intervals) -> Daemon {
        let (app, _) = App::open(
            &ws.config(),
            &ws.data(),
            nines_store::Durability::Process,
            clock,
        )
        .unwrap();
        let app = Arc::new(app);
        nines::slo::service::evaluate(&app, false);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(serve(listener, app.clone(), intervals, async move {
            let _ = rx.await;
        }));
        Daemon {
            url,
            app,
            stop: Some(tx),
            task: Some(task),
        }
    }

    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
    /// The body as sent, for checks of key order.
    pub text: String,
}

pub async fn call(method: &str, url: &str, token: Option<&str>, body: Option<String>) -> Resp {
    let client = reqwest::Client::new();
    let mut req = client.request(method.parse().unwrap(), url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
    Resp { status, body, text }
}

pub fn event(service: &str, slo: &str, time: i64, good: u64, total: u64) -> Value {
    json!({ "service": service, "slo": slo, "time": time, "good": good, "total": total })
}

pub fn batch(events: &[Value]) -> String {
    json!({ "events": events }).to_string()
}

/// The real `nines` binary.
pub fn nines() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nines"))
}

/// `nines serve` as a child process. It listens on 127.0.0.1:0 and its
/// log line "nines is serving" says the port it got: no port is picked
/// for it, so none can be taken meanwhile.
pub struct Process {
    pub child: Child,
    pub url: String,
}

impl Process {
    pub fn start(config: &Path, data: &Path, extra: &[&str]) -> Process {
        Process::start_from(nines(), config, data, extra)
    }

    /// `nines serve` with at most `nofile` open files (`ulimit -n`), as on
    /// hosts with the common default of 1024.
    pub fn start_limited(config: &Path, data: &Path, extra: &[&str], nofile: u32) -> Process {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(format!("ulimit -n {nofile} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_nines"));
        Process::start_from(sh, config, data, extra)
    }

    fn start_from(mut cmd: Command, config: &Path, data: &Path, extra: &[&str]) -> Process {
        #[allow(clippy::zombie_processes)] // Process's Drop kills and waits.
        let mut child = cmd
            .args(["serve", "--config"])
            .arg(config)
            .arg("--data")
            .arg(data)
            .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
            .args(extra)
            // Warnings, and the cli's own lines (the listen address).
            .env("NINES_LOG", "warn,nines::cli=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let addr = listen_address(child.stderr.take().unwrap());
        if extra.contains(&"--tls-cert") {
            // Its tests wait on their own https client.
            return Process {
                child,
                url: format!("https://{addr}"),
            };
        }
        let url = format!("http://{addr}");
        // Serving means the listener is bound; ready means restored too.
        eventually_blocking(Duration::from_secs(20), "nines serve ready", || {
            blocking("GET", &format!("{url}/readyz"), None, None).filter(|r| r.status == 200)
        });
        Process { child, url }
    }
}

/// Reads the JSON log on `stderr` until "nines is serving" and answers its
/// `listen` field; keeps echoing the log (to this test's stderr) after.
fn listen_address(stderr: std::process::ChildStderr) -> String {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
            if v["message"] == "nines is serving" {
                let _ = tx.send(v["listen"].as_str().unwrap_or_default().to_string());
            } else {
                eprintln!("{line}");
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("nines serve logs \"nines is serving\" with its address")
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Blocking GET for sync tests (not from inside a runtime): status and body.
pub fn blocking(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<String>,
) -> Option<Resp> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut req = reqwest::Client::new().request(method.parse().unwrap(), url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req.send().await.ok()?;
        let status = resp.status().as_u16();
        let text = resp.text().await.ok()?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
        Some(Resp { status, body, text })
    })
}

/// Runs a command that must succeed; its output. Failing shows stderr.
pub fn run_ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed:\n{}{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Whether the real `promtool` is here. In CI it must be: a missing tool
/// fails the test instead of skipping it silently.
pub fn promtool_available() -> bool {
    require("promtool", "prometheus")
}

/// Runs `cmd` with `input` on its stdin; its output.
pub fn with_stdin(cmd: &mut Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `promtool check metrics` on an exposition: it must pass without a
/// single lint complaint.
pub fn promtool_check_metrics(text: &str) {
    let out = with_stdin(Command::new("promtool").args(["check", "metrics"]), text);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && report.trim().is_empty(),
        "promtool check metrics:\n{report}"
    );
}

/// `promtool <args> <file>`, which must pass.
pub fn promtool(args: &[&str], file: &Path) {
    run_ok(Command::new("promtool").args(args).arg(file));
}

/// Pushes an hour of 10% errors for shop/availability to a running nines
/// (every tier fires); blocking, for process tests.
pub fn push_burning_hour(url: &str) {
    let now = jiff::Timestamp::now().as_second();
    let events: Vec<_> = (0..60)
        .map(|m| event("shop", "availability", now - m * 60, 900, 1000))
        .collect();
    let r = blocking(
        "POST",
        &format!("{url}/api/v1/events"),
        Some(WRITER),
        Some(batch(&events)),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{:?}", r.body);
}

/// `shop_yaml()` plus users ana and bo and schedule `primary`: weekly
/// handoffs Monday 09:00 Berlin from 2026-11-23 (ana first), and bo
/// overriding 2026-11-24 12:00-13:00Z.
pub fn oncall_yaml() -> String {
    shop_yaml().replace(
        "auth:",
        "users:\n  ana: {}\n  bo: {}\nschedules:\n  primary:\n    timezone: Europe/Berlin\n    layers:\n      - { rotation: weekly, handoff: \"monday 09:00\", start: 2026-11-23, users: [ana, bo] }\n    overrides:\n      - { user: bo, from: \"2026-11-24T12:00:00Z\", to: \"2026-11-24T13:00:00Z\" }\nauth:",
    )
}

/// Sends `signal` (`TERM`, `HUP`, …) to a running nines.
pub fn signal(p: &Process, signal: &str) {
    let pid = p.child.id().to_string();
    assert!(
        Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap()
            .success()
    );
}

/// The value of `series` (`name{labels}` exactly as exposed) on a running
/// nines' /metrics; blocking. For waiting on a counter the daemon's loop
/// bumps instead of sleeping.
pub fn metric(url: &str, series: &str) -> Option<f64> {
    let m = blocking("GET", &format!("{url}/metrics"), Some(READER), None)?;
    m.text.lines().find_map(|l| {
        let value = l.strip_prefix(series)?.strip_prefix(' ')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

/// Waits (blocking, at most 20 s) until `series` on a running nines
/// exceeds `than`; its value.
pub fn metric_above(url: &str, series: &str, than: f64) -> f64 {
    eventually_blocking(
        Duration::from_secs(20),
        &format!("{series} > {than}"),
        || metric(url, series).filter(|v| *v > than),
    )
}

/// Daemon loops fast enough for tests: evaluation every second, retries
/// from 200 ms, no checkpoints.
pub fn fast() -> Intervals {
    Intervals {
        evaluate: Duration::from_secs(1),
        checkpoint: Duration::from_secs(3600),
        notify_retry_base: Duration::from_millis(200),
        ..Intervals::default()
    }
}

/// The token of the responder every test config trusts.
pub const RESPONDER: &str = "nines_test_responder_token";

/// Opens an incident by hand (as the responder): `{"service", "title",
/// ...}`; the incident as the API answered.
pub async fn open_incident(d: &Daemon, body: Value) -> Value {
    let r = call(
        "POST",
        &format!("{}/api/v1/incidents", d.url),
        Some(RESPONDER),
        Some(body.to_string()),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

/// `../shared/data/<rel>` (the corpora tests read in place, never copied
/// into the repository), or `None` with a SKIPPED line; missing under CI
/// is a failure.
pub fn shared_data(rel: &str) -> Option<std::path::PathBuf> {
    let root = std::env::var_os("NINES_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let path = root.join(rel);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is required in CI (the shared corpora; or set NINES_SHARED_DATA)",
        path.display()
    );
    eprintln!("SKIPPED: {} missing", path.display());
    None
}
