//! The first dialog, played by a scripted caller in virtual time: welcome (open, closed,
//! holidays, evening), the main menu, every branch, no-input, wrong keys, barge-in, hang-ups.

use std::sync::Arc;
use std::time::Duration;

use ivr::testing::{Event, FakeCaller, FakeVoice, fake_call};
use ivr::{CallOutcome, DialogContext, DialogSettings, run_call};
use jiff::civil::{DateTime, Weekday, date, datetime};
use jiff::tz::TimeZone;
use ticketing::calendar::{DayHours, OfficeCalendar, PatronSaint, TimeRange, WeeklyHours};
use ticketing::clock::ManualClock;
use tokio::task::JoinHandle;
use tokio::time::sleep;

const MENU: &str = "Per informazioni prema 1. Per un biglietto per lo sportello prema 2. \
                    Per gli appuntamenti prema 3. Per parlare con un operatore prema 0.";
const HINT: &str = "Prema 1 per informazioni, 2 per un biglietto, 3 per gli appuntamenti, \
                    oppure 0 per parlare con un operatore.";
const INFORMATION: &str = "Il servizio informazioni telefonico sarà disponibile a breve. \
                           Nel frattempo può chiedere informazioni allo sportello, negli orari di apertura.";
const TICKET: &str = "Il biglietto per lo sportello dal telefono sarà disponibile a breve. \
                      Per ora può ritirarlo all'ingresso dell'ufficio.";
const APPOINTMENTS: &str = "La prenotazione degli appuntamenti per telefono sarà disponibile a breve. \
                            Per ora può prenotare allo sportello.";
const OPERATOR: &str = "Il collegamento con un operatore sarà disponibile a breve. \
                        Ci scusiamo per il disagio.";

/// Monday 23 November 2026, 10:00: the office is open.
const MONDAY_10: DateTime = datetime(2026, 11, 23, 10, 0, 0, 0);
const WELCOME_OPEN: &str = "Comune di Esempio, buongiorno. L'ufficio è aperto fino alle 12:30.";

/// Comune di Esempio: Mon, Tue, Thu, Fri 8:30-12:30; Wed 8:30-12:30 and 14:30-17:15;
/// Sat 9:00-12:00; patron saint 24 June; closed on 24 December 2026.
fn calendar() -> OfficeCalendar {
    let r = |s| TimeRange::parse(s).unwrap();
    let mut weekly = WeeklyHours::default();
    for wd in [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Thursday,
        Weekday::Friday,
    ] {
        weekly.set(wd, DayHours::new(vec![r("08:30-12:30")]).unwrap());
    }
    weekly.set(
        Weekday::Wednesday,
        DayHours::new(vec![r("08:30-12:30"), r("14:30-17:15")]).unwrap(),
    );
    weekly.set(
        Weekday::Saturday,
        DayHours::new(vec![r("09:00-12:00")]).unwrap(),
    );
    OfficeCalendar::new(TimeZone::get("Europe/Rome").unwrap(), weekly)
        .with_patron_saint(PatronSaint {
            month: 6,
            day: 24,
            name: "San Giovanni Battista".into(),
        })
        .with_closure(date(2026, 12, 24), "vigilia di Natale")
}

fn context(local: DateTime, voice: FakeVoice) -> DialogContext {
    let calendar = Arc::new(calendar());
    let clock = Arc::new(ManualClock::new(calendar.instant(local)));
    DialogContext::new("Comune di Esempio", calendar, clock, Arc::new(voice))
}

/// A call answered at office-local time `local`.
fn call_at(local: DateTime) -> (JoinHandle<CallOutcome>, FakeCaller) {
    call_with(context(local, FakeVoice::new()))
}

fn call_with(ctx: DialogContext) -> (JoinHandle<CallOutcome>, FakeCaller) {
    let (mut channel, caller) = fake_call();
    let dialog = tokio::spawn(async move { run_call(&mut channel, &ctx).await });
    (dialog, caller)
}

// ---- welcome -----------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn open_office_welcome_then_menu() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
}

#[tokio::test(start_paused = true)]
async fn welcome_at_several_instants() {
    let cases = [
        (
            datetime(2026, 11, 23, 7, 45, 0, 0),
            "Comune di Esempio, buongiorno. L'ufficio è chiuso. Apre oggi alle 8:30.",
        ),
        (
            datetime(2026, 11, 25, 13, 0, 0, 0),
            "Comune di Esempio, buongiorno. L'ufficio è chiuso. Riapre oggi alle 14:30.",
        ),
        (
            datetime(2026, 11, 25, 17, 5, 0, 0),
            "Comune di Esempio, buonasera. L'ufficio è aperto fino alle 17:15.",
        ),
        (
            datetime(2026, 11, 27, 19, 30, 0, 0),
            "Comune di Esempio, buonasera. L'ufficio è chiuso. Riapre domani alle 9:00.",
        ),
        (
            datetime(2026, 11, 28, 15, 0, 0, 0),
            "Comune di Esempio, buongiorno. L'ufficio è chiuso. Riapre lunedì 30 novembre alle 8:30.",
        ),
        (
            datetime(2026, 12, 25, 10, 0, 0, 0),
            "Comune di Esempio, buongiorno. Oggi è festa: Natale. L'ufficio riapre lunedì 28 dicembre alle 8:30.",
        ),
        (
            datetime(2026, 12, 24, 9, 0, 0, 0),
            "Comune di Esempio, buongiorno. Oggi l'ufficio è chiuso: vigilia di Natale. Riapre lunedì 28 dicembre alle 8:30.",
        ),
    ];
    for (local, welcome) in cases {
        let (dialog, mut caller) = call_at(local);
        caller.hears(welcome).await;
        caller.hears(MENU).await;
        caller.hang_up();
        assert_eq!(
            dialog.await.unwrap(),
            CallOutcome::CallerHungUp,
            "at {local}"
        );
    }
}

// ---- the branches ------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn every_branch_says_what_is_coming_and_returns_to_the_menu() {
    for (key, message) in [
        ("1", INFORMATION),
        ("2", TICKET),
        ("3", APPOINTMENTS),
        ("0", OPERATOR),
    ] {
        let (dialog, mut caller) = call_at(MONDAY_10);
        caller.hears(WELCOME_OPEN).await;
        caller.hears(MENU).await;
        caller.press(key);
        caller.hears(message).await;
        caller.hears(MENU).await;
        caller.hang_up();
        assert_eq!(
            dialog.await.unwrap(),
            CallOutcome::CallerHungUp,
            "key {key}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_whole_call_reads_as_a_transcript() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    let menu = caller.hears(MENU).await;
    sleep(menu.end() - caller.elapsed() + Duration::from_secs(2)).await;
    caller.press("2");
    caller.hears(TICKET).await;
    caller.hears(MENU).await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
    assert_eq!(
        caller.transcript(),
        [
            format!("ivr: {WELCOME_OPEN}"),
            format!("ivr: {MENU}"),
            "caller presses 2".to_string(),
            format!("ivr: {TICKET}"),
            format!("ivr: {MENU}"),
            "caller hangs up".to_string(),
        ]
    );
}

// ---- no input, wrong keys ------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn silence_gets_a_hint_then_the_menu_again_then_a_polite_goodbye() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    let menu = caller.hears(MENU).await;
    let reprompt = caller
        .hears(&format!("Non ho ricevuto nessuna scelta. {HINT}"))
        .await;
    // The menu waited 5 seconds after it ended.
    assert_eq!(reprompt.at, menu.end() + Duration::from_secs(5));
    let before = caller
        .hears("Non ho ricevuto nessuna scelta. Le ripeto le scelte.")
        .await;
    assert_eq!(before.at, reprompt.end() + Duration::from_secs(5));
    let again = caller.hears(MENU).await;
    assert_eq!(again.at, before.end());
    // Without services there is no operator to hand over to: goodbye.
    let goodbye = caller
        .hears("Non ho ricevuto nessuna scelta. La ringraziamo per aver chiamato. Arrivederci.")
        .await;
    assert_eq!(goodbye.at, again.end() + Duration::from_secs(5));
    let hung_up_at = caller.is_hung_up_on().await;
    assert_eq!(hung_up_at, goodbye.end());
    assert_eq!(dialog.await.unwrap(), CallOutcome::NoValidChoice);
}

#[tokio::test(start_paused = true)]
async fn wrong_keys_get_a_hint_then_the_menu_again_then_a_polite_goodbye() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("7");
    caller
        .hears(&format!(
            "Il tasto 7 non corrisponde a nessuna scelta. {HINT}"
        ))
        .await;
    caller.press("#");
    caller
        .hears("Il tasto cancelletto non corrisponde a nessuna scelta. Le ripeto le scelte.")
        .await;
    caller.hears(MENU).await;
    caller.press("*");
    caller
        .hears(
            "Il tasto asterisco non corrisponde a nessuna scelta. \
             La ringraziamo per aver chiamato. Arrivederci.",
        )
        .await;
    caller.is_hung_up_on().await;
    assert_eq!(dialog.await.unwrap(), CallOutcome::NoValidChoice);
}

#[tokio::test(start_paused = true)]
async fn a_wrong_key_then_a_right_one_goes_on() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("9");
    caller
        .hears(&format!(
            "Il tasto 9 non corrisponde a nessuna scelta. {HINT}"
        ))
        .await;
    caller.press("3");
    caller.hears(APPOINTMENTS).await;
    // Back at the menu the count starts again: one wrong key is only a reprompt.
    caller.hears(MENU).await;
    caller.press("5");
    caller
        .hears(&format!(
            "Il tasto 5 non corrisponde a nessuna scelta. {HINT}"
        ))
        .await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
}

// ---- barge-in --------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_key_during_the_welcome_is_the_menu_choice() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    let welcome = caller.hears(WELCOME_OPEN).await;
    sleep(Duration::from_secs(1)).await;
    caller.press("1");
    // Straight to the branch: the menu is not said.
    let info = caller.hears(INFORMATION).await;
    assert!(info.at < welcome.end());
    caller.hears(MENU).await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
    assert_eq!(
        caller.transcript()[..3],
        [
            format!("ivr: {WELCOME_OPEN}"),
            "caller presses 1 (barge-in)".to_string(),
            format!("ivr: {INFORMATION}"),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_wrong_key_during_the_welcome_gets_the_hint() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    caller.press("8");
    caller
        .hears(&format!(
            "Il tasto 8 non corrisponde a nessuna scelta. {HINT}"
        ))
        .await;
    caller.press("0");
    caller.hears(OPERATOR).await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
}

#[tokio::test(start_paused = true)]
async fn a_key_during_the_menu_stops_it() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    let menu = caller.hears(MENU).await;
    sleep(Duration::from_secs(3)).await;
    caller.press("2");
    let ticket = caller.hears(TICKET).await;
    assert_eq!(ticket.at, menu.at + Duration::from_secs(3));
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
}

#[tokio::test(start_paused = true)]
async fn keys_during_a_branch_message_are_ignored() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("1");
    let info = caller.hears(INFORMATION).await;
    caller.press("2");
    // The message plays to the end and the key is not taken as a choice.
    let menu = caller.hears(MENU).await;
    assert_eq!(menu.at, info.end());
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
    assert!(
        caller
            .transcript()
            .contains(&"caller presses 2 (ignored)".to_string())
    );
}

// ---- hang-ups and limits -------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn hang_up_mid_menu() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    sleep(Duration::from_secs(2)).await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
    assert_eq!(caller.transcript().last().unwrap(), "caller hangs up");
}

#[tokio::test(start_paused = true)]
async fn hang_up_while_the_menu_waits_for_a_key() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    let menu = caller.hears(MENU).await;
    sleep(menu.length + Duration::from_secs(3)).await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
}

#[tokio::test(start_paused = true)]
async fn hang_up_during_the_welcome_and_during_a_branch() {
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);

    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("0");
    caller.hears(OPERATOR).await;
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
}

#[tokio::test(start_paused = true)]
async fn a_caller_who_keeps_coming_back_is_ended_politely() {
    let settings = DialogSettings {
        max_menu_visits: 2,
        ..DialogSettings::default()
    };
    let (dialog, mut caller) =
        call_with(context(MONDAY_10, FakeVoice::new()).with_settings(settings));
    caller.hears(WELCOME_OPEN).await;
    for _ in 0..2 {
        caller.hears(MENU).await;
        caller.press("1");
        caller.hears(INFORMATION).await;
    }
    caller
        .hears("Per oggi la chiamata termina qui. La ringraziamo per aver chiamato. Arrivederci.")
        .await;
    caller.is_hung_up_on().await;
    assert_eq!(dialog.await.unwrap(), CallOutcome::MenuLimitReached);
}

#[tokio::test(start_paused = true)]
async fn without_speech_the_call_is_ended() {
    let (dialog, mut caller) = call_with(context(MONDAY_10, FakeVoice::failing()));
    caller.is_hung_up_on().await;
    assert!(matches!(
        dialog.await.unwrap(),
        CallOutcome::SpeechFailed(_)
    ));
}

#[tokio::test(start_paused = true)]
async fn the_menu_wait_follows_the_settings() {
    let settings = DialogSettings {
        no_input_timeout: Duration::from_secs(8),
        ..DialogSettings::default()
    };
    let (dialog, mut caller) =
        call_with(context(MONDAY_10, FakeVoice::new()).with_settings(settings));
    caller.hears(WELCOME_OPEN).await;
    let menu = caller.hears(MENU).await;
    let reprompt = caller
        .hears(&format!("Non ho ricevuto nessuna scelta. {HINT}"))
        .await;
    assert_eq!(reprompt.at, menu.end() + Duration::from_secs(8));
    caller.hang_up();
    assert_eq!(dialog.await.unwrap(), CallOutcome::CallerHungUp);
}

#[test]
fn the_dialog_future_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let ctx = context(MONDAY_10, FakeVoice::new());
    let (mut channel, _caller) = fake_call();
    let future = run_call(&mut channel, &ctx);
    assert_send(&future);
}

#[tokio::test(start_paused = true)]
async fn fixed_sentences_cover_everything_but_the_welcome() {
    let fixed = ivr::fixed_sentences();
    for sentence in [MENU, INFORMATION, TICKET, APPOINTMENTS, OPERATOR] {
        assert!(fixed.iter().any(|s| s == sentence), "{sentence}");
    }
    // Play a call with every kind of failure and check that only the welcome was not
    // prewarmed.
    let (dialog, mut caller) = call_at(MONDAY_10);
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("7");
    caller.next_prompt().await;
    caller.press("1");
    caller.hears(INFORMATION).await;
    caller.hears(MENU).await;
    caller.next_prompt().await;
    caller.next_prompt().await;
    caller.next_prompt().await;
    caller.next_prompt().await;
    caller.is_hung_up_on().await;
    assert_eq!(dialog.await.unwrap(), CallOutcome::NoValidChoice);
    let heard: Vec<String> = caller
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Prompt { label, .. } => Some(label),
            _ => None,
        })
        .collect();
    let not_prewarmed: Vec<&String> = heard.iter().filter(|h| !fixed.contains(h)).collect();
    assert_eq!(not_prewarmed, [WELCOME_OPEN]);
}
