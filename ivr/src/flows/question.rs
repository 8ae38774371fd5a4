//! A question the caller put in words (a recognised utterance, or text in tests), decided by
//! the knowledge base's search:
//!
//! - sure enough: the answer is spoken at once ([`super::answer`]);
//! - fairly sure: "Vuole informazioni sul rilascio o il rinnovo della carta d'identità
//!   elettronica? Se sì prema 1, altrimenti prema 2.";
//! - unsure: "Ho trovato più argomenti. Per Carta d'identità prema 1. Per ... prema 2. Per ...
//!   prema 3. Se non è nessuno di questi prema 9.";
//! - not understood: "Non ho trovato una risposta alla Sua domanda." and the keypad menu.
//!
//! "No" and "none of these" lead to the keypad menu ([`super::information::browse`]).

use knowledge_base::{Decision, KnowledgeBase, ProcedureId};

use crate::channel::{Channel, Key};
use crate::dialog::Question;
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::{Answer, Failure};

use super::answer::{self, AfterAnswer};
use super::{FlowEnd, gave_up, information, operator, words};

const NOT_FOUND: &str = "Non ho trovato una risposta alla Sua domanda.";
const TO_KEYPAD: &str = "Scelga l'argomento con la tastiera.";
const CONFIRM_HINT: &str = "Prema 1 per sì, 2 per no, oppure 0 per un operatore.";
const CHOOSE_HINT: &str =
    "Prema il numero dell'argomento, 9 per l'elenco completo, oppure 0 per un operatore.";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Choice {
    Procedure(ProcedureId),
    Keypad,
    Operator,
    /// Three failed answers.
    GaveUp(Failure),
}

pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    question: Question,
) -> Result<FlowEnd, Stop> {
    let Some(services) = conversation.services() else {
        conversation.say(information::COMING_SOON).await?;
        return Ok(FlowEnd::BackToMenu);
    };
    let knowledge = services.knowledge.current();
    let results = knowledge.search(&question.text, 5);
    let decision = results.decision(question.recogniser_confidence);
    tracing::info!(
        kind = ?decision.kind(),
        confidence = results.confidence(),
        margin = results.margin(),
        "question decided"
    );
    conversation.note_topic(format!("Domanda: {}", question.text));
    let choice = match decision {
        Decision::Answer(id) => Choice::Procedure(id),
        Decision::Confirm(id) => confirm(conversation, &knowledge, id).await?,
        Decision::ChooseAmong(ids) => choose_among(conversation, &knowledge, ids).await?,
        Decision::NoMatch => {
            conversation
                .say(&format!("{NOT_FOUND} {TO_KEYPAD}"))
                .await?;
            Choice::Keypad
        }
    };
    let choice = match choice {
        Choice::Procedure(id) => id,
        Choice::Keypad => return information::browse(conversation).await,
        Choice::Operator => return operator::run(conversation).await,
        Choice::GaveUp(failure) => return gave_up(conversation, failure).await,
    };
    match answer::run(conversation, &knowledge, &choice).await? {
        AfterAnswer::AnotherQuestion => information::browse(conversation).await,
        AfterAnswer::Leave(end) => Ok(end),
    }
}

async fn confirm<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    knowledge: &KnowledgeBase,
    id: ProcedureId,
) -> Result<Choice, Stop> {
    let title = knowledge
        .procedure(id.as_str())
        .map_or_else(|| id.to_string(), |p| p.spoken_title.clone());
    let prompt = format!(
        "Vuole informazioni {}? Se sì prema 1, altrimenti prema 2.",
        on(&title)
    );
    let options = [
        (Key::Digit(1), Choice::Procedure(id)),
        (Key::Digit(2), Choice::Keypad),
        (Key::Digit(0), Choice::Operator),
    ];
    decided(conversation, &prompt, CONFIRM_HINT, &options).await
}

async fn choose_among<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    knowledge: &KnowledgeBase,
    ids: Vec<ProcedureId>,
) -> Result<Choice, Stop> {
    let mut prompt = vec!["Ho trovato più argomenti.".to_string()];
    let mut options = Vec::new();
    for (i, id) in ids.into_iter().take(3).enumerate() {
        let title = knowledge
            .procedure(id.as_str())
            .map_or_else(|| id.to_string(), |p| p.menu_title.clone());
        prompt.push(words::for_key(&title, i + 1));
        options.push((Key::Digit(i as u8 + 1), Choice::Procedure(id)));
    }
    prompt.push("Se non è nessuno di questi prema 9.".to_string());
    options.push((Key::Digit(9), Choice::Keypad));
    options.push((Key::Digit(0), Choice::Operator));
    decided(conversation, &prompt.join(" "), CHOOSE_HINT, &options).await
}

async fn decided<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    prompt: &str,
    hint: &str,
    options: &[(Key, Choice)],
) -> Result<Choice, Stop> {
    match conversation.choose(prompt, hint, options, None).await? {
        Answer::Chosen(Choice::Keypad) => {
            conversation.say(TO_KEYPAD).await?;
            Ok(Choice::Keypad)
        }
        Answer::Chosen(choice) => Ok(choice),
        Answer::GaveUp(failure) => Ok(Choice::GaveUp(failure)),
    }
}

/// "su" joined to the title's article: "sul rilascio", "sulla TARI", "sull'iscrizione",
/// "sugli", "sui", "sulle", "sullo"; no article: "su ...".
pub(crate) fn on(title: &str) -> String {
    const ARTICLES: [(&str, &str); 7] = [
        ("il ", "sul "),
        ("lo ", "sullo "),
        ("la ", "sulla "),
        ("l'", "sull'"),
        ("i ", "sui "),
        ("gli ", "sugli "),
        ("le ", "sulle "),
    ];
    for (article, joined) in ARTICLES {
        if let Some(rest) = title.strip_prefix(article) {
            return format!("{joined}{rest}");
        }
    }
    format!("su {title}")
}

#[cfg(test)]
mod tests {
    use super::on;

    #[test]
    fn su_joins_the_article() {
        let cases = [
            ("il rilascio della carta", "sul rilascio della carta"),
            ("la TARI", "sulla TARI"),
            ("l'iscrizione all'AIRE", "sull'iscrizione all'AIRE"),
            ("gli assegni", "sugli assegni"),
            ("i certificati", "sui certificati"),
            ("le lampade votive", "sulle lampade votive"),
            ("lo SPID", "sullo SPID"),
            ("SPID", "su SPID"),
        ];
        for (title, expected) in cases {
            assert_eq!(on(title), expected);
        }
    }
}
