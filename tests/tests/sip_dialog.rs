//! The phone dialog end to end: a SIPp caller (Debian package `sip-tester`) presses keys on a
//! real call to the `sportello` binary (sample configuration, office clock at Monday 23
//! November 2026, 9:00), and what the dialog did is checked where the office sees it, through
//! the HTTP API: the ticket a counter calls, the appointment in the day's agenda, its
//! cancellation, and nothing left behind by a caller who hangs up before confirming.
//!
//! The callers follow the menus as they are spoken: each key is pressed when the caller has
//! heard its option (the pauses below are the measured prompt timings, with the key landing
//! well inside the menu's window: menus take a key during their prompt and for 5 s after it).
//! The tests wait on the gateway's log and poll the API with deadlines, never on sleeps.

// The keypad caller lives with the SIP helpers but only this suite uses it.
#[path = "sip_support/keypad.rs"]
mod keypad;
// The suite uses the gateway and SIPp helpers of the shared SIP support, not all of it.
#[allow(dead_code)]
mod sip_support;

use std::time::{Duration, Instant};

use keypad::{KeypadCall, KeypadScript};
use serde_json::{Value, json};
use sip_support::{Gateway, field, sipp_available};
use sportello_e2e::client;

/// The caller's number as the network gives it, and as the agenda stores it.
const CALLER: &str = "3331234567";
const CALLER_STORED: &str = "+393331234567";

const SECONDS: fn(u64) -> Duration = Duration::from_secs;
const CALL_ENDED: &str = "call ended";

/// The welcome ("Comune di Esempio, buongiorno. L'ufficio è aperto fino alle 12:30.", 5 s),
/// then the main menu (10 s) until its option `key` has been said ("... Per gli appuntamenti
/// prema 3" ends 6.5 s in), with half a second for the menu to start.
fn main_menu(key: char) -> KeypadScript {
    let heard_ms = match key {
        '1' => 2_500,
        '2' => 5_000,
        '3' => 7_000,
        _ => panic!("the main menu has no option {key}"),
    };
    KeypadScript::new()
        .listen(5_000 + heard_ms)
        .press(&key.to_string())
}

/// Main menu 3, appointments menu 1 ("Per prenotare una consulenza prema 1"), line 1
/// ("Per quale servizio desidera la consulenza? Per Anagrafe e stato civile prema 1", 6 s
/// in), first slot ("I primi appuntamenti liberi sono questi. Per oggi alle 13:30 prema 1",
/// 6 s in, said once the free slots are read).
fn up_to_the_slot() -> KeypadScript {
    main_menu('3')
        .listen(3_500)
        .press("1")
        .listen(7_000)
        .press("1")
        .listen(7_000)
        .press("1")
}

/// The HTTP API of a gateway's process.
struct Office {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Office {
    fn of(gw: &Gateway) -> Office {
        let ready: Value =
            serde_json::from_str(&std::fs::read_to_string(gw.dir.join("ready.json")).unwrap())
                .unwrap();
        Office {
            http: client(),
            base: format!("http://{}", ready["http"].as_str().unwrap()),
            token: None,
        }
    }

    /// Logs in as the demo clerk.
    async fn with_clerk_session(mut self) -> Office {
        let login: Value = self
            .http
            .post(format!("{}/api/auth/login", self.base))
            .json(&json!({ "username": "mario.rossi", "password": "sportello-demo" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        self.token = Some(login["token"].as_str().expect("a session token").into());
        self
    }

    async fn get(&self, path: &str) -> Value {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(self.token.as_deref().expect("logged in"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// The appointments of `date` (staff view: numbers unmasked).
    async fn agenda(&self, date: &str) -> Vec<Value> {
        match self.get(&format!("/api/agenda/day?date={date}")).await {
            Value::Array(list) => list,
            other => panic!("the agenda is a list: {other}"),
        }
    }

    /// Polls the agenda of `date` until `done` holds for it.
    async fn agenda_until(&self, date: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + SECONDS(10);
        loop {
            let list = self.agenda(date).await;
            if done(&list) {
                return list;
            }
            assert!(Instant::now() < deadline, "agenda of {date}: {list:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Tickets waiting on every line.
    async fn waiting(&self) -> u64 {
        let queue = self.get("/api/queue").await;
        queue
            .as_array()
            .expect("the queue is a list of lines")
            .iter()
            .map(|line| line["waiting"].as_u64().unwrap())
            .sum()
    }
}

#[tokio::test]
async fn a_ticket_taken_by_keypad_is_called_at_the_counter() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("dialog-ticket", "");
    // Main menu 2, then "Per quale servizio desidera il biglietto? Per Anagrafe e stato
    // civile prema 1."; the caller listens to the ticket (code, people ahead, wait) and hangs
    // up while the offer to repeat it plays.
    let script = main_menu('2').listen(6_000).press("1").listen(17_500);
    let call = KeypadCall::start(&gw, "ticket", CALLER, &script);
    let issued = gw.wait_log(&["ticket issued by phone"], 1, script.duration());
    let code = field(&issued[0], "ticket");
    assert_eq!(field(&issued[0], "line"), "anagrafe");
    call.finish();
    gw.wait_log(&[CALL_ENDED, "CallerHungUp"], 1, SECONDS(10));

    let office = Office::of(&gw).with_clerk_session().await;
    let ticket = office.get(&format!("/api/tickets/{code}")).await;
    assert_eq!(ticket["channel"], "phone");
    assert_eq!(ticket["status"], "waiting");
    office
        .post(
            "/api/stations/sportello-3/open",
            json!({ "lines": ["anagrafe"] }),
        )
        .await;
    let called = office
        .post("/api/stations/sportello-3/call-next", json!({}))
        .await;
    assert_eq!(
        called["code"],
        code.as_str(),
        "the counter calls the caller's ticket"
    );
    assert_eq!(called["channel"], "phone");
    assert_eq!(called["status"], "called");
    assert_eq!(office.waiting().await, 0, "exactly one ticket was issued");
}

#[tokio::test]
async fn a_slot_booked_by_keypad_is_in_the_agenda_and_cancelled_by_its_code() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("dialog-booking", "");
    let office = Office::of(&gw).with_clerk_session().await;
    let first = office.get("/api/agenda/slots?line=anagrafe&limit=1").await;
    let slot = first[0].clone();
    let day = slot["start"].as_str().unwrap()[..10].to_string();

    // "Ha scelto oggi alle 13:30, presso il Punto di incontro Anagrafe e stato civile. Per
    // confermare la prenotazione prema 1." Then the confirmation and the code said twice.
    let script = up_to_the_slot().listen(9_500).press("1").listen(16_000);
    let call = KeypadCall::start(&gw, "book", CALLER, &script);
    let booked = gw.wait_log(&["booked by phone"], 1, script.duration());
    let code = field(&booked[0], "code");
    call.finish();

    let agenda = office.agenda_until(&day, |l| !l.is_empty()).await;
    assert_eq!(agenda.len(), 1, "{agenda:?}");
    let appointment = &agenda[0];
    assert_eq!(appointment["code"], code.as_str());
    assert_eq!(appointment["start"], slot["start"], "the first free slot");
    assert_eq!(appointment["meeting_point"], slot["meeting_point"]);
    assert_eq!(appointment["line"], "anagrafe");
    assert_eq!(appointment["contact"], CALLER_STORED);
    assert_eq!(appointment["channel"], "phone");
    assert_eq!(appointment["status"], "booked");

    // The sentence before "Per disdirla prema 1" below takes no key: the caller presses 1
    // after it, by the clock. While the gateway synthesises its menus after start-up (a
    // minute for a debug build on a busy CI machine) its media loop may fall behind real
    // time and stretch that sentence: place the second call once that is over.
    gw.wait_log(&["speech ready"], 1, SECONDS(180));
    // A second call cancels it: main menu 3, "Per disdire una prenotazione prema 2", the
    // code keyed in during "Digiti il codice della prenotazione, 8 cifre.", then "La
    // prenotazione ... è per oggi alle 13:30, presso il Punto di incontro Anagrafe e stato
    // civile." (no key is taken while it plays) and "Per disdirla prema 1."
    let script = main_menu('3')
        .listen(6_000)
        .press("2")
        .listen(3_000)
        .press(&code)
        .listen(14_500)
        .press("1")
        .listen(5_000);
    let call = KeypadCall::start(&gw, "cancel", CALLER, &script);
    let cancelled = gw.wait_log(&["booking cancelled by phone"], 1, script.duration());
    assert_eq!(field(&cancelled[0], "code"), code);
    call.finish();
    // The day's agenda lists active appointments only: it is gone from it, and the agenda
    // knows it as cancelled (cancelling it again is refused as such).
    office.agenda_until(&day, <[Value]>::is_empty).await;
    let again = office
        .http
        .post(format!("{}/api/appointments/{code}/cancel", office.base))
        .json(&json!({ "contact": CALLER_STORED }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let problem: Value = again.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("già annullata"),
        "{problem}"
    );
    // The slot is free again.
    let first = office.get("/api/agenda/slots?line=anagrafe&limit=1").await;
    assert_eq!(first[0]["start"], slot["start"]);
    gw.wait_log(&[CALL_ENDED, "CallerHungUp"], 2, SECONDS(10));
}

#[tokio::test]
async fn hanging_up_before_confirming_leaves_nothing_behind() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("dialog-hangup", "");
    // The caller chooses the slot and hangs up while the confirmation question plays.
    let script = up_to_the_slot().listen(3_000);
    let call = KeypadCall::start(&gw, "hang-up", CALLER, &script);
    call.finish();
    let ended = gw.wait_log(&[CALL_ENDED], 1, SECONDS(10));
    assert_eq!(field(&ended[0], "outcome"), "CallerHungUp");
    // The dialog reached the slots: the keys were heard, the caller left before the end.
    let keys = gw.log_lines(&["key detected"]);
    let pressed: String = keys.iter().map(|l| field(l, "key")).collect();
    assert_eq!(pressed, "3111");
    gw.wait_log(&["main menu choice", "Appointments"], 1, SECONDS(1));

    let office = Office::of(&gw).with_clerk_session().await;
    let first = office.get("/api/agenda/slots?line=anagrafe&limit=1").await;
    let day = &first[0]["start"].as_str().unwrap()[..10];
    assert!(
        office.agenda(day).await.is_empty(),
        "no appointment on {day}"
    );
    assert!(gw.log_lines(&["booked by phone"]).is_empty());
    assert_eq!(office.waiting().await, 0, "no ticket either");
}
