//! Key 0 with the operator queue: the sample office with its two operator positions, on a
//! fresh SQLite file, a scripted caller and scripted operators' phones in virtual time.
//! Answered, ring timeout then the next operator, a callback that keeps the place, the long
//! wait offer, outside operator hours, abandon, and two operators serving five callers in
//! order.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ivr::testing::{Event, FakeCaller, FakeVoice, fake_call};
use ivr::{CallInfo, CallOutcome, DialogContext, Party, run_call_with};
use jiff::civil::{DateTime, datetime};
use jiff::{SignedDuration, Timestamp};
use knowledge_base::{ContentSource, KnowledgeBaseHandle};
use serde::Deserialize;
use ticketing::Ticketing;
use ticketing::clock::Clock;
use ticketing::events::TicketEvent;
use ticketing::operators::{CallContext, OperatorEvent, OperatorState};
use ticketing::queue::TicketStatus;
use ticketing::settings::{
    RawAgenda, RawCounter, RawLine, RawOffice, RawOperator, RawPhoneQueue, RawQueue, RawStaff,
    RawTicketing, build_office, build_phone_queue,
};
use ticketing::store::{PhoneCallRecord, SqliteSync, Store};
use tokio::task::JoinHandle;

const MENU: &str = "Per informazioni prema 1. Per un biglietto per lo sportello prema 2. \
                    Per gli appuntamenti prema 3. Per parlare con un operatore prema 0.";
const WELCOME_OPEN: &str = "Comune di Esempio, buongiorno. L'ufficio è aperto fino alle 12:30.";
const MONDAY_10: DateTime = datetime(2026, 11, 23, 10, 0, 0, 0);
const CALLER: &str = "+39 333 1234567";
const ENTRY: &str = "Attenda in linea: La metto in contatto con il primo operatore libero.";
const PRESS_1: &str = "Per essere richiamato senza perdere il Suo turno prema 1.";
const CONNECTING: &str = "La metto in comunicazione con un operatore.";
const NOT_ANSWERED: &str = "L'operatore non ha risposto. Resti in linea: mantiene il Suo posto.";
const TONE: &str = "(tono di attesa)";
const THANKS: &str = "La ringraziamo per aver chiamato. Arrivederci.";
const OP1: &str = "operatore-1";
const OP2: &str = "operatore-2";

#[derive(Deserialize)]
struct SampleConfig {
    office: RawOffice,
    queue: RawQueue,
    lines: Vec<RawLine>,
    counters: Vec<RawCounter>,
    staff: Vec<RawStaff>,
    agenda: RawAgenda,
    phone_queue: RawPhoneQueue,
    operators: Vec<RawOperator>,
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

fn build(sample: &SampleConfig, id: &str) -> ticketing::settings::Office {
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
    .and_then(|office| build_phone_queue(office, &sample.phone_queue, &sample.operators))
    .unwrap()
}

/// The database works in real time on its own runtime (see `ivr/tests/services/main.rs`).
fn database_runtime() -> tokio::runtime::Handle {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        })
        .handle()
        .clone()
}

fn knowledge() -> KnowledgeBaseHandle {
    static HANDLE: OnceLock<KnowledgeBaseHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let sample = sample();
            let office = build(&sample, "kb");
            let c = &office.contacts;
            let mut facts: BTreeMap<String, String> = [
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
            .collect();
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

/// The office clock follows the test's virtual time: the queue's waits, ring times and
/// wrap-ups are measured on the same clock the dialog's prompts play on.
struct VirtualClock {
    runtime: tokio::runtime::Handle,
    start: tokio::time::Instant,
    at_start: Timestamp,
}

impl Clock for VirtualClock {
    fn now(&self) -> Timestamp {
        let _virtual = self.runtime.enter();
        let elapsed = tokio::time::Instant::now() - self.start;
        self.at_start
            .checked_add(SignedDuration::try_from(elapsed).unwrap())
            .unwrap()
    }
}

struct Office {
    ticketing: Ticketing,
    ctx: DialogContext,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// The sample office at local time `local` (virtual time starts there).
async fn office_at(local: DateTime) -> Office {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let office = build(&sample(), &format!("op{n}"));
    let dir = std::env::temp_dir().join(format!("sportello-ivr-op-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.display());
    let clock: Arc<dyn Clock> = Arc::new(VirtualClock {
        runtime: tokio::runtime::Handle::current(),
        start: tokio::time::Instant::now(),
        at_start: office.calendar.instant(local),
    });
    let calendar = Arc::new(office.calendar.clone());
    let ticketing = {
        let clock = clock.clone();
        std::thread::spawn(move || {
            database_runtime().block_on(async move {
                let store = Store::connect(&url, SqliteSync::Normal).await.unwrap();
                Ticketing::new(office, store, clock).await.unwrap()
            })
        })
        .join()
        .unwrap()
    };
    let ctx = DialogContext::new(
        "Comune di Esempio",
        calendar,
        clock,
        Arc::new(FakeVoice::new()),
    )
    .with_services(ticketing.clone(), knowledge())
    .with_services_runtime(database_runtime());
    // As in the product, where the gateway runs the callback dialler.
    ticketing.set_callbacks_dialled();
    Office { ticketing, ctx }
}

impl Office {
    fn call(&self, caller: Option<&str>, id: &str) -> (JoinHandle<CallOutcome>, FakeCaller) {
        let (mut channel, fake) = fake_call();
        let ctx = self.ctx.clone();
        let info = CallInfo::new(id, caller);
        let dialog = tokio::spawn(async move { run_call_with(&mut channel, &ctx, &info).await });
        (dialog, fake)
    }

    /// Runs `call` on the ticketing core in real time; virtual time stands still meanwhile.
    async fn db<T, F, Fut>(&self, call: F) -> T
    where
        F: FnOnce(Ticketing) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let task = database_runtime().spawn(call(self.ticketing.clone()));
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

    async fn log_in(&self, station: &'static str) {
        let staff = if station == OP1 {
            "laura.neri"
        } else {
            "paolo.galli"
        };
        self.db(move |t| async move {
            t.operator_action(station, staff, OperatorEvent::LogIn, None)
                .await
                .unwrap()
        })
        .await;
    }

    /// Another caller, already at an operator (keeps `station` ringing).
    async fn keep_busy(&self) -> i64 {
        self.db(|t| async move {
            t.join_phone_queue(None, "other", None, CallContext::default())
                .await
                .unwrap()
                .ticket_id
        })
        .await
    }

    async fn calls(&self) -> Vec<PhoneCallRecord> {
        self.db(|t| async move {
            let from = t.now().checked_sub(SignedDuration::from_hours(2)).unwrap();
            let to = t.now().checked_add(SignedDuration::from_hours(2)).unwrap();
            t.store()
                .phone_calls_between(&t.office().id, from, to)
                .await
                .unwrap()
        })
        .await
    }

    async fn dialog_outcomes(&self) -> Vec<ticketing::operators::DialogOutcome> {
        self.db(|t| async move {
            let from = t.now().checked_sub(SignedDuration::from_hours(2)).unwrap();
            let to = t.now().checked_add(SignedDuration::from_hours(2)).unwrap();
            t.store()
                .dialog_outcomes_between(&t.office().id, from, to)
                .await
                .unwrap()
                .into_iter()
                .map(|(_, outcome)| outcome)
                .collect()
        })
        .await
    }

    async fn state(&self, station: &'static str) -> OperatorState {
        self.db(move |t| async move { t.operator(station).await.unwrap().state })
            .await
    }
}

/// The caller presses 0 after the welcome and the menu.
async fn press_0(caller: &mut FakeCaller) {
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("0");
}

/// Skips prompts (announcements, tones) until `expected`; panics when the call ends first.
async fn until_heard(caller: &mut FakeCaller, expected: &str) {
    loop {
        match caller.next_prompt().await {
            Some((label, _)) if label == expected => return,
            Some(_) => {}
            None => panic!(
                "the call ended before {expected:?}\n{}",
                caller.transcript().join("\n")
            ),
        }
    }
}

fn rung(caller: &FakeCaller) -> Vec<String> {
    caller
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::OperatorRings { sip_user, .. } => Some(sip_user),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn an_operator_answers_and_sees_the_context() {
    let office = office_at(MONDAY_10).await;
    office.log_in(OP1).await;
    let (dialog, mut caller) = office.call(Some(CALLER), "answered");
    caller.operator_answers(
        Duration::from_secs(5),
        Duration::from_secs(90),
        Party::Operator,
    );
    press_0(&mut caller).await;
    caller.hears(CONNECTING).await;
    assert_eq!(
        dialog.await.unwrap(),
        CallOutcome::TalkedToOperator {
            ended_by: Party::Operator
        }
    );
    assert_eq!(rung(&caller), ["operatore1"]);
    let calls = office.calls().await;
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.ticket.status, TicketStatus::Done);
    assert_eq!(call.answered_by.as_deref(), Some(OP1));
    assert_eq!(call.call_id, "answered");
    assert_eq!(call.context.masked_number, "***567");
    assert!(
        call.context
            .transcript
            .iter()
            .any(|l| l == &format!("Sportello: {MENU}")),
        "{:?}",
        call.context.transcript
    );
    assert_eq!(
        call.context.transcript.last().unwrap(),
        "Cittadino: preme 0"
    );
    let talk = call
        .ended_at
        .unwrap()
        .duration_since(call.answered_at.unwrap());
    assert_eq!(talk.as_secs(), 90);
    assert_eq!(office.state(OP1).await, OperatorState::WrapUp);
    assert_eq!(
        office.dialog_outcomes().await,
        [ticketing::operators::DialogOutcome::Escalated]
    );
}

#[tokio::test(start_paused = true)]
async fn the_operator_is_busy_while_talking() {
    let office = office_at(MONDAY_10).await;
    office.log_in(OP1).await;
    let mut events = office.ticketing.subscribe();
    let (dialog, mut caller) = office.call(Some(CALLER), "talking");
    caller.operator_answers(
        Duration::from_secs(5),
        Duration::from_secs(300),
        Party::Caller,
    );
    press_0(&mut caller).await;
    let connecting = caller.hears(CONNECTING).await;
    // Two minutes into the conversation (answered 5 s after the ring began).
    tokio::time::sleep(Duration::from_secs(120)).await;
    let (view, call) = office
        .db(move |t| async move {
            // The dialog recorded the answer when it came (wait for it in real time, while
            // virtual time stands still).
            let answered = async {
                loop {
                    match events.recv().await.unwrap() {
                        TicketEvent::OperatorChanged { station_id, state }
                            if station_id == OP1 && state == OperatorState::Busy =>
                        {
                            return;
                        }
                        _ => {}
                    }
                }
            };
            tokio::time::timeout(Duration::from_secs(10), answered)
                .await
                .expect("the answer is reported while the operator talks");
            let view = t.operator(OP1).await.unwrap();
            let ticket = view.call.as_ref().unwrap().ticket_id;
            let call = t
                .store()
                .phone_call(&t.office().id, ticket)
                .await
                .unwrap()
                .unwrap();
            (view, call)
        })
        .await;
    assert_eq!(view.state, OperatorState::Busy);
    assert_eq!(view.state_text, "in conversazione");
    assert_eq!(call.ticket.status, TicketStatus::InService);
    assert_eq!(call.ended_at, None);
    let answered_at = call.answered_at.expect("answered while talking");
    assert_eq!(
        office.state(OP1).await,
        OperatorState::Busy,
        "still talking"
    );
    assert_eq!(
        dialog.await.unwrap(),
        CallOutcome::TalkedToOperator {
            ended_by: Party::Caller
        }
    );
    // The end: wrap-up, the talk measured from the answer.
    let ended = office.calls().await.pop().unwrap();
    assert_eq!(ended.ticket.status, TicketStatus::Done);
    assert_eq!(ended.answered_at, Some(answered_at));
    assert_eq!(
        ended
            .ended_at
            .unwrap()
            .duration_since(answered_at)
            .as_secs(),
        300
    );
    assert_eq!(office.state(OP1).await, OperatorState::WrapUp);
    // The answer came 5 s after the ring began, right after "La metto in comunicazione".
    let offered_to_answer = answered_at.duration_since(ended.offered_at);
    let ring_began = connecting.end().as_secs_f64();
    assert!(
        offered_to_answer.as_secs_f64() <= ring_began + 5.5,
        "{offered_to_answer:?} vs {ring_began}"
    );
}

#[tokio::test(start_paused = true)]
async fn ring_timeout_then_the_next_operator() {
    let office = office_at(MONDAY_10).await;
    office.log_in(OP1).await;
    office.log_in(OP2).await;
    let (dialog, mut caller) = office.call(Some(CALLER), "next");
    caller.operator_does_not_answer();
    caller.operator_answers(
        Duration::from_secs(3),
        Duration::from_secs(40),
        Party::Caller,
    );
    press_0(&mut caller).await;
    caller.hears(CONNECTING).await;
    let not_answered = caller.hears(NOT_ANSWERED).await;
    caller.hears(CONNECTING).await;
    assert_eq!(
        dialog.await.unwrap(),
        CallOutcome::TalkedToOperator {
            ended_by: Party::Caller
        }
    );
    // Operatore 1 (idle the longest) rang for the 20 s ring timeout, then operatore 2.
    assert_eq!(rung(&caller), ["operatore1", "operatore2"]);
    assert!(not_answered.at >= Duration::from_secs(20));
    let calls = office.calls().await;
    assert_eq!(calls[0].answered_by.as_deref(), Some(OP2));
    assert_eq!(calls[0].ring_attempts, 2);
    assert_eq!(office.state(OP1).await, OperatorState::Ready);
}

#[tokio::test(start_paused = true)]
async fn a_callback_keeps_the_place() {
    let office = office_at(MONDAY_10).await;
    office.log_in(OP1).await;
    office.keep_busy().await;
    let (dialog, mut caller) = office.call(Some(CALLER), "callback");
    press_0(&mut caller).await;
    caller
        .hears(&format!(
            "{ENTRY} Prima di Lei non c'è nessuno. L'attesa stimata è di circa 5 minuti. \
             {PRESS_1}"
        ))
        .await;
    caller.hears(TONE).await;
    caller.press("1");
    caller
        .hears(
            "Va bene. La richiameremo al numero 333 123 4567 senza farLe perdere il turno: \
             quando toccherà a Lei, un operatore La chiamerà.",
        )
        .await;
    caller.hears(THANKS).await;
    caller.is_hung_up_on().await;
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallbackInQueue);
    // The next caller comes after the callback.
    let behind = office
        .db(|t| async move {
            t.join_phone_queue(None, "behind", None, CallContext::default())
                .await
                .unwrap()
        })
        .await;
    match behind.position {
        ticketing::operators::QueuePosition::Waiting { ahead, .. } => assert_eq!(ahead, 1),
        other => panic!("{other:?}"),
    }
    let calls = office.calls().await;
    let callback = calls.iter().find(|c| c.call_id == "callback").unwrap();
    assert!(callback.callback);
    assert_eq!(callback.contact, "+393331234567");
    assert_eq!(callback.ticket.status, TicketStatus::Waiting);
}

#[tokio::test(start_paused = true)]
async fn a_long_wait_is_offered_a_booking() {
    let office = office_at(MONDAY_10).await;
    office.log_in(OP1).await;
    office.keep_busy().await;
    let (dialog, mut caller) = office.call(Some(CALLER), "long");
    press_0(&mut caller).await;
    until_heard(
        &mut caller,
        "L'attesa si sta prolungando. Per essere richiamato senza perdere il Suo turno \
         prema 1. Per prenotare un appuntamento prema 2. Per continuare ad attendere prema 3.",
    )
    .await;
    // Position and wait were said again about every minute meanwhile.
    let announcements = caller
        .transcript()
        .iter()
        .filter(|l| l.ends_with(PRESS_1))
        .count();
    assert!((9..=11).contains(&announcements), "{announcements}");
    assert!(caller.elapsed() >= Duration::from_secs(600));
    caller.press("2");
    let (next, _) = caller.next_prompt().await.unwrap();
    assert!(
        next.starts_with("Per quale servizio desidera la consulenza?"),
        "{next}"
    );
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
    let calls = office.calls().await;
    let left = calls.iter().find(|c| c.call_id == "long").unwrap();
    assert_eq!(left.ticket.status, TicketStatus::Cancelled);
}

#[tokio::test(start_paused = true)]
async fn outside_operator_hours_a_callback_request() {
    // Monday 12:40: the operators answered until 12:30.
    let office = office_at(datetime(2026, 11, 23, 12, 40, 0, 0)).await;
    let (dialog, mut caller) = office.call(Some(CALLER), "late");
    caller.next_prompt().await.unwrap();
    caller.hears(MENU).await;
    caller.press("0");
    caller
        .hears(
            "In questo momento non è possibile parlare con un operatore. Gli operatori \
             rispondono domani alle 8:30.",
        )
        .await;
    caller
        .hears(
            "Per essere richiamato da un operatore prema 1. Per prenotare un appuntamento \
             prema 2. Per tornare al menu principale prema asterisco.",
        )
        .await;
    caller.press("1");
    caller
        .hears(
            "Ho registrato la Sua richiesta: un operatore La richiamerà al numero 333 123 4567 \
             appena possibile, negli orari di apertura dell'ufficio.",
        )
        .await;
    caller.hears(MENU).await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
    let requests = office
        .db(|t| async move { t.store().callbacks(&t.office().id, true).await.unwrap() })
        .await;
    assert_eq!(requests.len(), 1);
    assert!(office.calls().await.is_empty(), "nobody joined the queue");
    assert_eq!(
        office.dialog_outcomes().await,
        [ticketing::operators::DialogOutcome::CallbackRequested]
    );
}

#[tokio::test(start_paused = true)]
async fn hanging_up_while_waiting_is_an_abandon() {
    let office = office_at(MONDAY_10).await;
    office.log_in(OP1).await;
    office.keep_busy().await;
    let (dialog, mut caller) = office.call(Some(CALLER), "abandon");
    press_0(&mut caller).await;
    caller.next_prompt().await.unwrap();
    caller.hears(TONE).await;
    caller.hears(TONE).await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
    let calls = office.calls().await;
    let gone = calls.iter().find(|c| c.call_id == "abandon").unwrap();
    assert_eq!(gone.ticket.status, TicketStatus::Cancelled);
    let waited = gone
        .abandoned_at
        .unwrap()
        .duration_since(gone.offered_at)
        .as_secs();
    assert!((8..=30).contains(&waited), "waited {waited} s");
}

#[tokio::test(start_paused = true)]
async fn two_operators_five_callers_served_in_order() {
    let office = office_at(MONDAY_10).await;
    office.log_in(OP1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    office.log_in(OP2).await;
    let mut dialogs = Vec::new();
    for n in 0..5u64 {
        let (dialog, mut caller) = office.call(Some(CALLER), &format!("caller-{n}"));
        // Short talks: while one dialog's query runs on the database runtime, virtual time
        // may jump to another dialog's next timer; talks well under the queue's heartbeat
        // timeout keep that harmless.
        caller.operator_answers(
            Duration::from_secs(2),
            Duration::from_secs(20),
            Party::Caller,
        );
        let script = tokio::spawn(async move {
            caller.hears(WELCOME_OPEN).await;
            caller.hears(MENU).await;
            tokio::time::sleep(Duration::from_secs(n * 2)).await;
            caller.press("0");
            caller
        });
        dialogs.push((dialog, script));
    }
    for (dialog, script) in dialogs {
        let caller = script.await.unwrap();
        assert!(
            matches!(dialog.await.unwrap(), CallOutcome::TalkedToOperator { .. }),
            "{}",
            caller.transcript().join("\n")
        );
    }
    // In the order they joined the queue (the dialogs' queries race in real time, so
    // that order is read back, not assumed), each caller went to the operator idle the
    // longest: the operators alternate.
    let mut calls = office.calls().await;
    calls.sort_by_key(|c| (c.offered_at, c.ticket.id));
    let stations: Vec<Option<&str>> = calls.iter().map(|c| c.answered_by.as_deref()).collect();
    assert_eq!(
        stations,
        [Some(OP1), Some(OP2), Some(OP1), Some(OP2), Some(OP1)]
    );
    let answered: Vec<_> = calls.iter().map(|c| c.answered_at.unwrap()).collect();
    assert!(answered.windows(2).all(|w| w[0] <= w[1]), "served in order");
}
