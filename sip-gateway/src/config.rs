//! The configuration file (`sportello.toml`) read once, checked, and turned into settings.
//!
//! Raw sections are deserialised strictly (unknown keys are errors), then every section is
//! validated and all problems are reported together with the key they concern. A few values
//! can be overridden by environment variables (see [`ENV_OVERRIDES`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use jiff::SignedDuration;
use knowledge_base::KnowledgeBaseSettings;
use serde::Deserialize;
use ticketing::http::printer::{EscPosPrinter, PaperWidth};
use ticketing::settings::{
    ConfigProblem, Office, RawAgenda, RawCounter, RawLine, RawOffice, RawQueue, RawStaff,
    RawTicketing, build_office,
};
use ticketing::store::SqliteSync;

/// Environment variables that override the file: (variable, what it overrides).
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("SPORTELLO_DATABASE_URL", "storage.url"),
    ("SPORTELLO_HTTP_LISTEN", "http.listen"),
    ("SPORTELLO_LOG_FORMAT", "log.format"),
    ("SPORTELLO_SIP_UDP_PORT", "sip.udp_port (0 = any free port)"),
    ("SPORTELLO_SIP_TCP_PORT", "sip.tcp_port (0 = any free port)"),
    (
        "SPORTELLO_SIMULATED_START",
        "(no key) start the office clock at this instant, e.g. 2026-11-23T09:00:00+01:00[Europe/Rome]; for demos and tests",
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    office: RawOffice,
    #[serde(default)]
    queue: RawQueue,
    lines: Vec<RawLine>,
    counters: Vec<RawCounter>,
    #[serde(default)]
    staff: Vec<RawStaff>,
    #[serde(default)]
    agenda: RawAgenda,
    /// The operator queue of the phone channel.
    #[serde(default)]
    phone_queue: ticketing::settings::RawPhoneQueue,
    #[serde(default)]
    operators: Vec<ticketing::settings::RawOperator>,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    http: RawHttp,
    printer: Option<RawPrinter>,
    #[serde(default)]
    log: RawLog,
    #[serde(default)]
    privacy: RawPrivacy,
    #[serde(default)]
    knowledge_base: KnowledgeBaseSettings,
    /// Read by the SIP gateway (`telephony` module).
    sip: Option<toml::Table>,
    /// Speech recognition for the phone dialog (`crate::speech`).
    speech: Option<crate::speech::RawSpeech>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    /// `sqlite://path` or `postgres://...`; default: `sqlite://<data dir>/sportello.db`.
    url: Option<String>,
    /// "normal" (default) or "full".
    sqlite_synchronous: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    listen: Option<String>,
    session_hours: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrinter {
    /// `host:port` of an ESC/POS network printer (usually port 9100).
    address: String,
    /// 58 or 80.
    #[serde(default = "default_paper")]
    paper_mm: u32,
}

fn default_paper() -> u32 {
    80
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLog {
    /// "human" (default) or "json".
    format: Option<String>,
    /// A tracing filter such as "info" or "sportello=debug,info".
    level: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPrivacy {
    /// Days citizens' phone numbers are kept after an appointment or a closed request
    /// (default 90).
    retention_days: Option<i64>,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// The checked configuration of the whole product.
#[derive(Debug)]
pub struct Settings {
    pub office: Office,
    pub database_url: String,
    pub sqlite_sync: SqliteSync,
    pub http_listen: SocketAddr,
    pub session_ttl: SignedDuration,
    pub printer: Option<EscPosPrinter>,
    pub log_format: LogFormat,
    pub log_level: String,
    /// How long citizens' phone numbers are kept after they stop being needed.
    pub retention: SignedDuration,
    /// Paths already resolved against the configuration file's directory.
    pub knowledge_base: KnowledgeBaseSettings,
    pub sip: Option<toml::Table>,
    /// Speech recognition (`[speech]`); `None`: the phone dialog is keypad-only.
    pub speech: Option<crate::speech::SpeechSettings>,
    /// Demo/test only: the office clock starts at this instant.
    pub simulated_start: Option<jiff::Timestamp>,
    /// Directory of the configuration file (relative paths in it are relative to it).
    pub base_dir: PathBuf,
    /// The data directory (`--data-dir`): the SQLite database, the operator phones'
    /// registrations.
    pub data_dir: PathBuf,
}

/// Reads, overrides and checks the configuration file.
pub fn load(path: &Path, data_dir: &Path) -> anyhow::Result<Settings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let base_dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    parse(&text, data_dir, &base_dir, env).map_err(|problems| {
        anyhow::anyhow!(
            "{} has {} problem(s):\n  {}",
            path.display(),
            problems.len(),
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n  ")
        )
    })
}

/// Parses and checks configuration text; `env` looks up overrides.
pub fn parse(
    text: &str,
    data_dir: &Path,
    base_dir: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Settings, Vec<ConfigProblem>> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        vec![ConfigProblem {
            key: "(file)".into(),
            problem: e.to_string().trim().replace('\n', " "),
        }]
    })?;
    let mut problems = Vec::new();
    let office = build_office(RawTicketing {
        office: &raw.office,
        queue: &raw.queue,
        lines: &raw.lines,
        counters: &raw.counters,
        staff: &raw.staff,
        agenda: &raw.agenda,
    })
    .and_then(|office| {
        ticketing::settings::build_phone_queue(office, &raw.phone_queue, &raw.operators)
    });
    let database_url = env("SPORTELLO_DATABASE_URL")
        .or(raw.storage.url.clone())
        .unwrap_or_else(|| format!("sqlite://{}/sportello.db?mode=rwc", data_dir.display()));
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres://")
        || database_url.starts_with("postgresql://"))
    {
        problems.push(problem(
            "storage.url",
            "use sqlite://path or postgres://user@host/db",
        ));
    }
    let sqlite_sync = match raw.storage.sqlite_synchronous.as_deref() {
        None | Some("normal") => SqliteSync::Normal,
        Some("full") => SqliteSync::Full,
        Some(other) => {
            problems.push(problem(
                "storage.sqlite_synchronous",
                &format!("'{other}' is not one of normal, full"),
            ));
            SqliteSync::Normal
        }
    };
    let listen_text = env("SPORTELLO_HTTP_LISTEN")
        .or(raw.http.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let http_listen = listen_text.parse().unwrap_or_else(|_| {
        problems.push(problem(
            "http.listen",
            &format!("'{listen_text}' is not an address like 127.0.0.1:8080"),
        ));
        SocketAddr::from(([127, 0, 0, 1], 8080))
    });
    let session_hours = raw.http.session_hours.unwrap_or(12);
    if !(1..=24 * 30).contains(&session_hours) {
        problems.push(problem("http.session_hours", "must be between 1 and 720"));
    }
    let printer = raw.printer.as_ref().and_then(|p| {
        let width = match p.paper_mm {
            58 => PaperWidth::Mm58,
            80 => PaperWidth::Mm80,
            other => {
                problems.push(problem(
                    "printer.paper_mm",
                    &format!("{other} is not 58 or 80"),
                ));
                return None;
            }
        };
        match p.address.parse::<SocketAddr>() {
            Ok(addr) => Some(EscPosPrinter {
                addr,
                width,
                timeout: Duration::from_secs(3),
            }),
            Err(_) => {
                problems.push(problem(
                    "printer.address",
                    &format!("'{}' is not an address like 192.168.1.50:9100", p.address),
                ));
                None
            }
        }
    });
    let log_format = match env("SPORTELLO_LOG_FORMAT")
        .or(raw.log.format.clone())
        .as_deref()
    {
        None | Some("human") => LogFormat::Human,
        Some("json") => LogFormat::Json,
        Some(other) => {
            problems.push(problem(
                "log.format",
                &format!("'{other}' is not one of human, json"),
            ));
            LogFormat::Human
        }
    };
    let retention_days = raw.privacy.retention_days.unwrap_or(90);
    if !(1..=3650).contains(&retention_days) {
        problems.push(problem(
            "privacy.retention_days",
            "must be between 1 and 3650",
        ));
    }
    let simulated_start = env("SPORTELLO_SIMULATED_START").and_then(|text| {
        let parsed = text
            .parse::<jiff::Zoned>()
            .map(|z| z.timestamp())
            .or_else(|_| text.parse::<jiff::Timestamp>());
        match parsed {
            Ok(t) => Some(t),
            Err(_) => {
                problems.push(problem(
                    "SPORTELLO_SIMULATED_START",
                    &format!(
                        "'{text}' is not an instant like 2026-11-23T09:00:00+01:00[Europe/Rome]"
                    ),
                ));
                None
            }
        }
    });
    let speech = raw
        .speech
        .and_then(|speech| speech.check(base_dir, &mut problems));
    let office = match office {
        Ok(o) => Some(o),
        Err(mut p) => {
            problems.append(&mut p);
            None
        }
    };
    match office {
        Some(office) if problems.is_empty() => Ok(Settings {
            office,
            database_url,
            sqlite_sync,
            http_listen,
            session_ttl: SignedDuration::from_hours(session_hours),
            printer,
            log_format,
            log_level: raw.log.level.unwrap_or_else(|| "info".to_string()),
            retention: SignedDuration::from_hours(24 * retention_days),
            knowledge_base: KnowledgeBaseSettings {
                content_dir: base_dir.join(&raw.knowledge_base.content_dir),
                catalogue: base_dir.join(&raw.knowledge_base.catalogue),
                ..raw.knowledge_base
            },
            sip: raw.sip,
            speech,
            simulated_start,
            base_dir: base_dir.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
        }),
        _ => Err(problems),
    }
}

fn problem(key: &str, text: &str) -> ConfigProblem {
    ConfigProblem {
        key: key.to_string(),
        problem: text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../sportello.toml");

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_sample_configuration_is_valid() {
        let s = parse(SAMPLE, Path::new("data"), Path::new("."), no_env).unwrap();
        assert_eq!(s.office.name, "Comune di Esempio");
        assert!(s.database_url.starts_with("sqlite://data/"));
        assert!(s.office.lines.iter().any(|l| l.fast_lane));
    }

    #[test]
    fn environment_overrides_the_file() {
        let env = |k: &str| match k {
            "SPORTELLO_DATABASE_URL" => Some("postgres://postgres@127.0.0.1/test".to_string()),
            "SPORTELLO_HTTP_LISTEN" => Some("127.0.0.1:0".to_string()),
            _ => None,
        };
        let s = parse(SAMPLE, Path::new("data"), Path::new("."), env).unwrap();
        assert_eq!(s.database_url, "postgres://postgres@127.0.0.1/test");
        assert_eq!(s.http_listen.port(), 0);
    }

    #[test]
    fn problems_name_their_key() {
        let broken = SAMPLE
            .replacen("prefix = \"T\"", "prefix = \"tt\"", 1)
            .replacen("listen = \"127.0.0.1:8080\"", "listen = \"nowhere\"", 1)
            .replacen(
                "monday = [\"08:30-12:30\"]",
                "monday = [\"12:30-08:30\"]",
                1,
            );
        let problems = parse(&broken, Path::new("data"), Path::new("."), no_env).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|p| p.starts_with("lines[1].prefix:")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|p| p.starts_with("http.listen:")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|p| p.starts_with("office.hours.monday[0]:")),
            "{text:?}"
        );
    }

    #[test]
    fn unknown_keys_and_syntax_errors_are_reported() {
        let unknown = SAMPLE.replacen("[office]", "[office]\ncolour = \"blue\"", 1);
        let problems = parse(&unknown, Path::new("data"), Path::new("."), no_env).unwrap_err();
        assert!(problems[0].problem.contains("colour"), "{problems:?}");
        let problems = parse("[office", Path::new("data"), Path::new("."), no_env).unwrap_err();
        assert_eq!(problems[0].key, "(file)");
    }
}
