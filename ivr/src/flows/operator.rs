//! Key 0, an operator. When operators serve the phone line now, the caller joins their queue
//! ([`super::operator_queue`]). Otherwise the dialog says so honestly:
//!
//! - nobody serves now (or no operator queue is configured): a callback request with the
//!   caller's number and what they asked for: "In questo momento non è possibile parlare con
//!   un operatore. Ho registrato la Sua richiesta: un operatore La richiamerà al numero 333
//!   123 4567 appena possibile, negli orari di apertura dell'ufficio."
//! - outside operator hours, or too many callers waiting: when operators answer again, then
//!   a callback request or a booking ("Per essere richiamato da un operatore prema 1. Per
//!   prenotare un appuntamento prema 2. ...").
//!
//! An anonymous caller is asked for the number first ([`super::caller_number`]).

use ticketing::operators::EscalationRefusal;

use crate::channel::{Channel, Key};
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::{Answer, Menu};

use super::{FlowEnd, booking, caller_number, gave_up, operator_queue, words};

pub(crate) const COMING_SOON: &str = "Il collegamento con un operatore sarà disponibile a breve. \
     Ci scusiamo per il disagio.";

pub(crate) const UNAVAILABLE: &str = "In questo momento non è possibile parlare con un operatore.";

/// Said after three failed menu answers, before the callback request.
pub(crate) const AFTER_FAILURES: &str = "Chiederò a un operatore di richiamarLa.";

const NOT_STORED: &str = "Ci scusiamo: per un problema tecnico non è stato possibile \
     registrare la richiesta. La preghiamo di richiamare più tardi.";

const NO_NUMBER: &str = "Senza un numero di telefono non posso chiedere a un operatore di \
     richiamarLa. Può rivolgersi allo sportello negli orari di apertura.";

pub(crate) const ALL_BUSY: &str = "In questo momento tutti gli operatori sono occupati e \
     molte persone sono già in attesa.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alternative {
    Callback,
    Book,
    Back,
}

const ALTERNATIVES: Menu<Alternative> = Menu {
    prompt: "Per essere richiamato da un operatore prema 1. Per prenotare un appuntamento \
             prema 2. Per tornare al menu principale prema asterisco.",
    hint: "Prema 1 per essere richiamato, 2 per prenotare, asterisco per il menu principale.",
    options: &[
        (Key::Digit(1), Alternative::Callback),
        (Key::Digit(2), Alternative::Book),
        (Key::Star, Alternative::Back),
    ],
};

pub(crate) fn sentences() -> Vec<String> {
    let mut sentences: Vec<String> = [UNAVAILABLE, AFTER_FAILURES, NOT_STORED, NO_NUMBER, ALL_BUSY]
        .map(String::from)
        .to_vec();
    sentences.push(ALTERNATIVES.prompt.to_string());
    sentences.extend(ALTERNATIVES.reprompts());
    sentences
}

/// Key 0 from a menu: the operator queue, or what the caller can do instead.
pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<FlowEnd, Stop> {
    let Some(services) = conversation.services() else {
        conversation.say(COMING_SOON).await?;
        return Ok(FlowEnd::BackToMenu);
    };
    // Boxed: the waiting dialog is a deep future; boxing keeps every caller's future small.
    match Box::pin(operator_queue::run(conversation, &services.ticketing)).await? {
        Ok(end) => Ok(end),
        Err(EscalationRefusal::NoQueue | EscalationRefusal::NobodyOnDuty) => {
            conversation.say(UNAVAILABLE).await?;
            callback(conversation).await?;
            Ok(FlowEnd::BackToMenu)
        }
        Err(EscalationRefusal::OutsideHours { next }) => {
            let ctx = conversation.context();
            let today = ctx.calendar.local(ctx.clock.now()).date();
            let when = match next {
                Some(next) => format!(
                    "{UNAVAILABLE} Gli operatori rispondono {}.",
                    ticketing::italian::when(next, today)
                ),
                None => UNAVAILABLE.to_string(),
            };
            conversation.say(&when).await?;
            alternatives(conversation).await
        }
        Err(EscalationRefusal::QueueFull) => {
            conversation.say(ALL_BUSY).await?;
            alternatives(conversation).await
        }
    }
}

/// A callback request or a booking instead of waiting.
async fn alternatives<C: Channel>(conversation: &mut Conversation<'_, C>) -> Result<FlowEnd, Stop> {
    match conversation.ask(&ALTERNATIVES, None).await? {
        Answer::Chosen(Alternative::Callback) => {
            callback(conversation).await?;
            Ok(FlowEnd::BackToMenu)
        }
        // Boxed: booking can lead back here (key 0), an async cycle.
        Answer::Chosen(Alternative::Book) => Box::pin(booking::run(conversation, None, None)).await,
        Answer::Chosen(Alternative::Back) => Ok(FlowEnd::BackToMenu),
        Answer::GaveUp(failure) => gave_up(conversation, failure).await,
    }
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
            conversation
                .note_dialog_outcome(ticketing::operators::DialogOutcome::CallbackRequested);
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
