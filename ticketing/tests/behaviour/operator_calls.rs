//! A call at an operator from the answer to the end: the answer is recorded when it happens
//! (the position is busy while the two talk, the indicators count the answer at once), the end
//! comes later; and positions whose call was lost with its node are taken back.

use jiff::SignedDuration;
use ticketing::Ticketing;
use ticketing::contact::PhoneNumber;
use ticketing::operators::{
    CallContext, CallParty, OperatorError, OperatorEvent, OperatorState, QueueCallback,
    QueuePosition, RingOutcome,
};
use ticketing::queue::TicketStatus;
use ticketing::store::PhoneCallRecord;

use crate::{Db, monday_morning, office};

on_both!(the_answer_is_recorded_when_it_happens, answered_then_ended);
on_both!(lost_rings_and_conversations_are_taken_back, lost_calls);
on_both!(a_lost_callback_is_dialled_again, lost_callback);

const OP1: &str = "operatore-1";
const OP2: &str = "operatore-2";
const LAURA: &str = "laura.neri";
const PAOLO: &str = "paolo.galli";

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

async fn join(t: &Ticketing, n: u32) -> i64 {
    let number = PhoneNumber::parse(&format!("+39333000000{n}")).unwrap();
    t.join_phone_queue(
        None,
        &format!("call-{n}"),
        Some(&number),
        CallContext::default(),
    )
    .await
    .unwrap()
    .ticket_id
}

async fn ringing_at(t: &Ticketing, ticket: i64) -> Option<String> {
    match t.poll_phone_call(ticket).await.unwrap() {
        QueuePosition::Ringing { station, .. } => Some(station.to_string()),
        _ => None,
    }
}

async fn state(t: &Ticketing, station: &str) -> OperatorState {
    t.operator(station).await.unwrap().state
}

async fn call(t: &Ticketing, ticket: i64) -> PhoneCallRecord {
    t.store()
        .phone_call(&t.office().id, ticket)
        .await
        .unwrap()
        .unwrap()
}

async fn log_in(t: &Ticketing, station: &str, staff: &str) {
    t.operator_action(station, staff, OperatorEvent::LogIn, None)
        .await
        .unwrap();
}

async fn answered_then_ended(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    log_in(&t, OP1, LAURA).await;
    let ticket = join(&t, 1).await;
    assert_eq!(ringing_at(&t, ticket).await.as_deref(), Some(OP1));
    clock.advance(secs(8));
    let answered_at = t.now();
    t.report_ring(ticket, OP1, RingOutcome::Answered { answered_at })
        .await
        .unwrap();

    // While they talk: busy, the ticket in service, the answer counted at once.
    assert_eq!(state(&t, OP1).await, OperatorState::Busy);
    let view = t.operator(OP1).await.unwrap();
    assert_eq!(view.state_text, "in conversazione");
    assert_eq!(view.call.as_ref().unwrap().answered_at, Some(answered_at));
    let talking = call(&t, ticket).await;
    assert_eq!(talking.ticket.status, TicketStatus::InService);
    assert_eq!(talking.answered_by.as_deref(), Some(OP1));
    assert_eq!(talking.ended_at, None);
    let now = t.phone_queue_overview().await.unwrap();
    let quarter = now.quarter_hour.unwrap();
    assert_eq!(quarter.answered, 1);
    assert_eq!(quarter.average_speed_of_answer_seconds, Some(8.0));
    assert_eq!(quarter.average_handling_seconds, None, "not ended yet");
    assert!(now.by_state.contains(&(OperatorState::Busy, 1)));
    // Answered once; a ring outcome no longer applies.
    for outcome in [
        RingOutcome::Answered { answered_at },
        RingOutcome::NoAnswer,
        RingOutcome::CallerHungUp,
    ] {
        assert!(
            matches!(
                t.report_ring(ticket, OP1, outcome).await,
                Err(OperatorError::Conflict)
            ),
            "{outcome:?}"
        );
    }
    assert!(matches!(
        t.operator_action(OP1, LAURA, OperatorEvent::Pause, Some("caffè"))
            .await,
        Err(OperatorError::InvalidTransition(_))
    ));

    // The end: wrap-up for the configured 30 s, handling = talk + wrap-up.
    clock.advance(secs(60));
    t.report_ring(
        ticket,
        OP1,
        RingOutcome::Talked {
            answered_at,
            ended_at: t.now(),
            ended_by: CallParty::Operator,
        },
    )
    .await
    .unwrap();
    assert_eq!(state(&t, OP1).await, OperatorState::WrapUp);
    let ended = call(&t, ticket).await;
    assert_eq!(ended.ticket.status, TicketStatus::Done);
    assert_eq!(ended.answered_at, Some(answered_at));
    assert_eq!(
        ended.ended_at.unwrap().duration_since(answered_at),
        secs(60)
    );
    assert_eq!(ended.ended_by.as_deref(), Some("operator"));
    let quarter = t
        .phone_queue_overview()
        .await
        .unwrap()
        .quarter_hour
        .unwrap();
    assert_eq!(quarter.answered, 1);
    assert_eq!(quarter.average_handling_seconds, Some(90.0));
    // The end is reported once.
    assert!(matches!(
        t.report_ring(
            ticket,
            OP1,
            RingOutcome::Talked {
                answered_at,
                ended_at: t.now(),
                ended_by: CallParty::Operator,
            },
        )
        .await,
        Err(OperatorError::Conflict)
    ));
    clock.advance(secs(31));
    assert_eq!(state(&t, OP1).await, OperatorState::Ready);
}

async fn lost_calls(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    log_in(&t, OP1, LAURA).await;
    clock.advance(secs(1));
    log_in(&t, OP2, PAOLO).await;
    clock.advance(secs(1));
    // Operatore 1 (idle the longest) rings for the first caller, operatore 2 answers the second.
    let rings = join(&t, 1).await;
    let talks = join(&t, 2).await;
    assert_eq!(ringing_at(&t, rings).await.as_deref(), Some(OP1));
    assert_eq!(ringing_at(&t, talks).await.as_deref(), Some(OP2));
    let answered_at = t.now();
    t.report_ring(talks, OP2, RingOutcome::Answered { answered_at })
        .await
        .unwrap();
    assert_eq!(t.recover_lost_calls().await.unwrap(), 0);

    // The node ringing operatore 1 stops; the conversation's node keeps it alive.
    for _ in 0..3 {
        clock.advance(secs(30));
        t.keep_call_alive(talks).await.unwrap();
        assert_eq!(t.recover_lost_calls().await.unwrap(), 0, "not yet");
    }
    let last_heard = t.now();
    clock.advance(secs(5));
    assert_eq!(t.recover_lost_calls().await.unwrap(), 1);
    // The ring is over: operatore 1 is ready (no miss counted); the caller, whose call was
    // on the stopped node, is counted abandoned when last heard of.
    let view = t.operator(OP1).await.unwrap();
    assert_eq!(view.state, OperatorState::Ready);
    assert_eq!(view.missed_rings, 0);
    let lost_ring = call(&t, rings).await;
    assert_eq!(lost_ring.ticket.status, TicketStatus::Cancelled);
    assert_eq!(lost_ring.abandoned_at, Some(lost_ring.last_seen_at));
    assert_eq!(lost_ring.answered_at, None);
    assert_eq!(state(&t, OP2).await, OperatorState::Busy);

    // Now the conversation's node stops too.
    clock.advance(secs(85));
    assert_eq!(
        t.recover_lost_calls().await.unwrap(),
        0,
        "heard of 85 s ago"
    );
    clock.advance(secs(10));
    assert_eq!(t.recover_lost_calls().await.unwrap(), 1);
    let lost_talk = call(&t, talks).await;
    assert_eq!(lost_talk.ticket.status, TicketStatus::Done);
    assert_eq!(lost_talk.answered_at, Some(answered_at));
    assert_eq!(
        lost_talk.ended_at,
        Some(last_heard),
        "ended when last heard of"
    );
    assert_eq!(lost_talk.ended_by.as_deref(), Some("gateway"));
    // Its 30 s wrap-up (from the end) is long over: operatore 2 is ready.
    assert_eq!(state(&t, OP2).await, OperatorState::Ready);
    assert_eq!(t.recover_lost_calls().await.unwrap(), 0, "nothing left");
    // Both positions take calls again.
    let next = join(&t, 3).await;
    assert!(ringing_at(&t, next).await.is_some());
}

async fn lost_callback(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    t.set_callbacks_dialled();
    log_in(&t, OP1, LAURA).await;
    let occupy = join(&t, 9).await;
    clock.advance(secs(1));
    let callback = join(&t, 1).await;
    let number = PhoneNumber::parse("+390123456789").unwrap();
    assert_eq!(
        t.request_queue_callback(callback, &number).await.unwrap(),
        QueueCallback::KeepsPlace
    );
    t.report_ring(occupy, OP1, RingOutcome::CallerHungUp)
        .await
        .unwrap();
    // The callback reached operatore 1; a node's dialler claims it, then the node stops.
    let claims = t.claim_callbacks().await.unwrap();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].ticket_id, callback);
    clock.advance(secs(60));
    assert_eq!(t.recover_lost_calls().await.unwrap(), 0);
    clock.advance(secs(31));
    assert_eq!(t.recover_lost_calls().await.unwrap(), 1);
    // The callback kept its place and reached operatore 1 again: another dialler takes it.
    let record = call(&t, callback).await;
    assert_eq!(record.ticket.status, TicketStatus::Called);
    assert_eq!(record.callback_started_at, None);
    assert_eq!(state(&t, OP1).await, OperatorState::Ringing);
    let again = t.claim_callbacks().await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].ticket_id, callback);
    assert_eq!(again[0].number, number);
}
