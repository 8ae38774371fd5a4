//! Cancelling or moving a booking by its code and the caller's number.
//!
//! "Digiti il codice della prenotazione, 8 cifre." A code whose check digit does not match
//! gets "Ha digitato 4821 0372: il codice non è valido, probabilmente una cifra è sbagliata.
//! Lo digiti di nuovo."; a code with the wrong length "Il codice ha 8 cifre. ...".
//! The number: the caller's (known or keyed in); when no booking matches code and number,
//! the caller may key in the number the booking was made with.
//! "La prenotazione 4821 0371 è per giovedì 3 dicembre alle 14:20, presso il Punto di
//! incontro Anagrafe e stato civile."
//! Cancel: "Per disdirla prema 1. Per lasciarla com'è prema 2." → "La prenotazione è stata
//! disdetta."
//! Move: the free slots ([`super::booking::offer`]), then "Sposto l'appuntamento a ... Per
//! confermare prema 1. ..." → "L'appuntamento è stato spostato a .... Il codice resta lo
//! stesso."
//! Nothing changes before the caller confirms.

use ticketing::Ticketing;
use ticketing::agenda::{BookingCode, BookingError, InvalidBookingCode};
use ticketing::contact::PhoneNumber;
use ticketing::store::{AppointmentRecord, AppointmentStatus};

use crate::channel::{Channel, Key};
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::{ATTEMPTS, Answer};

use super::booking::{self, Confirm, FAILED, Offer, SLOT_GONE};
use super::{FlowEnd, caller_number, gave_up, operator, words};

/// What the caller wants to do with the booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Cancel,
    Move,
}

const ASK_CODE: &str = "Digiti il codice della prenotazione, 8 cifre.";
const NO_CODE: &str = "Non ho ricevuto il codice.";
const WRONG_LENGTH: &str = "Il codice della prenotazione ha 8 cifre.";
const CODE_GIVE_UP: &str = "Non sono riuscito a ricevere un codice valido. Il codice è nel messaggio di conferma \
     della prenotazione.";
const ALREADY_CANCELLED: &str = "Questa prenotazione è già stata disdetta.";
const ALREADY_USED: &str = "Questa prenotazione è già stata utilizzata.";
const TRY_OTHER_NUMBER: &str = "Provi a digitare il numero di telefono usato per la prenotazione.";
const CANCEL_ASK: &str = "Per disdirla prema 1. Per lasciarla com'è prema 2.";
const CANCEL_HINT: &str = "Prema 1 per disdire la prenotazione, oppure 2 per lasciarla com'è.";
const CANCELLED: &str = "La prenotazione è stata disdetta.";
const KEPT: &str = "La prenotazione resta com'è.";
const NOTHING_FREE: &str = "Non ci sono altre date libere. La prenotazione resta com'è.";

pub(crate) fn sentences() -> Vec<String> {
    [
        ASK_CODE,
        CODE_GIVE_UP,
        ALREADY_CANCELLED,
        ALREADY_USED,
        TRY_OTHER_NUMBER,
        CANCEL_ASK,
        CANCELLED,
        KEPT,
        NOTHING_FREE,
    ]
    .map(String::from)
    .into_iter()
    .chain([
        format!("{NO_CODE} {ASK_CODE}"),
        format!("{WRONG_LENGTH} {ASK_CODE}"),
    ])
    .collect()
}

pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    action: Action,
) -> Result<FlowEnd, Stop> {
    let Some(services) = conversation.services() else {
        return Ok(FlowEnd::BackToMenu);
    };
    let ticketing = &services.ticketing;
    conversation.note_topic(match action {
        Action::Cancel => "Disdetta di una prenotazione",
        Action::Move => "Spostamento di una prenotazione",
    });

    // The booking: code, then number; one more try with another number.
    let mut other_number = false;
    let (appointment, contact) = loop {
        let Some(code) = ask_code(conversation).await? else {
            conversation.say(CODE_GIVE_UP).await?;
            return Ok(FlowEnd::BackToMenu);
        };
        let contact = if other_number {
            caller_number::key_in(conversation).await?
        } else {
            caller_number::ensure(conversation).await?
        };
        let Some(contact) = contact else {
            return Ok(FlowEnd::BackToMenu);
        };
        let find = {
            let contact = contact.clone();
            move |t: Ticketing| async move { t.find_booking(code, &contact).await }
        };
        match conversation.service(ticketing, find).await {
            Ok(appointment) => break (appointment, contact),
            Err(BookingError::NotFound) => {
                let sentence = format!(
                    "Non ho trovato una prenotazione con il codice {} per il numero {}.",
                    words::booking_code(code),
                    words::phone(&contact)
                );
                conversation.say(&sentence).await?;
                if other_number {
                    return Ok(FlowEnd::BackToMenu);
                }
                conversation.say(TRY_OTHER_NUMBER).await?;
                other_number = true;
            }
            Err(error) => {
                tracing::error!(%error, "booking lookup failed");
                conversation.say(FAILED).await?;
                return Ok(FlowEnd::BackToMenu);
            }
        }
    };
    match appointment.status {
        AppointmentStatus::Booked => {}
        AppointmentStatus::Cancelled => {
            conversation.say(ALREADY_CANCELLED).await?;
            return Ok(FlowEnd::BackToMenu);
        }
        AppointmentStatus::CheckedIn => {
            conversation.say(ALREADY_USED).await?;
            return Ok(FlowEnd::BackToMenu);
        }
    }
    let where_ = meeting_point_name(ticketing, &appointment.meeting_point);
    conversation
        .say(&format!(
            "La prenotazione {} è per {}, presso il {where_}.",
            words::booking_code(appointment.code),
            words::slot(appointment.local_start, ticketing.today())
        ))
        .await?;
    match action {
        Action::Cancel => cancel(conversation, ticketing, &appointment, &contact).await,
        Action::Move => move_to(conversation, ticketing, &appointment, &contact).await,
    }
}

async fn cancel<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    ticketing: &Ticketing,
    appointment: &AppointmentRecord,
    contact: &PhoneNumber,
) -> Result<FlowEnd, Stop> {
    let options = [(Key::Digit(1), true), (Key::Digit(2), false)];
    match conversation
        .choose(CANCEL_ASK, CANCEL_HINT, &options, None)
        .await?
    {
        Answer::Chosen(true) => {}
        Answer::Chosen(false) => {
            conversation.say(KEPT).await?;
            return Ok(FlowEnd::BackToMenu);
        }
        Answer::GaveUp(failure) => return gave_up(conversation, failure).await,
    }
    let cancel = {
        let (code, contact) = (appointment.code, contact.clone());
        move |t: Ticketing| async move { t.cancel_booking(code, &contact).await }
    };
    match conversation.service(ticketing, cancel).await {
        Ok(_) => {
            tracing::info!(code = %appointment.code, "booking cancelled by phone");
            conversation.say(CANCELLED).await?;
        }
        Err(BookingError::NotBooked(_)) => conversation.say(ALREADY_CANCELLED).await?,
        Err(error) => {
            tracing::error!(%error, "cancel failed");
            conversation.say(FAILED).await?;
        }
    }
    Ok(FlowEnd::BackToMenu)
}

async fn move_to<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    ticketing: &Ticketing,
    appointment: &AppointmentRecord,
    contact: &PhoneNumber,
) -> Result<FlowEnd, Stop> {
    loop {
        let slot = match booking::offer(conversation, ticketing, &appointment.line).await? {
            Offer::Chosen(slot) => slot,
            Offer::NothingFree => {
                conversation.say(NOTHING_FREE).await?;
                return Ok(FlowEnd::BackToMenu);
            }
            Offer::Leave(end) => return Ok(end),
        };
        let when = words::slot(slot.start, ticketing.today());
        let prompt = format!(
            "Sposto l'appuntamento a {when}, presso il {}. Per confermare prema 1. Per \
             scegliere un'altra data prema 2.",
            slot.meeting_point_name
        );
        match booking::confirm(conversation, &prompt).await? {
            Answer::Chosen(Confirm::Yes) => {}
            Answer::Chosen(Confirm::OtherDate) => continue,
            Answer::Chosen(Confirm::Operator) => return operator::run(conversation).await,
            Answer::GaveUp(failure) => return gave_up(conversation, failure).await,
        }
        let move_it = {
            let (code, contact) = (appointment.code, contact.clone());
            let (start, meeting_point) = (slot.start, slot.meeting_point.clone());
            move |t: Ticketing| async move {
                t.move_booking(code, &contact, start, Some(&meeting_point))
                    .await
            }
        };
        match conversation.service(ticketing, move_it).await {
            Ok(moved) => {
                tracing::info!(code = %moved.code, "booking moved by phone");
                conversation
                    .say(&format!(
                        "L'appuntamento è stato spostato a {when}. Il codice della \
                         prenotazione resta lo stesso: {}.",
                        words::booking_code(moved.code)
                    ))
                    .await?;
                return Ok(FlowEnd::BackToMenu);
            }
            Err(
                BookingError::SlotTaken
                | BookingError::TooSoon
                | BookingError::NotASlot(_)
                | BookingError::BeyondHorizon(_),
            ) => conversation.say(SLOT_GONE).await?,
            Err(error) => {
                tracing::error!(%error, "move failed");
                conversation.say(FAILED).await?;
                return Ok(FlowEnd::BackToMenu);
            }
        }
    }
}

/// Asks for the 8-digit code until it parses (check digit included), at most three times.
async fn ask_code<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<Option<BookingCode>, Stop> {
    let mut prompt = ASK_CODE.to_string();
    for _ in 0..ATTEMPTS {
        let Some(keys) = conversation.ask_digits(&prompt, 8).await? else {
            prompt = format!("{NO_CODE} {ASK_CODE}");
            continue;
        };
        let digits: String = keys.iter().map(|k| k.as_char()).collect();
        match BookingCode::parse(&digits) {
            Ok(code) => return Ok(Some(code)),
            Err(InvalidBookingCode::Length) => prompt = format!("{WRONG_LENGTH} {ASK_CODE}"),
            Err(InvalidBookingCode::CheckDigit) => {
                prompt = format!(
                    "Ha digitato {} {}: il codice non è valido, probabilmente una cifra è \
                     sbagliata. Lo digiti di nuovo.",
                    &digits[..4],
                    &digits[4..]
                );
            }
        }
    }
    Ok(None)
}

fn meeting_point_name(ticketing: &Ticketing, id: &str) -> String {
    ticketing
        .office()
        .agenda
        .meeting_points
        .iter()
        .find(|m| m.id.as_str() == id)
        .map_or_else(|| id.to_string(), |m| m.name.clone())
}
