//! Key 2, a ticket for today's counter, in the same queue the counters call from.
//!
//! "Per quale servizio desidera il biglietto? Per Anagrafe e stato civile prema 1. ...
//! Per Consegna documenti e protocollo, sportello veloce, prema 5. Per tornare al menu
//! principale prema asterisco."
//! "Il Suo biglietto è A 12, per Anagrafe e stato civile. Prima di Lei ci sono 3 persone.
//! L'attesa stimata è di circa 30 minuti. Venga in ufficio e attenda la chiamata del Suo
//! numero sul display."
//! "Per riascoltare prema 1." (once)
//!
//! Refused politely, with the next opening: "Per oggi i biglietti per Tributi sono terminati.
//! Può tornare domani alle 8:30." When no line issues tickets now, the refusal comes before
//! the choice.

use jiff::civil::DateTime;
use ticketing::italian;
use ticketing::queue::{IssueChannel, IssueRefusal};
use ticketing::service::{IssueError, IssuedTicket};

use crate::channel::{Channel, Key};
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::Answer;

use super::{FlowEnd, gave_up, operator, words};

pub(crate) const COMING_SOON: &str = "Il biglietto per lo sportello dal telefono sarà disponibile a breve. \
     Per ora può ritirarlo all'ingresso dell'ufficio.";

const QUESTION: &str = "Per quale servizio desidera il biglietto?";
const BACK: &str = "Per tornare al menu principale prema asterisco.";
const COME_IN: &str = "Venga in ufficio e attenda la chiamata del Suo numero sul display.";
const REPEAT: &str = "Per riascoltare prema 1.";
const FAILED: &str = "Ci scusiamo: per un problema tecnico non è stato possibile emettere il \
     biglietto. Può ritirarlo all'ingresso dell'ufficio.";

pub(crate) fn sentences() -> Vec<String> {
    [COME_IN, REPEAT, FAILED].map(String::from).to_vec()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Choice {
    Line(String),
    Back,
    Operator,
}

pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
) -> Result<FlowEnd, Stop> {
    let Some(services) = conversation.services() else {
        conversation.say(COMING_SOON).await?;
        return Ok(FlowEnd::BackToMenu);
    };
    let ticketing = &services.ticketing;
    let office = ticketing.office();
    let lines: Vec<_> = office.lines.iter().take(9).collect();

    // Nothing is issued now: say so before asking for a line.
    let refusals: Vec<IssueRefusal> = lines
        .iter()
        .filter_map(|line| ticketing.check_issuing(line).err())
        .collect();
    if refusals.len() == lines.len() {
        let next = refusals.iter().filter_map(IssueRefusal::next_issuing).min();
        conversation
            .say(&refused_sentence(
                None,
                &refusals[0],
                next,
                ticketing.today(),
            ))
            .await?;
        return Ok(FlowEnd::BackToMenu);
    }

    let (prompt, hint, options) = line_menu(&lines);
    let line_id = match conversation.choose(&prompt, &hint, &options, None).await? {
        Answer::Chosen(Choice::Line(id)) => id,
        Answer::Chosen(Choice::Back) => return Ok(FlowEnd::BackToMenu),
        Answer::Chosen(Choice::Operator) => return operator::run(conversation).await,
        Answer::GaveUp(failure) => return gave_up(conversation, failure).await,
    };
    conversation.note_topic(format!("Biglietto per lo sportello: {line_id}"));

    let issue = {
        let line_id = line_id.clone();
        move |t: ticketing::Ticketing| async move { t.issue(&line_id, IssueChannel::Phone, None).await }
    };
    let issued = match conversation.service(ticketing, issue).await {
        Ok(issued) => issued,
        Err(IssueError::Refused(refusal)) => {
            let name = office.line(&line_id).map(|l| l.name.as_str());
            let sentence =
                refused_sentence(name, &refusal, refusal.next_issuing(), ticketing.today());
            conversation.say(&sentence).await?;
            return Ok(FlowEnd::BackToMenu);
        }
        Err(error) => {
            tracing::error!(%error, line = %line_id, "ticket not issued");
            conversation.say(FAILED).await?;
            return Ok(FlowEnd::BackToMenu);
        }
    };
    tracing::info!(ticket = %issued.ticket.code, line = %line_id, "ticket issued by phone");
    let text = issued_sentence(&issued);
    conversation.say(&text).await?;
    // Repeat once on request.
    let timeout = conversation.context().settings.no_input_timeout;
    let key = match conversation.say_or_key(REPEAT).await? {
        Some(key) => Some(key),
        None => conversation.wait_for_key(timeout).await?,
    };
    if key == Some(Key::Digit(1)) {
        conversation.say(&text).await?;
    }
    Ok(FlowEnd::BackToMenu)
}

/// "Il Suo biglietto è A 12, per Anagrafe e stato civile. Prima di Lei ci sono 3 persone.
/// L'attesa stimata è di circa 30 minuti. Venga in ufficio ..."
fn issued_sentence(issued: &IssuedTicket) -> String {
    format!(
        "Il Suo biglietto è {}, per {}. {} {} {COME_IN}",
        issued.ticket.code.spaced(),
        issued.line_name,
        words::people_ahead(issued.people_ahead),
        words::wait(issued.estimate),
    )
}

/// Why no ticket now, and when to come back.
fn refused_sentence(
    line_name: Option<&str>,
    refusal: &IssueRefusal,
    next: Option<DateTime>,
    today: jiff::civil::Date,
) -> String {
    let why = match (refusal, line_name) {
        (IssueRefusal::ClosedDay { .. }, _) => "Oggi l'ufficio è chiuso.".to_string(),
        (IssueRefusal::OutsideHours { .. }, Some(name)) => {
            format!("In questo momento i biglietti per {name} non vengono emessi.")
        }
        (IssueRefusal::OutsideHours { .. }, None) => {
            "In questo momento l'ufficio è chiuso.".to_string()
        }
        (IssueRefusal::AfterCutoff { .. }, Some(name)) => {
            format!("Per oggi i biglietti per {name} sono terminati.")
        }
        (IssueRefusal::AfterCutoff { .. }, None) => {
            "Per oggi i biglietti sono terminati.".to_string()
        }
    };
    match next {
        Some(next) => format!("{why} Può tornare {}.", italian::when(next, today)),
        None => why,
    }
}

/// The line menu and its hint: "Per quale servizio desidera il biglietto? Per Anagrafe e
/// stato civile prema 1. ..." (at most nine lines, key 0 operator, star back).
fn line_menu(lines: &[&ticketing::queue::ServiceLine]) -> (String, String, Vec<(Key, Choice)>) {
    let mut prompt = vec![QUESTION.to_string()];
    let mut options = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let name = if line.fast_lane {
            format!("{}, sportello veloce,", line.name)
        } else {
            line.name.clone()
        };
        prompt.push(words::for_key(&name, i + 1));
        options.push((Key::Digit(i as u8 + 1), Choice::Line(line.id.to_string())));
    }
    prompt.push(BACK.to_string());
    options.push((Key::Star, Choice::Back));
    options.push((Key::Digit(0), Choice::Operator));
    let hint = format!(
        "Prema un tasto da 1 a {}, oppure asterisco per tornare al menu principale.",
        lines.len()
    );
    (prompt.join(" "), hint, options)
}

/// The line menu's sentences for this office, to synthesise before the first caller.
pub(crate) fn menu_sentences(ticketing: &ticketing::Ticketing) -> Vec<String> {
    let office = ticketing.office();
    let lines: Vec<_> = office.lines.iter().take(9).collect();
    let (prompt, hint, _) = line_menu(&lines);
    vec![prompt, hint]
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, datetime};

    #[test]
    fn refusals_say_when_to_come_back() {
        let today = date(2026, 11, 23);
        let tomorrow = Some(datetime(2026, 11, 24, 8, 30, 0, 0));
        let cases = [
            (
                None,
                IssueRefusal::OutsideHours {
                    next_issuing: tomorrow,
                },
                "In questo momento l'ufficio è chiuso. Può tornare domani alle 8:30.",
            ),
            (
                Some("Tributi"),
                IssueRefusal::AfterCutoff {
                    next_issuing: tomorrow,
                },
                "Per oggi i biglietti per Tributi sono terminati. Può tornare domani alle 8:30.",
            ),
            (
                None,
                IssueRefusal::ClosedDay { next_issuing: None },
                "Oggi l'ufficio è chiuso.",
            ),
        ];
        for (name, refusal, expected) in cases {
            let next = refusal.next_issuing();
            assert_eq!(refused_sentence(name, &refusal, next, today), expected);
        }
    }
}
