//! Helpers shared by the end-to-end suites: build and start the real `sportello` binary on
//! free loopback ports with its own data directory, wait until it is ready, and stop it.
//!
//! Outside programs (PostgreSQL, Chromium, SIPp, softphones) are optional on a developer
//! laptop: [`require_tool`] skips with a printed reason, but when `CI=true` a missing tool is
//! a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the repository")
        .to_path_buf()
}

/// Path of the `sportello` binary, built once per test process (`SPORTELLO_BIN` overrides).
pub fn sportello_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(path) = std::env::var("SPORTELLO_BIN") {
            return PathBuf::from(path);
        }
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "build",
                "--quiet",
                "-p",
                "sip-gateway",
                "--bin",
                "sportello",
            ])
            .current_dir(repo_root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the sportello binary failed");
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| repo_root().join("target"));
        target.join("debug").join("sportello")
    })
    .clone()
}

/// True when running in CI, where every outside program must be present.
pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Whether `program` can be run; prints why a test is skipped, or panics in CI.
pub fn require_tool(program: &str, why: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !found {
        assert!(!in_ci(), "{program} is required in CI ({why})");
        eprintln!("skipping: {program} not installed ({why})");
    }
    found
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A unique scratch directory under the system temp dir.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sportello-e2e-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// How to start the app.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// Data directory (reuse one to restart on the same database).
    pub data_dir: PathBuf,
    /// Office-local start of the simulated clock; default Monday 23 November 2026, 9:00.
    pub simulated_start: Option<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

impl AppOptions {
    pub fn new(name: &str) -> Self {
        AppOptions {
            data_dir: scratch_dir(name),
            simulated_start: Some("2026-11-23T09:00:00+01:00[Europe/Rome]".into()),
            env: Vec::new(),
        }
    }
}

/// A running `sportello` process, killed on drop.
#[derive(Debug)]
pub struct SpawnedApp {
    pub child: Child,
    pub http: String,
    pub ready: serde_json::Value,
    pub options: AppOptions,
}

impl SpawnedApp {
    /// Starts the binary with the sample configuration on free ports and waits until ready.
    pub fn start(options: AppOptions) -> SpawnedApp {
        let ready_file = options.data_dir.join("ready.json");
        let _ = std::fs::remove_file(&ready_file);
        let mut command = Command::new(sportello_binary());
        command
            .current_dir(repo_root())
            .arg("--config")
            .arg(repo_root().join("sportello.toml"))
            .arg("--data-dir")
            .arg(&options.data_dir)
            .arg("serve")
            .arg("--ready-file")
            .arg(&ready_file)
            .env("SPORTELLO_HTTP_LISTEN", "127.0.0.1:0")
            // The sample configuration takes calls on 5060: any free port instead, so suites
            // run side by side (options.env below may set them).
            .env("SPORTELLO_SIP_UDP_PORT", "0")
            .env("SPORTELLO_SIP_TCP_PORT", "0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(start) = &options.simulated_start {
            command.env("SPORTELLO_SIMULATED_START", start);
        }
        for (k, v) in &options.env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("sportello starts");
        let deadline = Instant::now() + Duration::from_secs(60);
        let ready = loop {
            if let Ok(text) = std::fs::read_to_string(&ready_file)
                && let Ok(value) = serde_json::from_str::<serde_json::Value>(&text)
            {
                break value;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("sportello exited before it was ready: {status}");
            }
            assert!(Instant::now() < deadline, "sportello not ready within 60 s");
            std::thread::sleep(Duration::from_millis(20));
        };
        let http = format!(
            "http://{}",
            ready["http"]
                .as_str()
                .expect("ready file has the HTTP address")
        );
        SpawnedApp {
            child,
            http,
            ready,
            options,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.http)
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a clean exit; returns the exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "sportello did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SpawnedApp {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP client for the tests.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}
