//! Key 0, an operator. Until the operator queue exists nobody can take the call, so the
//! dialog says so honestly and leaves a callback request with the caller's number and what
//! they asked for:
//!
//! "In questo momento non è possibile parlare con un operatore. Ho registrato la Sua
//! richiesta: un operatore La richiamerà al numero 333 123 4567 appena possibile, negli orari
//! di apertura dell'ufficio."
//!
//! An anonymous caller is asked for the number first ([`super::caller_number`]).

use crate::channel::Channel;
use crate::dialog::conversation::{Conversation, Stop};

use super::{FlowEnd, caller_number, words};

pub(crate) const COMING_SOON: &str = "Il collegamento con un operatore sarà disponibile a breve. \
     Ci scusiamo per il disagio.";

pub(crate) const UNAVAILABLE: &str = "In questo momento non è possibile parlare con un operatore.";

/// Said after three failed menu answers, before the callback request.
pub(crate) const AFTER_FAILURES: &str = "Chiederò a un operatore di richiamarLa.";

const NOT_STORED: &str = "Ci scusiamo: per un problema tecnico non è stato possibile \
     registrare la richiesta. La preghiamo di richiamare più tardi.";

const NO_NUMBER: &str = "Senza un numero di telefono non posso chiedere a un operatore di \
     richiamarLa. Può rivolgersi allo sportello negli orari di apertura.";

pub(crate) fn sentences() -> Vec<String> {
    [UNAVAILABLE, AFTER_FAILURES, NOT_STORED, NO_NUMBER]
        .map(String::from)
        .to_vec()
}

/// Key 0 from a menu: the callback request, then back to the menu.
pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<FlowEnd, Stop> {
    if conversation.services().is_none() {
        conversation.say(COMING_SOON).await?;
        return Ok(FlowEnd::BackToMenu);
    }
    conversation.say(UNAVAILABLE).await?;
    callback(conversation).await?;
    Ok(FlowEnd::BackToMenu)
}

/// Stores a callback request with the caller's number (asked for if unknown) and what they
/// asked for during the call, and tells the caller what happens next.
pub(crate) async fn callback<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<(), Stop> {
    let Some(services) = conversation.services() else {
        return Ok(());
    };
    let Some(number) = caller_number::ensure(conversation).await? else {
        conversation.say(NO_NUMBER).await?;
        return Ok(());
    };
    let topic = match conversation.topics() {
        topics if topics.is_empty() => "Chiamata al telefono: nessun argomento scelto".to_string(),
        topics => topics,
    };
    let topic = format!("{topic} (chiamata {})", conversation.call_id());
    let request = {
        let number = number.clone();
        move |t: ticketing::Ticketing| async move { t.request_callback(&number, &topic, "phone").await }
    };
    match conversation.service(&services.ticketing, request).await {
        Ok(id) => {
            tracing::info!(id, contact = %number.masked(), "callback requested by phone");
            conversation
                .say(&format!(
                    "Ho registrato la Sua richiesta: un operatore La richiamerà al numero {} \
                     appena possibile, negli orari di apertura dell'ufficio.",
                    words::phone(&number)
                ))
                .await
        }
        Err(error) => {
            tracing::error!(%error, "callback request not stored");
            conversation.say(NOT_STORED).await
        }
    }
}
