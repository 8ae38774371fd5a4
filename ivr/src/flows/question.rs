//! A question the caller put in words (a recognised utterance, or text in tests), decided by
//! the knowledge base's search:
//!
//! - sure enough: the answer is spoken at once ([`super::answer`]);
//! - fairly sure: "Vuole informazioni sul rilascio o il rinnovo della carta d'identità
//!   elettronica? Se sì prema 1, altrimenti prema 2."; for a spoken question "... Dica sì o
//!   prema 1, altrimenti dica no o prema 2." (a "sì" that is not understood gets the keypad
//!   question);
//! - unsure: "Ho trovato più argomenti. Per Carta d'identità prema 1. Per ... prema 2. Per ...
//!   prema 3. Se non è nessuno di questi prema 9.";
//! - not understood: "Non ho trovato una risposta alla Sua domanda." and the keypad menu.
//!
//! "No" and "none of these" lead to the keypad menu ([`super::information::browse`]).
//!
//! The search decides from its confidence and margin and, for speech, the recogniser's
//! confidence (`knowledge_base::decide`: words heard unsurely are confirmed, never answered at
//! once); below [`DOUBTFUL_RECOGNITION`] the words themselves are doubtful, so even a sure
//! search is offered as a choice among three.

use knowledge_base::{Decision, KnowledgeBase, ProcedureId, SearchResults};

use crate::channel::{Channel, Key};
use crate::dialog::Question;
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::listening::{CANNOT_LISTEN, Said};
use crate::dialog::menu::{Answer, Failure};

use super::answer::{self, AfterAnswer};
use super::{FlowEnd, gave_up, information, operator, words};

const NOT_FOUND: &str = "Non ho trovato una risposta alla Sua domanda.";
const TO_KEYPAD: &str = "Scelga l'argomento con la tastiera.";
const CONFIRM_HINT: &str = "Prema 1 per sì, 2 per no, oppure 0 per un operatore.";
const CHOOSE_HINT: &str =
    "Prema il numero dell'argomento, 9 per l'elenco completo, oppure 0 per un operatore.";

/// Below this recogniser confidence the words are doubtful: no answer or confirmation on
/// them, the best three are offered on the keypad.
pub(crate) const DOUBTFUL_RECOGNITION: f32 = 0.35;

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
    let decision = decide(&results, question.recogniser_confidence);
    tracing::info!(
        kind = ?decision.kind(),
        confidence = results.confidence(),
        margin = results.margin(),
        recogniser = question.recogniser_confidence,
        "question decided"
    );
    conversation.note_topic(format!("Domanda: {}", question.text));
    let spoken = question.recogniser_confidence.is_some();
    let choice = match decision {
        Decision::Answer(id) => Choice::Procedure(id),
        Decision::Confirm(id) if spoken => confirm_aloud(conversation, &knowledge, id).await?,
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
        // Boxed: asking again may lead back here.
        AfterAnswer::AnotherQuestion => Box::pin(information::another_question(conversation)).await,
        AfterAnswer::Leave(end) => Ok(end),
    }
}

/// The search's decision, made doubtful by a doubtful recogniser.
fn decide(results: &SearchResults, recogniser: Option<f32>) -> Decision {
    match results.decision(recogniser) {
        Decision::Answer(_) | Decision::Confirm(_)
            if recogniser.is_some_and(|r| r < DOUBTFUL_RECOGNITION) =>
        {
            Decision::ChooseAmong(results.hits.iter().take(3).map(|h| h.id.clone()).collect())
        }
        decision => decision,
    }
}

/// "Vuole informazioni sul ...? Dica sì o prema 1, altrimenti dica no o prema 2."
async fn confirm_aloud<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    knowledge: &KnowledgeBase,
    id: ProcedureId,
) -> Result<Choice, Stop> {
    let prompt = format!(
        "Vuole informazioni {}? Dica sì o prema 1, altrimenti dica no o prema 2.",
        on(&spoken_title(knowledge, &id))
    );
    let said = conversation.say_and_listen(&prompt).await?;
    let yes = match &said {
        Said::Key(Key::Digit(1)) => Some(true),
        Said::Key(Key::Digit(2)) => Some(false),
        Said::Key(Key::Digit(0)) => return Ok(Choice::Operator),
        Said::Words { text, .. } => yes_or_no(text),
        Said::Key(_) | Said::Nothing => None,
        Said::CannotListen => {
            conversation.say(CANNOT_LISTEN).await?;
            None
        }
    };
    match yes {
        Some(true) => Ok(Choice::Procedure(id)),
        Some(false) => {
            conversation.say(TO_KEYPAD).await?;
            Ok(Choice::Keypad)
        }
        // Not understood: the same question on the keypad, with its reprompts.
        None => confirm(conversation, knowledge, id).await,
    }
}

fn spoken_title(knowledge: &KnowledgeBase, id: &ProcedureId) -> String {
    knowledge
        .procedure(id.as_str())
        .map_or_else(|| id.to_string(), |p| p.spoken_title.clone())
}

/// "sì", "certo", "esatto" → yes; "no", "non è questo" → no; anything else (or both) → not
/// understood.
pub(crate) fn yes_or_no(text: &str) -> Option<bool> {
    const YES: [&str; 10] = [
        "si",
        "certo",
        "esatto",
        "esattamente",
        "giusto",
        "confermo",
        "corretto",
        "proprio",
        "ok",
        "okay",
    ];
    const YES_PHRASES: [&str; 2] = ["va bene", "d'accordo"];
    const NO: [&str; 4] = ["no", "non", "sbagliato", "nessuno"];
    let folded: String = text
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'ì' | 'í' => 'i',
            'è' | 'é' => 'e',
            'à' => 'a',
            'ò' => 'o',
            'ù' => 'u',
            c if c.is_alphanumeric() || c == '\'' || c == '’' => c,
            _ => ' ',
        })
        .collect();
    let words: Vec<&str> = folded.split_whitespace().collect();
    let yes =
        words.iter().any(|w| YES.contains(w)) || YES_PHRASES.iter().any(|p| folded.contains(p));
    let no = words.iter().any(|w| NO.contains(w));
    match (yes, no) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

async fn confirm<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    knowledge: &KnowledgeBase,
    id: ProcedureId,
) -> Result<Choice, Stop> {
    let prompt = format!(
        "Vuole informazioni {}? Se sì prema 1, altrimenti prema 2.",
        on(&spoken_title(knowledge, &id))
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
    use super::*;
    use knowledge_base::Hit;

    #[test]
    fn yes_and_no_in_words() {
        let cases = [
            ("Sì.", Some(true)),
            ("si grazie", Some(true)),
            ("Sì, esatto!", Some(true)),
            ("certo", Some(true)),
            ("va bene", Some(true)),
            ("No.", Some(false)),
            ("no, non è questo", Some(false)),
            ("Non lo so", Some(false)),
            ("sì... no", None),
            ("la carta d'identità", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(yes_or_no(text), expected, "{text:?}");
        }
    }

    fn results(confidence: f32, margin: f32) -> SearchResults {
        let hit = |id: &str, confidence: f32, margin: f32| Hit {
            id: ProcedureId::parse(id).unwrap(),
            title: id.to_string(),
            spoken_title: id.to_string(),
            confidence,
            margin,
        };
        SearchResults {
            question: "domanda".into(),
            hits: vec![
                hit("identita.cie-rilascio", confidence, margin),
                hit("identita.cie-smarrita", confidence - margin, 0.1),
                hit("identita.spid", 0.2, 0.1),
                hit("identita.passaporto", 0.1, 0.0),
            ],
        }
    }

    #[test]
    fn the_recogniser_confidence_weighs_on_the_decision() {
        use knowledge_base::DecisionKind::*;
        let cases = [
            // (search confidence, margin, recogniser, decision)
            (0.9, 0.5, None, Answer),
            (0.9, 0.5, Some(0.9), Answer),
            (0.9, 0.5, Some(0.5), Confirm),
            (0.9, 0.5, Some(0.2), ChooseAmong),
            (0.5, 0.2, Some(0.9), Confirm),
            (0.5, 0.2, Some(0.3), ChooseAmong),
            (0.3, 0.02, Some(0.9), ChooseAmong),
        ];
        for (confidence, margin, recogniser, expected) in cases {
            let decision = decide(&results(confidence, margin), recogniser);
            assert_eq!(
                decision.kind(),
                expected,
                "{confidence} {margin} {recogniser:?}"
            );
            if expected == ChooseAmong {
                assert_eq!(decision.ids().len(), 3);
            }
        }
    }

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
