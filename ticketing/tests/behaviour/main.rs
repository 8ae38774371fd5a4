//! Behaviour of the ticketing core on both databases: every scenario runs on SQLite (a fresh
//! file) and on PostgreSQL (`SPORTELLO_TEST_POSTGRES_URL`, default the local test server).
//! PostgreSQL scenarios skip with a printed reason when the server is unreachable, except when
//! `CI=true`, where they fail.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use jiff::Timestamp;
use jiff::civil::{DateTime, datetime};
use serde::Deserialize;
use ticketing::settings::{
    RawAgenda, RawCounter, RawLine, RawOffice, RawOperator, RawPhoneQueue, RawQueue, RawStaff,
    RawTicketing, build_office, build_phone_queue,
};
use ticketing::store::{SqliteSync, Store};
use ticketing::{ManualClock, Ticketing};

#[derive(Deserialize)]
struct SampleConfig {
    office: RawOffice,
    queue: RawQueue,
    lines: Vec<RawLine>,
    counters: Vec<RawCounter>,
    staff: Vec<RawStaff>,
    agenda: RawAgenda,
    #[serde(default)]
    phone_queue: RawPhoneQueue,
    #[serde(default)]
    operators: Vec<RawOperator>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

pub(crate) fn unique(name: &str) -> String {
    format!(
        "{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub(crate) fn rome(local: DateTime) -> Timestamp {
    local
        .to_zoned(jiff::tz::TimeZone::get("Europe/Rome").unwrap())
        .unwrap()
        .timestamp()
}

/// Monday 23 November 2026, 9:00 in Rome: the office is open.
pub(crate) fn monday_morning() -> Timestamp {
    rome(datetime(2026, 11, 23, 9, 0, 0, 0))
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Db {
    Sqlite,
    Postgres,
}

pub(crate) async fn store(db: Db) -> Option<Store> {
    match db {
        Db::Sqlite => {
            let dir = std::env::temp_dir().join(unique("sportello-test"));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}/t.db?mode=rwc", dir.display());
            Some(Store::connect(&url, SqliteSync::Normal).await.unwrap())
        }
        Db::Postgres => {
            let url = std::env::var("SPORTELLO_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
            match Store::connect(&url, SqliteSync::Normal).await {
                Ok(s) => Some(s),
                Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                    eprintln!("skipping PostgreSQL scenario: {url} unreachable ({e})");
                    None
                }
                Err(e) => panic!("PostgreSQL required in CI: {url}: {e}"),
            }
        }
    }
}

/// The sample office (from sportello.toml) under a unique id, on a fresh store.
pub(crate) async fn office(db: Db, start: Timestamp) -> Option<(Ticketing, ManualClock)> {
    office_with_id(db, start, &unique("office")).await
}

/// The sample office (without its phone queue) as configured, for configuration checks.
pub(crate) fn sample_office(id: &str) -> ticketing::settings::Office {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../sportello.toml")).unwrap();
    let mut sample: SampleConfig = toml::from_str(&text).unwrap();
    sample.office.id = id.to_string();
    build_office(RawTicketing {
        office: &sample.office,
        queue: &sample.queue,
        lines: &sample.lines,
        counters: &sample.counters,
        staff: &sample.staff,
        agenda: &sample.agenda,
    })
    .unwrap()
}

pub(crate) async fn office_with_id(
    db: Db,
    start: Timestamp,
    id: &str,
) -> Option<(Ticketing, ManualClock)> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../sportello.toml")).unwrap();
    let mut sample: SampleConfig = toml::from_str(&text).unwrap();
    sample.office.id = id.to_string();
    let office = build_office(RawTicketing {
        office: &sample.office,
        queue: &sample.queue,
        lines: &sample.lines,
        counters: &sample.counters,
        staff: &sample.staff,
        agenda: &sample.agenda,
    })
    .and_then(|office| build_phone_queue(office, &sample.phone_queue, &sample.operators))
    .unwrap();
    let store = store(db).await?;
    let clock = ManualClock::new(start);
    let t = Ticketing::new(office, store, Arc::new(clock.clone()))
        .await
        .unwrap();
    Some((t, clock))
}

macro_rules! on_both {
    ($name:ident, $scenario:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$scenario(crate::Db::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$scenario(crate::Db::Postgres).await;
            }
        }
    };
}

mod agenda;
mod operator_calls;
mod operators;
mod operators_http;
mod queue;
