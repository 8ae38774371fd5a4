//! The agenda over HTTP: free slots, bookings by code (book, cancel, move, check-in), the
//! day's agenda for staff, the availability report and escalations for supervisors, and an
//! iCalendar feed per meeting point.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::civil::{Date, DateTime};
use serde::{Deserialize, Serialize};

use super::api::ApiJson;
use super::{HttpState, Problem, StaffSession};
use crate::agenda::{BookingCode, BookingError, BookingRequest, LineAvailability, OfferedSlot};
use crate::auth::Role;
use crate::contact::PhoneNumber;
use crate::store::{AppointmentRecord, EscalationRecord};

pub(super) fn routes() -> Router<HttpState> {
    Router::new()
        .route("/api/agenda/slots", get(slots))
        .route("/api/agenda/day", get(day))
        .route("/api/agenda/availability", get(availability))
        .route("/api/appointments", post(book))
        .route("/api/appointments/{code}/cancel", post(cancel))
        .route("/api/appointments/{code}/move", post(move_booking))
        .route("/api/appointments/{code}/check-in", post(check_in))
        .route("/api/escalations", get(escalations).post(escalate))
        .route("/api/escalations/{id}/close", post(close_escalation))
        .route("/agenda/{feed}", get(calendar_feed))
        .route("/api/callbacks", get(callbacks))
        .route("/api/callbacks/{id}/close", post(close_callback))
}

impl From<BookingError> for Problem {
    fn from(e: BookingError) -> Self {
        match e {
            BookingError::UnknownLine(l) => {
                Problem::not_found(format!("Il servizio '{l}' non esiste."))
            }
            BookingError::NoMeetingPoint(l) => Problem::not_found(format!(
                "Il servizio '{l}' non ha consultazioni su appuntamento."
            )),
            BookingError::NotASlot(at) => Problem::bad_request(format!(
                "{} non è un orario di appuntamento di questo servizio.",
                at.strftime("%d/%m/%Y %H:%M")
            )),
            BookingError::TooSoon => Problem::bad_request(
                "L'orario scelto è passato o troppo vicino: scelga un orario successivo.",
            ),
            BookingError::BeyondHorizon(days) => Problem::bad_request(format!(
                "Si può prenotare al massimo {days} giorni in anticipo."
            )),
            BookingError::SlotTaken => Problem::new(
                StatusCode::CONFLICT,
                "Orario non più disponibile",
                "L'orario è stato appena prenotato da un'altra persona: scelga un altro orario.",
            ),
            BookingError::NotFound => Problem::not_found(
                "Nessuna prenotazione con questo codice e questo numero di telefono.",
            ),
            BookingError::NotBooked(status) => Problem::new(
                StatusCode::CONFLICT,
                "Prenotazione non modificabile",
                match status {
                    crate::store::AppointmentStatus::Cancelled => {
                        "La prenotazione è già annullata."
                    }
                    crate::store::AppointmentStatus::CheckedIn => {
                        "La prenotazione è già stata registrata all'arrivo."
                    }
                    crate::store::AppointmentStatus::Booked => {
                        "La prenotazione non è modificabile."
                    }
                },
            ),
            BookingError::NotCheckInTime { start } => Problem::new(
                StatusCode::CONFLICT,
                "Non è l'orario dell'appuntamento",
                format!(
                    "L'appuntamento è {} alle {}: può registrare l'arrivo da un'ora prima.",
                    crate::italian::date(start.date()),
                    crate::italian::time(start.time())
                ),
            ),
            BookingError::Storage(e) => e.into(),
        }
    }
}

fn parse_code(text: &str) -> Result<BookingCode, Problem> {
    BookingCode::parse(text).map_err(|e| {
        Problem::bad_request(format!(
            "'{text}' non è un codice di prenotazione valido: {}.",
            match e {
                crate::agenda::InvalidBookingCode::Length => "servono 8 cifre",
                crate::agenda::InvalidBookingCode::CheckDigit => {
                    "una cifra è probabilmente sbagliata"
                }
            }
        ))
    })
}

fn parse_phone(text: &str) -> Result<PhoneNumber, Problem> {
    PhoneNumber::parse(text)
        .map_err(|_| Problem::bad_request(format!("'{text}' non è un numero di telefono valido.")))
}

fn parse_start(text: &str) -> Result<DateTime, Problem> {
    text.parse::<DateTime>().map_err(|_| {
        Problem::bad_request(format!(
            "'{text}' non è un orario come 2026-11-23T13:30:00."
        ))
    })
}

/// An appointment as the API shows it. `contact` is masked unless staff asked.
#[derive(Serialize)]
struct AppointmentJson {
    code: String,
    code_grouped: String,
    line: String,
    meeting_point: String,
    start: DateTime,
    status: &'static str,
    procedure_id: Option<String>,
    channel: String,
    contact: String,
}

fn appointment_json(a: &AppointmentRecord, staff: bool) -> AppointmentJson {
    let contact = match (staff, PhoneNumber::parse(&a.contact)) {
        (true, _) => a.contact.clone(),
        (false, Ok(n)) => n.masked(),
        (false, Err(_)) => "***".to_string(),
    };
    AppointmentJson {
        code: a.code.digits(),
        code_grouped: a.code.grouped(),
        line: a.line.clone(),
        meeting_point: a.meeting_point.clone(),
        start: a.local_start,
        status: a.status.as_str(),
        procedure_id: a.procedure_id.clone(),
        channel: a.channel.clone(),
        contact,
    }
}

#[derive(Deserialize)]
struct SlotsQuery {
    line: String,
    limit: Option<usize>,
}

async fn slots(
    State(state): State<HttpState>,
    Query(q): Query<SlotsQuery>,
) -> Result<Json<Vec<OfferedSlot>>, Problem> {
    let limit = q.limit.unwrap_or(3).clamp(1, 50);
    Ok(Json(state.ticketing.free_slots(&q.line, limit).await?))
}

#[derive(Deserialize)]
struct DayQuery {
    date: Option<String>,
}

async fn day(
    State(state): State<HttpState>,
    staff: StaffSession,
    Query(q): Query<DayQuery>,
) -> Result<Json<Vec<AppointmentJson>>, Problem> {
    staff.require(Role::Clerk)?;
    let date = match q.date {
        Some(text) => text.parse::<Date>().map_err(|_| {
            Problem::bad_request(format!("'{text}' non è una data come 2026-11-23."))
        })?,
        None => state.ticketing.today(),
    };
    let list = state.ticketing.day_agenda(date).await?;
    Ok(Json(
        list.iter().map(|a| appointment_json(a, true)).collect(),
    ))
}

async fn availability(
    State(state): State<HttpState>,
    staff: StaffSession,
) -> Result<Json<Vec<LineAvailability>>, Problem> {
    staff.require(Role::Supervisor)?;
    Ok(Json(state.ticketing.availability_report().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BookBody {
    line: String,
    start: String,
    meeting_point: Option<String>,
    contact: String,
    procedure_id: Option<String>,
}

/// Staff book on behalf of a citizen at the counter (the phone channel books in-process).
async fn book(
    State(state): State<HttpState>,
    staff: StaffSession,
    ApiJson(body): ApiJson<BookBody>,
) -> Result<(StatusCode, Json<AppointmentJson>), Problem> {
    staff.require(Role::Clerk)?;
    let contact = parse_phone(&body.contact)?;
    let start = parse_start(&body.start)?;
    let appointment = state
        .ticketing
        .book(BookingRequest {
            line: &body.line,
            start,
            meeting_point: body.meeting_point.as_deref(),
            contact: &contact,
            procedure_id: body.procedure_id.as_deref(),
            channel: "counter",
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(appointment_json(&appointment, true)),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactBody {
    contact: String,
}

async fn cancel(
    State(state): State<HttpState>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<Json<AppointmentJson>, Problem> {
    let code = parse_code(&code)?;
    let contact = parse_phone(&body.contact)?;
    let a = state.ticketing.cancel_booking(code, &contact).await?;
    Ok(Json(appointment_json(&a, false)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    contact: String,
    start: String,
    meeting_point: Option<String>,
}

async fn move_booking(
    State(state): State<HttpState>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<MoveBody>,
) -> Result<Json<AppointmentJson>, Problem> {
    let code = parse_code(&code)?;
    let contact = parse_phone(&body.contact)?;
    let start = parse_start(&body.start)?;
    let a = state
        .ticketing
        .move_booking(code, &contact, start, body.meeting_point.as_deref())
        .await?;
    Ok(Json(appointment_json(&a, false)))
}

/// Kiosk or counter: the citizen is there with the code; the appointment becomes a ticket.
async fn check_in(
    State(state): State<HttpState>,
    Path(code): Path<String>,
) -> Result<(StatusCode, Json<serde_json::Value>), Problem> {
    let code = parse_code(&code)?;
    let (appointment, issued) = state.ticketing.check_in(code).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "appointment": appointment_json(&appointment, false),
            "ticket": issued.ticket.code.to_string(),
            "display": issued.ticket.code.spaced(),
            "line_name": issued.line_name,
            "people_ahead": issued.people_ahead,
            "estimate": issued.estimate,
            "estimate_text": issued.estimate.italian(),
        })),
    ))
}

#[derive(Deserialize)]
struct EscalationsQuery {
    #[serde(default)]
    all: bool,
}

async fn escalations(
    State(state): State<HttpState>,
    staff: StaffSession,
    Query(q): Query<EscalationsQuery>,
) -> Result<Json<Vec<EscalationRecord>>, Problem> {
    staff.require(Role::Supervisor)?;
    let t = &state.ticketing;
    Ok(Json(t.store().escalations(&t.office().id, !q.all).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EscalateBody {
    line: String,
    contact: String,
    reason: String,
}

async fn escalate(
    State(state): State<HttpState>,
    staff: StaffSession,
    ApiJson(body): ApiJson<EscalateBody>,
) -> Result<(StatusCode, Json<serde_json::Value>), Problem> {
    staff.require(Role::Clerk)?;
    let contact = parse_phone(&body.contact)?;
    if body.reason.trim().is_empty() || body.reason.len() > 1000 {
        return Err(Problem::bad_request(
            "Indichi il motivo (al massimo 1000 caratteri).",
        ));
    }
    let id = state
        .ticketing
        .escalate(&body.line, &contact, body.reason.trim(), "counter")
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseBody {
    note: String,
}

async fn close_escalation(
    State(state): State<HttpState>,
    staff: StaffSession,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CloseBody>,
) -> Result<StatusCode, Problem> {
    staff.require(Role::Supervisor)?;
    let t = &state.ticketing;
    if t.store()
        .close_escalation(
            &t.office().id,
            id,
            &staff.username,
            body.note.trim(),
            t.now(),
        )
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!(
            "Nessuna richiesta aperta numero {id}."
        )))
    }
}

/// Callback requests left by callers (clerks, operators and supervisors call back).
async fn callbacks(
    State(state): State<HttpState>,
    staff: StaffSession,
    Query(q): Query<EscalationsQuery>,
) -> Result<Json<Vec<crate::store::CallbackRecord>>, Problem> {
    if !(staff.role.allows(Role::Clerk) || staff.role.allows(Role::Operator)) {
        return Err(Problem::forbidden());
    }
    let t = &state.ticketing;
    Ok(Json(t.store().callbacks(&t.office().id, !q.all).await?))
}

async fn close_callback(
    State(state): State<HttpState>,
    staff: StaffSession,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CloseBody>,
) -> Result<StatusCode, Problem> {
    if !(staff.role.allows(Role::Clerk) || staff.role.allows(Role::Operator)) {
        return Err(Problem::forbidden());
    }
    let t = &state.ticketing;
    if t.store()
        .close_callback(
            &t.office().id,
            id,
            &staff.username,
            body.note.trim(),
            t.now(),
        )
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found(format!(
            "Nessuna richiesta di richiamata aperta numero {id}."
        )))
    }
}

#[derive(Deserialize)]
struct FeedQuery {
    key: Option<String>,
}

/// `GET /agenda/{meeting point}.ics`: the booked consultations from today on.
async fn calendar_feed(
    State(state): State<HttpState>,
    Path(feed): Path<String>,
    Query(q): Query<FeedQuery>,
    staff: Option<StaffSession>,
) -> Result<Response, Problem> {
    let t = &state.ticketing;
    let open_by_key = match (&t.office().agenda.calendar_feed_key, &q.key) {
        (Some(secret), Some(key)) => secret.matches(key),
        _ => false,
    };
    if !open_by_key {
        staff
            .ok_or_else(Problem::unauthorized)?
            .require(Role::Clerk)?;
    }
    let id = feed
        .strip_suffix(".ics")
        .ok_or_else(|| Problem::not_found("Usi /agenda/<punto di incontro>.ics"))?;
    let mp = t
        .office()
        .agenda
        .meeting_points
        .iter()
        .find(|m| m.id.as_str() == id)
        .ok_or_else(|| Problem::not_found(format!("Il punto di incontro '{id}' non esiste.")))?;
    let from = t
        .office()
        .calendar
        .instant(t.today().to_datetime(jiff::civil::Time::MIN));
    let list = t
        .store()
        .appointments_from(&t.office().id, id, from)
        .await?;
    let body = ical_feed(
        &t.office().name,
        &mp.name,
        t.office().calendar.time_zone(),
        &list,
        t.now(),
    );
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response())
}

/// Builds an RFC 5545 calendar: CRLF line ends, lines folded at 75 octets, text escaped.
pub(super) fn ical_feed(
    office: &str,
    meeting_point: &str,
    tz: &jiff::tz::TimeZone,
    appointments: &[AppointmentRecord],
    now: jiff::Timestamp,
) -> String {
    let tz_name = tz.iana_name().unwrap_or("Europe/Rome");
    let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Sportello//Agenda//IT".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        format!(
            "X-WR-CALNAME:{}",
            ical_text(&format!("{office} - {meeting_point}"))
        ),
    ];
    for a in appointments {
        let end = a.local_start
            + jiff::SignedDuration::from_millis(a.end.as_millisecond() - a.start.as_millisecond());
        let contact = PhoneNumber::parse(&a.contact)
            .map(|n| n.masked())
            .unwrap_or_default();
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}@sportello", a.code.digits()),
            format!("DTSTAMP:{stamp}"),
            format!(
                "DTSTART;TZID={tz_name}:{}",
                a.local_start.strftime("%Y%m%dT%H%M%S")
            ),
            format!("DTEND;TZID={tz_name}:{}", end.strftime("%Y%m%dT%H%M%S")),
            format!(
                "SUMMARY:{}",
                ical_text(&format!(
                    "Consultazione - prenotazione {}",
                    a.code.grouped()
                ))
            ),
            format!(
                "DESCRIPTION:{}",
                ical_text(&format!(
                    "Servizio {}; pratica {}; telefono {contact}; stato {}",
                    a.line,
                    a.procedure_id.as_deref().unwrap_or("non indicata"),
                    a.status.as_str()
                ))
            ),
            "END:VEVENT".to_string(),
        ]);
    }
    lines.push("END:VCALENDAR".to_string());
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
}

fn ical_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets without splitting a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_on_character_boundaries() {
        let mut out = String::new();
        fold(&format!("DESCRIPTION:{}", "è".repeat(60)), &mut out);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        assert!(out.contains("\r\n "));
        assert_eq!(
            out.replace("\r\n ", "").trim_end(),
            format!("DESCRIPTION:{}", "è".repeat(60))
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(ical_text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }
}
