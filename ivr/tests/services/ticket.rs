//! Key 2: a ticket for today's counter, and the polite refusals.

use jiff::civil::datetime;

use crate::{CALLER, MENU, MONDAY_10, WELCOME_OPEN, hang_up, office_at};

const LINES: &str = "Per quale servizio desidera il biglietto? Per Anagrafe e stato civile \
                     prema 1. Per Tributi prema 2. Per Servizi sociali e scuola prema 3. Per \
                     Edilizia, ambiente e mobilità prema 4. Per Consegna documenti e \
                     protocollo, sportello veloce, prema 5. Per tornare al menu principale \
                     prema asterisco.";

#[tokio::test(start_paused = true)]
async fn a_ticket_by_keypad_is_in_the_counters_queue_and_repeated_once() {
    let office = office_at(MONDAY_10).await;
    // Someone is already waiting at the fast lane.
    office
        .db(|t| async move {
            t.issue("protocollo", ticketing::queue::IssueChannel::Kiosk, None)
                .await
                .unwrap()
        })
        .await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("2");
    caller.hears(LINES).await;
    caller.press("5");
    let ticket = "Il Suo biglietto è P 2, per Consegna documenti e protocollo. Prima di Lei \
                  c'è una persona. Il tempo di attesa non si può stimare: nessuno sportello è \
                  ancora aperto per questo servizio. Venga in ufficio e attenda la chiamata \
                  del Suo numero sul display.";
    caller.hears(ticket).await;
    caller.hears("Per riascoltare prema 1.").await;
    caller.press("1");
    caller.hears(ticket).await;
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;

    let queue = office
        .db(|t| async move { t.queue_overview().await.unwrap() })
        .await;
    let protocollo = queue.iter().find(|l| l.id == "protocollo").unwrap();
    assert_eq!(protocollo.waiting, 2);
}

#[tokio::test(start_paused = true)]
async fn with_a_counter_open_the_wait_is_estimated() {
    let office = office_at(MONDAY_10).await;
    office
        .db(|t| async move {
            t.open_station("sportello-1", &[], "mario.rossi")
                .await
                .unwrap()
        })
        .await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("2");
    caller.hears(LINES).await;
    caller.press("1");
    caller
        .hears(
            "Il Suo biglietto è A 1, per Anagrafe e stato civile. Prima di Lei non c'è \
             nessuno. Non c'è attesa. Venga in ufficio e attenda la chiamata del Suo numero \
             sul display.",
        )
        .await;
    caller.hears("Per riascoltare prema 1.").await;
    // No key: back to the menu after the wait.
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn closed_office_refuses_before_asking_the_line() {
    // Sunday 29 November 2026.
    let office = office_at(datetime(2026, 11, 29, 10, 0, 0, 0)).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller
        .hears("Comune di Esempio, buongiorno. L'ufficio è chiuso. Riapre domani alle 8:30.")
        .await;
    caller.hears(MENU).await;
    caller.press("2");
    caller
        .hears("Oggi l'ufficio è chiuso. Può tornare domani alle 8:30.")
        .await;
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
    let queue = office
        .db(|t| async move { t.queue_overview().await.unwrap() })
        .await;
    assert!(queue.iter().all(|l| l.waiting == 0));
}

#[tokio::test(start_paused = true)]
async fn after_the_cutoff_a_line_is_refused_with_the_next_opening() {
    // Monday 12:10: anagrafe stopped at 12:00, the fast lane still issues until 12:20.
    let office = office_at(datetime(2026, 11, 23, 12, 10, 0, 0)).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("2");
    caller.hears(LINES).await;
    caller.press("1");
    caller
        .hears(
            "Per oggi i biglietti per Anagrafe e stato civile sono terminati. Può tornare \
             domani alle 8:30.",
        )
        .await;
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn star_goes_back_to_the_main_menu_without_a_ticket() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(None);
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("2");
    caller.hears(LINES).await;
    caller.press("*");
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
    let queue = office
        .db(|t| async move { t.queue_overview().await.unwrap() })
        .await;
    assert!(queue.iter().all(|l| l.waiting == 0));
}
