//! Key 0 and the end of the failure ladder: a callback request with the caller's number and
//! what they asked for, said honestly.

use ticketing::store::CallbackRecord;

use crate::{CALLER, HINT, MENU, MONDAY_10, Office, THANKS, WELCOME_OPEN, hang_up, office_at};

const UNAVAILABLE: &str = "In questo momento non è possibile parlare con un operatore.";

fn will_call(number: &str) -> String {
    format!(
        "Ho registrato la Sua richiesta: un operatore La richiamerà al numero {number} appena \
         possibile, negli orari di apertura dell'ufficio."
    )
}

async fn callbacks(office: &Office) -> Vec<CallbackRecord> {
    office
        .db(|t| async move { t.store().callbacks(&t.office().id, true).await.unwrap() })
        .await
}

#[tokio::test(start_paused = true)]
async fn key_0_stores_a_callback_with_what_the_caller_asked() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    // First a look at the appointments, then the operator from that menu.
    caller.press("3");
    caller.next_prompt().await;
    caller.press("1");
    caller.next_prompt().await;
    caller.press("2");
    caller.next_prompt().await;
    caller.press("0");
    caller.hears(UNAVAILABLE).await;
    caller.hears(&will_call("333 123 4567")).await;
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
    let stored = callbacks(&office).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].contact, "+393331234567");
    assert_eq!(stored[0].channel, "phone");
    assert_eq!(
        stored[0].topic,
        "Prenotazione di una consulenza: Tributi (chiamata test-call)"
    );
}

#[tokio::test(start_paused = true)]
async fn an_anonymous_caller_keys_in_the_number_for_the_callback() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(Some("anonymous"));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("0");
    caller.hears(UNAVAILABLE).await;
    caller
        .hears(
            "Digiti il Suo numero di telefono, compreso il prefisso, seguito dal tasto \
             cancelletto.",
        )
        .await;
    caller.press("0123456789#");
    caller
        .hears("Ha digitato 0123 456789. Se è corretto prema 1. Per digitarlo di nuovo prema 2.")
        .await;
    caller.press("1");
    caller.hears(&will_call("0123 456789")).await;
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
    let stored = callbacks(&office).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].contact, "+390123456789");
}

#[tokio::test(start_paused = true)]
async fn three_failures_end_with_a_callback_request() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller
        .hears(&format!("Non ho ricevuto nessuna scelta. {HINT}"))
        .await;
    caller.press("5");
    caller
        .hears("Il tasto 5 non corrisponde a nessuna scelta. Le ripeto le scelte.")
        .await;
    caller.hears(MENU).await;
    caller
        .hears("Non ho ricevuto nessuna scelta. Chiederò a un operatore di richiamarLa.")
        .await;
    caller.hears(&will_call("333 123 4567")).await;
    caller.hears(THANKS).await;
    caller.is_hung_up_on().await;
    assert_eq!(dialog.await.unwrap(), ivr::CallOutcome::NoValidChoice);
    let stored = callbacks(&office).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].topic,
        "Chiamata al telefono: nessun argomento scelto (chiamata test-call)"
    );
}
