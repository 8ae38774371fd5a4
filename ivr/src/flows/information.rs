//! Key 1, information: the knowledge base by keypad. Speech recognition is not built yet, so
//! the caller is told so in one sentence and browses the menu the knowledge base generates
//! (areas, then procedures, at most nine keys a level, `*` back, `0` operator):
//!
//! "Il riconoscimento della voce non è ancora attivo: scelga l'argomento con la tastiera."
//! "Per orari, appuntamenti e contatti prema 1. Per anagrafe e certificati prema 2. ...
//! Per tornare al menu principale prema asterisco. Per parlare con un operatore prema 0."
//! "Per Carta d'identità prema 1. ... Per tornare indietro prema asterisco. ..."
//!
//! A procedure leads to its answer ([`super::answer`]). A spoken question enters through
//! [`super::question`] and falls back to this menu when it is not understood.

use knowledge_base::{KnowledgeBase, MenuItem};

use crate::channel::{Channel, Key};
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::Answer;

use super::answer::{self, AfterAnswer};
use super::{FlowEnd, gave_up, operator, words};

pub(crate) const COMING_SOON: &str = "Il servizio informazioni telefonico sarà disponibile a breve. \
     Nel frattempo può chiedere informazioni allo sportello, negli orari di apertura.";

pub(crate) const NO_SPEECH: &str =
    "Il riconoscimento della voce non è ancora attivo: scelga l'argomento con la tastiera.";

const TOP_BACK: &str = "Per tornare al menu principale prema asterisco.";
const LEVEL_BACK: &str = "Per tornare indietro prema asterisco.";
const OPERATOR: &str = "Per parlare con un operatore prema 0.";

pub(crate) fn sentences() -> Vec<String> {
    vec![NO_SPEECH.to_string()]
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
    conversation.say(NO_SPEECH).await?;
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
