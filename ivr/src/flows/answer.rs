//! A procedure's answer and what the caller can do next:
//!
//! (the spoken answer of the procedure; a key stops it)
//! "Per riascoltare prema 1. Per i dettagli, come documenti, costi e tempi, prema 2. Per
//! un'altra domanda prema 3. Per prenotare una consulenza per questa pratica prema 4. Per
//! parlare con un operatore prema 0."
//!
//! Key 4 is offered only when the procedure's line has consultations by appointment; it
//! books with the line and the procedure already known. Key 2 offers the deeper sections
//! the procedure has ("Per i documenti prema 1. Per i costi prema 2. ...").

use knowledge_base::{KnowledgeBase, Procedure, ProcedureId, Section};

use crate::channel::{Channel, Key};
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::{Answer, before_repeating, possible_failures, reprompt};

use super::{FlowEnd, booking, gave_up, operator, words};

/// Where the caller goes after an answer.
#[derive(Debug)]
pub(crate) enum AfterAnswer {
    /// Key 3: back to the question (the keypad menu from the top, for now).
    AnotherQuestion,
    /// Elsewhere: a booking, the operator, the end of the call.
    Leave(FlowEnd),
}

const NEXT_WITH_BOOKING: &str = "Per riascoltare prema 1. Per i dettagli, come documenti, \
     costi e tempi, prema 2. Per un'altra domanda prema 3. Per prenotare una consulenza per \
     questa pratica prema 4. Per parlare con un operatore prema 0.";
const NEXT: &str = "Per riascoltare prema 1. Per i dettagli, come documenti, costi e tempi, \
     prema 2. Per un'altra domanda prema 3. Per parlare con un operatore prema 0.";
const HINT_WITH_BOOKING: &str = "Prema 1 per riascoltare, 2 per i dettagli, 3 per un'altra \
     domanda, 4 per prenotare una consulenza, oppure 0 per un operatore.";
const HINT: &str = "Prema 1 per riascoltare, 2 per i dettagli, 3 per un'altra domanda, \
     oppure 0 per un operatore.";
const DETAILS_BACK: &str = "Per tornare alla risposta prema asterisco.";
const NO_DETAILS: &str = "Per questa pratica non ci sono altri dettagli.";
const MISSING: &str = "Ci scusiamo: questa informazione non è più disponibile.";

pub(crate) fn sentences() -> Vec<String> {
    let mut sentences: Vec<String> = [NEXT_WITH_BOOKING, NEXT, DETAILS_BACK, NO_DETAILS, MISSING]
        .map(String::from)
        .to_vec();
    for (hint, keys) in [
        (HINT_WITH_BOOKING, &[0u8, 1, 2, 3, 4][..]),
        (HINT, &[0, 1, 2, 3][..]),
    ] {
        for failure in possible_failures(|k| keys.iter().any(|d| k == Key::Digit(*d))) {
            sentences.push(reprompt(hint, failure));
            sentences.push(before_repeating(failure));
        }
    }
    sentences
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Repeat,
    Details,
    AnotherQuestion,
    Book,
    Operator,
}

pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    knowledge: &KnowledgeBase,
    id: &ProcedureId,
) -> Result<AfterAnswer, Stop> {
    let Some(procedure) = knowledge.procedure(id.as_str()) else {
        conversation.say(MISSING).await?;
        return Ok(AfterAnswer::AnotherQuestion);
    };
    tracing::info!(procedure = %procedure.id, "answer");
    conversation.note_topic(format!("Informazioni: {}", procedure.title));
    let line = procedure.line.as_str();
    let bookable = conversation.services().is_some_and(|s| {
        s.ticketing
            .office()
            .agenda
            .meeting_points
            .iter()
            .any(|m| m.line.as_str() == line)
    });
    let (prompt, hint) = if bookable {
        (NEXT_WITH_BOOKING, HINT_WITH_BOOKING)
    } else {
        (NEXT, HINT)
    };
    let mut options = vec![
        (Key::Digit(1), Next::Repeat),
        (Key::Digit(2), Next::Details),
        (Key::Digit(3), Next::AnotherQuestion),
        (Key::Digit(0), Next::Operator),
    ];
    if bookable {
        options.push((Key::Digit(4), Next::Book));
    }

    let mut early = conversation.say_or_key(procedure.spoken_answer()).await?;
    loop {
        let next = match conversation
            .choose(prompt, hint, &options, early.take())
            .await?
        {
            Answer::Chosen(next) => next,
            Answer::GaveUp(failure) => {
                return Ok(AfterAnswer::Leave(gave_up(conversation, failure).await?));
            }
        };
        match next {
            Next::Repeat => early = conversation.say_or_key(procedure.spoken_answer()).await?,
            Next::Details => early = details(conversation, procedure).await?,
            Next::AnotherQuestion => return Ok(AfterAnswer::AnotherQuestion),
            Next::Book => {
                let end = booking::run(conversation, Some(line), Some(&procedure.id)).await?;
                return Ok(AfterAnswer::Leave(end));
            }
            Next::Operator => {
                return Ok(AfterAnswer::Leave(operator::run(conversation).await?));
            }
        }
    }
}

/// The deeper sections the procedure has, by key; the section is read with barge-in, and a
/// key pressed during it is returned for the menu after the answer.
async fn details<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    procedure: &Procedure,
) -> Result<Option<Key>, Stop> {
    let sections: Vec<Section> = Section::DEEPER
        .into_iter()
        .filter(|s| !procedure.spoken(*s).trim().is_empty())
        .collect();
    if sections.is_empty() {
        conversation.say(NO_DETAILS).await?;
        return Ok(None);
    }
    let mut prompt: Vec<String> = sections
        .iter()
        .enumerate()
        .map(|(i, s)| words::for_key(label(*s), i + 1))
        .collect();
    prompt.push(DETAILS_BACK.to_string());
    let mut options: Vec<(Key, Option<Section>)> = sections
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((Key::digit(u8::try_from(i + 1).ok()?)?, Some(*s))))
        .collect();
    options.push((Key::Star, None));
    let hint = format!(
        "Prema un tasto da 1 a {}, oppure asterisco per tornare alla risposta.",
        sections.len()
    );
    match conversation
        .choose(&prompt.join(" "), &hint, &options, None)
        .await?
    {
        Answer::Chosen(Some(section)) => {
            tracing::debug!(section = section.slug(), "details");
            conversation.say_or_key(procedure.spoken(section)).await
        }
        Answer::Chosen(None) | Answer::GaveUp(_) => Ok(None),
    }
}

/// How a section is named after "Per ...".
fn label(section: Section) -> &'static str {
    match section {
        Section::Documenti => "i documenti",
        Section::Costi => "i costi",
        Section::Tempi => "i tempi",
        Section::ComePrenotare => "come prenotare",
        Section::Dove => "sapere dove andare",
        Section::Risposta | Section::TestoCompleto => "la risposta",
    }
}
