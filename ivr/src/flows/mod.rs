//! The conversation itself, one flow per file, each readable as what the caller hears:
//!
//! - [`welcome`]: "{office}, buongiorno. L'ufficio è aperto fino alle 12:30."
//! - [`main_menu`]: 1 information, 2 ticket, 3 appointments, 0 operator.
//! - [`information`]: the knowledge base by keypad (areas, procedures) or from a question
//!   ([`question`]: answer, confirm, choose among three); [`answer`]: the answer and what
//!   follows it (repeat, details, another question, book, operator).
//! - [`ticket`]: a ticket for today's counter.
//! - [`appointments`]: book ([`booking`]), cancel or move ([`manage_booking`]) a consultation.
//! - [`operator`]: key 0: the operator queue ([`operator_queue`]: waiting, position and
//!   estimated wait, callback keeping the place, ringing the operator), or a callback request
//!   when no operator serves now.
//! - [`caller_number`]: the caller's number, from the network or keyed in and confirmed.
//! - [`words`]: how times, slots, codes and numbers are written for the voice.
//!
//! Without [`crate::dialog::Services`] in the context the branches say honestly that the
//! service is coming and go back to the menu.
//!
//! A branch is an `async fn run(&mut Conversation) -> Result<FlowEnd, Stop>`: a new flow is a
//! new file plus one line in the main menu.

pub(crate) mod answer;
pub(crate) mod appointments;
pub(crate) mod booking;
pub(crate) mod caller_number;
pub(crate) mod information;
pub(crate) mod main_menu;
pub(crate) mod manage_booking;
pub(crate) mod operator;
pub(crate) mod operator_queue;
pub(crate) mod question;
pub(crate) mod ticket;
pub(crate) mod welcome;
pub(crate) mod words;

use crate::channel::Channel;
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::{Failure, before_repeating, possible_failures};
use crate::dialog::{CallOutcome, Question};

/// Where a branch leaves the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlowEnd {
    /// Back to the main menu.
    BackToMenu,
    /// The call is over (the flow has said goodbye and hung up).
    Finished(CallOutcome),
}

pub(crate) const THANKS: &str = "La ringraziamo per aver chiamato. Arrivederci.";

/// The whole call: welcome, then the main menu until the call ends.
pub(crate) async fn call<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<CallOutcome, Stop> {
    let early_key = welcome::run(conversation).await?;
    main_menu::run(conversation, early_key).await
}

/// A call that starts with a question the caller asked: the answer flow, then the menu.
pub(crate) async fn call_with_question<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    question: Question,
) -> Result<CallOutcome, Stop> {
    match question::run(conversation, question).await? {
        FlowEnd::BackToMenu => main_menu::run(conversation, None).await,
        FlowEnd::Finished(outcome) => Ok(outcome),
    }
}

/// After three failures in a menu: a callback request when the services are there (the
/// caller evidently needs a person), then goodbye; without services, goodbye.
pub(crate) async fn gave_up<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    failure: Failure,
) -> Result<FlowEnd, Stop> {
    if conversation.services().is_some() {
        conversation
            .say(&format!(
                "{} {}",
                failure.sentence(),
                operator::AFTER_FAILURES
            ))
            .await?;
        operator::callback(conversation).await?;
        conversation.goodbye(THANKS).await?;
    } else {
        conversation
            .goodbye(&format!("{} {THANKS}", failure.sentence()))
            .await?;
    }
    Ok(FlowEnd::Finished(CallOutcome::NoValidChoice))
}

/// The fixed sentences [`gave_up`] may say for `failure`.
pub(crate) fn gave_up_sentences(failure: Failure) -> [String; 2] {
    [
        format!("{} {}", failure.sentence(), operator::AFTER_FAILURES),
        format!("{} {THANKS}", failure.sentence()),
    ]
}

/// The sentences made from the configuration and the knowledge base (see
/// [`crate::DialogContext::service_sentences`]).
pub(crate) fn service_sentences(services: &crate::dialog::Services) -> Vec<String> {
    let mut sentences = information::menu_sentences(&services.knowledge.current());
    sentences.extend(ticket::menu_sentences(&services.ticketing));
    sentences.extend(booking::menu_sentences(&services.ticketing));
    sentences
}

/// The sentences a call may hear whatever the time and the office (the menus, reprompts,
/// goodbyes, branch messages): synthesise them at start-up ([`crate::speech::Voice::prewarm`])
/// so that no caller waits for them. The welcome, which depends on the time, and sentences
/// made from the office configuration, the knowledge base or the caller's data (lines,
/// answers, slots, codes) are left; [`crate::DialogContext::service_sentences`] lists the
/// ones that depend only on the configuration and the knowledge base.
pub fn fixed_sentences() -> Vec<String> {
    let mut sentences = main_menu::sentences();
    sentences.extend(
        [
            information::COMING_SOON,
            ticket::COMING_SOON,
            appointments::COMING_SOON,
            operator::COMING_SOON,
            THANKS,
        ]
        .map(String::from),
    );
    sentences.extend(information::sentences());
    sentences.extend(answer::sentences());
    sentences.extend(ticket::sentences());
    sentences.extend(appointments::sentences());
    sentences.extend(booking::sentences());
    sentences.extend(manage_booking::sentences());
    sentences.extend(operator::sentences());
    sentences.extend(operator_queue::sentences());
    sentences.extend(caller_number::sentences());
    // "... Le ripeto le scelte." is the same in every menu.
    sentences.extend(
        possible_failures(|_| false)
            .into_iter()
            .map(before_repeating),
    );
    sentences.sort();
    sentences.dedup();
    sentences
}
