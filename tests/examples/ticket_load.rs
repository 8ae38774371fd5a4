//! Load generator and benchmark for the ticket operations of a counter office: N concurrent
//! clients repeat the cycle "issue a ticket, call the next one to a counter, finish it" for a
//! fixed time and the program reports operations per second and latency percentiles per
//! operation and overall.
//!
//! Two targets run the same cycle:
//! - `http URL`: a running `sportello` over its JSON API (`POST /api/tickets`,
//!   `POST /api/stations/{id}/call-next`, `POST /api/stations/{id}/finish`, after
//!   `POST /api/auth/login` and `POST /api/stations/{id}/open`);
//! - `direct`: the `ticketing` core in this process (`Ticketing` over `Store`), with no HTTP,
//!   no session check and no serialisation: the rate the database writes allow, the limit the
//!   HTTP figures are measured against.
//!
//! Counters are shared: clients take turns on the counters that serve the line (a counter
//! calls and finishes one ticket at a time, as a clerk does), while issuing is free. The time
//! a client waits for its counter is not counted in any latency.
//!
//! ```text
//! cargo run --release -p sportello-e2e --example ticket_load -- http http://127.0.0.1:18080 --clients 8 --seconds 30
//! cargo run --release -p sportello-e2e --example ticket_load -- direct --database-url sqlite:///tmp/x/sportello.db?mode=rwc
//! ```
//! Results and the exact set-up are in BENCHMARKS.md ("Ticketing over HTTP").

#![allow(
    clippy::print_stdout,
    reason = "a command-line benchmark: its report goes to standard output"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::{Value, json};
use ticketing::queue::IssueChannel;
use ticketing::settings::{
    RawAgenda, RawCounter, RawLine, RawOffice, RawQueue, RawStaff, RawTicketing, build_office,
};
use ticketing::store::{SqliteSync, Store};
use ticketing::{ShiftedClock, Ticketing};
use tokio::sync::Mutex;

const USAGE: &str = "\
usage: ticket_load http URL [options]
       ticket_load direct (--database-url URL | --data-dir DIR) [--config FILE] [options]

options:
  --clients N        concurrent clients (default 8)
  --seconds S        measured duration (default 30)
  --warmup S         unmeasured warm-up before it (default 3)
  --line ID          service line of the tickets (default anagrafe)
  --user NAME        staff account (http; default mario.rossi)
  --password TEXT    its password (http; default sportello-demo)
  --config FILE      office configuration (direct; default sportello.toml)
  --start INSTANT    office clock start (direct; default 2026-11-23T09:00:00+01:00[Europe/Rome])";

/// The three operations of a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Issue,
    CallNext,
    Finish,
}

impl Op {
    const ALL: [Op; 3] = [Op::Issue, Op::CallNext, Op::Finish];

    fn name(self) -> &'static str {
        match self {
            Op::Issue => "issue",
            Op::CallNext => "call-next",
            Op::Finish => "finish",
        }
    }
}

/// What the command line asked for.
#[derive(Debug, Clone)]
struct Args {
    target: TargetArgs,
    clients: usize,
    measured: Duration,
    warmup: Duration,
    line: String,
    user: String,
    password: String,
}

#[derive(Debug, Clone)]
enum TargetArgs {
    Http {
        base: String,
    },
    Direct {
        database_url: String,
        config: PathBuf,
        start: String,
    },
}

fn parse_args(mut raw: impl Iterator<Item = String>) -> Result<Args> {
    let mode = raw.next().context(USAGE)?;
    let mut base = None;
    let mut options: BTreeMap<String, String> = BTreeMap::new();
    while let Some(arg) = raw.next() {
        if let Some(name) = arg.strip_prefix("--") {
            let value = raw
                .next()
                .with_context(|| format!("--{name} needs a value\n{USAGE}"))?;
            options.insert(name.to_string(), value);
        } else if base.is_none() {
            base = Some(arg);
        } else {
            bail!("unexpected argument '{arg}'\n{USAGE}");
        }
    }
    let mut take =
        |name: &str, default: &str| options.remove(name).unwrap_or_else(|| default.to_string());
    let database_url = take("database-url", "");
    let data_dir = take("data-dir", "");
    let config = take("config", "sportello.toml");
    let start = take("start", "2026-11-23T09:00:00+01:00[Europe/Rome]");
    let number = |name: &str, text: String| -> Result<u64> {
        text.parse()
            .with_context(|| format!("--{name} must be a whole number, not '{text}'"))
    };
    let clients = number("clients", take("clients", "8"))?;
    let seconds = number("seconds", take("seconds", "30"))?;
    let warmup = number("warmup", take("warmup", "3"))?;
    let line = take("line", "anagrafe");
    let user = take("user", "mario.rossi");
    let password = take("password", "sportello-demo");
    let target = match mode.as_str() {
        "http" => TargetArgs::Http {
            base: base.context(USAGE)?.trim_end_matches('/').to_string(),
        },
        "direct" => {
            let database_url = match (database_url.is_empty(), data_dir.is_empty()) {
                (false, true) => database_url,
                (true, false) => format!("sqlite://{data_dir}/sportello.db?mode=rwc"),
                _ => bail!("direct needs one of --database-url or --data-dir\n{USAGE}"),
            };
            TargetArgs::Direct {
                database_url,
                config: PathBuf::from(config),
                start,
            }
        }
        other => bail!("unknown mode '{other}'\n{USAGE}"),
    };
    if let Some(name) = options.keys().next() {
        bail!("unknown option --{name}\n{USAGE}");
    }
    if clients == 0 || seconds == 0 {
        bail!("--clients and --seconds must be at least 1");
    }
    Ok(Args {
        target,
        clients: usize::try_from(clients)?,
        measured: Duration::from_secs(seconds),
        warmup: Duration::from_secs(warmup),
        line,
        user,
        password,
    })
}

/// Where the operations go.
#[derive(Clone)]
enum Target {
    Http {
        client: reqwest::Client,
        base: String,
        token: String,
    },
    Direct(Ticketing),
}

impl Target {
    /// Runs one operation; `Ok(false)` for a call-next that found nobody waiting.
    async fn run(&self, op: Op, line: &str, station: &str) -> Result<bool> {
        match self {
            Target::Http {
                client,
                base,
                token,
            } => {
                let request = match op {
                    Op::Issue => client
                        .post(format!("{base}/api/tickets"))
                        .json(&json!({ "line": line })),
                    Op::CallNext => client
                        .post(format!("{base}/api/stations/{station}/call-next"))
                        .bearer_auth(token),
                    Op::Finish => client
                        .post(format!("{base}/api/stations/{station}/finish"))
                        .bearer_auth(token),
                };
                let response = request.send().await?;
                let status = response.status();
                let body = response.bytes().await?;
                if !status.is_success() {
                    bail!("{status}: {}", String::from_utf8_lossy(&body));
                }
                if op == Op::CallNext {
                    let value: Value = serde_json::from_slice(&body)?;
                    return Ok(value.get("code").is_some());
                }
                Ok(true)
            }
            Target::Direct(t) => Ok(match op {
                Op::Issue => t
                    .issue(line, IssueChannel::Kiosk, None)
                    .await
                    .map(|_| true)?,
                Op::CallNext => t.call_next(station).await?.is_some(),
                Op::Finish => t.finish(station).await.map(|_| true)?,
            }),
        }
    }

    /// Signs in (HTTP) and opens `stations` for `line`.
    async fn open_stations(&self, stations: &[String], line: &str, user: &str) -> Result<()> {
        for station in stations {
            match self {
                Target::Http {
                    client,
                    base,
                    token,
                } => {
                    let response = client
                        .post(format!("{base}/api/stations/{station}/open"))
                        .bearer_auth(token)
                        .json(&json!({ "lines": [line] }))
                        .send()
                        .await?;
                    if !response.status().is_success() {
                        bail!(
                            "opening {station}: {}: {}",
                            response.status(),
                            response.text().await.unwrap_or_default()
                        );
                    }
                }
                Target::Direct(t) => t
                    .open_station(station, &[line.to_string()], user)
                    .await
                    .with_context(|| format!("opening {station}"))?,
            }
        }
        Ok(())
    }
}

/// Signs in over HTTP and lists the counters that serve `line`.
async fn http_target(base: &str, args: &Args) -> Result<(Target, Vec<String>)> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(args.clients * 2)
        .tcp_nodelay(true)
        .build()?;
    let login = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "username": args.user, "password": args.password }))
        .send()
        .await
        .with_context(|| format!("cannot reach {base}"))?;
    if !login.status().is_success() {
        bail!("login refused: {}", login.text().await.unwrap_or_default());
    }
    let token = login.json::<Value>().await?["token"]
        .as_str()
        .context("login answer without a token")?
        .to_string();
    let listed: Vec<Value> = client
        .get(format!("{base}/api/stations"))
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let stations = listed
        .iter()
        .filter(|s| {
            s["allowed_lines"]
                .as_array()
                .is_some_and(|l| l.is_empty() || l.iter().any(|x| x == args.line.as_str()))
        })
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect();
    Ok((
        Target::Http {
            client,
            base: base.to_string(),
            token,
        },
        stations,
    ))
}

/// The ticketing sections of the configuration file (the rest is ignored).
#[derive(Deserialize)]
struct OfficeConfig {
    office: RawOffice,
    #[serde(default)]
    queue: RawQueue,
    lines: Vec<RawLine>,
    counters: Vec<RawCounter>,
    #[serde(default)]
    staff: Vec<RawStaff>,
    #[serde(default)]
    agenda: RawAgenda,
}

/// The ticketing core in this process, on its own store, with the office clock shifted to
/// `start` like the binary's `SPORTELLO_SIMULATED_START`.
async fn direct_target(
    database_url: &str,
    config: &PathBuf,
    start: &str,
    line: &str,
) -> Result<(Target, Vec<String>)> {
    let text = std::fs::read_to_string(config)
        .with_context(|| format!("cannot read {}", config.display()))?;
    let raw: OfficeConfig = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid configuration", config.display()))?;
    let office = build_office(RawTicketing {
        office: &raw.office,
        queue: &raw.queue,
        lines: &raw.lines,
        counters: &raw.counters,
        staff: &raw.staff,
        agenda: &raw.agenda,
    })
    .map_err(|problems| {
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("invalid configuration: {}", text.join("; "))
    })?;
    let start: jiff::Zoned = start
        .parse()
        .with_context(|| format!("'{start}' is not an instant with a time zone"))?;
    if let Some(path) = database_url
        .strip_prefix("sqlite://")
        .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)))
        && let Some(dir) = path.parent()
    {
        std::fs::create_dir_all(dir)?;
    }
    let store = Store::connect(database_url, SqliteSync::Normal)
        .await
        .context("cannot open the database")?;
    let stations = office
        .stations
        .iter()
        .filter(|s| s.lines.iter().any(|l| l.as_str() == line))
        .map(|s| s.id.to_string())
        .collect();
    let clock = Arc::new(ShiftedClock::starting_at(start.timestamp()));
    let ticketing = Ticketing::new(office, store, clock).await?;
    Ok((Target::Direct(ticketing), stations))
}

/// One finished operation: when it ended (from the start of the measurement) and how long
/// it took.
#[derive(Debug, Clone, Copy)]
struct Sample {
    op: Op,
    ended: Duration,
    latency: Duration,
}

/// What one client saw.
#[derive(Debug, Default)]
struct ClientLog {
    samples: Vec<Sample>,
    errors: BTreeMap<Op, u64>,
    first_errors: Vec<String>,
    empty_calls: u64,
}

impl ClientLog {
    fn record(&mut self, op: Op, started: Instant, measure_from: Instant, outcome: &Result<bool>) {
        let now = Instant::now();
        if started < measure_from {
            return;
        }
        match outcome {
            Ok(found) => {
                if !found {
                    self.empty_calls += 1;
                }
                self.samples.push(Sample {
                    op,
                    ended: now - measure_from,
                    latency: now - started,
                });
            }
            Err(e) => {
                *self.errors.entry(op).or_default() += 1;
                if self.first_errors.len() < 3 {
                    self.first_errors.push(format!("{}: {e:#}", op.name()));
                }
            }
        }
    }
}

/// Repeats the cycle until `stop`, taking its turn on `station` for call-next and finish.
async fn client(
    target: Target,
    line: String,
    station: (String, Arc<Mutex<()>>),
    measure_from: Instant,
    stop: Instant,
) -> ClientLog {
    let mut log = ClientLog::default();
    let (station, turn) = station;
    while Instant::now() < stop {
        let started = Instant::now();
        let issued = target.run(Op::Issue, &line, &station).await;
        log.record(Op::Issue, started, measure_from, &issued);

        let _turn = turn.lock().await;
        let started = Instant::now();
        let called = target.run(Op::CallNext, &line, &station).await;
        log.record(Op::CallNext, started, measure_from, &called);
        if let Ok(true) = called {
            let started = Instant::now();
            let finished = target.run(Op::Finish, &line, &station).await;
            log.record(Op::Finish, started, measure_from, &finished);
        }
    }
    log
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank.
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn report_row(name: &str, latencies: &mut [Duration], errors: u64, seconds: f64) {
    latencies.sort_unstable();
    println!(
        "{name:<10} {count:>9} {errors:>7} {rate:>9.0} {p50:>8} {p95:>8} {p99:>8} {max:>8}",
        count = latencies.len(),
        rate = latencies.len() as f64 / seconds,
        p50 = ms(percentile(latencies, 50.0)),
        p95 = ms(percentile(latencies, 95.0)),
        p99 = ms(percentile(latencies, 99.0)),
        max = ms(latencies.last().copied().unwrap_or_default()),
    );
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args(std::env::args().skip(1))?;
    let (target, stations, what) = match &args.target {
        TargetArgs::Http { base } => {
            let (target, stations) = http_target(base, &args).await?;
            (target, stations, format!("http {base}"))
        }
        TargetArgs::Direct {
            database_url,
            config,
            start,
        } => {
            let (target, stations) = direct_target(database_url, config, start, &args.line).await?;
            let shown = database_url.split('@').next_back().unwrap_or(database_url);
            (target, stations, format!("direct (in process) {shown}"))
        }
    };
    if stations.is_empty() {
        bail!("no counter serves the line '{}'", args.line);
    }
    target
        .open_stations(&stations, &args.line, &args.user)
        .await?;
    println!(
        "ticket_load: {what}; {} clients; line {}; counters {}; {} s measured after {} s warm-up",
        args.clients,
        args.line,
        stations.join(", "),
        args.measured.as_secs(),
        args.warmup.as_secs()
    );

    let turns: Vec<(String, Arc<Mutex<()>>)> = stations
        .iter()
        .map(|s| (s.clone(), Arc::new(Mutex::new(()))))
        .collect();
    let begin = Instant::now();
    let measure_from = begin + args.warmup;
    let stop = measure_from + args.measured;
    let tasks: Vec<_> = (0..args.clients)
        .map(|i| {
            tokio::spawn(client(
                target.clone(),
                args.line.clone(),
                turns[i % turns.len()].clone(),
                measure_from,
                stop,
            ))
        })
        .collect();
    let mut logs = Vec::with_capacity(tasks.len());
    for task in tasks {
        logs.push(task.await?);
    }
    // The measured window ends when the last operation started before `stop` returns.
    let seconds = logs
        .iter()
        .flat_map(|l| l.samples.iter().map(|s| s.ended))
        .max()
        .unwrap_or(args.measured)
        .as_secs_f64()
        .max(args.measured.as_secs_f64());

    println!(
        "\n{:<10} {:>9} {:>7} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "operation", "count", "errors", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let mut all = Vec::new();
    let mut all_errors = 0;
    for op in Op::ALL {
        let mut latencies: Vec<Duration> = logs
            .iter()
            .flat_map(|l| l.samples.iter().filter(|s| s.op == op).map(|s| s.latency))
            .collect();
        let errors: u64 = logs.iter().filter_map(|l| l.errors.get(&op)).sum();
        all.extend_from_slice(&latencies);
        all_errors += errors;
        report_row(op.name(), &mut latencies, errors, seconds);
    }
    report_row("all", &mut all, all_errors, seconds);

    let cycles = logs
        .iter()
        .flat_map(|l| &l.samples)
        .filter(|s| s.op == Op::Finish)
        .count();
    println!(
        "\ncycles (issue + call-next + finish): {:.0}/s",
        cycles as f64 / seconds
    );
    let empty: u64 = logs.iter().map(|l| l.empty_calls).sum();
    if empty > 0 {
        println!("call-next found nobody waiting {empty} times");
    }
    // Throughput over time shows whether it holds as the day's tickets pile up.
    let window = 5.0;
    let windows = ((args.measured.as_secs_f64() / window) as usize).max(1);
    let mut per_window = vec![0u64; windows];
    for s in logs.iter().flat_map(|l| &l.samples) {
        let i = (s.ended.as_secs_f64() / window) as usize;
        if let Some(slot) = per_window.get_mut(i) {
            *slot += 1;
        }
    }
    let rates: Vec<String> = per_window
        .iter()
        .map(|n| format!("{:.0}", *n as f64 / window))
        .collect();
    println!("ops/s per {window:.0} s window: {}", rates.join(" "));
    for e in logs.iter().flat_map(|l| &l.first_errors).take(5) {
        println!("error: {e}");
    }
    if all_errors > 0 {
        bail!("{all_errors} operations failed");
    }
    Ok(())
}
