//! One error type for the HTTP API: a status, a clear message (RFC 9457 problem details), the
//! cause logged and never leaked.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::italian;
use crate::queue::IssueRefusal;
use crate::service::{IssueError, StationError, TicketError};
use crate::store::StoreError;

/// An HTTP problem response.
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub title: &'static str,
    pub detail: String,
    /// Extra machine-readable members (e.g. `next_issuing`).
    pub extra: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    extra: Option<&'a serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            title,
            detail: detail.into(),
            extra: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, "Richiesta non valida", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "Non trovato", detail)
    }

    pub fn unauthorized() -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "Accesso richiesto",
            "Effettui l'accesso con le credenziali del personale.",
        )
    }

    pub fn forbidden() -> Self {
        Problem::new(
            StatusCode::FORBIDDEN,
            "Operazione non consentita",
            "Il Suo ruolo non consente questa operazione.",
        )
    }

    pub fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Errore interno",
            "Si è verificato un errore interno. L'operazione non è stata eseguita.",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = Body {
            kind: "about:blank",
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.detail,
            extra: self.extra.as_ref(),
        };
        let mut response = (self.status, Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "storage failure");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Archivio non disponibile",
            "L'archivio non risponde: l'operazione non è stata eseguita. Riprovi tra poco.",
        )
    }
}

/// The Italian sentence telling a citizen why no ticket and when to come back.
pub fn refusal_text(refusal: &IssueRefusal, today: jiff::civil::Date) -> String {
    let first = match refusal {
        IssueRefusal::ClosedDay { .. } => "Oggi l'ufficio è chiuso.",
        IssueRefusal::OutsideHours { .. } => "In questo momento non si distribuiscono biglietti.",
        IssueRefusal::AfterCutoff { .. } => "La distribuzione dei biglietti per oggi è terminata.",
    };
    match refusal.next_issuing() {
        Some(at) => format!("{first} Può tornare {}.", italian::when(at, today)),
        None => first.to_string(),
    }
}

/// Maps an issue error; `today` is the office's date, for the "come back" sentence.
pub fn issue_problem(e: IssueError, today: jiff::civil::Date) -> Problem {
    match e {
        IssueError::UnknownLine(l) => Problem::not_found(format!("Il servizio '{l}' non esiste.")),
        IssueError::UnknownPriorityClass(c) => {
            Problem::bad_request(format!("La categoria di precedenza '{c}' non esiste."))
        }
        IssueError::Refused(refusal) => {
            let reason = match refusal {
                IssueRefusal::ClosedDay { .. } => "closed_day",
                IssueRefusal::OutsideHours { .. } => "outside_hours",
                IssueRefusal::AfterCutoff { .. } => "after_cutoff",
            };
            Problem {
                status: StatusCode::CONFLICT,
                title: "Biglietti non disponibili",
                detail: refusal_text(&refusal, today),
                extra: Some(serde_json::json!({
                    "reason": reason,
                    "next_issuing": refusal.next_issuing().map(|d| d.to_string()),
                })),
            }
        }
        IssueError::Storage(e) => e.into(),
    }
}

impl From<StationError> for Problem {
    fn from(e: StationError) -> Self {
        match e {
            StationError::UnknownStation(s) => {
                Problem::not_found(format!("Lo sportello '{s}' non esiste."))
            }
            StationError::NotOpen => Problem::new(
                StatusCode::CONFLICT,
                "Sportello non aperto",
                "Apra lo sportello prima di chiamare.",
            ),
            StationError::NoTicket => Problem::new(
                StatusCode::CONFLICT,
                "Nessun biglietto",
                "Lo sportello non ha un biglietto chiamato.",
            ),
            StationError::UnknownLine(l) => {
                Problem::bad_request(format!("Il servizio '{l}' non esiste."))
            }
            StationError::LineNotServed(l) => Problem::bad_request(format!(
                "Questo sportello non è abilitato al servizio '{l}'."
            )),
            StationError::InvalidTransition(t) => Problem::new(
                StatusCode::CONFLICT,
                "Operazione non possibile",
                t.to_string(),
            ),
            StationError::Conflict => Problem::new(
                StatusCode::CONFLICT,
                "Conflitto",
                "Il biglietto è stato modificato da un'altra postazione. Riprovi.",
            ),
            StationError::Storage(e) => e.into(),
        }
    }
}

impl From<TicketError> for Problem {
    fn from(e: TicketError) -> Self {
        match e {
            TicketError::NotFound(code) => {
                Problem::not_found(format!("Il biglietto {code} non esiste oggi."))
            }
            TicketError::InvalidTransition(t) => Problem::new(
                StatusCode::CONFLICT,
                "Operazione non possibile",
                t.to_string(),
            ),
            TicketError::Conflict => Problem::new(
                StatusCode::CONFLICT,
                "Conflitto",
                "Il biglietto è stato modificato da un'altra postazione. Riprovi.",
            ),
            TicketError::Storage(e) => e.into(),
        }
    }
}
