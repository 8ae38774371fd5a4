//! Booking a consultation. The line is chosen (or inherited from an answer), the caller's
//! number is known or keyed in, then:
//!
//! "I primi appuntamenti liberi sono questi. Per lunedì 23 novembre alle 13:30 prema 1. Per
//! ... prema 2. Per ... prema 3. Per altre date prema 4. Per tornare al menu principale prema
//! asterisco."
//! "Ha scelto giovedì 3 dicembre alle 14:20, presso il Punto di incontro Anagrafe e stato
//! civile. Per confermare la prenotazione prema 1. Per scegliere un'altra data prema 2."
//! "La prenotazione è confermata." "Il codice della prenotazione è 4821 0371." "Ripeto:
//! 4821 0371." "Conservi il codice: serve per disdire o spostare l'appuntamento."
//!
//! The booking is one insert after the final confirmation: a caller who hangs up before it
//! leaves nothing behind. A slot taken meanwhile gets an apology and the next free ones.
//! Nothing free within the horizon: an escalation request is stored and the caller is told
//! that the office will call back.

use jiff::civil::Date;
use knowledge_base::ProcedureId;
use ticketing::Ticketing;
use ticketing::agenda::{BookingError, BookingRequest, OfferedSlot};

use crate::channel::{Channel, Key};
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::Answer;

use super::{FlowEnd, appointments, caller_number, gave_up, operator, words};

const WHICH_LINE: &str = "Per quale servizio desidera la consulenza?";
const BACK: &str = "Per tornare al menu principale prema asterisco.";
const FIRST_FREE: &str = "I primi appuntamenti liberi sono questi.";
const MORE_FREE: &str = "Ecco le date successive.";
const MORE: &str = "Per altre date prema 4.";
const NO_MORE: &str = "Non ci sono altre date libere. Le ripeto le prime.";
pub(crate) const SLOT_GONE: &str =
    "Ci scusiamo: questo orario è appena stato prenotato da un'altra persona.";
const CONFIRMED: &str = "La prenotazione è confermata.";
const KEEP_CODE: &str = "Conservi il codice: serve per disdire o spostare l'appuntamento.";
pub(crate) const FAILED: &str = "Ci scusiamo: per un problema tecnico non è stato possibile \
     completare l'operazione. Può riprovare più tardi oppure rivolgersi allo sportello.";
const SLOT_HINT: &str = "Prema il numero dell'appuntamento che preferisce, oppure asterisco \
     per tornare al menu principale.";
const CONFIRM_HINT: &str = "Prema 1 per confermare, oppure 2 per scegliere un'altra data.";

pub(crate) fn sentences() -> Vec<String> {
    [
        SLOT_GONE,
        CONFIRMED,
        KEEP_CODE,
        FAILED,
        NO_MORE,
        "Non ho ricevuto nessuna scelta. Prema 1 per confermare, oppure 2 per scegliere un'altra data.",
        "Non ho ricevuto nessuna scelta. Prema il numero dell'appuntamento che preferisce, \
         oppure asterisco per tornare al menu principale.",
    ]
    .map(String::from)
    .to_vec()
}

/// What the caller did with the slots offered.
pub(crate) enum Offer {
    Chosen(OfferedSlot),
    /// Nothing free within the horizon.
    NothingFree,
    /// The caller went elsewhere (menu, operator, end of the call).
    Leave(FlowEnd),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LineChoice {
    Line(String),
    Back,
    Operator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotChoice {
    Slot(usize),
    More,
    Back,
    Operator,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Confirm {
    Yes,
    OtherDate,
    Operator,
}

pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    line: Option<&str>,
    procedure: Option<&ProcedureId>,
) -> Result<FlowEnd, Stop> {
    let Some(services) = conversation.services() else {
        conversation.say(appointments::COMING_SOON).await?;
        return Ok(FlowEnd::BackToMenu);
    };
    let ticketing = &services.ticketing;
    let line = match line {
        Some(line) => line.to_string(),
        None => match choose_line(conversation, ticketing).await? {
            Ok(line) => line,
            Err(end) => return Ok(end),
        },
    };
    let line_name = ticketing
        .office()
        .line(&line)
        .map_or_else(|| line.clone(), |l| l.name.clone());
    conversation.note_topic(format!("Prenotazione di una consulenza: {line_name}"));
    let Some(contact) = caller_number::ensure(conversation).await? else {
        return Ok(FlowEnd::BackToMenu);
    };

    loop {
        let slot = match offer(conversation, ticketing, &line).await? {
            Offer::Chosen(slot) => slot,
            Offer::Leave(end) => return Ok(end),
            Offer::NothingFree => {
                let horizon = ticketing.office().agenda.horizon_days;
                let reason = format!(
                    "Nessun appuntamento libero entro {horizon} giorni{}",
                    procedure.map_or_else(String::new, |p| format!(" (pratica {p})"))
                );
                let escalate = {
                    let (line, contact) = (line.clone(), contact.clone());
                    move |t: Ticketing| async move {
                        t.escalate(&line, &contact, &reason, "phone").await
                    }
                };
                let sentence = match conversation.service(ticketing, escalate).await {
                    Ok(id) => {
                        tracing::info!(id, line = %line, "booking escalated by phone");
                        format!(
                            "Al momento non ci sono appuntamenti liberi per {line_name} nei \
                             prossimi {horizon} giorni. Ho registrato la Sua richiesta: \
                             l'ufficio La richiamerà al numero {} per fissare un appuntamento.",
                            words::phone(&contact)
                        )
                    }
                    Err(error) => {
                        tracing::error!(%error, "escalation not stored");
                        FAILED.to_string()
                    }
                };
                conversation.say(&sentence).await?;
                return Ok(FlowEnd::BackToMenu);
            }
        };
        let when = words::slot(slot.start, ticketing.today());
        let prompt = format!(
            "Ha scelto {when}, presso il {}. Per confermare la prenotazione prema 1. Per \
             scegliere un'altra data prema 2.",
            slot.meeting_point_name
        );
        match confirm(conversation, &prompt).await? {
            Answer::Chosen(Confirm::Yes) => {}
            Answer::Chosen(Confirm::OtherDate) => continue,
            Answer::Chosen(Confirm::Operator) => return operator::run(conversation).await,
            Answer::GaveUp(failure) => return gave_up(conversation, failure).await,
        }
        // The one write of the booking, after the final confirmation.
        let book = {
            let (line, contact) = (line.clone(), contact.clone());
            let procedure = procedure.map(|p| p.as_str().to_string());
            let (start, meeting_point) = (slot.start, slot.meeting_point.clone());
            move |t: Ticketing| async move {
                t.book(BookingRequest {
                    line: &line,
                    start,
                    meeting_point: Some(&meeting_point),
                    contact: &contact,
                    procedure_id: procedure.as_deref(),
                    channel: "phone",
                })
                .await
            }
        };
        match conversation.service(ticketing, book).await {
            Ok(booked) => {
                tracing::info!(code = %booked.code, line = %line, "booked by phone");
                let code = words::booking_code(booked.code);
                conversation.say(CONFIRMED).await?;
                conversation
                    .say(&format!("Il codice della prenotazione è {code}."))
                    .await?;
                conversation.say(&format!("Ripeto: {code}.")).await?;
                conversation.say(KEEP_CODE).await?;
                return Ok(FlowEnd::BackToMenu);
            }
            Err(
                BookingError::SlotTaken
                | BookingError::TooSoon
                | BookingError::NotASlot(_)
                | BookingError::BeyondHorizon(_),
            ) => {
                conversation.say(SLOT_GONE).await?;
            }
            Err(error) => {
                tracing::error!(%error, "booking failed");
                conversation.say(FAILED).await?;
                return Ok(FlowEnd::BackToMenu);
            }
        }
    }
}

/// "Per quale servizio desidera la consulenza? Per Anagrafe e stato civile prema 1. ..."
/// (the lines with consultations by appointment).
async fn choose_line<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    ticketing: &Ticketing,
) -> Result<Result<String, FlowEnd>, Stop> {
    let office = ticketing.office();
    let lines = bookable_lines(office);
    let (prompt, hint, options) = line_menu(&lines);
    Ok(
        match conversation.choose(&prompt, &hint, &options, None).await? {
            Answer::Chosen(LineChoice::Line(line)) => Ok(line),
            Answer::Chosen(LineChoice::Back) => Err(FlowEnd::BackToMenu),
            Answer::Chosen(LineChoice::Operator) => Err(operator::run(conversation).await?),
            Answer::GaveUp(failure) => Err(gave_up(conversation, failure).await?),
        },
    )
}

/// Offers the free slots of `line` three at a time (4: the next three) and returns the one
/// chosen. Used by booking and by moving a booking.
pub(crate) async fn offer<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    ticketing: &Ticketing,
    line: &str,
) -> Result<Offer, Stop> {
    let mut skip = 0;
    loop {
        let free = {
            let line = line.to_string();
            move |t: Ticketing| async move { t.free_slots(&line, skip + 3).await }
        };
        let slots = match conversation.service(ticketing, free).await {
            Ok(slots) => slots,
            Err(error) => {
                tracing::error!(%error, line, "free slots unavailable");
                conversation.say(FAILED).await?;
                return Ok(Offer::Leave(FlowEnd::BackToMenu));
            }
        };
        if slots.is_empty() {
            return Ok(Offer::NothingFree);
        }
        let page: Vec<OfferedSlot> = slots.into_iter().skip(skip).collect();
        if page.is_empty() {
            conversation.say(NO_MORE).await?;
            skip = 0;
            continue;
        }
        let prompt = slots_prompt(&page, skip == 0, ticketing.today());
        let mut options: Vec<(Key, SlotChoice)> = (0..page.len())
            .map(|i| (Key::Digit(i as u8 + 1), SlotChoice::Slot(i)))
            .collect();
        if page.len() == 3 {
            options.push((Key::Digit(4), SlotChoice::More));
        }
        options.push((Key::Star, SlotChoice::Back));
        options.push((Key::Digit(0), SlotChoice::Operator));
        match conversation
            .choose(&prompt, SLOT_HINT, &options, None)
            .await?
        {
            Answer::Chosen(SlotChoice::Slot(i)) => {
                return Ok(Offer::Chosen(page[i].clone()));
            }
            Answer::Chosen(SlotChoice::More) => skip += 3,
            Answer::Chosen(SlotChoice::Back) => return Ok(Offer::Leave(FlowEnd::BackToMenu)),
            Answer::Chosen(SlotChoice::Operator) => {
                return Ok(Offer::Leave(operator::run(conversation).await?));
            }
            Answer::GaveUp(failure) => {
                return Ok(Offer::Leave(gave_up(conversation, failure).await?));
            }
        }
    }
}

fn slots_prompt(page: &[OfferedSlot], first: bool, today: Date) -> String {
    let mut parts = vec![if first { FIRST_FREE } else { MORE_FREE }.to_string()];
    for (i, slot) in page.iter().enumerate() {
        parts.push(words::for_key(&words::slot(slot.start, today), i + 1));
    }
    if page.len() == 3 {
        parts.push(MORE.to_string());
    }
    parts.push(BACK.to_string());
    parts.join(" ")
}

/// "Per confermare prema 1. Per scegliere un'altra data prema 2."
pub(crate) async fn confirm<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    prompt: &str,
) -> Result<Answer<Confirm>, Stop> {
    let options = [
        (Key::Digit(1), Confirm::Yes),
        (Key::Digit(2), Confirm::OtherDate),
        (Key::Digit(0), Confirm::Operator),
    ];
    conversation
        .choose(prompt, CONFIRM_HINT, &options, None)
        .await
}

/// The lines with consultations by appointment (a meeting point serves them), at most nine.
fn bookable_lines(office: &ticketing::settings::Office) -> Vec<&ticketing::queue::ServiceLine> {
    office
        .lines
        .iter()
        .filter(|l| office.agenda.meeting_points.iter().any(|m| m.line == l.id))
        .take(9)
        .collect()
}

/// The consultation line menu and its hint (key 0 operator, star back).
fn line_menu(lines: &[&ticketing::queue::ServiceLine]) -> (String, String, Vec<(Key, LineChoice)>) {
    let mut prompt = vec![WHICH_LINE.to_string()];
    let mut options = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        prompt.push(words::for_key(&line.name, i + 1));
        options.push((
            Key::Digit(i as u8 + 1),
            LineChoice::Line(line.id.to_string()),
        ));
    }
    prompt.push(BACK.to_string());
    options.push((Key::Star, LineChoice::Back));
    options.push((Key::Digit(0), LineChoice::Operator));
    let hint = format!(
        "Prema un tasto da 1 a {}, oppure asterisco per tornare al menu principale.",
        lines.len()
    );
    (prompt.join(" "), hint, options)
}

/// The consultation line menu's sentences for this office, to synthesise before the first
/// caller.
pub(crate) fn menu_sentences(ticketing: &ticketing::Ticketing) -> Vec<String> {
    let (prompt, hint, _) = line_menu(&bookable_lines(ticketing.office()));
    vec![prompt, hint]
}
