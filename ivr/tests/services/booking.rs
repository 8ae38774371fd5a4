//! Key 3: booking a consultation, cancelling and moving it by code, and what goes wrong (a
//! slot taken meanwhile, a full agenda, a wrong code, a hang-up before the confirmation).

use jiff::civil::datetime;
use ticketing::agenda::BookingRequest;
use ticketing::contact::PhoneNumber;
use ticketing::store::{AppointmentRecord, AppointmentStatus};

use crate::{CALLER, MENU, MONDAY_10, Office, WELCOME_OPEN, hang_up, office_at};

const APPOINTMENTS: &str = "Per prenotare una consulenza prema 1. Per disdire una prenotazione \
                            prema 2. Per spostare una prenotazione prema 3. Per tornare al menu \
                            principale prema asterisco. Per parlare con un operatore prema 0.";
const LINES: &str = "Per quale servizio desidera la consulenza? Per Anagrafe e stato civile \
                     prema 1. Per Tributi prema 2. Per Servizi sociali e scuola prema 3. Per \
                     Edilizia, ambiente e mobilità prema 4. Per tornare al menu principale \
                     prema asterisco.";
const FIRST_SLOTS: &str = "I primi appuntamenti liberi sono questi. Per oggi alle 13:30 prema 1. \
                           Per oggi alle 13:50 prema 2. Per oggi alle 14:10 prema 3. Per altre \
                           date prema 4. Per tornare al menu principale prema asterisco.";
const CONFIRMED: &str = "La prenotazione è confermata.";
const KEEP_CODE: &str = "Conservi il codice: serve per disdire o spostare l'appuntamento.";
const SLOT_GONE: &str = "Ci scusiamo: questo orario è appena stato prenotato da un'altra persona.";

fn chose(when: &str) -> String {
    format!(
        "Ha scelto {when}, presso il Punto di incontro Anagrafe e stato civile. Per confermare \
         la prenotazione prema 1. Per scegliere un'altra data prema 2."
    )
}

async fn agenda(office: &Office) -> Vec<AppointmentRecord> {
    let mut all = Vec::new();
    for day in [23, 24, 25, 26, 30] {
        let date = jiff::civil::date(2026, 11, day);
        all.extend(
            office
                .db(move |t| async move { t.day_agenda(date).await.unwrap() })
                .await,
        );
    }
    all
}

/// Up to the anagrafe slots: welcome, menu 3, 1, line 1.
async fn to_the_slots(caller: &mut ivr::testing::FakeCaller) {
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("3");
    caller.hears(APPOINTMENTS).await;
    caller.press("1");
    caller.hears(LINES).await;
    caller.press("1");
}

#[tokio::test(start_paused = true)]
async fn a_booking_ends_with_the_code_said_twice() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    to_the_slots(&mut caller).await;
    caller.hears(FIRST_SLOTS).await;
    caller.press("2");
    caller.hears(&chose("oggi alle 13:50")).await;
    caller.press("1");
    caller.hears(CONFIRMED).await;
    let booked = agenda(&office).await;
    assert_eq!(booked.len(), 1);
    let code = booked[0].code.grouped();
    assert_eq!(booked[0].contact, "+393331234567");
    assert_eq!(booked[0].channel, "phone");
    assert_eq!(booked[0].local_start, datetime(2026, 11, 23, 13, 50, 0, 0));
    caller
        .hears(&format!("Il codice della prenotazione è {code}."))
        .await;
    caller.hears(&format!("Ripeto: {code}.")).await;
    caller.hears(KEEP_CODE).await;
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn key_4_offers_the_next_slots() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    to_the_slots(&mut caller).await;
    caller.hears(FIRST_SLOTS).await;
    caller.press("4");
    caller
        .hears(
            "Ecco le date successive. Per oggi alle 14:30 prema 1. Per oggi alle 14:50 prema 2. \
             Per oggi alle 15:10 prema 3. Per altre date prema 4. Per tornare al menu \
             principale prema asterisco.",
        )
        .await;
    caller.press("4");
    caller
        .hears(
            "Ecco le date successive. Per domani alle 13:30 prema 1. Per domani alle 13:50 \
             prema 2. Per domani alle 14:10 prema 3. Per altre date prema 4. Per tornare al \
             menu principale prema asterisco.",
        )
        .await;
    caller.press("3");
    caller.hears(&chose("domani alle 14:10")).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn an_anonymous_caller_keys_in_the_number() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(None);
    to_the_slots(&mut caller).await;
    caller
        .hears(
            "Digiti il Suo numero di telefono, compreso il prefisso, seguito dal tasto \
             cancelletto.",
        )
        .await;
    caller.press("12#");
    caller
        .hears(
            "Il numero digitato non è valido. Digiti il Suo numero di telefono, compreso il \
             prefisso, seguito dal tasto cancelletto.",
        )
        .await;
    caller.press("3471234567#");
    caller
        .hears("Ha digitato 347 123 4567. Se è corretto prema 1. Per digitarlo di nuovo prema 2.")
        .await;
    caller.press("1");
    caller.hears(FIRST_SLOTS).await;
    caller.press("1");
    caller.hears(&chose("oggi alle 13:30")).await;
    caller.press("1");
    caller.hears(CONFIRMED).await;
    hang_up(dialog, caller).await;
    let booked = agenda(&office).await;
    assert_eq!(booked.len(), 1);
    // Keyed in nationally, stored with +39 like the numbers the network gives.
    assert_eq!(booked[0].contact, "+393471234567");
}

#[tokio::test(start_paused = true)]
async fn a_slot_taken_between_offer_and_confirmation_gets_an_apology_and_the_next_ones() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    to_the_slots(&mut caller).await;
    caller.hears(FIRST_SLOTS).await;
    caller.press("1");
    caller.hears(&chose("oggi alle 13:30")).await;
    // Someone else books 13:30 at the counter meanwhile.
    office
        .db(|t| async move {
            let other = PhoneNumber::parse("3470000000").unwrap();
            t.book(BookingRequest {
                line: "anagrafe",
                start: datetime(2026, 11, 23, 13, 30, 0, 0),
                meeting_point: None,
                contact: &other,
                procedure_id: None,
                channel: "counter",
            })
            .await
            .unwrap()
        })
        .await;
    caller.press("1");
    caller.hears(SLOT_GONE).await;
    caller
        .hears(
            "I primi appuntamenti liberi sono questi. Per oggi alle 13:50 prema 1. Per oggi \
             alle 14:10 prema 2. Per oggi alle 14:30 prema 3. Per altre date prema 4. Per \
             tornare al menu principale prema asterisco.",
        )
        .await;
    caller.press("1");
    caller.hears(&chose("oggi alle 13:50")).await;
    caller.press("1");
    caller.hears(CONFIRMED).await;
    hang_up(dialog, caller).await;
    let mine: Vec<_> = agenda(&office)
        .await
        .into_iter()
        .filter(|a| a.contact == "+393331234567")
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].local_start, datetime(2026, 11, 23, 13, 50, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn hanging_up_before_the_confirmation_leaves_nothing() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    to_the_slots(&mut caller).await;
    caller.hears(FIRST_SLOTS).await;
    caller.press("1");
    caller.hears(&chose("oggi alle 13:30")).await;
    hang_up(dialog, caller).await;
    assert!(agenda(&office).await.is_empty());
    let free = office
        .db(|t| async move { t.free_slots("anagrafe", 1).await.unwrap() })
        .await;
    assert_eq!(free[0].start, datetime(2026, 11, 23, 13, 30, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn a_full_agenda_is_escalated_and_the_caller_told_they_will_be_called_back() {
    let office = office_at(MONDAY_10).await;
    // Every tributi slot within the horizon is taken.
    office
        .db(|t| async move {
            let other = PhoneNumber::parse("3470000000").unwrap();
            for slot in t.free_slots("tributi", 1000).await.unwrap() {
                t.book(BookingRequest {
                    line: "tributi",
                    start: slot.start,
                    meeting_point: Some(&slot.meeting_point),
                    contact: &other,
                    procedure_id: None,
                    channel: "counter",
                })
                .await
                .unwrap();
            }
        })
        .await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("3");
    caller.hears(APPOINTMENTS).await;
    caller.press("1");
    caller.hears(LINES).await;
    caller.press("2");
    caller
        .hears(
            "Al momento non ci sono appuntamenti liberi per Tributi nei prossimi 30 giorni. Ho \
             registrato la Sua richiesta: l'ufficio La richiamerà al numero 333 123 4567 per \
             fissare un appuntamento.",
        )
        .await;
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
    let escalations = office
        .db(|t| async move { t.store().escalations(&t.office().id, true).await.unwrap() })
        .await;
    assert_eq!(escalations.len(), 1);
    assert_eq!(escalations[0].line, "tributi");
    assert_eq!(escalations[0].contact, "+393331234567");
}

/// A booking made earlier (at the counter) by the caller.
async fn booked_earlier(office: &Office) -> AppointmentRecord {
    office
        .db(|t| async move {
            let caller = PhoneNumber::parse(CALLER).unwrap();
            t.book(BookingRequest {
                line: "anagrafe",
                start: datetime(2026, 11, 24, 13, 30, 0, 0),
                meeting_point: None,
                contact: &caller,
                procedure_id: None,
                channel: "counter",
            })
            .await
            .unwrap()
        })
        .await
}

async fn status(office: &Office, code: ticketing::agenda::BookingCode) -> AppointmentRecord {
    office
        .db(move |t| async move {
            t.store()
                .appointment_by_code(&t.office().id, code)
                .await
                .unwrap()
                .unwrap()
        })
        .await
}

const ASK_CODE: &str = "Digiti il codice della prenotazione, 8 cifre.";

#[tokio::test(start_paused = true)]
async fn cancel_by_code_after_a_wrong_check_digit() {
    let office = office_at(MONDAY_10).await;
    let booking = booked_earlier(&office).await;
    let digits = booking.code.digits();
    // The same code with the last digit changed: the check digit catches it.
    let last = digits.chars().last().unwrap().to_digit(10).unwrap();
    let wrong = format!("{}{}", &digits[..7], (last + 1) % 10);
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("3");
    caller.hears(APPOINTMENTS).await;
    caller.press("2");
    caller.hears(ASK_CODE).await;
    caller.press(&wrong);
    caller
        .hears(&format!(
            "Ha digitato {} {}: il codice non è valido, probabilmente una cifra è sbagliata. \
             Lo digiti di nuovo.",
            &wrong[..4],
            &wrong[4..]
        ))
        .await;
    caller.press("1234#");
    caller
        .hears(&format!(
            "Il codice della prenotazione ha 8 cifre. {ASK_CODE}"
        ))
        .await;
    caller.press(&digits);
    caller
        .hears(&format!(
            "La prenotazione {} è per domani alle 13:30, presso il Punto di incontro Anagrafe \
             e stato civile.",
            booking.code.grouped()
        ))
        .await;
    caller
        .hears("Per disdirla prema 1. Per lasciarla com'è prema 2.")
        .await;
    caller.press("1");
    caller.hears("La prenotazione è stata disdetta.").await;
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
    assert_eq!(
        status(&office, booking.code).await.status,
        AppointmentStatus::Cancelled
    );
}

#[tokio::test(start_paused = true)]
async fn move_by_code_keeps_the_code() {
    let office = office_at(MONDAY_10).await;
    let booking = booked_earlier(&office).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("3");
    caller.hears(APPOINTMENTS).await;
    caller.press("3");
    caller.hears(ASK_CODE).await;
    caller.press(&booking.code.digits());
    caller
        .hears(&format!(
            "La prenotazione {} è per domani alle 13:30, presso il Punto di incontro Anagrafe \
             e stato civile.",
            booking.code.grouped()
        ))
        .await;
    caller.hears(FIRST_SLOTS).await;
    caller.press("3");
    caller
        .hears(
            "Sposto l'appuntamento a oggi alle 14:10, presso il Punto di incontro Anagrafe e \
             stato civile. Per confermare prema 1. Per scegliere un'altra data prema 2.",
        )
        .await;
    caller.press("1");
    caller
        .hears(&format!(
            "L'appuntamento è stato spostato a oggi alle 14:10. Il codice della prenotazione \
             resta lo stesso: {}.",
            booking.code.grouped()
        ))
        .await;
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
    let moved = status(&office, booking.code).await;
    assert_eq!(moved.status, AppointmentStatus::Booked);
    assert_eq!(moved.local_start, datetime(2026, 11, 23, 14, 10, 0, 0));
}

#[tokio::test(start_paused = true)]
async fn from_another_phone_the_booking_number_is_keyed_in() {
    let office = office_at(MONDAY_10).await;
    let booking = booked_earlier(&office).await;
    // Calling from another phone.
    let (dialog, mut caller) = office.call(Some("0123456789"));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("3");
    caller.hears(APPOINTMENTS).await;
    caller.press("2");
    caller.hears(ASK_CODE).await;
    caller.press(&booking.code.digits());
    caller
        .hears(&format!(
            "Non ho trovato una prenotazione con il codice {} per il numero 0123 456789.",
            booking.code.grouped()
        ))
        .await;
    caller
        .hears("Provi a digitare il numero di telefono usato per la prenotazione.")
        .await;
    caller.hears(ASK_CODE).await;
    caller.press(&booking.code.digits());
    caller
        .hears(
            "Digiti il Suo numero di telefono, compreso il prefisso, seguito dal tasto \
             cancelletto.",
        )
        .await;
    caller.press("3331234567#");
    caller
        .hears("Ha digitato 333 123 4567. Se è corretto prema 1. Per digitarlo di nuovo prema 2.")
        .await;
    caller.press("1");
    caller
        .hears(&format!(
            "La prenotazione {} è per domani alle 13:30, presso il Punto di incontro Anagrafe \
             e stato civile.",
            booking.code.grouped()
        ))
        .await;
    caller
        .hears("Per disdirla prema 1. Per lasciarla com'è prema 2.")
        .await;
    caller.press("2");
    caller.hears("La prenotazione resta com'è.").await;
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
    assert_eq!(
        status(&office, booking.code).await.status,
        AppointmentStatus::Booked
    );
}
