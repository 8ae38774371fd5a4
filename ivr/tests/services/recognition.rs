//! Key 1 with speech recognition: the caller says the question; the recogniser's confidence
//! and the search decide between answer, confirmation (by "sì" or 1) and three choices; a
//! busy, missing or slow recogniser, silence and keys lead to the keypad menu. A fake
//! recogniser (no `speech` feature needed), the real knowledge base, virtual time.

use std::sync::Arc;
use std::time::Duration;

use ivr::recognition::Unavailable;
use ivr::testing::{FakeCaller, FakeRecognizer, fake_call};
use ivr::{CallInfo, CallOutcome, run_call_with};
use tokio::task::JoinHandle;

use crate::{CALLER, MENU, MONDAY_10, WELCOME_OPEN, hang_up, knowledge, office_at};

const ASK: &str =
    "Mi dica in poche parole di cosa ha bisogno, oppure prema 1 per scegliere dall'elenco.";
const ASK_AGAIN: &str = "Non ho sentito la Sua domanda. Può dire, per esempio, carta \
                         d'identità, cambio di residenza o tassa sui rifiuti. Oppure prema 1 \
                         per scegliere dall'elenco.";
const CANNOT_LISTEN: &str = "In questo momento non riesco ad ascoltare: usi la tastiera.";
const TO_KEYPAD: &str = "Scelga l'argomento con la tastiera.";
const AREAS: &str = "Per orari, appuntamenti e contatti prema 1. Per anagrafe e certificati \
                     prema 2. Per carta d'identità e SPID prema 3. Per tributi, TARI e IMU prema \
                     4. Per nascite, matrimoni e decessi prema 5. Per servizi sociali prema 6. \
                     Per scuola e mensa prema 7. Per elezioni e tessera elettorale prema 8. Per \
                     altre scelte prema 9. Per tornare al menu principale prema asterisco. Per \
                     parlare con un operatore prema 0.";
const NEXT: &str = "Per riascoltare prema 1. Per i dettagli, come documenti, costi e tempi, \
                    prema 2. Per un'altra domanda prema 3. Per prenotare una consulenza per \
                    questa pratica prema 4. Per parlare con un operatore prema 0.";
const CONFIRM_CIE: &str = "Vuole informazioni sul rilascio o il rinnovo della carta d'identità \
                           elettronica? Dica sì o prema 1, altrimenti dica no o prema 2.";
/// Clear for the search: answered at once when heard well.
const CLEAR: &str = "come si rinnova la carta d'identità elettronica";

fn answer(id: &str) -> String {
    knowledge()
        .current()
        .procedure(id)
        .unwrap()
        .spoken_answer()
        .to_string()
}

/// A call to the sample office with `recognizer`, up to the choice of information.
async fn call_with(recognizer: FakeRecognizer) -> (JoinHandle<CallOutcome>, FakeCaller) {
    call_sharing(Arc::new(recognizer)).await
}

async fn call_sharing(recognizer: Arc<FakeRecognizer>) -> (JoinHandle<CallOutcome>, FakeCaller) {
    let office = office_at(MONDAY_10).await;
    let ctx = office.ctx.clone().with_recognizer(recognizer);
    let (mut channel, mut caller) = fake_call();
    let info = CallInfo::new("speech-call", Some(CALLER));
    let dialog = tokio::spawn(async move { run_call_with(&mut channel, &ctx, &info).await });
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("1");
    (dialog, caller)
}

#[tokio::test(start_paused = true)]
async fn a_question_heard_well_is_answered_at_once() {
    let (dialog, mut caller) = call_with(FakeRecognizer::hearing(0.9)).await;
    let asked = caller.hears(ASK).await;
    caller.answers(asked, CLEAR).await;
    let answered = caller.hears(&answer("identita.cie-rilascio")).await;
    // The words, 0.7 s of silence to notice the end, the recognition: then the answer.
    let said_for = ivr::testing::FakeVoice::length_of(CLEAR);
    let least = FakeCaller::REACTION
        + said_for
        + Duration::from_millis(700)
        + FakeRecognizer::RECOGNITION_TIME;
    let waited = answered.at - asked.end();
    assert!(
        waited >= least && waited <= least + Duration::from_millis(100),
        "answered {waited:?} after the invitation"
    );
    caller.hears(NEXT).await;
    assert!(
        caller
            .transcript()
            .contains(&format!("caller says: {CLEAR}"))
    );
    // 3, another question: asked by voice again.
    caller.press("3");
    let asked = caller.hears(ASK).await;
    caller.answers(asked, "quanto costa la TARI").await;
    assert!(caller.next_prompt().await.is_some());
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn a_question_heard_unsurely_is_confirmed_by_voice_or_key() {
    let recognizer = || FakeRecognizer::hearing(0.5).with_confidence("sì", 0.9);

    // "Sì" spoken.
    let (dialog, mut caller) = call_with(recognizer()).await;
    let heard = caller.hears(ASK).await;
    caller.answers(heard, CLEAR).await;
    let heard = caller.hears(CONFIRM_CIE).await;
    caller.answers(heard, "sì").await;
    caller.hears(&answer("identita.cie-rilascio")).await;
    hang_up(dialog, caller).await;

    // 1 pressed, during the question.
    let (dialog, mut caller) = call_with(recognizer()).await;
    let heard = caller.hears(ASK).await;
    caller.answers(heard, CLEAR).await;
    caller.next_prompt().await;
    caller.press("1");
    caller.hears(&answer("identita.cie-rilascio")).await;
    hang_up(dialog, caller).await;

    // "No": the keypad menu.
    let (dialog, mut caller) = call_with(recognizer()).await;
    let heard = caller.hears(ASK).await;
    caller.answers(heard, CLEAR).await;
    let heard = caller.hears(CONFIRM_CIE).await;
    caller.answers(heard, "no, non è questo").await;
    caller.hears(TO_KEYPAD).await;
    caller.hears(AREAS).await;
    hang_up(dialog, caller).await;

    // Words that are neither: the same question on the keypad.
    let (dialog, mut caller) = call_with(recognizer()).await;
    let heard = caller.hears(ASK).await;
    caller.answers(heard, CLEAR).await;
    let heard = caller.hears(CONFIRM_CIE).await;
    caller.answers(heard, "boh").await;
    caller
        .hears(
            "Vuole informazioni sul rilascio o il rinnovo della carta d'identità elettronica? \
             Se sì prema 1, altrimenti prema 2.",
        )
        .await;
    caller.press("1");
    caller.hears(&answer("identita.cie-rilascio")).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn doubtful_words_offer_the_best_three_on_the_keypad() {
    let (dialog, mut caller) = call_with(FakeRecognizer::hearing(0.2)).await;
    let heard = caller.hears(ASK).await;
    caller.answers(heard, CLEAR).await;
    let (choices, _) = caller.next_prompt().await.unwrap();
    assert!(
        choices.starts_with("Ho trovato più argomenti. Per Carta d'identità prema 1.")
            && choices.ends_with("Se non è nessuno di questi prema 9."),
        "{choices}"
    );
    caller.press("1");
    caller.hears(&answer("identita.cie-rilascio")).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn a_recognizer_that_cannot_listen_sends_the_caller_to_the_keypad_with_the_message() {
    // Available when the dialog asked, failing when the words arrived.
    for why in [
        Unavailable::Busy,
        Unavailable::TimedOut(Duration::from_secs(5)),
        Unavailable::NotConfigured,
    ] {
        let (dialog, mut caller) = call_with(FakeRecognizer::failing(why)).await;
        let heard = caller.hears(ASK).await;
        caller.answers(heard, CLEAR).await;
        caller.hears(CANNOT_LISTEN).await;
        caller.hears(AREAS).await;
        hang_up(dialog, caller).await;
    }
    // Unavailable already when the caller chose information (every worker busy, model
    // missing): the caller is not invited to speak.
    for why in [Unavailable::Busy, Unavailable::NotConfigured] {
        let (dialog, mut caller) = call_with(FakeRecognizer::unavailable(why)).await;
        caller.hears(CANNOT_LISTEN).await;
        caller.hears(AREAS).await;
        caller.press("3");
        caller.next_prompt().await;
        hang_up(dialog, caller).await;
    }
}

#[tokio::test(start_paused = true)]
async fn silence_gets_examples_once_then_the_keypad_menu() {
    let recognizer = Arc::new(FakeRecognizer::hearing(0.9));
    let (dialog, mut caller) = call_sharing(recognizer.clone()).await;
    let asked = caller.hears(ASK).await;
    let again = caller.hears(ASK_AGAIN).await;
    assert_eq!(again.at - asked.end(), Duration::from_secs(5));
    let keypad = caller.hears(TO_KEYPAD).await;
    assert_eq!(keypad.at - again.end(), Duration::from_secs(5));
    caller.hears(AREAS).await;
    assert!(recognizer.recognised().is_empty());
    let transcript = caller.transcript();
    assert_eq!(
        transcript
            .iter()
            .filter(|l| *l == "caller: (says nothing)")
            .count(),
        2
    );
    hang_up(dialog, caller).await;

    // After the examples, the caller speaks.
    let (dialog, mut caller) = call_with(FakeRecognizer::hearing(0.9)).await;
    caller.hears(ASK).await;
    let heard = caller.hears(ASK_AGAIN).await;
    caller.answers(heard, CLEAR).await;
    caller.hears(&answer("identita.cie-rilascio")).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn keys_while_listening_choose_the_list_the_operator_or_the_main_menu() {
    // 1 after the invitation: the keypad menu.
    let (dialog, mut caller) = call_with(FakeRecognizer::hearing(0.9)).await;
    caller.hears(ASK).await;
    caller.press("1");
    caller.hears(AREAS).await;
    hang_up(dialog, caller).await;

    // 1 during the invitation (barge-in): the keypad menu at once.
    let (dialog, mut caller) = call_with(FakeRecognizer::hearing(0.9)).await;
    caller.next_prompt().await;
    caller.press("1");
    caller.hears(AREAS).await;
    hang_up(dialog, caller).await;

    // *: back to the main menu.
    let (dialog, mut caller) = call_with(FakeRecognizer::hearing(0.9)).await;
    caller.hears(ASK).await;
    caller.press("*");
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn words_said_over_a_prompt_are_not_heard() {
    let (dialog, mut caller) = call_with(FakeRecognizer::hearing(0.9)).await;
    caller.next_prompt().await; // the invitation, still playing
    caller.says("pronto?");
    caller.hears(ASK_AGAIN).await;
    assert!(
        caller.transcript().contains(
            &"caller says: pronto? (not heard: the dialog was not listening)".to_string()
        )
    );
    hang_up(dialog, caller).await;
}

#[test]
fn the_vocabulary_puts_acronyms_then_every_area_first() {
    use ivr::recognition::vocabulary::{PROMPT_CHARS, PROMPT_OPENING, prompt, terms};
    let knowledge = knowledge().current();
    let terms = terms(&knowledge);
    let procedures = knowledge.procedures();
    assert!(terms.len() > procedures.len(), "{} terms", terms.len());
    // Every menu title is there, once.
    for procedure in procedures {
        assert!(
            terms.contains(&procedure.menu_title),
            "{}",
            procedure.menu_title
        );
    }
    let mut lowered: Vec<String> = terms.iter().map(|t| t.to_lowercase()).collect();
    lowered.sort();
    lowered.dedup();
    assert_eq!(lowered.len(), terms.len(), "terms are unique");
    assert!(terms.iter().all(|t| !t.chars().any(|c| c.is_ascii_digit())));
    // The prompt within its budget names the acronyms and a procedure of every area.
    let text = prompt(&terms, PROMPT_CHARS);
    assert!(text.starts_with(PROMPT_OPENING) && text.ends_with('.'));
    assert!(text.chars().count() <= PROMPT_CHARS);
    for acronym in ["TARI", "IMU", "ISEE", "SPID", "CIE"] {
        assert!(text.contains(acronym), "{acronym} missing from {text}");
    }
    let mut areas: Vec<&str> = procedures.iter().map(|p| p.area.as_str()).collect();
    areas.dedup();
    for area in areas {
        assert!(
            procedures
                .iter()
                .filter(|p| p.area == area)
                .any(|p| text.contains(&p.menu_title)),
            "no procedure of {area} in {text}"
        );
    }
}
