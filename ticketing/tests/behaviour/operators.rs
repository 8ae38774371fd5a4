//! The operator queue of the phone channel: positions and their states, escalated calls with
//! their context, distribution to the longest-idle operator, ring timeouts, callbacks,
//! abandons, refusals, wait estimates, indicators, and concurrent distribution.

use std::collections::HashSet;

use jiff::civil::datetime;
use jiff::{SignedDuration, Timestamp};
use ticketing::contact::PhoneNumber;
use ticketing::operators::{
    CallContext, CallParty, CallbackOutcome, DialogOutcome, EscalationError, EscalationRefusal,
    OperatorError, OperatorEvent, OperatorState, QueueCallback, QueuePosition, RingOutcome,
};
use ticketing::queue::{TicketStatus, WaitEstimate};
use ticketing::{ManualClock, Ticketing};

use crate::{Db, monday_morning, office, rome};

on_both!(operator_states_follow_the_rules, states);
on_both!(two_operators_five_callers_served_in_order, fairness);
on_both!(ring_timeout_tries_the_next_operator, ring_timeout);
on_both!(callback_keeps_the_place_in_the_queue, callback);
on_both!(
    refused_outside_hours_without_operators_or_when_full,
    refusals
);
on_both!(abandons_and_indicators, indicators);
on_both!(concurrent_polls_never_ring_twice, concurrent);
on_both!(
    dialog_outcomes_of_simultaneous_calls_are_all_recorded,
    simultaneous_outcomes
);

const OP1: &str = "operatore-1";
const OP2: &str = "operatore-2";
const LAURA: &str = "laura.neri";
const PAOLO: &str = "paolo.galli";

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

fn context(topic: &str) -> CallContext {
    CallContext {
        transcript: vec![
            "Sportello: Per parlare con un operatore prema 0.".into(),
            "Cittadino: preme 0".into(),
        ],
        answers: vec!["Carta d'identità elettronica".into()],
        booking_attempts: vec!["Anagrafe: nessun orario libero entro 30 giorni".into()],
        topics: vec![topic.into()],
        ..CallContext::default()
    }
}

async fn join(t: &Ticketing, n: u32) -> i64 {
    let number = PhoneNumber::parse(&format!("+39333000000{n}")).unwrap();
    let joined = t
        .join_phone_queue(None, &format!("call-{n}"), Some(&number), context("CIE"))
        .await
        .unwrap();
    joined.ticket_id
}

/// Where the call is, polling as the waiting dialog does.
async fn poll(t: &Ticketing, ticket: i64) -> QueuePosition {
    t.poll_phone_call(ticket).await.unwrap()
}

fn ringing_at(position: &QueuePosition) -> Option<String> {
    match position {
        QueuePosition::Ringing { station, .. } => Some(station.to_string()),
        _ => None,
    }
}

/// Lets `seconds` pass in 5-second steps while the dialogs of `waiting` poll their place,
/// as real waiting dialogs do.
async fn wait(t: &Ticketing, clock: &ManualClock, seconds: i64, waiting: &[i64]) {
    let mut left = seconds;
    while left > 0 {
        let step = left.min(5);
        clock.advance(secs(step));
        left -= step;
        for &ticket in waiting {
            t.poll_phone_call(ticket).await.unwrap();
        }
    }
}

/// The operator answers now and talks for `seconds` while `waiting` callers wait.
async fn talk(
    t: &Ticketing,
    clock: &ManualClock,
    ticket: i64,
    station: &str,
    seconds: i64,
    waiting: &[i64],
) {
    let answered_at = t.now();
    wait(t, clock, seconds, waiting).await;
    t.report_ring(
        ticket,
        station,
        RingOutcome::Talked {
            answered_at,
            ended_at: t.now(),
            ended_by: CallParty::Caller,
        },
    )
    .await
    .unwrap();
}

async fn state(t: &Ticketing, station: &str) -> OperatorState {
    t.operator(station).await.unwrap().state
}

async fn states(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    assert_eq!(state(&t, OP1).await, OperatorState::LoggedOut);
    // Only the position's own staff account signs in there.
    assert!(matches!(
        t.operator_action(OP1, PAOLO, OperatorEvent::LogIn, None)
            .await,
        Err(OperatorError::NotYourPosition(_))
    ));
    assert!(matches!(
        t.operator_action("sportello-1", LAURA, OperatorEvent::LogIn, None)
            .await,
        Err(OperatorError::UnknownPosition(_))
    ));
    // Pausing a position nobody signed in at is refused with a clear error.
    let err = t
        .operator_action(OP1, LAURA, OperatorEvent::Pause, Some("caffè"))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "an operator position that is logged_out cannot take 'Pause'"
    );
    let login_at = t.now();
    t.operator_action(OP1, LAURA, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    let view = t.operator(OP1).await.unwrap();
    assert_eq!(
        (view.state, view.state_since, view.idle_seconds),
        (OperatorState::Ready, login_at, Some(0))
    );
    clock.advance(secs(90));
    assert_eq!(t.operator(OP1).await.unwrap().idle_seconds, Some(90));
    t.operator_action(OP1, LAURA, OperatorEvent::Pause, Some("  riunione "))
        .await
        .unwrap();
    let paused = t.operator(OP1).await.unwrap();
    assert_eq!(paused.state, OperatorState::Paused);
    assert_eq!(paused.pause_reason.as_deref(), Some("riunione"));
    assert_eq!(paused.state_since, t.now(), "each change is timestamped");
    // Buttons cannot drive the call's own events.
    assert!(
        t.operator_action(OP1, LAURA, OperatorEvent::Answer, None)
            .await
            .is_err()
    );
    t.operator_action(OP1, LAURA, OperatorEvent::Ready, None)
        .await
        .unwrap();
    // A ringing position cannot pause or leave.
    let call = join(&t, 1).await;
    assert_eq!(ringing_at(&poll(&t, call).await).as_deref(), Some(OP1));
    assert_eq!(state(&t, OP1).await, OperatorState::Ringing);
    assert!(matches!(
        t.operator_action(OP1, LAURA, OperatorEvent::LogOut, None)
            .await,
        Err(OperatorError::InvalidTransition(_))
    ));
    // The operator sees the caller's context while the phone rings.
    let ringing = t.operator(OP1).await.unwrap();
    let seen = ringing.call.unwrap();
    assert_eq!(seen.masked_number, "***001");
    assert_eq!(seen.context.answers, ["Carta d'identità elettronica"]);
    assert_eq!(seen.context.topics, ["CIE"]);
    talk(&t, &clock, call, OP1, 120, &[]).await;
    assert_eq!(state(&t, OP1).await, OperatorState::WrapUp);
    t.operator_wrap_up(OP1, LAURA, "informazioni", "Spiegata la CIE")
        .await
        .unwrap();
    // The wrap-up ends by itself after 30 s.
    clock.advance(secs(31));
    let after = t.operator(OP1).await.unwrap();
    assert_eq!(after.state, OperatorState::Ready);
    assert_eq!(
        after.call.unwrap().wrap_up_code.as_deref(),
        Some("informazioni")
    );
    t.operator_action(OP1, LAURA, OperatorEvent::LogOut, None)
        .await
        .unwrap();
    assert_eq!(state(&t, OP1).await, OperatorState::LoggedOut);
}

async fn fairness(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    t.operator_action(OP1, LAURA, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    clock.advance(secs(1));
    t.operator_action(OP2, PAOLO, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    let mut callers = Vec::new();
    for n in 1..=5 {
        clock.advance(secs(1));
        callers.push(join(&t, n).await);
    }
    // Operatore 1 talks 100 s a call, operatore 2 130 s; each wrap-up lasts 30 s. Every 5 s
    // the waiting dialogs poll; a call that rings is answered at once and ends after the
    // operator's talk time.
    let talk_time = |station: &str| if station == OP1 { 100 } else { 130 };
    let mut served = Vec::new();
    let mut waiting = callers.clone();
    let mut talking: Vec<(i64, String, Timestamp, Timestamp)> = Vec::new();
    for _ in 0..400 {
        for (ticket, station, answered_at, ends_at) in talking.clone() {
            if ends_at <= t.now() {
                t.report_ring(
                    ticket,
                    &station,
                    RingOutcome::Talked {
                        answered_at,
                        ended_at: ends_at,
                        ended_by: CallParty::Operator,
                    },
                )
                .await
                .unwrap();
                talking.retain(|(x, ..)| *x != ticket);
            }
        }
        for ticket in waiting.clone() {
            if let Some(station) = ringing_at(&poll(&t, ticket).await) {
                let n = callers.iter().position(|x| *x == ticket).unwrap() + 1;
                served.push((n, station.clone()));
                let ends_at = t.now().checked_add(secs(talk_time(&station))).unwrap();
                talking.push((ticket, station, t.now(), ends_at));
                waiting.retain(|x| *x != ticket);
            }
        }
        if waiting.is_empty() && talking.is_empty() {
            break;
        }
        clock.advance(secs(5));
    }
    // Served in order; each call went to the operator idle the longest, so the operators
    // alternate (operatore 1 was ready first and finishes first).
    let expected: Vec<(usize, String)> = [(1, OP1), (2, OP2), (3, OP1), (4, OP2), (5, OP1)]
        .into_iter()
        .map(|(n, s)| (n, s.to_string()))
        .collect();
    assert_eq!(served, expected);
}

async fn ring_timeout(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    t.operator_action(OP1, LAURA, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    clock.advance(secs(1));
    t.operator_action(OP2, PAOLO, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    clock.advance(secs(1));
    let first = join(&t, 1).await;
    clock.advance(secs(1));
    let second = join(&t, 2).await;
    assert_eq!(ringing_at(&poll(&t, first).await).as_deref(), Some(OP1));
    assert_eq!(ringing_at(&poll(&t, second).await).as_deref(), Some(OP2));
    // Operatore 1 does not answer: the first caller goes back to their place (first) and
    // waits for the next free operator; operatore 1 is ready again, at the back.
    clock.advance(secs(20));
    t.report_ring(first, OP1, RingOutcome::NoAnswer)
        .await
        .unwrap();
    assert_eq!(
        state(&t, OP1).await,
        OperatorState::Ringing,
        "rings again at once"
    );
    assert_eq!(ringing_at(&poll(&t, first).await).as_deref(), Some(OP1));
    // Second miss in a row: paused "non risponde"; the caller keeps the first place.
    clock.advance(secs(20));
    t.report_ring(first, OP1, RingOutcome::NoAnswer)
        .await
        .unwrap();
    let op1 = t.operator(OP1).await.unwrap();
    assert_eq!(op1.state, OperatorState::Paused);
    assert_eq!(op1.pause_reason.as_deref(), Some("non risponde"));
    match poll(&t, first).await {
        QueuePosition::Waiting { ahead, .. } => assert_eq!(ahead, 0),
        other => panic!("expected the caller back in first place, got {other:?}"),
    }
    // Operatore 2 finishes: the first caller is next.
    talk(&t, &clock, second, OP2, 60, &[first]).await;
    wait(&t, &clock, 30, &[first]).await;
    clock.advance(secs(1));
    assert_eq!(ringing_at(&poll(&t, first).await).as_deref(), Some(OP2));
    // An unreachable phone pauses the position; the call waits again.
    t.report_ring(first, OP2, RingOutcome::Unreachable)
        .await
        .unwrap();
    let op2 = t.operator(OP2).await.unwrap();
    assert_eq!(op2.state, OperatorState::Paused);
    assert_eq!(
        op2.pause_reason.as_deref(),
        Some("telefono non raggiungibile")
    );
    assert!(matches!(
        poll(&t, first).await,
        QueuePosition::Waiting { .. }
    ));
    // Reporting for a call the position does not ring for is a conflict.
    assert!(matches!(
        t.report_ring(first, OP2, RingOutcome::NoAnswer).await,
        Err(OperatorError::Conflict)
    ));
}

async fn callback(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    // Without a dialler on the node, a callback asked while waiting goes to staff.
    t.operator_action(OP2, PAOLO, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    let occupy = join(&t, 9).await;
    let handed = join(&t, 8).await;
    let handed = t
        .request_queue_callback(handed, &PhoneNumber::parse("+390699999999").unwrap())
        .await
        .unwrap();
    assert!(matches!(handed, QueueCallback::HandedToStaff { .. }));
    let staff_requests = t.store().callbacks(&t.office().id, true).await.unwrap();
    assert_eq!(staff_requests.len(), 1);
    assert!(
        staff_requests[0]
            .topic
            .starts_with("Richiamata chiesta in attesa")
    );
    t.report_ring(occupy, OP2, RingOutcome::Unreachable)
        .await
        .unwrap();
    t.operator_action(OP2, PAOLO, OperatorEvent::LogOut, None)
        .await
        .unwrap();
    t.abandon_phone_call(occupy).await.unwrap();
    // With the dialler, the callback keeps the place.
    t.set_callbacks_dialled();
    t.operator_action(OP1, LAURA, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    let busy = join(&t, 1).await;
    assert_eq!(ringing_at(&poll(&t, busy).await).as_deref(), Some(OP1));
    clock.advance(secs(1));
    let keeps_place = join(&t, 2).await;
    clock.advance(secs(1));
    let later = join(&t, 3).await;
    let number = PhoneNumber::parse("+390123456789").unwrap();
    assert_eq!(
        t.request_queue_callback(keeps_place, &number)
            .await
            .unwrap(),
        QueueCallback::KeepsPlace
    );
    // The caller hung up after asking: the hang-up changes nothing, and the silence of the
    // dialog does not make the call abandoned.
    t.abandon_phone_call(keeps_place).await.unwrap();
    wait(&t, &clock, 120, &[later]).await;
    match poll(&t, later).await {
        QueuePosition::Waiting { ahead, .. } => assert_eq!(ahead, 1, "the callback is ahead"),
        other => panic!("{other:?}"),
    }
    talk(&t, &clock, busy, OP1, 30, &[later]).await;
    wait(&t, &clock, 31, &[later]).await;
    // The callback is reached first: the dialler gets it (once).
    let claims = t.claim_callbacks().await.unwrap();
    assert_eq!(claims.len(), 1);
    let claim = &claims[0];
    assert_eq!(claim.ticket_id, keeps_place);
    assert_eq!(claim.number, number);
    assert_eq!(
        (claim.station.as_str(), claim.sip_user.as_str()),
        (OP1, "operatore1")
    );
    assert!(
        t.claim_callbacks().await.unwrap().is_empty(),
        "claimed once"
    );
    assert!(matches!(
        poll(&t, later).await,
        QueuePosition::Waiting { .. }
    ));
    wait(&t, &clock, 200, &[later]).await;
    t.report_callback(
        claim,
        CallbackOutcome::Talked {
            talk: secs(180),
            ended_by: CallParty::Operator,
        },
    )
    .await
    .unwrap();
    let record = t
        .store()
        .phone_call(&t.office().id, keeps_place)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.ticket.status, TicketStatus::Done);
    assert_eq!(record.callback_result.as_deref(), Some("talked"));
    assert_eq!(record.answered_by.as_deref(), Some(OP1));
    // A callback nobody answers is closed and left to staff as a callback request.
    let unanswered = join(&t, 4).await;
    t.request_queue_callback(unanswered, &number).await.unwrap();
    wait(&t, &clock, 31, &[later]).await;
    assert_eq!(ringing_at(&poll(&t, later).await).as_deref(), Some(OP1));
    talk(&t, &clock, later, OP1, 10, &[]).await;
    clock.advance(secs(31));
    let claims = t.claim_callbacks().await.unwrap();
    assert_eq!(claims.len(), 1);
    t.report_callback(&claims[0], CallbackOutcome::CitizenNoAnswer)
        .await
        .unwrap();
    assert_eq!(state(&t, OP1).await, OperatorState::Ready);
    let requests = t.store().callbacks(&t.office().id, true).await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].contact, "+390123456789");
    assert!(requests[1].topic.contains("nessuna risposta"));
}

async fn refusals(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    let refusal = |r: Result<_, EscalationError>| match r {
        Err(EscalationError::Refused(refusal)) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    };
    // Nobody signed in: the dialog takes a callback request instead.
    let r = t
        .join_phone_queue(None, "c", None, CallContext::default())
        .await;
    assert_eq!(refusal(r), EscalationRefusal::NobodyOnDuty);
    assert_eq!(
        t.phone_queue_refusal(None).await.unwrap(),
        Some(EscalationRefusal::NobodyOnDuty)
    );
    t.operator_action(OP1, LAURA, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    // The estimate: nobody ahead, one operator, the default 5 minutes for the caller's own
    // call.
    let joined = t
        .join_phone_queue(None, "first", None, CallContext::default())
        .await
        .unwrap();
    assert!(matches!(joined.position, QueuePosition::Ringing { .. }));
    let second = t
        .join_phone_queue(None, "second", None, CallContext::default())
        .await
        .unwrap();
    match second.position {
        QueuePosition::Waiting {
            ahead, estimate, ..
        } => {
            assert_eq!(ahead, 0, "the first caller is at the operator");
            assert_eq!(estimate, WaitEstimate::Minutes { minutes: 5 });
        }
        other => panic!("{other:?}"),
    }
    // Full: 20 callers may wait.
    for n in 0..19 {
        t.join_phone_queue(None, &format!("fill-{n}"), None, CallContext::default())
            .await
            .unwrap();
    }
    let r = t
        .join_phone_queue(None, "one-too-many", None, CallContext::default())
        .await;
    assert_eq!(refusal(r), EscalationRefusal::QueueFull);
    // Unknown line.
    assert!(matches!(
        t.join_phone_queue(Some("anagrafe"), "c", None, CallContext::default())
            .await,
        Err(EscalationError::UnknownLine(_))
    ));
    // Monday 12:40: operators answer until 12:30; next on Tuesday at 8:30.
    clock.set(rome(datetime(2026, 11, 23, 12, 40, 0, 0)));
    let r = t
        .join_phone_queue(None, "late", None, CallContext::default())
        .await;
    assert_eq!(
        refusal(r),
        EscalationRefusal::OutsideHours {
            next: Some(datetime(2026, 11, 24, 8, 30, 0, 0))
        }
    );
}

async fn simultaneous_outcomes(db: Db) {
    let Some((t, _clock)) = office(db, monday_morning()).await else {
        return;
    };
    let start = t.now();
    // 600 calls end at once: their rows are written in groups (at most 256 per transaction),
    // and each caller returns only once its own row is stored.
    let calls: Vec<_> = (0..600)
        .map(|i| {
            let t = t.clone();
            tokio::spawn(async move {
                let outcome = if i % 3 == 0 {
                    DialogOutcome::Escalated
                } else {
                    DialogOutcome::Resolved
                };
                t.record_dialog_outcome(&format!("call-{i}"), outcome).await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let stored = t
        .store()
        .dialog_outcomes_between(&t.office().id, start, start.checked_add(secs(1)).unwrap())
        .await
        .unwrap();
    assert_eq!(stored.len(), 600);
    let escalated = stored
        .iter()
        .filter(|(_, o)| *o == DialogOutcome::Escalated)
        .count();
    assert_eq!(escalated, 200);
}

async fn indicators(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    let start: Timestamp = t.now();
    t.operator_action(OP1, LAURA, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    // Answered after 10 s, talked 2 minutes.
    let answered = join(&t, 1).await;
    clock.advance(secs(10));
    assert!(ringing_at(&poll(&t, answered).await).is_some());
    talk(&t, &clock, answered, OP1, 120, &[]).await;
    // Two callers hang up while waiting: one after 3 s (short), one after 60 s.
    let short = join(&t, 2).await;
    clock.advance(secs(3));
    t.abandon_phone_call(short).await.unwrap();
    let long = join(&t, 3).await;
    clock.advance(secs(60));
    t.abandon_phone_call(long).await.unwrap();
    // A caller who hangs up while the operator's phone rings is abandoned too.
    clock.advance(secs(31));
    let while_ringing = join(&t, 4).await;
    assert!(ringing_at(&poll(&t, while_ringing).await).is_some());
    clock.advance(secs(8));
    t.report_ring(while_ringing, OP1, RingOutcome::CallerHungUp)
        .await
        .unwrap();
    assert_eq!(state(&t, OP1).await, OperatorState::Ready);
    t.operator_action(OP1, LAURA, OperatorEvent::Pause, Some("pranzo"))
        .await
        .unwrap();
    t.operator_action(OP1, LAURA, OperatorEvent::Ready, None)
        .await
        .unwrap();
    t.record_dialog_outcome("a", DialogOutcome::Resolved)
        .await
        .unwrap();
    t.record_dialog_outcome("b", DialogOutcome::Resolved)
        .await
        .unwrap();
    t.record_dialog_outcome("c", DialogOutcome::Escalated)
        .await
        .unwrap();
    let figures = t
        .phone_indicators(start, t.now(), Some(SignedDuration::from_mins(15)))
        .await
        .unwrap();
    assert_eq!(figures.len(), 1, "{figures:?}");
    let f = &figures[0];
    assert_eq!(
        (f.offered, f.answered, f.abandoned, f.short_abandoned),
        (4, 1, 2, 1)
    );
    // 1 answered within 20 s of (4 offered − 1 short abandon).
    assert_eq!(f.service_level, Some(1.0 / 3.0));
    assert_eq!(f.average_speed_of_answer_seconds, Some(10.0));
    // 120 s of talk + 30 s of wrap-up.
    assert_eq!(f.average_handling_seconds, Some(150.0));
    assert_eq!((f.dialog_calls, f.resolved_in_dialog), (3, 2));
    let overview = t.phone_queue_overview().await.unwrap();
    assert_eq!(overview.lines[0].waiting, 0);
    assert_eq!(overview.quarter_hour.as_ref().map(|q| q.offered), Some(4));
    let ready = overview
        .by_state
        .iter()
        .find(|(s, _)| *s == OperatorState::Ready)
        .map(|(_, n)| *n);
    assert_eq!(ready, Some(1));
    // After the retention period the number and the dialog are erased; the times stay.
    clock.advance(SignedDuration::from_hours(24 * 8));
    let purged = t
        .purge_personal_data(SignedDuration::from_hours(24 * 7))
        .await
        .unwrap();
    assert_eq!(purged.phone_calls, 4);
    let kept = t
        .store()
        .phone_call(&t.office().id, answered)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.contact.as_str(), kept.context),
        ("", CallContext::default())
    );
    assert!(kept.answered_at.is_some());
}

async fn concurrent(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    t.operator_action(OP1, LAURA, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    t.operator_action(OP2, PAOLO, OperatorEvent::LogIn, None)
        .await
        .unwrap();
    let mut callers = Vec::new();
    for n in 0..12 {
        clock.advance(secs(1));
        let t = t.clone();
        callers.push(tokio::spawn(async move { join(&t, n).await }));
    }
    let mut tickets = Vec::new();
    for c in callers {
        tickets.push(c.await.unwrap());
    }
    // Every waiting dialog polls at once, several times.
    let mut polls = Vec::new();
    for &ticket in &tickets {
        let t = t.clone();
        polls.push(tokio::spawn(async move {
            let mut last = None;
            for _ in 0..3 {
                last = Some(t.poll_phone_call(ticket).await.unwrap());
            }
            (ticket, last.unwrap())
        }));
    }
    let mut ringing = Vec::new();
    for p in polls {
        let (ticket, position) = p.await.unwrap();
        if let Some(station) = ringing_at(&position) {
            ringing.push((ticket, station));
        }
    }
    let stations: HashSet<_> = ringing.iter().map(|(_, s)| s.clone()).collect();
    assert_eq!(
        ringing.len(),
        2,
        "two operators ring, each for one call: {ringing:?}"
    );
    assert_eq!(stations.len(), 2);
    let mut first_two: Vec<i64> = ringing.iter().map(|(t, _)| *t).collect();
    first_two.sort_unstable();
    let mut oldest: Vec<i64> = tickets.clone();
    oldest.sort_unstable();
    assert_eq!(first_two, oldest[..2], "the two oldest calls ring first");
}

/// `[phone_queue]` and `[[operators]]` are checked like the rest of the file: every problem
/// named by its key.
#[test]
fn operator_configuration_problems_are_named_by_key() {
    use ticketing::settings::{RawOperator, RawPhoneLine, RawPhoneQueue, build_phone_queue};
    let office = crate::sample_office("checks");
    let line = |id: &str, prefix: &str| RawPhoneLine {
        id: id.into(),
        name: "Operatore".into(),
        prefix: prefix.into(),
    };
    let operator = |id: &str, sip: &str, lines: &[&str], staff: &str| RawOperator {
        id: id.into(),
        name: "Postazione".into(),
        sip_user: sip.into(),
        lines: lines.iter().map(|l| l.to_string()).collect(),
        staff: staff.into(),
    };
    let queue = RawPhoneQueue {
        lines: vec![line("operatore", "A"), line("anagrafe", "Q")],
        interval_minutes: Some(20),
        ring_timeout_seconds: Some(1),
        ..RawPhoneQueue::default()
    };
    let operators = vec![
        operator("sportello-1", "op1", &[], "laura.neri"),
        operator("op-2", "op1", &["tributi"], "mario.rossi"),
        operator("op-3", "bad user", &["nessuna"], "nobody"),
    ];
    let problems = build_phone_queue(office, &queue, &operators).unwrap_err();
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "phone_queue.lines[0].prefix",
            "phone_queue.lines[1].id",
            "operators[0].id",
            "operators[1].sip_user",
            "operators[1].lines[0]",
            "operators[1].staff",
            "operators[2].sip_user",
            "operators[2].lines[0]",
            "operators[2].staff",
            "phone_queue.interval_minutes",
            "phone_queue.ring_timeout_seconds",
        ],
        "{problems:#?}"
    );
    assert!(problems[4].problem.contains("counter line"));
    assert!(problems[5].problem.contains("no operator role"));
}
