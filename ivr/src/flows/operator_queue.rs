//! Waiting for an operator: the caller joins the phone queue with the context of the call
//! and hears, on entry and every `announce_every`, their place and the estimated wait:
//!
//! "Attenda in linea: La metto in contatto con il primo operatore libero. Prima di Lei c'è
//! una persona. L'attesa stimata è di circa 5 minuti. Per essere richiamato senza perdere il
//! Suo turno prema 1."
//!
//! Between announcements a gentle comfort tone plays; the dialog asks the queue for its place
//! after each tone (the same poll distributes calls, so the caller is put through as soon as
//! an operator is free). When an operator is assigned, the dialog rings them through
//! [`Channel::connect`] and reports the outcome: answered (recorded the moment the operator
//! answers; the end when either side hangs up), no answer or unreachable (back to the same
//! place, the next operator is tried). While the phone rings and the two talk, the dialog
//! keeps the call alive in the queue.
//! Pressing 1 leaves a callback that keeps the place; after `max_wait` the caller is offered a
//! callback or a booking; a hang-up while waiting is an abandon.

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use ticketing::Ticketing;
use ticketing::operators::{
    CallContext, CallParty, DialogOutcome, Escalated, EscalationError, OperatorError,
    QueueCallback, QueuePosition, RingOutcome,
};
use ticketing::queue::WaitEstimate;
use tokio::time::Instant;

use crate::channel::{
    AnswerNotice, BargeIn, Channel, Connection, Key, OperatorLeg, Party, Playback,
};
use crate::dialog::CallOutcome;
use crate::dialog::conversation::{Conversation, Stop};
use crate::dialog::menu::{Answer, Menu};
use crate::speech::Prompt;

use super::{FlowEnd, THANKS, booking, caller_number, words};

pub(crate) const ENTRY: &str =
    "Attenda in linea: La metto in contatto con il primo operatore libero.";
pub(crate) const PRESS_1: &str = "Per essere richiamato senza perdere il Suo turno prema 1.";
pub(crate) const CONNECTING: &str = "La metto in comunicazione con un operatore.";
pub(crate) const NOT_ANSWERED: &str =
    "L'operatore non ha risposto. Resti in linea: mantiene il Suo posto.";
pub(crate) const UNKNOWN_WAIT: &str = "Non posso ancora stimare l'attesa.";
pub(crate) const NOT_JOINED: &str = "Ci scusiamo: per un problema tecnico non è possibile \
     metterLa in attesa di un operatore.";
pub(crate) const INTERRUPTED: &str = "Ci scusiamo: la Sua attesa si è interrotta.";
pub(crate) const CALLBACK_FAILED: &str = "Ci scusiamo: non è stato possibile registrare la \
     richiamata. Resti in linea: mantiene il Suo posto.";

/// The label of the comfort tone in transcripts.
pub const COMFORT_TONE: &str = "(tono di attesa)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LongWait {
    Callback,
    Book,
    KeepWaiting,
}

const LONG_WAIT: Menu<LongWait> = Menu {
    prompt: "L'attesa si sta prolungando. Per essere richiamato senza perdere il Suo turno \
             prema 1. Per prenotare un appuntamento prema 2. Per continuare ad attendere \
             prema 3.",
    hint: "Prema 1 per essere richiamato, 2 per prenotare, 3 per continuare ad attendere.",
    options: &[
        (Key::Digit(1), LongWait::Callback),
        (Key::Digit(2), LongWait::Book),
        (Key::Digit(3), LongWait::KeepWaiting),
    ],
};

pub(crate) fn sentences() -> Vec<String> {
    let mut sentences = vec![
        ENTRY.to_string(),
        PRESS_1.to_string(),
        CONNECTING.to_string(),
        NOT_ANSWERED.to_string(),
        NOT_JOINED.to_string(),
        CALLBACK_FAILED.to_string(),
        INTERRUPTED.to_string(),
        LONG_WAIT.prompt.to_string(),
    ];
    sentences.extend(LONG_WAIT.reprompts());
    sentences
}

/// The comfort tone between announcements: two soft notes (G4, C5) and silence, 4 seconds.
fn comfort_tone() -> Arc<Prompt> {
    const RATE: f32 = 8000.0;
    const LENGTH: usize = 4 * 8000;
    let mut samples = vec![0i16; LENGTH];
    for (start, frequency) in [(0usize, 392.0f32), (2400, 523.25)] {
        let note = 2000; // 250 ms
        for i in 0..note {
            let t = i as f32 / RATE;
            // A soft attack and release, so the notes do not click.
            let envelope = (i.min(note - i) as f32 / 400.0).min(1.0);
            let value = (2.0 * std::f32::consts::PI * frequency * t).sin() * 2500.0 * envelope;
            samples[start + i] = value as i16;
        }
    }
    Arc::new(Prompt::from_samples(samples, COMFORT_TONE))
}

fn announcement(ahead: u32, estimate: WaitEstimate) -> String {
    let wait = match estimate {
        WaitEstimate::Unknown => UNKNOWN_WAIT.to_string(),
        known => words::wait(known),
    };
    format!("{} {wait} {PRESS_1}", words::people_ahead(ahead))
}

/// The caller's context for the operator: number (masked by the queue), the dialog so far,
/// the answers heard and the booking attempts, from what the dialog noted.
fn context<C: Channel>(conversation: &Conversation<'_, C>) -> CallContext {
    let topics = conversation.topic_list().to_vec();
    CallContext {
        masked_number: String::new(),
        transcript: conversation.transcript(),
        answers: topics
            .iter()
            .filter(|t| t.starts_with("Informazioni") || t.starts_with("Domanda"))
            .cloned()
            .collect(),
        booking_attempts: topics
            .iter()
            .filter(|t| t.starts_with("Prenotazione") || t.contains("prenotazione"))
            .cloned()
            .collect(),
        topics,
    }
}

/// Joins the queue and waits. `Err(refusal)` when the queue refused the caller (the caller
/// has heard nothing yet).
pub(crate) async fn run<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    ticketing: &Ticketing,
) -> Result<Result<FlowEnd, ticketing::operators::EscalationRefusal>, Stop> {
    let call_id = conversation.call_id().to_string();
    let caller = conversation.caller().cloned();
    let context = context(conversation);
    let join = move |t: Ticketing| async move {
        t.join_phone_queue(None, &call_id, caller.as_ref(), context)
            .await
    };
    let joined: Escalated = match conversation.service(ticketing, join).await {
        Ok(joined) => joined,
        Err(EscalationError::Refused(refusal)) => return Ok(Err(refusal)),
        Err(error) => {
            tracing::error!(%error, "could not join the operator queue");
            conversation.say(NOT_JOINED).await?;
            return Ok(Ok(FlowEnd::BackToMenu));
        }
    };
    tracing::info!(code = %joined.code, "waiting for an operator");
    conversation.note_dialog_outcome(DialogOutcome::Escalated);
    let ticket = joined.ticket_id;
    let result = wait(conversation, ticketing, ticket, joined.position).await;
    if let Err(Stop::HungUp | Stop::TornDown(_)) = &result {
        // Hung up while waiting: an abandon (nothing happens if the call already left the
        // queue or is a callback).
        let abandon = move |t: Ticketing| async move { t.abandon_phone_call(ticket).await };
        if let Err(error) = conversation.service(ticketing, abandon).await {
            tracing::warn!(%error, "abandon not recorded");
        }
    }
    result.map(Ok)
}

async fn wait<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    ticketing: &Ticketing,
    ticket: i64,
    first: QueuePosition,
) -> Result<FlowEnd, Stop> {
    let rules = &ticketing.office().phone_queue;
    let announce_every = unsigned(rules.announce_every);
    let max_wait = rules.max_wait;
    let tone = comfort_tone();
    let mut position = first;
    let mut entered = true;
    // When position and wait were last said (virtual time in tests).
    let mut announced: Option<Instant> = None;
    let mut long_wait_offered = false;
    loop {
        match position {
            QueuePosition::Ringing {
                station,
                sip_user,
                ring_timeout,
            } => {
                let leg = OperatorLeg {
                    station: station.to_string(),
                    sip_user,
                };
                if let Some(end) = ring(
                    conversation,
                    ticketing,
                    ticket,
                    &leg,
                    unsigned(ring_timeout),
                )
                .await?
                {
                    return Ok(end);
                }
                announced = Some(Instant::now());
            }
            QueuePosition::Left(status) => {
                tracing::warn!(?status, "the call left the queue while waiting");
                conversation.say(INTERRUPTED).await?;
                return Ok(FlowEnd::BackToMenu);
            }
            QueuePosition::Waiting {
                ahead,
                estimate,
                waited,
            } => {
                let mut key = None;
                if waited >= max_wait && !long_wait_offered {
                    long_wait_offered = true;
                    match conversation.ask(&LONG_WAIT, None).await? {
                        Answer::Chosen(LongWait::Callback) => key = Some(Key::Digit(1)),
                        Answer::Chosen(LongWait::Book) => {
                            leave(conversation, ticketing, ticket).await;
                            // Boxed: booking can lead back here (key 0), an async cycle.
                            return Box::pin(booking::run(conversation, None, None)).await;
                        }
                        Answer::Chosen(LongWait::KeepWaiting) | Answer::GaveUp(_) => {
                            announced = Some(Instant::now());
                        }
                    }
                } else if announced.is_none_or(|at| at.elapsed() >= announce_every) {
                    let text = announcement(ahead, estimate);
                    let text = if entered {
                        format!("{ENTRY} {text}")
                    } else {
                        text
                    };
                    entered = false;
                    announced = Some(Instant::now());
                    key = conversation.say_or_key(&text).await?;
                }
                if key.is_none() {
                    key = match conversation.play_tone(tone.clone()).await? {
                        Playback::Finished => None,
                        Playback::Interrupted(key) => Some(key),
                    };
                }
                if key == Some(Key::Digit(1))
                    && let Some(end) = callback(conversation, ticketing, ticket).await?
                {
                    return Ok(end);
                }
            }
        }
        let poll = move |t: Ticketing| async move { t.poll_phone_call(ticket).await };
        position = match conversation.service(ticketing, poll).await {
            Ok(position) => position,
            Err(error) => {
                tracing::warn!(%error, "could not read the place in the queue");
                QueuePosition::Waiting {
                    ahead: 0,
                    estimate: WaitEstimate::Unknown,
                    waited: SignedDuration::ZERO,
                }
            }
        };
    }
}

fn unsigned(duration: SignedDuration) -> Duration {
    duration.unsigned_abs()
}

/// Rings the assigned operator and reports what happened: the answer the moment the operator
/// answers (the position is busy while they talk), then the end of the conversation (the
/// position goes to wrap-up), or the ring's outcome. `Some(end)` when the call is over (the
/// caller talked to the operator); `None` when the caller waits again in the same place.
async fn ring<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    ticketing: &Ticketing,
    ticket: i64,
    leg: &OperatorLeg,
    ring_timeout: Duration,
) -> Result<Option<FlowEnd>, Stop> {
    let (connected, answered_at) = match conversation.say(CONNECTING).await {
        Ok(()) => connect(conversation, ticketing, ticket, leg, ring_timeout).await,
        Err(stop) => (Err(stop), None),
    };
    let now = ticketing.now();
    let outcome = match (&connected, answered_at) {
        (Ok(Connection::Talked { talk, ended_by, .. }), answered_at) => {
            let talk = SignedDuration::try_from(*talk).unwrap_or(SignedDuration::ZERO);
            // A channel that did not tell the answer: it was `talk` ago.
            let answered_at = answered_at.unwrap_or_else(|| now.checked_sub(talk).unwrap_or(now));
            RingOutcome::Talked {
                answered_at,
                ended_at: answered_at.checked_add(talk).unwrap_or(now),
                ended_by: match ended_by {
                    Party::Caller => CallParty::Caller,
                    Party::Operator => CallParty::Operator,
                },
            }
        }
        // Connected, then the call was cut (torn down, or the caller's leg failed).
        (Err(_), Some(answered_at)) => RingOutcome::Talked {
            answered_at,
            ended_at: now.max(answered_at),
            ended_by: CallParty::Caller,
        },
        (Ok(Connection::NoAnswer), _) => RingOutcome::NoAnswer,
        (Ok(Connection::Unreachable), _) => RingOutcome::Unreachable,
        // Hung up (or the dialog could not speak) while the operator's phone rang.
        (Err(_), None) => RingOutcome::CallerHungUp,
    };
    let station = leg.station.clone();
    let reported =
        move |t: Ticketing| async move { t.report_ring(ticket, &station, outcome).await };
    if let Err(error) = conversation.service(ticketing, reported).await {
        tracing::error!(%error, "ring outcome not recorded");
    }
    match connected? {
        Connection::Talked { ended_by, .. } => {
            tracing::info!(?ended_by, "the caller talked to an operator");
            Ok(Some(FlowEnd::Finished(CallOutcome::TalkedToOperator {
                ended_by,
            })))
        }
        Connection::NoAnswer | Connection::Unreachable => {
            conversation.say(NOT_ANSWERED).await?;
            Ok(None)
        }
    }
}

/// Rings the operator and connects the caller until one hangs up ([`Channel::connect`]).
/// Meanwhile the answer is recorded the moment the channel tells it, and the call is kept
/// alive in the queue (a node that stops leaves a call nobody refreshes: another node takes
/// the position back). Returns the channel's result and when the operator answered.
async fn connect<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    ticketing: &Ticketing,
    ticket: i64,
    leg: &OperatorLeg,
    ring_timeout: Duration,
) -> (Result<Connection, Stop>, Option<jiff::Timestamp>) {
    let (notice, mut answer) = AnswerNotice::channel();
    let every = ticketing.office().phone_queue.keep_alive_every();
    let mut alive = tokio::time::interval_at(Instant::now() + every, every);
    alive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (channel, services) = conversation.channel_and_services();
    let connecting = channel.connect(leg, ring_timeout, notice);
    tokio::pin!(connecting);
    let mut answered_at = None;
    let mut listening = true;
    let result = loop {
        tokio::select! {
            // The end first: a conversation that is over needs no more keep-alives.
            biased;
            result = &mut connecting => break result.map_err(Stop::from),
            ringing = &mut answer, if listening => {
                listening = false;
                let Ok(ringing) = ringing else { continue };
                let at = ticketing.now();
                answered_at = Some(at);
                tracing::info!(ringing_ms = ringing.as_millis() as u64, "the operator answered");
                let station = leg.station.clone();
                let report = move |t: Ticketing| async move {
                    t.report_ring(ticket, &station, RingOutcome::Answered { answered_at: at })
                        .await
                };
                if let Err(error) = services.run(ticketing, report).await {
                    tracing::error!(%error, "answer not recorded");
                }
            }
            _ = alive.tick() => {
                let keep = move |t: Ticketing| async move { t.keep_call_alive(ticket).await };
                if let Err(error) = services.run(ticketing, keep).await {
                    tracing::warn!(%error, "call at the operator not kept alive");
                }
            }
        }
    };
    (result, answered_at)
}

/// Leaves the queue (the caller chose to book instead).
async fn leave<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    ticketing: &Ticketing,
    ticket: i64,
) {
    let abandon = move |t: Ticketing| async move { t.abandon_phone_call(ticket).await };
    if let Err(error) = conversation.service(ticketing, abandon).await {
        tracing::warn!(%error, "could not leave the operator queue");
    }
}

/// Key 1 while waiting: the call keeps its place, marked for a callback to the caller's
/// number (asked for if unknown); then goodbye. `None` when the caller stays in line (the
/// callback could not be stored, or an operator was assigned meanwhile).
async fn callback<C: Channel>(
    conversation: &mut Conversation<'_, C>,
    ticketing: &Ticketing,
    ticket: i64,
) -> Result<Option<FlowEnd>, Stop> {
    let Some(number) = caller_number::ensure(conversation).await? else {
        return Ok(None);
    };
    let request = {
        let number = number.clone();
        move |t: Ticketing| async move { t.request_queue_callback(ticket, &number).await }
    };
    let said = match conversation.service(ticketing, request).await {
        Ok(QueueCallback::KeepsPlace) => format!(
            "Va bene. La richiameremo al numero {} senza farLe perdere il turno: quando \
             toccherà a Lei, un operatore La chiamerà.",
            words::phone(&number)
        ),
        Ok(QueueCallback::HandedToStaff { id }) => {
            tracing::info!(id, "callback from the queue handed to staff");
            conversation.note_dialog_outcome(DialogOutcome::CallbackRequested);
            format!(
                "Va bene. Ho registrato la Sua richiesta: un operatore La richiamerà al numero \
                 {} appena possibile, negli orari di apertura dell'ufficio.",
                words::phone(&number)
            )
        }
        // An operator was assigned meanwhile: the caller is put through instead.
        Err(OperatorError::Conflict) => return Ok(None),
        Err(error) => {
            tracing::error!(%error, "callback in the queue not stored");
            conversation.say(CALLBACK_FAILED).await?;
            return Ok(None);
        }
    };
    conversation.say(&said).await?;
    conversation.goodbye(THANKS).await?;
    Ok(Some(FlowEnd::Finished(CallOutcome::CallbackInQueue)))
}

impl<C: Channel> Conversation<'_, C> {
    /// Plays the comfort tone; a key stops it.
    async fn play_tone(&mut self, tone: Arc<Prompt>) -> Result<Playback, Stop> {
        Ok(self.channel_mut().play(tone, BargeIn::Allowed).await?)
    }
}
