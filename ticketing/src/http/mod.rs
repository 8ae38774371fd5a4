//! The HTTP face of the ticketing core: the JSON API (with its OpenAPI document), the live
//! event stream, and the Italian pages for kiosk, counter console, display board and the
//! phone operators' console.
//!
//! Kiosk and display need no login and can only do what they show (issue a ticket, read the
//! calls); everything a clerk or supervisor does needs a staff session.

mod agenda;
mod api;
mod auth;
mod events;
mod html;
mod metrics;
mod operators;
mod pages;
pub mod printer;
mod problem;
mod staff_pages;
mod throttle;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use jiff::SignedDuration;

use crate::service::Ticketing;

pub use auth::{SESSION_COOKIE, StaffSession};
pub use metrics::{MetricsSource, MetricsSources};
pub use problem::{Problem, refusal_text};

/// Largest request body accepted (forms and JSON are tiny).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What the handlers share (cheap to clone).
#[derive(Clone, Debug)]
pub struct HttpState {
    pub ticketing: Ticketing,
    pub printer: Option<Arc<printer::EscPosPrinter>>,
    pub session_ttl: SignedDuration,
    pub login_throttle: Arc<throttle::LoginThrottle>,
    /// Figures other parts of the product add to `/metrics` (the SIP gateway's).
    pub metrics: MetricsSources,
}

impl HttpState {
    pub fn new(
        ticketing: Ticketing,
        printer: Option<printer::EscPosPrinter>,
        session_ttl: SignedDuration,
    ) -> Self {
        HttpState {
            ticketing,
            printer: printer.map(Arc::new),
            session_ttl,
            login_throttle: Arc::default(),
            metrics: MetricsSources::default(),
        }
    }
}

/// All ticketing routes: `/api/...`, `/chiosco`, `/sportello`, `/tabellone`.
pub fn router(state: HttpState) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(agenda::routes())
        .merge(events::routes())
        .merge(pages::routes())
        .merge(metrics::routes())
        .merge(staff_pages::routes())
        .merge(operators::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
