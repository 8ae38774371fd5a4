//! The appointment agenda: consultation slots per meeting point, booking by a code, cancel and
//! move, escalation when nothing is free within the horizon, the availability report, check-in
//! into the queue, and reminders.
//!
//! Precedence rule at check-in: an appointment checked in becomes a ticket of its line on the
//! `appointment` channel. The call-next policy gives it the same head start as a priority
//! class (see `queue::policy`), so a citizen who arrives on time is served around the booked
//! time even when the hall is busy, while walk-in tickets keep their bounded wait. Check-in is
//! accepted on the appointment's day from [`CHECK_IN_EARLY`] before the start until the end of
//! the slot; it does not depend on the ticket issuing hours.

mod code;
mod reminders;
mod slots;

use std::collections::HashSet;

use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

pub use code::{BookingCode, InvalidBookingCode};
pub use reminders::{LogReminderSender, Reminder, ReminderError, ReminderSender};
pub use slots::{MeetingPoint, Slot};

use crate::contact::PhoneNumber;
use crate::queue::IssueChannel;
use crate::service::{IssuedTicket, Ticketing};
use crate::store::{AppointmentRecord, AppointmentStatus, NewAppointment, NewTicket, StoreError};

/// How early before the start an appointment can be checked in.
pub const CHECK_IN_EARLY: SignedDuration = SignedDuration::from_mins(60);
/// How far ahead the availability report looks for the first free slot.
pub const REPORT_LOOKAHEAD_DAYS: i32 = 180;

/// The agenda rules of an office.
#[derive(Debug, Clone)]
pub struct AgendaRules {
    /// Slots can be booked up to this many days ahead (default 30).
    pub horizon_days: i32,
    /// A slot must start at least this long after the booking (default 60 minutes).
    pub min_notice: SignedDuration,
    pub meeting_points: Vec<MeetingPoint>,
    /// The consultation hours of the office (each meeting point may differ), as announced.
    pub hours: crate::calendar::WeeklyHours,
    /// Opens the iCalendar feeds without a login (see the configuration).
    pub calendar_feed_key: Option<crate::auth::Secret>,
}

impl Default for AgendaRules {
    fn default() -> Self {
        AgendaRules {
            horizon_days: 30,
            min_notice: SignedDuration::from_mins(60),
            meeting_points: Vec::new(),
            hours: crate::calendar::WeeklyHours::default(),
            calendar_feed_key: None,
        }
    }
}

/// A free slot offered to a citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferedSlot {
    pub meeting_point: String,
    pub meeting_point_name: String,
    pub start: DateTime,
    pub end: DateTime,
}

/// A booking request.
#[derive(Debug, Clone)]
pub struct BookingRequest<'a> {
    pub line: &'a str,
    pub start: DateTime,
    /// A specific meeting point, or any of the line's.
    pub meeting_point: Option<&'a str>,
    pub contact: &'a PhoneNumber,
    pub procedure_id: Option<&'a str>,
    /// "phone", "web" or "counter".
    pub channel: &'a str,
}

/// Why a booking operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("unknown service line '{0}'")]
    UnknownLine(String),
    #[error("the line '{0}' has no consultations by appointment")]
    NoMeetingPoint(String),
    #[error("{0} is not a consultation slot of this service")]
    NotASlot(DateTime),
    #[error("the slot is too soon or in the past")]
    TooSoon,
    #[error("the slot is beyond the booking horizon of {0} days")]
    BeyondHorizon(i32),
    #[error("the slot was just taken")]
    SlotTaken,
    /// Unknown code, or code and phone number do not belong together (same answer for both).
    #[error("no booking with this code and phone number")]
    NotFound,
    #[error("the booking is {} and cannot be changed", .0.as_str())]
    NotBooked(AppointmentStatus),
    #[error("check-in is possible on the day of the appointment, from one hour before")]
    NotCheckInTime { start: DateTime },
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// How far the first free slot of a line is.
#[derive(Debug, Clone, Serialize)]
pub struct LineAvailability {
    pub line: String,
    pub meeting_points: usize,
    pub first_free: Option<DateTime>,
    /// Calendar days from today to the first free slot.
    pub days_away: Option<i32>,
    /// True when the first free slot is beyond the booking horizon: time to open another
    /// meeting point.
    pub beyond_horizon: bool,
    pub open_escalations: usize,
}

impl Ticketing {
    fn meeting_points_of<'a>(
        &'a self,
        line: &'a str,
    ) -> impl Iterator<Item = &'a MeetingPoint> + 'a {
        self.office()
            .agenda
            .meeting_points
            .iter()
            .filter(move |m| m.line.as_str() == line)
    }

    fn check_line(&self, line: &str) -> Result<(), BookingError> {
        if self.office().line(line).is_none() {
            return Err(BookingError::UnknownLine(line.to_string()));
        }
        if self.meeting_points_of(line).next().is_none() {
            return Err(BookingError::NoMeetingPoint(line.to_string()));
        }
        Ok(())
    }

    /// The earliest moment a new booking may start.
    fn earliest_start(&self) -> DateTime {
        let now = self.now();
        let earliest = now
            .checked_add(self.office().agenda.min_notice)
            .unwrap_or(now);
        self.office().calendar.local(earliest)
    }

    fn horizon_end(&self) -> Date {
        let today = self.today();
        today
            .checked_add(jiff::Span::new().days(i64::from(self.office().agenda.horizon_days)))
            .unwrap_or(today)
    }

    async fn taken(&self, mp: &MeetingPoint, until: Date) -> Result<HashSet<DateTime>, StoreError> {
        let cal = &self.office().calendar;
        let from = self
            .now()
            .checked_sub(SignedDuration::from_hours(24))
            .unwrap_or(self.now());
        let to = cal.instant(until.to_datetime(jiff::civil::Time::MAX));
        Ok(self
            .store()
            .taken_starts(&self.office().id, mp.id.as_str(), from, to)
            .await?
            .into_iter()
            .collect())
    }

    /// The first `limit` free slots of a line within the horizon, earliest first, across its
    /// meeting points.
    pub async fn free_slots(
        &self,
        line: &str,
        limit: usize,
    ) -> Result<Vec<OfferedSlot>, BookingError> {
        self.check_line(line)?;
        self.free_slots_until(line, self.horizon_end(), limit).await
    }

    async fn free_slots_until(
        &self,
        line: &str,
        last_day: Date,
        limit: usize,
    ) -> Result<Vec<OfferedSlot>, BookingError> {
        let cal = &self.office().calendar;
        let after = self.earliest_start();
        let mut offered = Vec::new();
        for mp in self.meeting_points_of(line) {
            let taken = self.taken(mp, last_day).await?;
            offered.extend(
                mp.free_slots(cal, after, last_day, &taken)
                    .take(limit)
                    .map(|s| OfferedSlot {
                        meeting_point: mp.id.to_string(),
                        meeting_point_name: mp.name.clone(),
                        start: s.start,
                        end: s.end,
                    }),
            );
        }
        offered.sort_by(|a, b| (a.start, &a.meeting_point).cmp(&(b.start, &b.meeting_point)));
        offered.truncate(limit);
        Ok(offered)
    }

    /// Checks that `start` is a bookable slot of `mp` now; returns the slot.
    fn bookable_slot(&self, mp: &MeetingPoint, start: DateTime) -> Result<Slot, BookingError> {
        let slot = mp
            .slots_on(&self.office().calendar, start.date())
            .into_iter()
            .find(|s| s.start == start)
            .ok_or(BookingError::NotASlot(start))?;
        if start <= self.earliest_start() {
            return Err(BookingError::TooSoon);
        }
        if start.date() > self.horizon_end() {
            return Err(BookingError::BeyondHorizon(
                self.office().agenda.horizon_days,
            ));
        }
        Ok(slot)
    }

    /// Books a slot. With no meeting point given, the first of the line's meeting points that
    /// has the slot free is used. The database refuses a second booking of the same slot.
    #[tracing::instrument(skip(self, request), fields(line = request.line, start = %request.start, contact = %request.contact.masked()))]
    pub async fn book(
        &self,
        request: BookingRequest<'_>,
    ) -> Result<AppointmentRecord, BookingError> {
        self.check_line(request.line)?;
        let candidates: Vec<&MeetingPoint> = self
            .meeting_points_of(request.line)
            .filter(|m| request.meeting_point.is_none_or(|id| m.id.as_str() == id))
            .collect();
        if candidates.is_empty() {
            return Err(BookingError::NoMeetingPoint(request.line.to_string()));
        }
        let cal = &self.office().calendar;
        let mut last_error = BookingError::NotASlot(request.start);
        for mp in candidates {
            let slot = match self.bookable_slot(mp, request.start) {
                Ok(slot) => slot,
                Err(e) => {
                    last_error = e;
                    continue;
                }
            };
            // A fresh code per attempt; a clash on the code (rare) just tries another one.
            for _ in 0..5 {
                let code = BookingCode::random().map_err(|_| {
                    BookingError::Storage(StoreError::Corrupt("no randomness available".into()))
                })?;
                if self
                    .store()
                    .booking_code_exists(&self.office().id, code)
                    .await?
                {
                    continue;
                }
                let booked = self
                    .store()
                    .insert_appointment(&NewAppointment {
                        office_id: &self.office().id,
                        code,
                        meeting_point: mp.id.as_str(),
                        line: request.line,
                        start: cal.instant(slot.start),
                        end: cal.instant(slot.end),
                        local_start: slot.start,
                        contact: request.contact.as_str(),
                        procedure_id: request.procedure_id,
                        channel: request.channel,
                        now: self.now(),
                    })
                    .await?;
                match booked {
                    Some(appointment) => {
                        tracing::info!(code = %appointment.code, meeting_point = %mp.id, "appointment booked");
                        return Ok(appointment);
                    }
                    None if self.slot_is_taken(mp, slot.start).await? => {
                        last_error = BookingError::SlotTaken;
                        break;
                    }
                    None => continue,
                }
            }
        }
        Err(last_error)
    }

    async fn slot_is_taken(&self, mp: &MeetingPoint, start: DateTime) -> Result<bool, StoreError> {
        Ok(self.taken(mp, start.date()).await?.contains(&start))
    }

    /// The booking with this code, if it belongs to this phone number.
    pub async fn find_booking(
        &self,
        code: BookingCode,
        contact: &PhoneNumber,
    ) -> Result<AppointmentRecord, BookingError> {
        match self
            .store()
            .appointment_by_code(&self.office().id, code)
            .await?
        {
            Some(a) if a.contact == contact.as_str() => Ok(a),
            _ => Err(BookingError::NotFound),
        }
    }

    /// Cancels a booking by code and phone number.
    pub async fn cancel_booking(
        &self,
        code: BookingCode,
        contact: &PhoneNumber,
    ) -> Result<AppointmentRecord, BookingError> {
        let appointment = self.find_booking(code, contact).await?;
        if appointment.status != AppointmentStatus::Booked {
            return Err(BookingError::NotBooked(appointment.status));
        }
        if !self
            .store()
            .cancel_appointment(appointment.id, self.now())
            .await?
        {
            return Err(BookingError::NotBooked(AppointmentStatus::Cancelled));
        }
        tracing::info!(%code, "appointment cancelled");
        Ok(AppointmentRecord {
            status: AppointmentStatus::Cancelled,
            ..appointment
        })
    }

    /// Moves a booking to another slot of its line (same code).
    pub async fn move_booking(
        &self,
        code: BookingCode,
        contact: &PhoneNumber,
        new_start: DateTime,
        meeting_point: Option<&str>,
    ) -> Result<AppointmentRecord, BookingError> {
        let appointment = self.find_booking(code, contact).await?;
        if appointment.status != AppointmentStatus::Booked {
            return Err(BookingError::NotBooked(appointment.status));
        }
        let cal = &self.office().calendar;
        let candidates: Vec<&MeetingPoint> = self
            .meeting_points_of(&appointment.line)
            .filter(|m| meeting_point.is_none_or(|id| m.id.as_str() == id))
            .collect();
        let mut last_error = BookingError::NotASlot(new_start);
        for mp in candidates {
            let slot = match self.bookable_slot(mp, new_start) {
                Ok(slot) => slot,
                Err(e) => {
                    last_error = e;
                    continue;
                }
            };
            if self
                .store()
                .move_appointment(
                    appointment.id,
                    mp.id.as_str(),
                    cal.instant(slot.start),
                    cal.instant(slot.end),
                    slot.start,
                    self.now(),
                )
                .await?
            {
                tracing::info!(%code, meeting_point = %mp.id, "appointment moved");
                return self.find_booking(code, contact).await;
            }
            last_error = BookingError::SlotTaken;
        }
        Err(last_error)
    }

    /// Checks an appointment in (kiosk or counter): it becomes a ticket of its line.
    pub async fn check_in(
        &self,
        code: BookingCode,
    ) -> Result<(AppointmentRecord, IssuedTicket), BookingError> {
        let appointment = self
            .store()
            .appointment_by_code(&self.office().id, code)
            .await?
            .ok_or(BookingError::NotFound)?;
        if appointment.status != AppointmentStatus::Booked {
            return Err(BookingError::NotBooked(appointment.status));
        }
        let now = self.now();
        let opens = appointment
            .start
            .checked_sub(CHECK_IN_EARLY)
            .unwrap_or(appointment.start);
        let local_now = self.office().calendar.local(now);
        if now < opens
            || now >= appointment.end
            || local_now.date() != appointment.local_start.date()
        {
            return Err(BookingError::NotCheckInTime {
                start: appointment.local_start,
            });
        }
        let line = self
            .office()
            .line(&appointment.line)
            .ok_or_else(|| BookingError::UnknownLine(appointment.line.clone()))?;
        let issued = self
            .store()
            .check_in_appointment(
                appointment.id,
                NewTicket {
                    office_id: &self.office().id,
                    service_day: local_now.date(),
                    line: &line.id,
                    prefix: line.prefix,
                    channel: IssueChannel::Appointment,
                    priority_class: None,
                    now,
                },
            )
            .await?
            .ok_or(BookingError::NotBooked(AppointmentStatus::CheckedIn))?;
        let ticket = self.announce_issued(line, issued).await?;
        tracing::info!(%code, ticket = %ticket.ticket.code, "appointment checked in");
        let appointment = AppointmentRecord {
            status: AppointmentStatus::CheckedIn,
            ticket_id: Some(ticket.ticket.id),
            ..appointment
        };
        Ok((appointment, ticket))
    }

    /// Records a request that could not be booked within the horizon.
    pub async fn escalate(
        &self,
        line: &str,
        contact: &PhoneNumber,
        reason: &str,
        channel: &str,
    ) -> Result<i64, BookingError> {
        if self.office().line(line).is_none() {
            return Err(BookingError::UnknownLine(line.to_string()));
        }
        let id = self
            .store()
            .insert_escalation(
                &self.office().id,
                line,
                contact.as_str(),
                reason,
                channel,
                self.now(),
            )
            .await?;
        tracing::warn!(line, contact = %contact.masked(), id, "booking escalated: nothing free within the horizon");
        Ok(id)
    }

    /// Per line with consultations: how far away the first free slot is.
    pub async fn availability_report(&self) -> Result<Vec<LineAvailability>, BookingError> {
        let today = self.today();
        let last = today
            .checked_add(jiff::Span::new().days(i64::from(REPORT_LOOKAHEAD_DAYS)))
            .unwrap_or(today);
        let escalations = self.store().escalations(&self.office().id, true).await?;
        let mut report = Vec::new();
        for line in &self.office().lines {
            let count = self.meeting_points_of(line.id.as_str()).count();
            if count == 0 {
                continue;
            }
            let first = self
                .free_slots_until(line.id.as_str(), last, 1)
                .await?
                .into_iter()
                .next()
                .map(|s| s.start);
            let days_away = first.map(|f| (f.date() - today).get_days());
            report.push(LineAvailability {
                line: line.id.to_string(),
                meeting_points: count,
                first_free: first,
                days_away,
                beyond_horizon: days_away.is_none_or(|d| d > self.office().agenda.horizon_days),
                open_escalations: escalations
                    .iter()
                    .filter(|e| e.line == line.id.as_str())
                    .count(),
            });
        }
        Ok(report)
    }

    /// The appointments of a day.
    pub async fn day_agenda(&self, day: Date) -> Result<Vec<AppointmentRecord>, StoreError> {
        self.store()
            .appointments_of_day(&self.office().id, day)
            .await
    }

    /// Sends the reminders of the appointments starting within `ahead`; returns how many went.
    pub async fn send_due_reminders(
        &self,
        sender: &dyn ReminderSender,
        ahead: SignedDuration,
    ) -> Result<usize, StoreError> {
        let now = self.now();
        let until = now.checked_add(ahead).unwrap_or(now);
        let due = self
            .store()
            .due_reminders(&self.office().id, now, until)
            .await?;
        let mut sent = 0;
        for a in due {
            let reminder = Reminder {
                office_name: self.office().name.clone(),
                code: a.code,
                contact: a.contact.clone(),
                start: a.local_start,
                meeting_point: self
                    .office()
                    .agenda
                    .meeting_points
                    .iter()
                    .find(|m| m.id.as_str() == a.meeting_point)
                    .map_or_else(|| a.meeting_point.clone(), |m| m.name.clone()),
            };
            match sender.send(&reminder).await {
                Ok(()) => {
                    self.store().mark_reminded(a.id, now).await?;
                    sent += 1;
                }
                Err(e) => tracing::warn!(code = %a.code, error = %e, "reminder not sent"),
            }
        }
        Ok(sent)
    }
}

/// Time until a timestamp, for callers that only hold the record.
pub fn starts_in(appointment: &AppointmentRecord, now: Timestamp) -> SignedDuration {
    appointment.start.duration_since(now)
}
