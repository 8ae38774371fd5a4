//! Today's figures of the hall: Prometheus text at `/metrics` and JSON at `/api/statistics`
//! (supervisors). Computed from the database on each request, so every node of a PostgreSQL
//! deployment reports the same numbers. No personal data. Other parts of the product add their
//! own figures to `/metrics` through [`MetricsSources`] (the SIP gateway: trunk registration,
//! registered phones, calls in progress, which are the node's own).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::{HttpState, Problem, StaffSession};
use crate::auth::Role;
use crate::queue::{StationState, TicketStatus};

/// Figures a part of the product outside the ticketing core adds to `/metrics`.
pub trait MetricsSource: Send + Sync + 'static {
    /// Appends Prometheus text lines (`# HELP`, `# TYPE`, samples) to `out`. Called on every
    /// scrape: no I/O, no waiting.
    fn write_metrics(&self, out: &mut String);
}

/// The sources `/metrics` asks besides the database (cheap to clone; sources may be added
/// after the server started, e.g. once the SIP gateway runs).
#[derive(Clone, Default)]
pub struct MetricsSources(Arc<Mutex<Vec<Arc<dyn MetricsSource>>>>);

impl MetricsSources {
    pub fn add(&self, source: Arc<dyn MetricsSource>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(source);
    }

    fn write(&self, out: &mut String) {
        let sources = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for source in sources {
            source.write_metrics(out);
        }
    }
}

impl std::fmt::Debug for MetricsSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.lock().map_or(0, |s| s.len());
        f.debug_struct("MetricsSources")
            .field("sources", &n)
            .finish()
    }
}

pub(super) fn routes() -> Router<HttpState> {
    Router::new()
        .route("/metrics", get(prometheus))
        .route("/api/statistics", get(statistics))
}

/// One line's figures for today.
#[derive(Debug, Default, Serialize)]
pub(super) struct LineFigures {
    pub(super) issued: i64,
    pub(super) waiting: i64,
    pub(super) called_or_serving: i64,
    pub(super) done: i64,
    pub(super) no_show: i64,
    pub(super) cancelled: i64,
    /// Average issue-to-call wait of the tickets called today.
    pub(super) average_wait_seconds: Option<f64>,
    /// Average call-to-finish time of the tickets done today.
    pub(super) average_handling_seconds: Option<f64>,
}

#[derive(Debug, Serialize)]
pub(super) struct Figures {
    pub(super) day: String,
    pub(super) lines: BTreeMap<String, LineFigures>,
    pub(super) stations_open: usize,
    pub(super) stations_paused: usize,
}

pub(super) async fn figures(state: &HttpState) -> Result<Figures, Problem> {
    let t = &state.ticketing;
    let day = t.today();
    let rows = t.store().day_statistics(&t.office().id, day).await?;
    let mut lines: BTreeMap<String, LineFigures> = t
        .office()
        .lines
        .iter()
        .map(|l| (l.id.to_string(), LineFigures::default()))
        .collect();
    let mut sums: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
    for row in rows {
        // Phone lines have their own figures (the phone queue's indicators).
        let Some(f) = lines.get_mut(&row.line) else {
            continue;
        };
        f.issued += row.count;
        match row.status {
            TicketStatus::Waiting => f.waiting += row.count,
            TicketStatus::Called | TicketStatus::InService => f.called_or_serving += row.count,
            TicketStatus::Done => f.done += row.count,
            TicketStatus::NoShow => f.no_show += row.count,
            TicketStatus::Cancelled => f.cancelled += row.count,
        }
        let s = sums.entry(row.line).or_default();
        s.0 += row.total_wait_ms;
        s.1 += row.called;
        s.2 += row.total_handling_ms;
        if row.status == TicketStatus::Done {
            s.3 += row.count;
        }
    }
    for (line, (wait, called, handling, done)) in sums {
        if let Some(f) = lines.get_mut(&line) {
            f.average_wait_seconds = (called > 0).then(|| wait as f64 / called as f64 / 1000.0);
            f.average_handling_seconds = (done > 0).then(|| handling as f64 / done as f64 / 1000.0);
        }
    }
    let stations = t.store().stations(&t.office().id).await?;
    Ok(Figures {
        day: day.to_string(),
        lines,
        stations_open: stations
            .iter()
            .filter(|s| s.state == StationState::Open)
            .count(),
        stations_paused: stations
            .iter()
            .filter(|s| s.state == StationState::Paused)
            .count(),
    })
}

async fn statistics(
    State(state): State<HttpState>,
    staff: StaffSession,
) -> Result<Json<Figures>, Problem> {
    staff.require(Role::Supervisor)?;
    Ok(Json(figures(&state).await?))
}

async fn prometheus(State(state): State<HttpState>) -> Result<impl IntoResponse, Problem> {
    let f = figures(&state).await?;
    let mut out = String::new();
    let gauge = |out: &mut String, name: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    };
    gauge(
        &mut out,
        "sportello_tickets",
        "Tickets of today by line and status.",
    );
    for (line, l) in &f.lines {
        for (status, n) in [
            ("waiting", l.waiting),
            ("called_or_serving", l.called_or_serving),
            ("done", l.done),
            ("no_show", l.no_show),
            ("cancelled", l.cancelled),
        ] {
            let _ = writeln!(
                out,
                "sportello_tickets{{line=\"{line}\",status=\"{status}\"}} {n}"
            );
        }
    }
    gauge(
        &mut out,
        "sportello_average_wait_seconds",
        "Average wait from issue to call today.",
    );
    for (line, l) in &f.lines {
        if let Some(w) = l.average_wait_seconds {
            let _ = writeln!(
                out,
                "sportello_average_wait_seconds{{line=\"{line}\"}} {w:.1}"
            );
        }
    }
    gauge(
        &mut out,
        "sportello_average_handling_seconds",
        "Average time from call to finish today.",
    );
    for (line, l) in &f.lines {
        if let Some(h) = l.average_handling_seconds {
            let _ = writeln!(
                out,
                "sportello_average_handling_seconds{{line=\"{line}\"}} {h:.1}"
            );
        }
    }
    gauge(&mut out, "sportello_stations", "Stations by state.");
    let _ = writeln!(
        out,
        "sportello_stations{{state=\"open\"}} {}",
        f.stations_open
    );
    let _ = writeln!(
        out,
        "sportello_stations{{state=\"paused\"}} {}",
        f.stations_paused
    );
    if state.ticketing.office().phone_queue.is_enabled() {
        phone_metrics(&mut out, &state.ticketing.phone_queue_overview().await?);
    }
    state.metrics.write(&mut out);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
}

/// A count of the interval indicators: (metric name, help, value).
type CountMetric = (
    &'static str,
    &'static str,
    fn(&crate::operators::IntervalIndicators) -> u32,
);

/// A ratio or mean of the interval indicators (absent when nothing counts).
type RatioMetric = (
    &'static str,
    &'static str,
    fn(&crate::operators::IntervalIndicators) -> Option<f64>,
);

/// The phone queue now and the indicators of the current 15- and 30-minute intervals.
fn phone_metrics(out: &mut String, o: &crate::operators::PhoneQueueOverview) {
    let gauge = |out: &mut String, name: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    };
    gauge(
        out,
        "sportello_phone_waiting",
        "Callers waiting for an operator, by phone line.",
    );
    for l in &o.lines {
        let _ = writeln!(
            out,
            "sportello_phone_waiting{{line=\"{}\"}} {}",
            l.id, l.waiting
        );
    }
    gauge(
        out,
        "sportello_phone_longest_wait_seconds",
        "Longest current wait for an operator, by phone line.",
    );
    for l in &o.lines {
        let _ = writeln!(
            out,
            "sportello_phone_longest_wait_seconds{{line=\"{}\"}} {}",
            l.id,
            l.longest_wait_seconds.unwrap_or(0)
        );
    }
    gauge(out, "sportello_operators", "Operator positions by state.");
    for (state, n) in &o.by_state {
        let _ = writeln!(
            out,
            "sportello_operators{{state=\"{}\"}} {n}",
            state.as_str()
        );
    }
    let intervals = [("15m", &o.quarter_hour), ("30m", &o.half_hour)];
    let counts: [CountMetric; 6] = [
        ("offered", "Calls offered to the operator queue", |i| {
            i.offered
        }),
        ("answered", "Calls answered by an operator", |i| i.answered),
        (
            "abandoned",
            "Calls abandoned while waiting (not short)",
            |i| i.abandoned,
        ),
        (
            "short_abandoned",
            "Calls abandoned under the short-abandon threshold",
            |i| i.short_abandoned,
        ),
        ("dialog_calls", "Calls taken by the phone dialog", |i| {
            i.dialog_calls
        }),
        (
            "resolved_in_dialog",
            "Calls resolved in the dialog without an operator",
            |i| i.resolved_in_dialog,
        ),
    ];
    for (name, help, value) in counts {
        let metric = format!("sportello_phone_{name}");
        gauge(out, &metric, &format!("{help}, in the current interval."));
        for (interval, figures) in intervals {
            if let Some(i) = figures {
                let _ = writeln!(out, "{metric}{{interval=\"{interval}\"}} {}", value(i));
            }
        }
    }
    let ratios: [RatioMetric; 3] = [
        (
            "service_level_ratio",
            "Answered within the threshold / (offered - short abandons)",
            |i| i.service_level,
        ),
        (
            "average_speed_of_answer_seconds",
            "Average wait of the answered calls",
            |i| i.average_speed_of_answer_seconds,
        ),
        (
            "average_handling_seconds",
            "Average talk plus wrap-up time",
            |i| i.average_handling_seconds,
        ),
    ];
    for (name, help, value) in ratios {
        let metric = format!("sportello_phone_{name}");
        gauge(out, &metric, &format!("{help}, in the current interval."));
        for (interval, figures) in intervals {
            if let Some(v) = figures.as_ref().and_then(value) {
                let _ = writeln!(out, "{metric}{{interval=\"{interval}\"}} {v:.3}");
            }
        }
    }
}
