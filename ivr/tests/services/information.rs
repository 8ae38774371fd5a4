//! Key 1: the knowledge base by keypad, and questions in words (search → answer, confirm or
//! choose among three) through the real knowledge base.

use crate::{CALLER, MENU, MONDAY_10, WELCOME_OPEN, hang_up, knowledge, office_at};

const NO_SPEECH: &str =
    "Il riconoscimento della voce non è ancora attivo: scelga l'argomento con la tastiera.";
const AREAS: &str = "Per orari, appuntamenti e contatti prema 1. Per anagrafe e certificati \
                     prema 2. Per carta d'identità e SPID prema 3. Per tributi, TARI e IMU prema \
                     4. Per nascite, matrimoni e decessi prema 5. Per servizi sociali prema 6. \
                     Per scuola e mensa prema 7. Per elezioni e tessera elettorale prema 8. Per \
                     altre scelte prema 9. Per tornare al menu principale prema asterisco. Per \
                     parlare con un operatore prema 0.";
const IDENTITY: &str = "Per Carta d'identità prema 1. Per Carta d'identità minori prema 2. Per \
                        Carta d'identità smarrita prema 3. Per PIN e PUK prema 4. Per Consegna \
                        carta d'identità prema 5. Per Carta d'identità cartacea prema 6. Per \
                        SPID e identità digitale prema 7. Per Passaporto prema 8. Per tornare \
                        indietro prema asterisco. Per parlare con un operatore prema 0.";
const NEXT: &str = "Per riascoltare prema 1. Per i dettagli, come documenti, costi e tempi, \
                    prema 2. Per un'altra domanda prema 3. Per prenotare una consulenza per \
                    questa pratica prema 4. Per parlare con un operatore prema 0.";
const FIRST_SLOTS: &str = "I primi appuntamenti liberi sono questi. Per oggi alle 13:30 prema 1. \
                           Per oggi alle 13:50 prema 2. Per oggi alle 14:10 prema 3. Per altre \
                           date prema 4. Per tornare al menu principale prema asterisco.";

fn spoken(id: &str, section: knowledge_base::Section) -> String {
    knowledge()
        .current()
        .procedure(id)
        .unwrap()
        .spoken(section)
        .to_string()
}

fn answer(id: &str) -> String {
    spoken(id, knowledge_base::Section::Risposta)
}

#[tokio::test(start_paused = true)]
async fn browse_areas_hear_the_answer_its_costs_then_book_for_its_line() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("1");
    caller.hears(NO_SPEECH).await;
    caller.hears(AREAS).await;
    caller.press("3");
    caller.hears(IDENTITY).await;
    caller.press("1");
    caller.hears(&answer("identita.cie-rilascio")).await;
    caller.hears(NEXT).await;
    caller.press("1");
    caller.hears(&answer("identita.cie-rilascio")).await;
    caller.hears(NEXT).await;
    caller.press("2");
    caller
        .hears(
            "Per i documenti prema 1. Per i costi prema 2. Per i tempi prema 3. Per come \
             prenotare prema 4. Per sapere dove andare prema 5. Per tornare alla risposta \
             prema asterisco.",
        )
        .await;
    caller.press("2");
    caller
        .hears(&spoken(
            "identita.cie-rilascio",
            knowledge_base::Section::Costi,
        ))
        .await;
    caller.hears(NEXT).await;
    // Booking for this procedure: the line (anagrafe) is not asked again.
    caller.press("4");
    caller.hears(FIRST_SLOTS).await;
    caller.press("1");
    caller
        .hears(
            "Ha scelto oggi alle 13:30, presso il Punto di incontro Anagrafe e stato civile. \
             Per confermare la prenotazione prema 1. Per scegliere un'altra data prema 2.",
        )
        .await;
    caller.press("1");
    caller.hears("La prenotazione è confermata.").await;
    caller.next_prompt().await; // the code
    caller.next_prompt().await; // the code again
    caller.next_prompt().await; // keep the code
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
    let booked = office
        .db(|t| async move { t.day_agenda(t.today()).await.unwrap() })
        .await;
    assert_eq!(booked.len(), 1);
    assert_eq!(booked[0].line, "anagrafe");
    assert_eq!(
        booked[0].procedure_id.as_deref(),
        Some("identita.cie-rilascio")
    );
}

#[tokio::test(start_paused = true)]
async fn star_goes_back_a_level_then_to_the_main_menu_and_3_asks_again() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.call(Some(CALLER));
    caller.hears(WELCOME_OPEN).await;
    caller.hears(MENU).await;
    caller.press("1");
    caller.hears(NO_SPEECH).await;
    caller.hears(AREAS).await;
    caller.press("3");
    caller.hears(IDENTITY).await;
    caller.press("8");
    // A key during the answer stops it and is the choice: 3, another question.
    caller.next_prompt().await;
    caller.press("3");
    caller.hears(AREAS).await;
    caller.press("3");
    caller.hears(IDENTITY).await;
    caller.press("*");
    caller.hears(AREAS).await;
    caller.press("*");
    caller.hears(MENU).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn a_clear_question_is_answered_at_once() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.question("come si rinnova la carta d'identità elettronica");
    caller.hears(&answer("identita.cie-rilascio")).await;
    caller.hears(NEXT).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn a_fairly_clear_question_is_confirmed() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.question("quanto costa la carta d'identità");
    caller
        .hears(
            "Vuole informazioni sul rilascio o il rinnovo della carta d'identità elettronica? \
             Se sì prema 1, altrimenti prema 2.",
        )
        .await;
    caller.press("1");
    caller.hears(&answer("identita.cie-rilascio")).await;
    hang_up(dialog, caller).await;

    // "No" leads to the keypad menu.
    let (dialog, mut caller) = office.question("voglio sposarmi");
    caller.next_prompt().await;
    caller.press("2");
    caller.hears("Scelga l'argomento con la tastiera.").await;
    caller.hears(AREAS).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn a_vague_question_offers_three_choices() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.question("tari");
    caller
        .hears(
            "Ho trovato più argomenti. Per Dichiarazione TARI prema 1. Per Pagamento TARI \
             prema 2. Per Riduzioni TARI prema 3. Se non è nessuno di questi prema 9.",
        )
        .await;
    caller.press("2");
    caller.hears(&answer("tributi.tari-pagamento")).await;
    hang_up(dialog, caller).await;
}

#[tokio::test(start_paused = true)]
async fn a_question_not_understood_goes_to_the_keypad_menu() {
    let office = office_at(MONDAY_10).await;
    let (dialog, mut caller) = office.question("pippo pluto");
    caller
        .hears("Non ho trovato una risposta alla Sua domanda. Scelga l'argomento con la tastiera.")
        .await;
    caller.hears(AREAS).await;
    hang_up(dialog, caller).await;
}
