//! Key 1, information: the caller says the question, or browses the knowledge base by keypad.
//!
//! With speech recognition ready:
//!
//! "Mi dica in poche parole di cosa ha bisogno, oppure prema 1 per scegliere dall'elenco."
//! The words go to [`super::question`] (answer, confirm, choose among three). Silence or no
//! words: once more with examples, then the keypad menu. A key: 1 (or any other) the keypad
//! menu, 0 the operator, `*` the main menu. Recognition unavailable (busy, no model, too
//! slow): "In questo momento non riesco ad ascoltare: usi la tastiera." and the keypad menu.
//!
//! Without a recogniser (feature `speech` off, no model configured) the caller is told so in
//! one sentence and browses the menu the knowledge base generates (areas, then procedures, at
//! most nine keys a level, `*` back, `0` operator):
//!
//! "Il riconoscimento della voce non è ancora attivo: scelga l'argomento con la tastiera."
//! "Per orari, appuntamenti e contatti prema 1. Per anagrafe e certificati prema 2. ...
//! Per tornare al menu principale prema asterisco. Per parlare con un operatore prema 0."
//! "Per Carta d'identità prema 1. ... Per tornare indietro prema asterisco. ..."
//!
//! A procedure leads to its answer ([`super::answer`]). A spoken question that is not
//! understood falls back to this menu.

use knowledge_base::{KnowledgeBase, MenuItem};

use crate::channel::{Channel, Key};
use crate::dialog::Question;
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::listening::{CANNOT_LISTEN, Said, Speech};
use crate::dialog::menu::Answer;

use super::answer::{self, AfterAnswer};
use super::{FlowEnd, gave_up, operator, question, words};

pub(crate) const COMING_SOON: &str = "Il servizio informazioni telefonico sarà disponibile a breve. \
     Nel frattempo può chiedere informazioni allo sportello, negli orari di apertura.";

pub(crate) const NO_SPEECH: &str =
    "Il riconoscimento della voce non è ancora attivo: scelga l'argomento con la tastiera.";

pub(crate) const ASK: &str =
    "Mi dica in poche parole di cosa ha bisogno, oppure prema 1 per scegliere dall'elenco.";
pub(crate) const ASK_AGAIN: &str = "Non ho sentito la Sua domanda. Può dire, per esempio, \
     carta d'identità, cambio di residenza o tassa sui rifiuti. \
     Oppure prema 1 per scegliere dall'elenco.";
pub(crate) const TO_KEYPAD: &str = "Scelga l'argomento con la tastiera.";

const TOP_BACK: &str = "Per tornare al menu principale prema asterisco.";
const LEVEL_BACK: &str = "Per tornare indietro prema asterisco.";
const OPERATOR: &str = "Per parlare con un operatore prema 0.";

pub(crate) fn sentences() -> Vec<String> {
    [NO_SPEECH, ASK, ASK_AGAIN, TO_KEYPAD, CANNOT_LISTEN]
        .map(String::from)
        .to_vec()
}

/// Every prompt of the knowledge base's keypad menu (to synthesise ahead of calls).
pub(crate) fn menu_sentences(knowledge: &KnowledgeBase) -> Vec<String> {
    fn walk(items: &[MenuItem], top: bool, out: &mut Vec<String>) {
        out.push(level_prompt(items, top));
        out.push(level_hint(items, top));
        for item in items.iter().filter(|i| !i.children.is_empty()) {
            walk(&item.children, false, out);
        }
    }
    let mut out = Vec::new();
    walk(&knowledge.menu().items, true, &mut out);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Item(usize),
    Back,
    Operator,
}

pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<FlowEnd, Stop> {
    if conversation.services().is_none() {
        conversation.say(COMING_SOON).await?;
        return Ok(FlowEnd::BackToMenu);
    }
    match conversation.speech() {
        Speech::Ready => ask(conversation).await,
        Speech::Off => {
            conversation.say(NO_SPEECH).await?;
            browse(conversation).await
        }
        Speech::Unavailable(why) => {
            tracing::warn!(%why, "speech recognition unavailable: keypad menu");
            conversation.say(CANNOT_LISTEN).await?;
            browse(conversation).await
        }
    }
}

/// After an answer to a spoken question, "3, another question": asked again by voice when
/// recognition is ready, otherwise the keypad menu.
pub(crate) async fn another_question<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<FlowEnd, Stop> {
    match conversation.speech() {
        Speech::Ready => ask(conversation).await,
        Speech::Off | Speech::Unavailable(_) => browse(conversation).await,
    }
}

/// "Mi dica in poche parole di cosa ha bisogno...": the question in words, or a key.
async fn ask<C: Channel>(conversation: &mut Conversation<'_, C>) -> Result<FlowEnd, Stop> {
    for prompt in [ASK, ASK_AGAIN] {
        match conversation.say_and_listen(prompt).await? {
            Said::Words { text, confidence } => {
                return question::run(conversation, Question::spoken(text, confidence)).await;
            }
            Said::Key(Key::Digit(0)) => return operator::run(conversation).await,
            Said::Key(Key::Star) => return Ok(FlowEnd::BackToMenu),
            Said::Key(_) => return browse(conversation).await,
            Said::CannotListen => {
                conversation.say(CANNOT_LISTEN).await?;
                return browse(conversation).await;
            }
            Said::Nothing => {}
        }
    }
    conversation.say(TO_KEYPAD).await?;
    browse(conversation).await
}

/// The keypad menu of the knowledge base, from the top.
pub(crate) async fn browse<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<FlowEnd, Stop> {
    let Some(services) = conversation.services() else {
        return Ok(FlowEnd::BackToMenu);
    };
    // One knowledge base for the whole visit: a reload does not change the menu under the
    // caller's fingers.
    let knowledge = services.knowledge.current();
    let mut path: Vec<u8> = Vec::new();
    loop {
        let items: &[MenuItem] = if path.is_empty() {
            &knowledge.menu().items
        } else {
            match knowledge.menu().find(&path) {
                Some(item) => &item.children,
                None => &knowledge.menu().items,
            }
        };
        let top = path.is_empty();
        let mut options: Vec<(Key, Choice)> = (0..items.len())
            .filter_map(|i| Some((Key::digit(u8::try_from(i + 1).ok()?)?, Choice::Item(i))))
            .collect();
        options.push((Key::Star, Choice::Back));
        options.push((Key::Digit(0), Choice::Operator));
        let answer = conversation
            .choose(
                &level_prompt(items, top),
                &level_hint(items, top),
                &options,
                None,
            )
            .await?;
        match answer {
            Answer::Chosen(Choice::Item(i)) => {
                let item = &items[i];
                match &item.procedure {
                    Some(id) => match answer::run(conversation, &knowledge, id).await? {
                        AfterAnswer::AnotherQuestion => path.clear(),
                        AfterAnswer::Leave(end) => return Ok(end),
                    },
                    None => path.push(item.key),
                }
            }
            Answer::Chosen(Choice::Back) => {
                if path.pop().is_none() {
                    return Ok(FlowEnd::BackToMenu);
                }
            }
            Answer::Chosen(Choice::Operator) => return operator::run(conversation).await,
            Answer::GaveUp(failure) => return gave_up(conversation, failure).await,
        }
    }
}

/// "Per anagrafe e certificati prema 1. ... Per tornare indietro prema asterisco. Per
/// parlare con un operatore prema 0."
fn level_prompt(items: &[MenuItem], top: bool) -> String {
    let mut parts: Vec<String> = items
        .iter()
        .map(|item| words::for_key(&item.spoken, usize::from(item.key)))
        .collect();
    parts.push(if top { TOP_BACK } else { LEVEL_BACK }.to_string());
    parts.push(OPERATOR.to_string());
    parts.join(" ")
}

fn level_hint(items: &[MenuItem], top: bool) -> String {
    let back = if top {
        "asterisco per il menu principale"
    } else {
        "asterisco per tornare indietro"
    };
    format!(
        "Prema un tasto da 1 a {}, {back}, oppure 0 per un operatore.",
        items.len()
    )
}
