//! The three pages (kiosk, counter console, display board) driven in headless Chromium against
//! the real binary: a ticket issued at the kiosk and called at the console appears live on the
//! display board that was already open. The browser script is `tests/browser/flow.mjs`
//! (playwright-core with the system Chromium; it never downloads a browser).
//!
//! Needs `node`, the script's packages (`npm ci --prefix tests/browser`) and
//! `/usr/bin/chromium` (`apt-get install -y chromium nodejs npm`): skipped with a printed
//! reason when one is missing, a failure when `CI=true`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sportello_e2e::{AppOptions, SpawnedApp, in_ci, repo_root, require_tool};

/// The system Chromium the script launches.
const CHROMIUM: &str = "/usr/bin/chromium";
/// The whole browser flow, from launch to close; it takes a few seconds.
const FLOW_TIMEOUT: Duration = Duration::from_secs(120);

fn browser_dir() -> PathBuf {
    repo_root().join("tests").join("browser")
}

/// Whether `path` exists; prints why the test is skipped, or panics in CI.
fn require_path(path: &Path, install: &str) -> bool {
    if path.exists() {
        return true;
    }
    assert!(
        !in_ci(),
        "{} is required in CI (install: {install})",
        path.display()
    );
    eprintln!("skipping: {} missing (install: {install})", path.display());
    false
}

#[test]
fn kiosk_console_and_display_board_in_chromium() {
    if !require_tool(
        "node",
        "runs the browser flow: apt-get install -y nodejs npm",
    ) || !require_path(
        &browser_dir().join("node_modules").join("playwright-core"),
        "npm ci --prefix tests/browser",
    ) || !require_path(Path::new(CHROMIUM), "apt-get install -y chromium")
    {
        return;
    }
    let app = SpawnedApp::start(AppOptions::new("browser"));

    let mut child = Command::new("node")
        .arg("flow.mjs")
        .arg(&app.http)
        .current_dir(browser_dir())
        .env("CHROMIUM", CHROMIUM)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    // Read both pipes on threads so a chatty script cannot block on a full pipe.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let deadline = Instant::now() + FLOW_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("node is waitable") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = format!(
        "--- node stdout ---\n{}--- node stderr ---\n{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    );
    match status {
        Some(status) if status.success() => eprint!("{output}"),
        Some(status) => panic!("the browser flow failed ({status}):\n{output}"),
        None => panic!("the browser flow did not finish within {FLOW_TIMEOUT:?}:\n{output}"),
    }
}
