//! The ticketing service: the office's rules applied over the store, with events published
//! after each committed change. Kiosks, counters, displays and the phone channel all go
//! through it.

use std::sync::Arc;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::clock::Clock;
use crate::events::{EventBus, TicketEvent};
use crate::queue::{
    Candidate, InvalidTransition, IssueChannel, IssueRefusal, LineId, RECENT_SERVICES, ServiceLine,
    Station, StationState, TicketAction, TicketCode, TicketStatus, WaitEstimate, estimate_wait,
};
use crate::settings::Office;
use crate::store::{NewTicket, StationRecord, StatusChange, Store, StoreError, TicketRecord};

/// A ticket just issued, with what the citizen is told.
#[derive(Debug, Clone)]
pub struct IssuedTicket {
    pub ticket: TicketRecord,
    pub line_name: String,
    pub people_ahead: u32,
    pub estimate: WaitEstimate,
}

/// Why a ticket was not issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("unknown service line '{0}'")]
    UnknownLine(String),
    #[error("unknown priority class '{0}'")]
    UnknownPriorityClass(String),
    #[error("tickets are not issued now")]
    Refused(IssueRefusal),
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// Why a station operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum StationError {
    #[error("unknown station '{0}'")]
    UnknownStation(String),
    #[error("the station is not open")]
    NotOpen,
    #[error("the station has no called ticket")]
    NoTicket,
    #[error("unknown service line '{0}'")]
    UnknownLine(String),
    #[error("the station is not allowed to serve line '{0}'")]
    LineNotServed(String),
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    #[error("the ticket was changed by someone else; try again")]
    Conflict,
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// Why an operation on a ticket by its code was refused.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("no ticket {0} today")]
    NotFound(String),
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    #[error("the ticket was changed by someone else; try again")]
    Conflict,
    #[error(transparent)]
    Storage(#[from] StoreError),
}

/// One line's queue as shown to staff and citizens.
#[derive(Debug, Clone, Serialize)]
pub struct LineQueue {
    pub id: String,
    pub name: String,
    pub prefix: char,
    pub fast_lane: bool,
    pub waiting: u32,
    pub estimate: WaitEstimate,
    /// The estimate in Italian ("circa 12 minuti").
    pub estimate_text: String,
    pub open_stations: u32,
}

/// A station as shown to staff.
#[derive(Debug, Clone, Serialize)]
pub struct StationView {
    pub id: String,
    pub name: String,
    pub number: u32,
    pub state: StationState,
    pub allowed_lines: Vec<String>,
    pub active_lines: Vec<String>,
    pub staff_username: Option<String>,
    pub current_ticket: Option<String>,
}

/// The ticketing core of one office (cheap to clone).
#[derive(Clone)]
pub struct Ticketing {
    inner: Arc<Inner>,
}

struct Inner {
    office: Office,
    store: Store,
    clock: Arc<dyn Clock>,
    events: EventBus,
    /// Set once a callback dialler runs on this node (see
    /// [`crate::operators::spawn_callback_dialler`]): only then can a waiting caller's
    /// callback keep its place in the operator queue.
    callbacks_dialled: std::sync::atomic::AtomicBool,
    /// Writes the dialog outcomes in groups; started on first use (on that caller's runtime).
    outcome_writer: std::sync::OnceLock<crate::operators::outcomes::OutcomeWriter>,
}

impl std::fmt::Debug for Ticketing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticketing")
            .field("office", &self.inner.office.id)
            .finish_non_exhaustive()
    }
}

impl Ticketing {
    /// Wraps the store for `office`; makes sure the office's rows exist.
    pub async fn new(
        office: Office,
        store: Store,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        store.ensure_office(&office.id).await?;
        Ok(Ticketing {
            inner: Arc::new(Inner {
                office,
                store,
                clock,
                events: EventBus::default(),
                callbacks_dialled: std::sync::atomic::AtomicBool::new(false),
                outcome_writer: std::sync::OnceLock::new(),
            }),
        })
    }

    pub fn office(&self) -> &Office {
        &self.inner.office
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub(crate) fn outcome_writer(&self) -> &crate::operators::outcomes::OutcomeWriter {
        self.inner.outcome_writer.get_or_init(|| {
            crate::operators::outcomes::OutcomeWriter::start(
                self.inner.store.clone(),
                self.inner.office.id.to_string(),
            )
        })
    }

    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The office's service day now.
    pub fn today(&self) -> Date {
        self.inner.office.calendar.local(self.now()).date()
    }

    /// Declares that a callback dialler runs on this node: callbacks requested while waiting
    /// keep their place and are dialled when reached. Without one, such a request becomes a
    /// callback request for staff.
    pub fn set_callbacks_dialled(&self) {
        self.inner
            .callbacks_dialled
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether a callback dialler runs on this node.
    pub fn callbacks_dialled(&self) -> bool {
        self.inner
            .callbacks_dialled
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Publishes an event of a committed change (operators and phone queue).
    pub(crate) fn publish(&self, event: TicketEvent) {
        self.inner.events.publish(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TicketEvent> {
        self.inner.events.subscribe()
    }

    /// On PostgreSQL, shares events with the other nodes of the office (see
    /// [`EventBus::spawn_postgres_relay`]); on SQLite there is only one node and this does
    /// nothing.
    pub async fn spawn_event_relay(
        &self,
        database_url: &str,
        shutdown: tokio_util::sync::CancellationToken,
        tracker: &tokio_util::task::TaskTracker,
    ) -> Result<(), StoreError> {
        if self.inner.store.backend() != crate::store::Backend::Postgres {
            return Ok(());
        }
        self.inner
            .events
            .spawn_postgres_relay(database_url, &self.inner.office.id, shutdown, tracker)
            .await?;
        Ok(())
    }

    fn line(&self, id: &str) -> Option<&ServiceLine> {
        self.inner.office.line(id)
    }

    fn station(&self, id: &str) -> Result<&Station, StationError> {
        self.inner
            .office
            .station(id)
            .ok_or_else(|| StationError::UnknownStation(id.to_string()))
    }

    /// Whether tickets for `line` can be issued now.
    pub fn check_issuing(&self, line: &ServiceLine) -> Result<(), IssueRefusal> {
        let now = self.inner.office.calendar.local(self.now());
        line.check_issuing(&self.inner.office.calendar, now)
    }

    /// Issues a ticket for `line_id` through `channel`.
    #[tracing::instrument(skip(self), fields(office = %self.inner.office.id))]
    pub async fn issue(
        &self,
        line_id: &str,
        channel: IssueChannel,
        priority_class: Option<&str>,
    ) -> Result<IssuedTicket, IssueError> {
        let line = self
            .line(line_id)
            .ok_or_else(|| IssueError::UnknownLine(line_id.to_string()))?;
        if let Some(class) = priority_class
            && self.inner.office.priority_class(class).is_none()
        {
            return Err(IssueError::UnknownPriorityClass(class.to_string()));
        }
        self.check_issuing(line).map_err(IssueError::Refused)?;
        let now = self.now();
        let day = self.today();
        let issued = self
            .inner
            .store
            .issue_ticket(NewTicket {
                office_id: &self.inner.office.id,
                service_day: day,
                line: &line.id,
                prefix: line.prefix,
                channel,
                priority_class,
                now,
            })
            .await?;
        Ok(self.announce_issued(line, issued).await?)
    }

    /// Publishes a committed issue and computes what the citizen is told.
    pub(crate) async fn announce_issued(
        &self,
        line: &ServiceLine,
        issued: crate::store::Issued,
    ) -> Result<IssuedTicket, StoreError> {
        let ticket = issued.ticket;
        tracing::info!(code = %ticket.code, line = %line.id, channel = ticket.channel.as_str(), "ticket issued");
        self.inner.events.publish(TicketEvent::Issued {
            code: ticket.code.to_string(),
            display: ticket.code.spaced(),
            line: line.id.to_string(),
            channel: ticket.channel,
            at: ticket.issued_at.to_string(),
        });
        let estimate = self
            .estimate(line, ticket.service_day, issued.people_ahead)
            .await?;
        Ok(IssuedTicket {
            ticket,
            line_name: line.name.clone(),
            people_ahead: issued.people_ahead,
            estimate,
        })
    }

    async fn estimate(
        &self,
        line: &ServiceLine,
        day: Date,
        people_ahead: u32,
    ) -> Result<WaitEstimate, StoreError> {
        let stations = self.inner.store.stations(&self.inner.office.id).await?;
        let open = open_stations_for(&stations, &line.id);
        self.estimate_with(line, day, people_ahead, open).await
    }

    async fn estimate_with(
        &self,
        line: &ServiceLine,
        day: Date,
        people_ahead: u32,
        open_stations: u32,
    ) -> Result<WaitEstimate, StoreError> {
        if open_stations == 0 {
            return Ok(WaitEstimate::Unknown);
        }
        let recent: Vec<SignedDuration> = self
            .inner
            .store
            .recent_handling_ms(&self.inner.office.id, day, &line.id, RECENT_SERVICES)
            .await?
            .into_iter()
            .map(SignedDuration::from_millis)
            .collect();
        Ok(estimate_wait(
            people_ahead,
            &recent,
            line.default_handling,
            open_stations,
        ))
    }

    /// Waiting people and estimates per line, in configuration order.
    pub async fn queue_overview(&self) -> Result<Vec<LineQueue>, StoreError> {
        let office = &self.inner.office;
        let day = self.today();
        let counts = self.inner.store.waiting_counts(&office.id, day).await?;
        let stations = self.inner.store.stations(&office.id).await?;
        let mut out = Vec::with_capacity(office.lines.len());
        for line in &office.lines {
            let waiting = counts
                .iter()
                .find(|(id, _)| id == line.id.as_str())
                .map_or(0, |(_, n)| *n);
            let open = open_stations_for(&stations, &line.id);
            let estimate = self.estimate_with(line, day, waiting, open).await?;
            out.push(LineQueue {
                id: line.id.to_string(),
                name: line.name.clone(),
                prefix: line.prefix.as_char(),
                fast_lane: line.fast_lane,
                waiting,
                estimate,
                estimate_text: estimate.italian(),
                open_stations: open,
            });
        }
        Ok(out)
    }

    /// Every configured station with its live state.
    pub async fn stations(&self) -> Result<Vec<StationView>, StoreError> {
        let office = &self.inner.office;
        let stored = self.inner.store.stations(&office.id).await?;
        let day = self.today();
        let tickets = self.inner.store.recent_calls(&office.id, day, 200).await?;
        Ok(office
            .stations
            .iter()
            .map(|s| {
                let record = stored.iter().find(|r| r.station == s.id);
                let current = tickets
                    .iter()
                    .find(|t| t.station.as_ref() == Some(&s.id) && t.status.is_at_station());
                StationView {
                    id: s.id.to_string(),
                    name: s.name.clone(),
                    number: s.number,
                    state: record.map_or(StationState::Closed, |r| r.state),
                    allowed_lines: s.lines.iter().map(ToString::to_string).collect(),
                    active_lines: record
                        .map(|r| r.active_lines.iter().map(ToString::to_string).collect())
                        .unwrap_or_default(),
                    staff_username: record.and_then(|r| r.staff_username.clone()),
                    current_ticket: current.map(|t| t.code.to_string()),
                }
            })
            .collect())
    }

    /// Opens (or reopens after a pause) a station for `lines` (all its allowed lines when
    /// empty), signed in by `staff`.
    #[tracing::instrument(skip(self), fields(office = %self.inner.office.id))]
    pub async fn open_station(
        &self,
        station_id: &str,
        lines: &[String],
        staff: &str,
    ) -> Result<(), StationError> {
        let station = self.station(station_id)?;
        let mut active = Vec::new();
        for line in lines {
            let id = self
                .line(line)
                .map(|l| l.id.clone())
                .ok_or_else(|| StationError::UnknownLine(line.clone()))?;
            if !station.lines.contains(&id) {
                return Err(StationError::LineNotServed(line.clone()));
            }
            if !active.contains(&id) {
                active.push(id);
            }
        }
        if active.is_empty() {
            active = station.lines.clone();
        }
        self.set_station_state(station, StationState::Open, &active, Some(staff))
            .await
    }

    /// Pauses a station: it keeps its lines but calls nobody.
    pub async fn pause_station(&self, station_id: &str, staff: &str) -> Result<(), StationError> {
        let station = self.station(station_id)?;
        let now = self.now();
        let mut tx = self
            .inner
            .store
            .begin_office_operation(&self.inner.office.id)
            .await?;
        let lines = tx
            .station(&station.id)
            .await?
            .map(|r| r.active_lines)
            .unwrap_or_else(|| station.lines.clone());
        tx.set_station(&station.id, StationState::Paused, &lines, Some(staff), now)
            .await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        self.publish_station(station, StationState::Paused);
        Ok(())
    }

    /// Closes a station. A ticket still at the station is finished.
    pub async fn close_station(&self, station_id: &str) -> Result<(), StationError> {
        let station = self.station(station_id)?;
        self.set_station_state(station, StationState::Closed, &[], None)
            .await
    }

    async fn set_station_state(
        &self,
        station: &Station,
        state: StationState,
        lines: &[LineId],
        staff: Option<&str>,
    ) -> Result<(), StationError> {
        let now = self.now();
        let mut tx = self
            .inner
            .store
            .begin_office_operation(&self.inner.office.id)
            .await?;
        let mut finished = None;
        if state == StationState::Closed
            && let Some(current) = tx.station_ticket(&station.id).await?
            && tx
                .set_status(
                    current.id,
                    current.status,
                    StatusChange::Close {
                        to: TicketStatus::Done,
                        at: now,
                    },
                )
                .await?
        {
            finished = Some(current);
        }
        tx.set_station(&station.id, state, lines, staff, now)
            .await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        if let Some(t) = finished {
            self.publish_finished(&t, station, "done");
        }
        self.publish_station(station, state);
        Ok(())
    }

    fn publish_station(&self, station: &Station, state: StationState) {
        tracing::info!(station = %station.id, state = state.as_str(), "station changed");
        self.inner.events.publish(TicketEvent::StationChanged {
            station_id: station.id.to_string(),
            state,
        });
    }

    fn publish_finished(&self, t: &TicketRecord, station: &Station, outcome: &str) {
        self.inner.events.publish(TicketEvent::Finished {
            code: t.code.to_string(),
            line: t.line.to_string(),
            station_id: station.id.to_string(),
            outcome: outcome.to_string(),
        });
    }

    fn publish_called(&self, t: &TicketRecord, station: &Station, recall: bool, at: Timestamp) {
        tracing::info!(code = %t.code, station = %station.id, recall, "ticket called");
        self.inner.events.publish(TicketEvent::Called {
            code: t.code.to_string(),
            display: t.code.spaced(),
            line: t.line.to_string(),
            station_id: station.id.to_string(),
            station_name: station.name.clone(),
            station_number: station.number,
            recall,
            at: at.to_string(),
        });
    }

    /// Calls the next ticket to a station, after finishing the one it held. Returns `None`
    /// when nobody is waiting on the station's lines.
    #[tracing::instrument(skip(self), fields(office = %self.inner.office.id))]
    pub async fn call_next(&self, station_id: &str) -> Result<Option<TicketRecord>, StationError> {
        let station = self.station(station_id)?;
        let now = self.now();
        let day = self.today();
        let mut tx = self
            .inner
            .store
            .begin_office_operation(&self.inner.office.id)
            .await?;
        let record = tx.station(&station.id).await?;
        let lines = match record {
            Some(r) if r.state == StationState::Open => r.active_lines,
            _ => return Err(StationError::NotOpen),
        };
        let previous = tx.station_ticket(&station.id).await?;
        if let Some(prev) = &previous {
            let done = tx
                .set_status(
                    prev.id,
                    prev.status,
                    StatusChange::Close {
                        to: TicketStatus::Done,
                        at: now,
                    },
                )
                .await?;
            if !done {
                return Err(StationError::Conflict);
            }
        }
        let waiting = tx.waiting_on(day, &lines).await?;
        let candidates: Vec<Candidate> = waiting
            .iter()
            .map(|t| Candidate {
                ticket_id: t.id,
                issued_at: t.issued_at,
                has_priority_class: t.priority_class.is_some(),
                channel: t.channel,
            })
            .collect();
        let Some(choice) = self
            .inner
            .office
            .policy
            .choose(&candidates, tx.consecutive_priority)
        else {
            let streak = tx.consecutive_priority;
            tx.commit(streak).await?;
            if let Some(prev) = previous {
                self.publish_finished(&prev, station, "done");
            }
            return Ok(None);
        };
        let called = tx
            .set_status(
                choice.ticket_id,
                TicketStatus::Waiting,
                StatusChange::Call {
                    station: &station.id,
                    at: now,
                    recall: false,
                },
            )
            .await?;
        if !called {
            return Err(StationError::Conflict);
        }
        let ticket = tx.ticket(choice.ticket_id).await?;
        tx.commit(choice.consecutive_priority).await?;
        if let Some(prev) = previous {
            self.publish_finished(&prev, station, "done");
        }
        self.publish_called(&ticket, station, false, now);
        Ok(Some(ticket))
    }

    /// Applies `action` to the ticket the station holds.
    async fn act_on_station_ticket(
        &self,
        station_id: &str,
        action: TicketAction,
        to_line: Option<&str>,
    ) -> Result<TicketRecord, StationError> {
        let station = self.station(station_id)?;
        let target_line = match to_line {
            Some(l) => Some(
                self.line(l)
                    .map(|l| l.id.clone())
                    .ok_or_else(|| StationError::UnknownLine(l.to_string()))?,
            ),
            None => None,
        };
        let now = self.now();
        let mut tx = self
            .inner
            .store
            .begin_office_operation(&self.inner.office.id)
            .await?;
        let ticket = tx
            .station_ticket(&station.id)
            .await?
            .ok_or(StationError::NoTicket)?;
        let to = ticket.status.apply(action)?;
        let change = match action {
            TicketAction::Recall => StatusChange::Call {
                station: &station.id,
                at: now,
                recall: true,
            },
            TicketAction::StartService => StatusChange::StartService { at: now },
            TicketAction::Transfer => StatusChange::Transfer {
                to_line: target_line
                    .as_ref()
                    .ok_or(StationError::UnknownLine(String::new()))?,
            },
            _ => StatusChange::Close { to, at: now },
        };
        if !tx.set_status(ticket.id, ticket.status, change).await? {
            return Err(StationError::Conflict);
        }
        let updated = tx.ticket(ticket.id).await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        match action {
            TicketAction::Recall => self.publish_called(&updated, station, true, now),
            TicketAction::StartService => self.inner.events.publish(TicketEvent::ServiceStarted {
                code: updated.code.to_string(),
                station_id: station.id.to_string(),
            }),
            TicketAction::Transfer => self.inner.events.publish(TicketEvent::Transferred {
                code: updated.code.to_string(),
                from_line: ticket.line.to_string(),
                to_line: updated.line.to_string(),
            }),
            TicketAction::NoShow => self.publish_finished(&updated, station, "no_show"),
            _ => self.publish_finished(&updated, station, "done"),
        }
        Ok(updated)
    }

    /// Calls the station's ticket again (the citizen did not come yet).
    pub async fn recall(&self, station_id: &str) -> Result<TicketRecord, StationError> {
        self.act_on_station_ticket(station_id, TicketAction::Recall, None)
            .await
    }

    /// The citizen arrived at the counter.
    pub async fn start_service(&self, station_id: &str) -> Result<TicketRecord, StationError> {
        self.act_on_station_ticket(station_id, TicketAction::StartService, None)
            .await
    }

    pub async fn finish(&self, station_id: &str) -> Result<TicketRecord, StationError> {
        self.act_on_station_ticket(station_id, TicketAction::Finish, None)
            .await
    }

    pub async fn no_show(&self, station_id: &str) -> Result<TicketRecord, StationError> {
        self.act_on_station_ticket(station_id, TicketAction::NoShow, None)
            .await
    }

    /// Sends the station's ticket to another line's queue, keeping its issue time.
    pub async fn transfer(
        &self,
        station_id: &str,
        to_line: &str,
    ) -> Result<TicketRecord, StationError> {
        self.act_on_station_ticket(station_id, TicketAction::Transfer, Some(to_line))
            .await
    }

    /// Cancels a waiting or called ticket of today by its code.
    pub async fn cancel(&self, code: TicketCode) -> Result<TicketRecord, TicketError> {
        let now = self.now();
        let day = self.today();
        let mut tx = self
            .inner
            .store
            .begin_office_operation(&self.inner.office.id)
            .await?;
        let ticket = tx
            .ticket_by_code(day, code.prefix(), code.number())
            .await?
            .ok_or_else(|| TicketError::NotFound(code.to_string()))?;
        let to = ticket.status.apply(TicketAction::Cancel)?;
        if !tx
            .set_status(
                ticket.id,
                ticket.status,
                StatusChange::Close { to, at: now },
            )
            .await?
        {
            return Err(TicketError::Conflict);
        }
        let updated = tx.ticket(ticket.id).await?;
        let streak = tx.consecutive_priority;
        tx.commit(streak).await?;
        tracing::info!(code = %updated.code, "ticket cancelled");
        self.inner.events.publish(TicketEvent::Cancelled {
            code: updated.code.to_string(),
            line: updated.line.to_string(),
        });
        Ok(updated)
    }

    /// A ticket of today by code, with the people ahead of it when it is waiting.
    pub async fn ticket(
        &self,
        code: TicketCode,
    ) -> Result<Option<(TicketRecord, u32)>, StoreError> {
        let day = self.today();
        let office = &self.inner.office.id;
        let Some(ticket) = self
            .inner
            .store
            .ticket_by_code(office, day, code.prefix(), code.number())
            .await?
        else {
            return Ok(None);
        };
        let ahead = if ticket.status == TicketStatus::Waiting {
            self.inner
                .store
                .tickets_of_day(office, day)
                .await?
                .iter()
                .filter(|t| {
                    t.status == TicketStatus::Waiting
                        && t.line == ticket.line
                        && (t.issued_at, t.id) < (ticket.issued_at, ticket.id)
                })
                .count()
        } else {
            0
        };
        Ok(Some((ticket, u32::try_from(ahead).unwrap_or(u32::MAX))))
    }

    /// The latest calls of today, newest first, for the display board.
    pub async fn recent_calls(&self, limit: usize) -> Result<Vec<TicketRecord>, StoreError> {
        self.inner
            .store
            .recent_calls(&self.inner.office.id, self.today(), limit)
            .await
    }
}

fn open_stations_for(stations: &[StationRecord], line: &LineId) -> u32 {
    let n = stations
        .iter()
        .filter(|s| s.state == StationState::Open && s.active_lines.contains(line))
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Ticketing {
    /// Records that a caller wants to be called back by a person (phone channel: nobody could
    /// take the call). Returns the request's number.
    #[tracing::instrument(skip(self, contact, topic), fields(contact = %contact.masked()))]
    pub async fn request_callback(
        &self,
        contact: &crate::contact::PhoneNumber,
        topic: &str,
        channel: &str,
    ) -> Result<i64, StoreError> {
        let id = self
            .inner
            .store
            .insert_callback(
                &self.inner.office.id,
                contact.as_str(),
                topic,
                channel,
                self.now(),
            )
            .await?;
        tracing::info!(id, "callback requested");
        Ok(id)
    }
}

impl Ticketing {
    /// Erases the personal data older than `retention` (see `store::retention`).
    pub async fn purge_personal_data(
        &self,
        retention: SignedDuration,
    ) -> Result<crate::store::Purged, StoreError> {
        let now = self.now();
        let before = now.checked_sub(retention).unwrap_or(now);
        let purged = self
            .inner
            .store
            .purge_personal_data(&self.inner.office.id, before, now)
            .await?;
        if purged != crate::store::Purged::default() {
            tracing::info!(
                appointments = purged.appointments,
                escalations = purged.escalations,
                callbacks = purged.callbacks,
                phone_calls = purged.phone_calls,
                sessions = purged.sessions,
                "personal data past its retention erased"
            );
        }
        Ok(purged)
    }
}
