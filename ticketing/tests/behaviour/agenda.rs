//! The agenda: booking by code, no double booking under concurrent callers, cancel and move,
//! check-in into the queue, escalation and the availability report, reminders.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::SignedDuration;
use jiff::civil::datetime;
use ticketing::agenda::{BookingError, BookingRequest, Reminder, ReminderError, ReminderSender};
use ticketing::contact::PhoneNumber;
use ticketing::queue::{IssueChannel, TicketStatus};
use ticketing::store::AppointmentStatus;

use crate::{Db, monday_morning, office, rome};

on_both!(booking_cancel_and_move_by_code, booking);
on_both!(fifty_callers_race_for_one_slot, race);
on_both!(check_in_turns_an_appointment_into_a_ticket, check_in);
on_both!(full_agenda_escalates_and_reports, escalation);
on_both!(reminders_go_once, reminders);
on_both!(callback_requests_are_kept_until_closed, callbacks);

fn phone(text: &str) -> PhoneNumber {
    PhoneNumber::parse(text).unwrap()
}

fn request<'a>(
    line: &'a str,
    start: jiff::civil::DateTime,
    contact: &'a PhoneNumber,
) -> BookingRequest<'a> {
    BookingRequest {
        line,
        start,
        meeting_point: None,
        contact,
        procedure_id: Some("identita.cie-rilascio"),
        channel: "phone",
    }
}

async fn booking(db: Db) {
    let Some((t, _)) = office(db, monday_morning()).await else {
        return;
    };
    // Monday 9:00: the first slots are this afternoon (13:30, 20-minute slots at anagrafe).
    let free = t.free_slots("anagrafe", 3).await.unwrap();
    let starts: Vec<String> = free.iter().map(|s| s.start.to_string()).collect();
    assert_eq!(
        starts,
        [
            "2026-11-23T13:30:00",
            "2026-11-23T13:50:00",
            "2026-11-23T14:10:00"
        ]
    );
    let caller = phone("+39 333 1234567");
    let booked = t
        .book(request("anagrafe", free[0].start, &caller))
        .await
        .unwrap();
    assert_eq!(booked.status, AppointmentStatus::Booked);
    assert_eq!(booked.meeting_point, "anagrafe-1");
    // The slot is no longer offered.
    let after = t.free_slots("anagrafe", 1).await.unwrap();
    assert_eq!(after[0].start, free[1].start);
    // Booking it again fails.
    assert!(matches!(
        t.book(request("anagrafe", free[0].start, &phone("3470000000")))
            .await,
        Err(BookingError::SlotTaken)
    ));
    // Refusals: not a slot, too soon, beyond the horizon, no consultations for the line.
    let cases = [
        (datetime(2026, 11, 23, 13, 35, 0, 0), "not a slot"),
        (
            datetime(2026, 11, 27, 13, 30, 0, 0),
            "friday: no consultations",
        ),
        (datetime(2027, 1, 4, 13, 30, 0, 0), "beyond horizon"),
    ];
    for (start, why) in cases {
        assert!(
            t.book(request("anagrafe", start, &caller)).await.is_err(),
            "{why}"
        );
    }
    assert!(matches!(
        t.book(request(
            "anagrafe",
            datetime(2027, 1, 4, 13, 30, 0, 0),
            &caller
        ))
        .await,
        Err(BookingError::BeyondHorizon(30))
    ));
    assert!(matches!(
        t.free_slots("protocollo", 3).await,
        Err(BookingError::NoMeetingPoint(_))
    ));
    // Find, move and cancel need the code and the same phone number.
    let stranger = phone("3489999999");
    assert!(matches!(
        t.find_booking(booked.code, &stranger).await,
        Err(BookingError::NotFound)
    ));
    let moved = t
        .move_booking(
            booked.code,
            &caller,
            datetime(2026, 11, 24, 14, 10, 0, 0),
            None,
        )
        .await
        .unwrap();
    assert_eq!(moved.code, booked.code);
    assert_eq!(moved.local_start, datetime(2026, 11, 24, 14, 10, 0, 0));
    // The old slot is free again.
    assert_eq!(
        t.free_slots("anagrafe", 1).await.unwrap()[0].start,
        free[0].start
    );
    let cancelled = t.cancel_booking(booked.code, &caller).await.unwrap();
    assert_eq!(cancelled.status, AppointmentStatus::Cancelled);
    assert!(matches!(
        t.cancel_booking(booked.code, &caller).await,
        Err(BookingError::NotBooked(AppointmentStatus::Cancelled))
    ));
    // A cancelled slot can be booked again.
    t.book(request(
        "anagrafe",
        datetime(2026, 11, 24, 14, 10, 0, 0),
        &stranger,
    ))
    .await
    .unwrap();
}

async fn race(db: Db) {
    let Some((t, _)) = office(db, monday_morning()).await else {
        return;
    };
    let target = t.free_slots("tributi", 1).await.unwrap()[0].start;
    let mut handles = Vec::new();
    for i in 0..50 {
        let t = t.clone();
        handles.push(tokio::spawn(async move {
            let caller = PhoneNumber::parse(&format!("33300000{i:02}")).unwrap();
            let result = t.book(request("tributi", target, &caller)).await;
            match result {
                Ok(_) => (true, Vec::new()),
                Err(BookingError::SlotTaken) => {
                    // The loser is offered the next slots, never the taken one.
                    let next = t.free_slots("tributi", 3).await.unwrap();
                    (false, next.into_iter().map(|s| s.start).collect())
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }));
    }
    let mut winners = 0;
    for h in handles {
        let (won, offered) = h.await.unwrap();
        if won {
            winners += 1;
        } else {
            assert_eq!(offered.len(), 3);
            assert!(!offered.contains(&target));
        }
    }
    assert_eq!(winners, 1, "exactly one caller gets the slot");
    assert_eq!(t.day_agenda(target.date()).await.unwrap().len(), 1);
}

async fn check_in(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    let caller = phone("3331112222");
    let booked = t
        .book(request(
            "anagrafe",
            datetime(2026, 11, 23, 14, 10, 0, 0),
            &caller,
        ))
        .await
        .unwrap();
    // Too early: more than an hour before.
    assert!(matches!(
        t.check_in(booked.code).await,
        Err(BookingError::NotCheckInTime { .. })
    ));
    // A walk-in ticket issued this morning, still waiting in the afternoon.
    let walk_in = t
        .issue("anagrafe", IssueChannel::Kiosk, None)
        .await
        .unwrap();
    clock.set(rome(datetime(2026, 11, 23, 13, 55, 0, 0)));
    let (appointment, ticket) = t.check_in(booked.code).await.unwrap();
    assert_eq!(appointment.status, AppointmentStatus::CheckedIn);
    assert_eq!(ticket.ticket.channel, IssueChannel::Appointment);
    assert_eq!(ticket.ticket.code.prefix(), 'A');
    assert!(matches!(
        t.check_in(booked.code).await,
        Err(BookingError::NotBooked(AppointmentStatus::CheckedIn))
    ));
    // Precedence: the walk-in waited 4h55, more than the 20-minute head start, so it goes
    // first; the appointment is next.
    t.open_station("sportello-1", &[], "mario.rossi")
        .await
        .unwrap();
    let first = t.call_next("sportello-1").await.unwrap().unwrap();
    assert_eq!(first.code, walk_in.ticket.code);
    let second = t.call_next("sportello-1").await.unwrap().unwrap();
    assert_eq!(second.code, ticket.ticket.code);
    assert_eq!(second.status, TicketStatus::Called);
    // After the slot has ended, check-in is refused.
    let late = t
        .book(request(
            "anagrafe",
            datetime(2026, 11, 23, 15, 10, 0, 0),
            &caller,
        ))
        .await
        .unwrap();
    clock.set(rome(datetime(2026, 11, 23, 15, 31, 0, 0)));
    assert!(matches!(
        t.check_in(late.code).await,
        Err(BookingError::NotCheckInTime { .. })
    ));
}

async fn escalation(db: Db) {
    let Some((t, _)) = office(db, monday_morning()).await else {
        return;
    };
    // Fill every tecnico slot within the horizon (30-minute slots, Monday-Thursday afternoons).
    let mut booked = 0;
    loop {
        let free = t.free_slots("tecnico", 50).await.unwrap();
        if free.is_empty() {
            break;
        }
        for slot in free {
            let caller = PhoneNumber::parse(&format!("3400{booked:06}")).unwrap();
            t.book(request("tecnico", slot.start, &caller))
                .await
                .unwrap();
            booked += 1;
        }
    }
    assert!(booked > 40, "{booked} slots booked");
    let report = t.availability_report().await.unwrap();
    let tecnico = report.iter().find(|r| r.line == "tecnico").unwrap();
    assert!(tecnico.beyond_horizon);
    assert!(tecnico.days_away.unwrap() > 30);
    let anagrafe = report.iter().find(|r| r.line == "anagrafe").unwrap();
    assert_eq!(anagrafe.days_away, Some(0));
    assert!(!anagrafe.beyond_horizon);
    assert!(
        !report.iter().any(|r| r.line == "protocollo"),
        "no consultations there"
    );
    // The caller's request is recorded, never lost, and a supervisor closes it.
    let id = t
        .escalate(
            "tecnico",
            &phone("3471234567"),
            "nessuna disponibilità entro 30 giorni",
            "phone",
        )
        .await
        .unwrap();
    let report = t.availability_report().await.unwrap();
    assert_eq!(
        report
            .iter()
            .find(|r| r.line == "tecnico")
            .unwrap()
            .open_escalations,
        1
    );
    let open = t.store().escalations(&t.office().id, true).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, id);
    assert!(
        t.store()
            .close_escalation(
                &t.office().id,
                id,
                "anna.bianchi",
                "richiamato, fissato il 12/01",
                t.now()
            )
            .await
            .unwrap()
    );
    assert!(
        t.store()
            .escalations(&t.office().id, true)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        t.store()
            .escalations(&t.office().id, false)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[derive(Default)]
struct CountingSender(AtomicUsize);

impl ReminderSender for CountingSender {
    fn send<'a>(
        &'a self,
        reminder: &'a Reminder,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ReminderError>> + Send + 'a>>
    {
        assert!(reminder.text().contains("Le ricordiamo l'appuntamento di"));
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(()) })
    }
}

async fn reminders(db: Db) {
    let Some((t, _)) = office(db, monday_morning()).await else {
        return;
    };
    let caller = phone("3331234567");
    t.book(request(
        "sociale",
        datetime(2026, 11, 23, 14, 0, 0, 0),
        &caller,
    ))
    .await
    .unwrap();
    t.book(request(
        "sociale",
        datetime(2026, 11, 26, 14, 0, 0, 0),
        &caller,
    ))
    .await
    .unwrap();
    let sender = Arc::new(CountingSender::default());
    let day = SignedDuration::from_hours(24);
    assert_eq!(t.send_due_reminders(sender.as_ref(), day).await.unwrap(), 1);
    assert_eq!(
        t.send_due_reminders(sender.as_ref(), day).await.unwrap(),
        0,
        "only once"
    );
    assert_eq!(sender.0.load(Ordering::SeqCst), 1);
}

async fn callbacks(db: Db) {
    let Some((t, _)) = office(db, monday_morning()).await else {
        return;
    };
    let id = t
        .request_callback(
            &phone("3331234567"),
            "cambio di residenza: documenti",
            "phone",
        )
        .await
        .unwrap();
    let open = t.store().callbacks(&t.office().id, true).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].id, open[0].contact.as_str()), (id, "3331234567"));
    assert!(
        t.store()
            .close_callback(&t.office().id, id, "mario.rossi", "richiamato", t.now())
            .await
            .unwrap()
    );
    assert!(
        !t.store()
            .close_callback(&t.office().id, id, "mario.rossi", "di nuovo", t.now())
            .await
            .unwrap()
    );
    assert!(
        t.store()
            .callbacks(&t.office().id, true)
            .await
            .unwrap()
            .is_empty()
    );
}

on_both!(personal_data_is_erased_after_retention, retention);

async fn retention(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    let caller = phone("3331234567");
    let kept = t
        .book(request(
            "anagrafe",
            datetime(2026, 11, 30, 13, 30, 0, 0),
            &caller,
        ))
        .await
        .unwrap();
    let old = t
        .book(request(
            "anagrafe",
            datetime(2026, 11, 23, 13, 30, 0, 0),
            &caller,
        ))
        .await
        .unwrap();
    let open_callback = t.request_callback(&caller, "tari", "phone").await.unwrap();
    let closed_callback = t.request_callback(&caller, "imu", "phone").await.unwrap();
    t.store()
        .close_callback(
            &t.office().id,
            closed_callback,
            "mario.rossi",
            "fatto",
            t.now(),
        )
        .await
        .unwrap();
    // Ten days later, with a 7-day retention.
    clock.set(rome(datetime(2026, 12, 3, 9, 0, 0, 0)));
    let purged = t
        .purge_personal_data(SignedDuration::from_hours(24 * 7))
        .await
        .unwrap();
    assert_eq!((purged.appointments, purged.callbacks), (1, 1));
    let old = t
        .store()
        .appointment_by_code(&t.office().id, old.code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.contact, "", "the old appointment keeps no phone number");
    let kept = t
        .store()
        .appointment_by_code(&t.office().id, kept.code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.contact, "3331234567", "a recent appointment keeps it");
    let callbacks = t.store().callbacks(&t.office().id, false).await.unwrap();
    let open = callbacks.iter().find(|c| c.id == open_callback).unwrap();
    assert_eq!(open.contact, "3331234567", "open requests are never erased");
    let closed = callbacks.iter().find(|c| c.id == closed_callback).unwrap();
    assert_eq!(closed.contact, "");
}
