//! The queue: numbering, concurrent calls, lifecycle, daily reset, priority, wait estimates,
//! events across nodes.

use std::collections::HashSet;

use jiff::SignedDuration;
use jiff::civil::datetime;
use ticketing::queue::{IssueChannel, IssueRefusal, TicketCode, TicketStatus, WaitEstimate};
use ticketing::service::{IssueError, StationError};

use crate::{Db, monday_morning, office, office_with_id, rome, unique};

on_both!(concurrent_issues_get_consecutive_numbers, concurrent_issues);
on_both!(
    counters_calling_at_once_never_share_a_ticket,
    concurrent_calls
);
on_both!(ticket_lifecycle_through_the_service, lifecycle);
on_both!(
    numbering_resets_every_day_and_closed_days_refuse,
    daily_reset
);
on_both!(priority_policy_applies_in_the_store, priority);
on_both!(wait_estimate_follows_open_counters, wait_estimate);

async fn concurrent_issues(db: Db) {
    let Some((t, _)) = office(db, monday_morning()).await else {
        return;
    };
    let mut handles = Vec::new();
    for _ in 0..200 {
        let t = t.clone();
        handles.push(tokio::spawn(async move {
            t.issue("anagrafe", IssueChannel::Kiosk, None)
                .await
                .unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for h in handles {
        numbers.push(h.await.unwrap().ticket.code.number());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=200).collect::<Vec<u32>>());
    // Another line has its own sequence.
    let other = t.issue("tributi", IssueChannel::Phone, None).await.unwrap();
    assert_eq!(other.ticket.code.to_string(), "T001");
}

async fn concurrent_calls(db: Db) {
    let Some((t, _)) = office(db, monday_morning()).await else {
        return;
    };
    for i in 0..60 {
        let line = if i % 3 == 0 { "tributi" } else { "anagrafe" };
        t.issue(line, IssueChannel::Kiosk, None).await.unwrap();
    }
    for s in ["sportello-1", "sportello-2", "sportello-3"] {
        t.open_station(s, &[], "mario.rossi").await.unwrap();
    }
    let mut handles = Vec::new();
    for s in ["sportello-1", "sportello-2", "sportello-3"] {
        let t = t.clone();
        handles.push(tokio::spawn(async move {
            let mut called = Vec::new();
            while let Some(ticket) = t.call_next(s).await.unwrap() {
                called.push(ticket.id);
            }
            called
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 60, "every ticket called once");
    assert_eq!(distinct.len(), 60, "no ticket called twice");
    // The fast-lane counter serves only protocollo: nothing for it.
    t.open_station("sportello-4", &[], "giulia.verdi")
        .await
        .unwrap();
    assert!(t.call_next("sportello-4").await.unwrap().is_none());
}

async fn lifecycle(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    let a1 = t
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    clock.advance(SignedDuration::from_mins(1));
    let a2 = t.issue("anagrafe", IssueChannel::Web, None).await.unwrap();
    assert_eq!(a2.people_ahead, 1);
    // A closed counter cannot call.
    assert!(matches!(
        t.call_next("sportello-1").await,
        Err(StationError::NotOpen)
    ));
    // Counter 4 may not serve anagrafe.
    assert!(matches!(
        t.open_station("sportello-4", &["anagrafe".into()], "mario.rossi")
            .await,
        Err(StationError::LineNotServed(_))
    ));
    t.open_station("sportello-1", &["anagrafe".into()], "mario.rossi")
        .await
        .unwrap();
    let mut events = t.subscribe();
    let called = t.call_next("sportello-1").await.unwrap().unwrap();
    assert_eq!(called.code, a1.ticket.code);
    assert_eq!(called.status, TicketStatus::Called);
    let event = events.recv().await.unwrap();
    assert_eq!(event.name(), "called");
    let recalled = t.recall("sportello-1").await.unwrap();
    assert_eq!(recalled.recall_count, 1);
    let no_show = t.no_show("sportello-1").await.unwrap();
    assert_eq!(no_show.status, TicketStatus::NoShow);
    // Nothing at the counter now.
    assert!(matches!(
        t.finish("sportello-1").await,
        Err(StationError::NoTicket)
    ));
    // A2: called, started, transferred to tributi, keeps its issue time.
    let c2 = t.call_next("sportello-1").await.unwrap().unwrap();
    assert_eq!(c2.code, a2.ticket.code);
    t.start_service("sportello-1").await.unwrap();
    let moved = t.transfer("sportello-1", "tributi").await.unwrap();
    assert_eq!(moved.status, TicketStatus::Waiting);
    assert_eq!(moved.line.as_str(), "tributi");
    assert_eq!(moved.issued_at, a2.ticket.issued_at);
    assert_eq!(moved.code, a2.ticket.code, "the ticket keeps its number");
    // A tributi ticket issued later comes after the transferred one.
    clock.advance(SignedDuration::from_mins(1));
    let t1 = t.issue("tributi", IssueChannel::Kiosk, None).await.unwrap();
    t.open_station("sportello-2", &["tributi".into()], "giulia.verdi")
        .await
        .unwrap();
    let next = t.call_next("sportello-2").await.unwrap().unwrap();
    assert_eq!(next.code, a2.ticket.code);
    // Calling next finishes the previous ticket.
    let after = t.call_next("sportello-2").await.unwrap().unwrap();
    assert_eq!(after.code, t1.ticket.code);
    let (previous, _) = t.ticket(a2.ticket.code).await.unwrap().unwrap();
    assert_eq!(previous.status, TicketStatus::Done);
    let done = t.finish("sportello-2").await.unwrap();
    assert_eq!(done.status, TicketStatus::Done);
    // Cancel: a waiting ticket can be cancelled once.
    let a3 = t
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    let cancelled = t.cancel(a3.ticket.code).await.unwrap();
    assert_eq!(cancelled.status, TicketStatus::Cancelled);
    assert!(t.cancel(a3.ticket.code).await.is_err());
    assert!(t.cancel(TicketCode::parse("A999").unwrap()).await.is_err());
    // Unknown line and priority class are refused.
    assert!(matches!(
        t.issue("pesca", IssueChannel::Kiosk, None).await,
        Err(IssueError::UnknownLine(_))
    ));
    assert!(matches!(
        t.issue("anagrafe", IssueChannel::Kiosk, Some("vip")).await,
        Err(IssueError::UnknownPriorityClass(_))
    ));
}

async fn daily_reset(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    let first = t
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    let second = t
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    assert_eq!(
        (first.ticket.code.number(), second.ticket.code.number()),
        (1, 2)
    );
    // After the cutoff (12:00 on a 12:30 closing) tickets are refused until tomorrow.
    clock.set(rome(datetime(2026, 11, 23, 12, 5, 0, 0)));
    match t.issue("anagrafe", IssueChannel::Kiosk, None).await {
        Err(IssueError::Refused(IssueRefusal::AfterCutoff { next_issuing })) => {
            assert_eq!(next_issuing, Some(datetime(2026, 11, 24, 8, 30, 0, 0)));
        }
        other => panic!("expected a cutoff refusal, got {other:?}"),
    }
    // Tuesday: numbering starts again from 1.
    clock.set(rome(datetime(2026, 11, 24, 9, 0, 0, 0)));
    let tuesday = t
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    assert_eq!(tuesday.ticket.code.number(), 1);
    assert_eq!(tuesday.people_ahead, 0, "yesterday's tickets are not ahead");
    // Sunday and the 8 December holiday are closed days.
    for closed in [
        datetime(2026, 11, 29, 10, 0, 0, 0),
        datetime(2026, 12, 8, 10, 0, 0, 0),
    ] {
        clock.set(rome(closed));
        assert!(matches!(
            t.issue("anagrafe", IssueChannel::Kiosk, None).await,
            Err(IssueError::Refused(IssueRefusal::ClosedDay { .. }))
        ));
    }
}

async fn priority(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    let normal = t
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    clock.advance(SignedDuration::from_mins(5));
    let prio = t
        .issue("anagrafe", IssueChannel::Kiosk, Some("disabilita"))
        .await
        .unwrap();
    t.open_station("sportello-1", &[], "mario.rossi")
        .await
        .unwrap();
    let first = t.call_next("sportello-1").await.unwrap().unwrap();
    assert_eq!(first.code, prio.ticket.code, "priority class goes first");
    let second = t.call_next("sportello-1").await.unwrap().unwrap();
    assert_eq!(second.code, normal.ticket.code);
}

async fn wait_estimate(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    let first = t
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    assert_eq!(first.estimate, WaitEstimate::Unknown, "no counter open");
    t.open_station("sportello-1", &["anagrafe".into()], "mario.rossi")
        .await
        .unwrap();
    let second = t
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    // One ahead, default 10 minutes, one counter.
    assert_eq!(second.estimate, WaitEstimate::Minutes { minutes: 10 });
    // Serve the first in 4 minutes: the recent average replaces the default.
    t.call_next("sportello-1").await.unwrap().unwrap();
    clock.advance(SignedDuration::from_mins(4));
    t.finish("sportello-1").await.unwrap();
    t.open_station("sportello-2", &["anagrafe".into()], "giulia.verdi")
        .await
        .unwrap();
    let third = t
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    // Two ahead (second and... only second waits) → 1 ahead × 4 min ÷ 2 counters = 2 min.
    assert_eq!(third.people_ahead, 1);
    assert_eq!(third.estimate, WaitEstimate::Minutes { minutes: 2 });
    let overview = t.queue_overview().await.unwrap();
    let anagrafe = overview.iter().find(|l| l.id == "anagrafe").unwrap();
    assert_eq!((anagrafe.waiting, anagrafe.open_stations), (2, 2));
    let protocollo = overview.iter().find(|l| l.id == "protocollo").unwrap();
    assert_eq!(protocollo.estimate, WaitEstimate::Unknown);
}

/// Two nodes on one PostgreSQL database: an event published on one reaches the other's
/// subscribers (display boards attached to any node see every call).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_reach_the_other_nodes_on_postgres() {
    let id = unique("office");
    let Some((node_a, _)) = office_with_id(Db::Postgres, monday_morning(), &id).await else {
        return;
    };
    let (node_b, _) = office_with_id(Db::Postgres, monday_morning(), &id)
        .await
        .unwrap();
    let url = std::env::var("SPORTELLO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let shutdown = tokio_util::sync::CancellationToken::new();
    let tracker = tokio_util::task::TaskTracker::new();
    node_a
        .spawn_event_relay(&url, shutdown.clone(), &tracker)
        .await
        .unwrap();
    node_b
        .spawn_event_relay(&url, shutdown.clone(), &tracker)
        .await
        .unwrap();
    let mut on_b = node_b.subscribe();
    let issued = node_a
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    let event = tokio::time::timeout(std::time::Duration::from_secs(10), on_b.recv())
        .await
        .expect("node B hears node A within 10 s")
        .unwrap();
    match event {
        ticketing::events::TicketEvent::Issued { code, .. } => {
            assert_eq!(code, issued.ticket.code.to_string())
        }
        other => panic!("unexpected event {other:?}"),
    }
    // Node B's own events are not echoed back to it.
    let own = node_b
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    let first = on_b.recv().await.unwrap();
    assert!(
        matches!(first, ticketing::events::TicketEvent::Issued { ref code, .. } if *code == own.ticket.code.to_string())
    );
    let echo = tokio::time::timeout(std::time::Duration::from_millis(500), on_b.recv()).await;
    assert!(echo.is_err(), "no echo of node B's own event: {echo:?}");
    shutdown.cancel();
    tracker.close();
    tracker.wait().await;
}
