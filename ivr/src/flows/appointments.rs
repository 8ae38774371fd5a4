//! Key 3, appointments (consultations by appointment with a service line).
//!
//! "Per prenotare una consulenza prema 1. Per disdire una prenotazione prema 2. Per spostare
//! una prenotazione prema 3. Per tornare al menu principale prema asterisco. Per parlare con
//! un operatore prema 0."
//!
//! Booking is [`super::booking`]; cancelling and moving by code are
//! [`super::manage_booking`].

use crate::channel::{Channel, Key};
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::{Answer, Menu};

use super::manage_booking::Action;
use super::{FlowEnd, booking, gave_up, manage_booking, operator};

pub(crate) const COMING_SOON: &str = "La prenotazione degli appuntamenti per telefono sarà disponibile a breve. \
     Per ora può prenotare allo sportello.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Book,
    Cancel,
    Move,
    Back,
    Operator,
}

const MENU: Menu<Choice> = Menu {
    prompt: "Per prenotare una consulenza prema 1. Per disdire una prenotazione prema 2. \
             Per spostare una prenotazione prema 3. Per tornare al menu principale prema \
             asterisco. Per parlare con un operatore prema 0.",
    hint: "Prema 1 per prenotare, 2 per disdire, 3 per spostare, asterisco per il menu \
           principale, oppure 0 per un operatore.",
    options: &[
        (Key::Digit(1), Choice::Book),
        (Key::Digit(2), Choice::Cancel),
        (Key::Digit(3), Choice::Move),
        (Key::Star, Choice::Back),
        (Key::Digit(0), Choice::Operator),
    ],
};

pub(crate) fn sentences() -> Vec<String> {
    let mut sentences = vec![MENU.prompt.to_string()];
    sentences.extend(MENU.reprompts());
    sentences
}

pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<FlowEnd, Stop> {
    if conversation.services().is_none() {
        conversation.say(COMING_SOON).await?;
        return Ok(FlowEnd::BackToMenu);
    }
    match conversation.ask(&MENU, None).await? {
        Answer::Chosen(Choice::Book) => booking::run(conversation, None, None).await,
        Answer::Chosen(Choice::Cancel) => manage_booking::run(conversation, Action::Cancel).await,
        Answer::Chosen(Choice::Move) => manage_booking::run(conversation, Action::Move).await,
        Answer::Chosen(Choice::Back) => Ok(FlowEnd::BackToMenu),
        Answer::Chosen(Choice::Operator) => operator::run(conversation).await,
        Answer::GaveUp(failure) => gave_up(conversation, failure).await,
    }
}
