//! The main menu.
//!
//! "Per informazioni prema 1. Per un biglietto per lo sportello prema 2. Per gli appuntamenti
//! prema 3. Per parlare con un operatore prema 0."
//!
//! Silence or a wrong key: a reprompt with a hint ("Non ho ricevuto nessuna scelta. Prema 1
//! per informazioni, ..."), then the menu again; a third failure hands the caller to the
//! operator (a callback request) or, without services, says goodbye. After a branch the
//! caller comes back here, at most [`crate::DialogSettings::max_menu_visits`] times.

use crate::channel::{Channel, Key};
use crate::dialog::CallOutcome;
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::{Answer, Menu};

use super::{FlowEnd, appointments, gave_up, information, operator, ticket};

/// The services of the main menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Information,
    Ticket,
    Appointments,
    Operator,
}

pub(crate) const MENU: Menu<Service> = Menu {
    prompt: "Per informazioni prema 1. Per un biglietto per lo sportello prema 2. \
             Per gli appuntamenti prema 3. Per parlare con un operatore prema 0.",
    hint: "Prema 1 per informazioni, 2 per un biglietto, 3 per gli appuntamenti, \
           oppure 0 per parlare con un operatore.",
    options: &[
        (Key::Digit(1), Service::Information),
        (Key::Digit(2), Service::Ticket),
        (Key::Digit(3), Service::Appointments),
        (Key::Digit(0), Service::Operator),
    ],
};

const TOO_MANY_VISITS: &str =
    "Per oggi la chiamata termina qui. La ringraziamo per aver chiamato. Arrivederci.";

/// Every sentence this menu can say: the menu, each reprompt, each goodbye.
pub(crate) fn sentences() -> Vec<String> {
    let mut sentences = vec![MENU.prompt.to_string(), TOO_MANY_VISITS.to_string()];
    sentences.extend(MENU.reprompts());
    for failure in MENU.possible_failures() {
        sentences.extend(super::gave_up_sentences(failure));
    }
    sentences
}

pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    mut early_key: Option<Key>,
) -> Result<CallOutcome, Stop> {
    let visits = conversation.context().settings.max_menu_visits;
    for _ in 0..visits {
        let end = match conversation.ask(&MENU, early_key.take()).await? {
            Answer::Chosen(service) => {
                tracing::info!(?service, "main menu choice");
                match service {
                    Service::Information => information::run(conversation).await?,
                    Service::Ticket => ticket::run(conversation).await?,
                    Service::Appointments => appointments::run(conversation).await?,
                    Service::Operator => operator::run(conversation).await?,
                }
            }
            Answer::GaveUp(failure) => gave_up(conversation, failure).await?,
        };
        match end {
            FlowEnd::BackToMenu => continue,
            FlowEnd::Finished(outcome) => return Ok(outcome),
        }
    }
    conversation.goodbye(TOO_MANY_VISITS).await?;
    Ok(CallOutcome::MenuLimitReached)
}
