//! The caller's number, needed for bookings and callbacks. When the network gave it, it is
//! used as it is; an anonymous caller is asked to key it in and to confirm it:
//!
//! "Digiti il Suo numero di telefono, seguito dal tasto cancelletto."
//! "Ha digitato 333 123 4567. Se è corretto prema 1. Per digitarlo di nuovo prema 2."
//!
//! A number that is not one ("12") gets "Il numero digitato non è valido." and another try;
//! after three tries without a confirmed number the caller is told so and the flow goes on
//! without it.

use ticketing::contact::PhoneNumber;

use crate::channel::{Channel, Key};
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::{ATTEMPTS, Answer, possible_failures};

use super::words;

const ASK: &str =
    "Digiti il Suo numero di telefono, compreso il prefisso, seguito dal tasto cancelletto.";
const NOT_RECEIVED: &str = "Non ho ricevuto il numero.";
const INVALID: &str = "Il numero digitato non è valido.";
const GIVE_UP: &str = "Non sono riuscito a ricevere il Suo numero di telefono.";
const CONFIRM_HINT: &str = "Prema 1 se il numero è corretto, oppure 2 per digitarlo di nuovo.";

pub(crate) fn sentences() -> Vec<String> {
    let mut sentences: Vec<String> = [ASK, GIVE_UP]
        .map(String::from)
        .into_iter()
        .chain([format!("{NOT_RECEIVED} {ASK}"), format!("{INVALID} {ASK}")])
        .collect();
    let yes_no = |k: Key| matches!(k, Key::Digit(1 | 2));
    for failure in possible_failures(yes_no) {
        sentences.push(format!("{} {CONFIRM_HINT}", failure.sentence()));
    }
    sentences
}

/// An Italian number in national form ("333 1234567", "0123 456789") with the +39 prefix,
/// so that the same phone keyed in or given by the network is one number for the agenda.
pub(crate) fn international(number: PhoneNumber) -> PhoneNumber {
    let text = number.as_str();
    if text.starts_with(['0', '3']) {
        PhoneNumber::parse(&format!("+39{text}")).unwrap_or(number)
    } else {
        number
    }
}

/// The caller's number: known, or keyed in and confirmed (then remembered for the rest of
/// the call). `None` when the caller could not give one (already told).
pub(crate) async fn ensure<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<Option<PhoneNumber>, Stop> {
    if let Some(number) = conversation.caller() {
        return Ok(Some(number.clone()));
    }
    key_in(conversation).await
}

/// Asks the caller to key in a number and confirm it, even when one is known (a booking
/// made from another phone).
pub(crate) async fn key_in<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<Option<PhoneNumber>, Stop> {
    let mut prompt = ASK.to_string();
    for _ in 0..ATTEMPTS {
        let keys = conversation.ask_digits(&prompt, 15).await?;
        let digits: Option<String> = keys.map(|keys| keys.iter().map(|k| k.as_char()).collect());
        let number = match digits.as_deref().map(PhoneNumber::parse) {
            None => {
                prompt = format!("{NOT_RECEIVED} {ASK}");
                continue;
            }
            Some(Err(_)) => {
                prompt = format!("{INVALID} {ASK}");
                continue;
            }
            Some(Ok(number)) => international(number),
        };
        let confirm = format!(
            "Ha digitato {}. Se è corretto prema 1. Per digitarlo di nuovo prema 2.",
            words::phone(&number)
        );
        let options = [(Key::Digit(1), true), (Key::Digit(2), false)];
        match conversation
            .choose(&confirm, CONFIRM_HINT, &options, None)
            .await?
        {
            Answer::Chosen(true) => {
                tracing::info!(contact = %number.masked(), "caller keyed in their number");
                conversation.set_caller(number.clone());
                return Ok(Some(number));
            }
            Answer::Chosen(false) => prompt = ASK.to_string(),
            Answer::GaveUp(_) => break,
        }
    }
    conversation.say(GIVE_UP).await?;
    Ok(None)
}
