//! The dialog with the real services: the ticketing core on a fresh SQLite file built from
//! `sportello.toml`, the knowledge base loaded from `knowledge-base/content` with the facts of
//! `sportello.toml`, the fake voice and a scripted caller in virtual time. Every branch of
//! the phone dialog: tickets, bookings (cancel, move, slot taken, escalation, hang-up),
//! information (keypad and questions), operator callbacks, the failure ladder.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use ivr::testing::{FakeCaller, FakeVoice, fake_call};
use ivr::{CallInfo, CallOutcome, DialogContext, Question, run_call_with, run_question};
use jiff::civil::{DateTime, datetime};
use knowledge_base::{ContentSource, KnowledgeBaseHandle};
use serde::Deserialize;
use ticketing::settings::{
    RawAgenda, RawCounter, RawLine, RawOffice, RawQueue, RawStaff, RawTicketing, build_office,
};
use ticketing::store::{SqliteSync, Store};
use ticketing::{ManualClock, Ticketing};
use tokio::task::JoinHandle;

mod booking;
mod information;
mod operator;
mod recognition;
mod ticket;

pub(crate) const MENU: &str = "Per informazioni prema 1. Per un biglietto per lo sportello prema 2. \
                    Per gli appuntamenti prema 3. Per parlare con un operatore prema 0.";
pub(crate) const HINT: &str = "Prema 1 per informazioni, 2 per un biglietto, 3 per gli appuntamenti, \
                    oppure 0 per parlare con un operatore.";
pub(crate) const THANKS: &str = "La ringraziamo per aver chiamato. Arrivederci.";

/// Monday 23 November 2026, 10:00 in Rome: the office is open.
pub(crate) const MONDAY_10: DateTime = datetime(2026, 11, 23, 10, 0, 0, 0);
pub(crate) const WELCOME_OPEN: &str =
    "Comune di Esempio, buongiorno. L'ufficio è aperto fino alle 12:30.";

/// A caller whose number the network gave.
pub(crate) const CALLER: &str = "+39 333 1234567";

#[derive(Deserialize)]
struct SampleConfig {
    office: RawOffice,
    queue: RawQueue,
    lines: Vec<RawLine>,
    counters: Vec<RawCounter>,
    staff: Vec<RawStaff>,
    agenda: RawAgenda,
    knowledge_base: KnowledgeBaseSection,
}

#[derive(Deserialize)]
struct KnowledgeBaseSection {
    facts: BTreeMap<String, String>,
}

fn workspace() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn sample() -> SampleConfig {
    let text = std::fs::read_to_string(workspace().join("sportello.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// The runtime the database works on, in real time: the dialogs run in virtual time
/// (`start_paused`), where the pool's acquire timeout would fire at once while a query waits
/// for SQLite's worker thread.
fn database_runtime() -> tokio::runtime::Handle {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap()
        })
        .handle()
        .clone()
}

/// The knowledge base of the repository, loaded once for the whole suite.
pub(crate) fn knowledge() -> KnowledgeBaseHandle {
    static HANDLE: OnceLock<KnowledgeBaseHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let sample = sample();
            let office = build_ticketing_office(&sample, "kb");
            let mut facts = office_facts(&office);
            facts.extend(sample.knowledge_base.facts);
            let source = ContentSource {
                content_dir: workspace().join("knowledge-base/content"),
                catalogue: workspace().join("knowledge-base/catalogue.tsv"),
                facts,
            };
            KnowledgeBaseHandle::load(source).unwrap()
        })
        .clone()
}

/// The eight facts the binary derives from the office configuration.
fn office_facts(office: &ticketing::settings::Office) -> BTreeMap<String, String> {
    let c = &office.contacts;
    [
        ("comune", office.name.clone()),
        ("indirizzo", c.address.clone()),
        ("telefono", c.phone.clone()),
        ("email", c.email.clone()),
        ("pec", c.pec.clone()),
        ("sito", c.website.clone()),
        (
            "orari_sportello",
            ticketing::italian::weekly_hours(office.calendar.weekly()),
        ),
        (
            "orari_consultazioni",
            ticketing::italian::weekly_hours(&office.agenda.hours),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn build_ticketing_office(sample: &SampleConfig, id: &str) -> ticketing::settings::Office {
    let mut raw = sample.office.clone();
    raw.id = id.to_string();
    build_office(RawTicketing {
        office: &raw,
        queue: &sample.queue,
        lines: &sample.lines,
        counters: &sample.counters,
        staff: &sample.staff,
        agenda: &sample.agenda,
    })
    .unwrap()
}

/// The sample office at office-local time `local`, on a fresh SQLite file.
pub(crate) struct Office {
    pub ticketing: Ticketing,
    pub ctx: DialogContext,
}

pub(crate) async fn office_at(local: DateTime) -> Office {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let id = format!("ivr{n}");
    let office = build_ticketing_office(&sample(), &id);
    let dir = std::env::temp_dir().join(format!("sportello-ivr-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.display());
    let clock = ManualClock::new(office.calendar.instant(local));
    let calendar = Arc::new(office.calendar.clone());
    // Connecting is not a `Send` future: run it to completion on a thread of its own.
    let ticketing = {
        let clock = clock.clone();
        std::thread::spawn(move || {
            database_runtime().block_on(async move {
                let store = Store::connect(&url, SqliteSync::Normal).await.unwrap();
                Ticketing::new(office, store, Arc::new(clock))
                    .await
                    .unwrap()
            })
        })
        .join()
        .unwrap()
    };
    let ctx = DialogContext::new(
        "Comune di Esempio",
        calendar,
        Arc::new(clock.clone()),
        Arc::new(FakeVoice::new()),
    )
    .with_services(ticketing.clone(), knowledge())
    .with_services_runtime(database_runtime());
    Office { ticketing, ctx }
}

impl Office {
    /// A call from `caller` (`None`: anonymous).
    pub(crate) fn call(&self, caller: Option<&str>) -> (JoinHandle<CallOutcome>, FakeCaller) {
        let (mut channel, fake) = fake_call();
        let ctx = self.ctx.clone();
        let info = CallInfo::new("test-call", caller);
        let dialog = tokio::spawn(async move { run_call_with(&mut channel, &ctx, &info).await });
        (dialog, fake)
    }

    /// A call that starts with a written question.
    pub(crate) fn question(&self, text: &str) -> (JoinHandle<CallOutcome>, FakeCaller) {
        let (mut channel, fake) = fake_call();
        let ctx = self.ctx.clone();
        let info = CallInfo::new("test-call", Some(CALLER));
        let question = Question::written(text);
        let dialog =
            tokio::spawn(async move { run_question(&mut channel, &ctx, &info, question).await });
        (dialog, fake)
    }

    /// Runs `call` on the ticketing core in real time (setup and checks of a test); virtual
    /// time stands still meanwhile.
    pub(crate) async fn db<T, F, Fut>(&self, call: F) -> T
    where
        F: FnOnce(Ticketing) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let task = database_runtime().spawn(call(self.ticketing.clone()));
        // Keep this runtime busy meanwhile, so that virtual time does not jump ahead (and the
        // dialog with it) while the test waits for the database.
        let hold_time = async {
            loop {
                tokio::task::yield_now().await;
            }
        };
        tokio::select! {
            result = task => result.unwrap(),
            () = hold_time => unreachable!(),
        }
    }
}

/// Hangs up and checks the dialog saw it.
pub(crate) async fn hang_up(dialog: JoinHandle<CallOutcome>, caller: FakeCaller) {
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
}
