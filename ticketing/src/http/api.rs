//! The JSON API. Every error is an `application/problem+json` answer saying what is wrong.

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::auth::{StaffSession, login};
use super::problem::issue_problem;
use super::{HttpState, Problem};
use crate::auth::{Role, token_hash};
use crate::queue::{IssueChannel, TicketCode, WaitEstimate};
use crate::service::{IssuedTicket, LineQueue, StationView};
use crate::store::TicketRecord;

pub(super) fn routes() -> Router<HttpState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/health", get(health))
        .route("/api/office", get(office))
        .route("/api/queue", get(queue))
        .route("/api/tickets", post(issue_ticket))
        .route("/api/tickets/{code}", get(ticket_status))
        .route("/api/tickets/{code}/cancel", post(cancel_ticket))
        .route("/api/display/calls", get(display_calls))
        .route("/api/auth/login", post(api_login))
        .route("/api/auth/logout", post(api_logout))
        .route("/api/stations", get(stations))
        .route("/api/stations/{id}/{action}", post(station_action))
}

/// JSON body extractor whose rejections are problem responses.
pub(super) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(Problem::new(
                rejection.status(),
                "Richiesta non valida",
                rejection.body_text(),
            )),
        }
    }
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

async fn health(State(state): State<HttpState>) -> Result<Json<serde_json::Value>, Problem> {
    state
        .ticketing
        .store()
        .waiting_counts(&state.ticketing.office().id, state.ticketing.today())
        .await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

#[derive(Serialize)]
struct OfficeLine {
    id: String,
    name: String,
    prefix: char,
    fast_lane: bool,
    issuing_now: bool,
    refusal: Option<String>,
}

async fn office(State(state): State<HttpState>) -> Json<serde_json::Value> {
    let t = &state.ticketing;
    let office = t.office();
    let today = t.today();
    let lines: Vec<OfficeLine> = office
        .lines
        .iter()
        .map(|l| {
            let check = t.check_issuing(l);
            OfficeLine {
                id: l.id.to_string(),
                name: l.name.clone(),
                prefix: l.prefix.as_char(),
                fast_lane: l.fast_lane,
                issuing_now: check.is_ok(),
                refusal: check.err().map(|r| super::refusal_text(&r, today)),
            }
        })
        .collect();
    let classes: Vec<_> = office
        .priority_classes
        .iter()
        .map(|(c, name)| serde_json::json!({ "id": c.as_str(), "name": name }))
        .collect();
    Json(serde_json::json!({
        "id": office.id,
        "name": office.name,
        "lines": lines,
        "priority_classes": classes,
    }))
}

async fn queue(State(state): State<HttpState>) -> Result<Json<Vec<LineQueue>>, Problem> {
    Ok(Json(state.ticketing.queue_overview().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueRequest {
    line: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    priority_class: Option<String>,
}

/// A ticket as the API shows it.
#[derive(Serialize)]
pub(super) struct TicketJson {
    code: String,
    display: String,
    line: String,
    status: &'static str,
    channel: IssueChannel,
    priority_class: Option<String>,
    issued_at: String,
    called_at: Option<String>,
    station: Option<String>,
}

impl From<&TicketRecord> for TicketJson {
    fn from(t: &TicketRecord) -> Self {
        TicketJson {
            code: t.code.to_string(),
            display: t.code.spaced(),
            line: t.line.to_string(),
            status: t.status.as_str(),
            channel: t.channel,
            priority_class: t.priority_class.clone(),
            issued_at: t.issued_at.to_string(),
            called_at: t.called_at.map(|c| c.to_string()),
            station: t.station.as_ref().map(ToString::to_string),
        }
    }
}

#[derive(Serialize)]
struct IssuedJson {
    #[serde(flatten)]
    ticket: TicketJson,
    line_name: String,
    people_ahead: u32,
    estimate: WaitEstimate,
    estimate_text: String,
}

impl From<&IssuedTicket> for IssuedJson {
    fn from(i: &IssuedTicket) -> Self {
        IssuedJson {
            ticket: (&i.ticket).into(),
            line_name: i.line_name.clone(),
            people_ahead: i.people_ahead,
            estimate: i.estimate,
            estimate_text: i.estimate.italian(),
        }
    }
}

async fn issue_ticket(
    State(state): State<HttpState>,
    ApiJson(req): ApiJson<IssueRequest>,
) -> Result<(StatusCode, Json<IssuedJson>), Problem> {
    let channel = match req.channel.as_deref() {
        None => IssueChannel::Kiosk,
        Some(text) => IssueChannel::parse(text).ok_or_else(|| {
            Problem::bad_request(format!(
                "Il canale '{text}' non esiste: usi kiosk, phone, web o appointment."
            ))
        })?,
    };
    let issued = state
        .ticketing
        .issue(&req.line, channel, req.priority_class.as_deref())
        .await
        .map_err(|e| issue_problem(e, state.ticketing.today()))?;
    Ok((StatusCode::CREATED, Json((&issued).into())))
}

fn parse_code(text: &str) -> Result<TicketCode, Problem> {
    TicketCode::parse(text).map_err(|_| {
        Problem::bad_request(format!("'{text}' non è un codice di biglietto come A12."))
    })
}

async fn ticket_status(
    State(state): State<HttpState>,
    Path(code): Path<String>,
) -> Result<Json<serde_json::Value>, Problem> {
    let code = parse_code(&code)?;
    let (ticket, ahead) = state
        .ticketing
        .ticket(code)
        .await?
        .ok_or_else(|| Problem::not_found(format!("Il biglietto {code} non esiste oggi.")))?;
    let mut value =
        serde_json::to_value(TicketJson::from(&ticket)).map_err(|_| Problem::internal())?;
    value["people_ahead"] = ahead.into();
    Ok(Json(value))
}

async fn cancel_ticket(
    State(state): State<HttpState>,
    staff: StaffSession,
    Path(code): Path<String>,
) -> Result<Json<TicketJson>, Problem> {
    staff.require(Role::Clerk)?;
    let code = parse_code(&code)?;
    let ticket = state.ticketing.cancel(code).await?;
    Ok(Json((&ticket).into()))
}

#[derive(Serialize)]
struct CallJson {
    code: String,
    display: String,
    station_id: Option<String>,
    station_name: Option<String>,
    station_number: Option<u32>,
    called_at: Option<String>,
}

async fn display_calls(State(state): State<HttpState>) -> Result<Json<Vec<CallJson>>, Problem> {
    let office = state.ticketing.office();
    let calls = state.ticketing.recent_calls(10).await?;
    Ok(Json(
        calls
            .iter()
            .map(|t| {
                let station = t.station.as_ref().and_then(|s| office.station(s.as_str()));
                CallJson {
                    code: t.code.to_string(),
                    display: t.code.spaced(),
                    station_id: t.station.as_ref().map(ToString::to_string),
                    station_name: station.map(|s| s.name.clone()),
                    station_number: station.map(|s| s.number),
                    called_at: t.called_at.map(|c| c.to_string()),
                }
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

async fn api_login(
    State(state): State<HttpState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<serde_json::Value>, Problem> {
    let (token, role, expires) = login(&state, &req.username, &req.password).await?;
    Ok(Json(serde_json::json!({
        "token": token,
        "role": role,
        "expires_at": expires.to_string(),
    })))
}

async fn api_logout(
    State(state): State<HttpState>,
    request: Request,
) -> Result<StatusCode, Problem> {
    let (parts, _) = request.into_parts();
    if let Some(token) = super::auth::request_token(&parts) {
        state
            .ticketing
            .store()
            .delete_session(&token_hash(&token), state.ticketing.now())
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn stations(
    State(state): State<HttpState>,
    staff: StaffSession,
) -> Result<Json<Vec<StationView>>, Problem> {
    staff.require(Role::Clerk)?;
    Ok(Json(state.ticketing.stations().await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StationActionBody {
    #[serde(default)]
    lines: Vec<String>,
    #[serde(default)]
    line: Option<String>,
}

async fn station_action(
    State(state): State<HttpState>,
    staff: StaffSession,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    staff.require(Role::Clerk)?;
    let body: StationActionBody = if body.iter().all(u8::is_ascii_whitespace) {
        StationActionBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| Problem::bad_request(format!("Corpo JSON non valido: {e}")))?
    };
    let outcome = perform(
        &state,
        &staff,
        &id,
        &action,
        &body.lines,
        body.line.as_deref(),
    )
    .await?;
    Ok(match outcome {
        ActionOutcome::Ticket(t) => Json(TicketJson::from(t.as_ref())).into_response(),
        ActionOutcome::NobodyWaiting => Json(serde_json::json!({
            "ticket": null,
            "detail": "Nessuno in attesa per i servizi di questo sportello."
        }))
        .into_response(),
        ActionOutcome::StationUpdated => StatusCode::NO_CONTENT.into_response(),
    })
}

/// The result of a console action.
pub(super) enum ActionOutcome {
    Ticket(Box<TicketRecord>),
    NobodyWaiting,
    StationUpdated,
}

/// Runs one console action on a station (shared by the API and the console page).
pub(super) async fn perform(
    state: &HttpState,
    staff: &StaffSession,
    station: &str,
    action: &str,
    lines: &[String],
    line: Option<&str>,
) -> Result<ActionOutcome, Problem> {
    let t = &state.ticketing;
    Ok(match action {
        "open" => {
            t.open_station(station, lines, &staff.username).await?;
            ActionOutcome::StationUpdated
        }
        "pause" => {
            t.pause_station(station, &staff.username).await?;
            ActionOutcome::StationUpdated
        }
        "close" => {
            t.close_station(station).await?;
            ActionOutcome::StationUpdated
        }
        "call-next" => match t.call_next(station).await? {
            Some(ticket) => ActionOutcome::Ticket(Box::new(ticket)),
            None => ActionOutcome::NobodyWaiting,
        },
        "recall" => ActionOutcome::Ticket(Box::new(t.recall(station).await?)),
        "start" => ActionOutcome::Ticket(Box::new(t.start_service(station).await?)),
        "finish" => ActionOutcome::Ticket(Box::new(t.finish(station).await?)),
        "no-show" => ActionOutcome::Ticket(Box::new(t.no_show(station).await?)),
        "transfer" => {
            let line = line.ok_or_else(|| {
                Problem::bad_request("Indichi il servizio di destinazione (campo 'line').")
            })?;
            ActionOutcome::Ticket(Box::new(t.transfer(station, line).await?))
        }
        other => {
            return Err(Problem::not_found(format!(
                "L'operazione '{other}' non esiste: usi open, pause, close, call-next, recall, \
                 start, finish, no-show o transfer."
            )));
        }
    })
}
