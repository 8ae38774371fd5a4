//! Staff pages beyond the counter console: the day's agenda (`/agenda`) and the supervisor's
//! view of the hall (`/supervisore`). Server-rendered, Italian, usable without JavaScript; a
//! few lines of JavaScript reload them when the hall changes.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use jiff::civil::Date;
use serde::Deserialize;

use super::html::{escape, page};
use super::{HttpState, Problem, StaffSession};
use crate::auth::Role;
use crate::italian;

pub(super) fn routes() -> Router<HttpState> {
    Router::new()
        .route("/agenda", get(agenda_page))
        .route("/agenda/arrivo", post(agenda_check_in))
        .route("/supervisore", get(supervisor_page))
        .route("/supervisore/richieste/{id}/chiudi", post(close_request))
}

/// Reloads the page (at most every 3 s) when the hall changes.
const LIVE_RELOAD: &str = r#"<script>
(function () {
  if (!window.EventSource) return;
  var pending = null;
  var es = new EventSource('/api/events');
  ['issued', 'called', 'finished', 'transferred', 'cancelled', 'station_changed', 'resync'].forEach(function (n) {
    es.addEventListener(n, function () {
      if (pending) return;
      pending = setTimeout(function () { location.reload(); }, 3000);
    });
  });
})();
</script>"#;

#[derive(Deserialize, Default)]
struct AgendaQuery {
    date: Option<String>,
    msg: Option<String>,
    err: Option<String>,
}

fn flash(msg: &Option<String>, err: &Option<String>) -> String {
    let mut out = String::new();
    if let Some(m) = msg {
        out.push_str(&format!(r#"<p class="ok" role="status">{}</p>"#, escape(m)));
    }
    if let Some(e) = err {
        out.push_str(&format!(
            r#"<p class="error" role="alert">{}</p>"#,
            escape(e)
        ));
    }
    out
}

async fn agenda_page(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Query(q): Query<AgendaQuery>,
) -> Result<Response, Problem> {
    let Some(staff) = staff else {
        return Ok(Redirect::to("/sportello").into_response());
    };
    staff.require(Role::Clerk)?;
    let t = &state.ticketing;
    let date = q
        .date
        .as_deref()
        .and_then(|d| d.parse::<Date>().ok())
        .unwrap_or_else(|| t.today());
    let list = t.day_agenda(date).await?;
    let mut sections = String::new();
    for mp in &t.office().agenda.meeting_points {
        let mut rows = String::new();
        for a in list.iter().filter(|a| a.meeting_point == mp.id.as_str()) {
            let action = if a.status == crate::store::AppointmentStatus::Booked && date == t.today()
            {
                format!(
                    r#"<form method="post" action="/agenda/arrivo"><input type="hidden" name="code" value="{}"><button class="secondary" type="submit">Registra arrivo</button></form>"#,
                    a.code.digits()
                )
            } else {
                String::new()
            };
            rows.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                italian::time(a.local_start.time()),
                escape(&a.code.grouped()),
                escape(a.procedure_id.as_deref().unwrap_or("")),
                escape(&a.contact),
                status_it(a.status),
                action
            ));
        }
        if rows.is_empty() {
            rows = r#"<tr><td colspan="6">Nessun appuntamento.</td></tr>"#.to_string();
        }
        sections.push_str(&format!(
            r#"<section><h2>{name}</h2><p><a href="/agenda/{id}.ics">Calendario iCalendar</a></p>
<table><caption class="sr-only">Appuntamenti di {name}</caption><thead><tr><th scope="col">Ora</th><th scope="col">Codice</th><th scope="col">Pratica</th><th scope="col">Telefono</th><th scope="col">Stato</th><th scope="col">Azione</th></tr></thead><tbody>{rows}</tbody></table></section>"#,
            name = escape(&mp.name),
            id = escape(mp.id.as_str()),
        ));
    }
    let prev = date.yesterday().unwrap_or(date);
    let next = date.tomorrow().unwrap_or(date);
    let body = format!(
        r#"<h1>Agenda delle consultazioni</h1>{flash}
<form method="get" action="/agenda"><label for="date">Giorno</label><input id="date" type="date" name="date" value="{date}"> <button class="secondary" type="submit">Mostra</button></form>
<p><a href="/agenda?date={prev}">Giorno precedente</a> · <a href="/agenda?date={next}">Giorno successivo</a></p>
<p>{day}</p>{sections}"#,
        flash = flash(&q.msg, &q.err),
        day = escape(&italian::date(date)),
    );
    Ok(Html(page("Agenda delle consultazioni", &body, "")).into_response())
}

fn status_it(status: crate::store::AppointmentStatus) -> &'static str {
    match status {
        crate::store::AppointmentStatus::Booked => "prenotato",
        crate::store::AppointmentStatus::Cancelled => "annullato",
        crate::store::AppointmentStatus::CheckedIn => "arrivato",
    }
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn agenda_check_in(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Form(form): Form<CodeForm>,
) -> Result<Response, Problem> {
    let Some(staff) = staff else {
        return Ok(Redirect::to("/sportello").into_response());
    };
    staff.require(Role::Clerk)?;
    let outcome = match crate::agenda::BookingCode::parse(&form.code) {
        Ok(code) => state.ticketing.check_in(code).await.map_err(Problem::from),
        Err(_) => Err(Problem::bad_request("Codice di prenotazione non valido.")),
    };
    let target = match outcome {
        Ok((_, issued)) => format!(
            "/agenda?msg={}",
            super::pages::url_encode(&format!(
                "Arrivo registrato: biglietto {}",
                issued.ticket.code.spaced()
            ))
        ),
        Err(p) => format!("/agenda?err={}", super::pages::url_encode(&p.detail)),
    };
    Ok(Redirect::to(&target).into_response())
}

async fn supervisor_page(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Query(q): Query<AgendaQuery>,
) -> Result<Response, Problem> {
    let Some(staff) = staff else {
        return Ok(Redirect::to("/sportello").into_response());
    };
    staff.require(Role::Supervisor)?;
    let t = &state.ticketing;
    let queue = t.queue_overview().await?;
    let stations = t.stations().await?;
    let figures = super::metrics::figures(&state).await?;
    let availability = t.availability_report().await?;
    let requests = t.store().escalations(&t.office().id, true).await?;
    let callbacks = t.store().callbacks(&t.office().id, true).await?;
    let mut callback_rows = String::new();
    for c in &callbacks {
        callback_rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            c.id,
            escape(&c.contact),
            escape(&c.topic),
            escape(&c.created_at)
        ));
    }
    if callback_rows.is_empty() {
        callback_rows =
            r#"<tr><td colspan="4">Nessuna richiesta di richiamata.</td></tr>"#.to_string();
    }

    let mut queue_rows = String::new();
    for l in &queue {
        let f = figures.lines.get(&l.id);
        queue_rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&l.name),
            l.waiting,
            escape(&l.estimate_text),
            l.open_stations,
            f.map_or(0, |f| f.issued),
            f.and_then(|f| f.average_wait_seconds)
                .map_or("-".to_string(), |s| format!("{:.0} min", s / 60.0)),
        ));
    }
    let mut station_rows = String::new();
    for s in &stations {
        station_rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.name),
            match s.state {
                crate::queue::StationState::Open => "aperto",
                crate::queue::StationState::Paused => "in pausa",
                crate::queue::StationState::Closed => "chiuso",
            },
            escape(s.staff_username.as_deref().unwrap_or("")),
            escape(&s.active_lines.join(", ")),
            escape(s.current_ticket.as_deref().unwrap_or("")),
        ));
    }
    let mut availability_rows = String::new();
    for a in &availability {
        availability_rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&a.line),
            a.meeting_points,
            a.first_free
                .map_or("nessuno entro 180 giorni".to_string(), |f| {
                    format!(
                        "{} alle {}",
                        italian::date(f.date()),
                        italian::time(f.time())
                    )
                }),
            if a.beyond_horizon {
                "<strong>oltre l'orizzonte: valutare un altro punto di incontro</strong>"
            } else {
                "entro l'orizzonte"
            },
            a.open_escalations,
        ));
    }
    let mut request_rows = String::new();
    for r in &requests {
        request_rows.push_str(&format!(
            r#"<tr><td>{id}</td><td>{line}</td><td>{contact}</td><td>{reason}</td><td>{at}</td><td><form method="post" action="/supervisore/richieste/{id}/chiudi"><label for="note-{id}">Esito</label><input id="note-{id}" name="note" required><button class="secondary" type="submit">Chiudi</button></form></td></tr>"#,
            id = r.id,
            line = escape(&r.line),
            contact = escape(&r.contact),
            reason = escape(&r.reason),
            at = escape(&r.created_at),
        ));
    }
    if request_rows.is_empty() {
        request_rows = r#"<tr><td colspan="6">Nessuna richiesta aperta.</td></tr>"#.to_string();
    }
    let body = format!(
        r#"<h1>Supervisione - {office}</h1>{flash}
<p><a href="/supervisore/telefono">Coda telefonica e operatori</a></p>
<h2>Sala d'attesa</h2>
<table><thead><tr><th scope="col">Servizio</th><th scope="col">In attesa</th><th scope="col">Attesa stimata</th><th scope="col">Sportelli aperti</th><th scope="col">Biglietti oggi</th><th scope="col">Attesa media oggi</th></tr></thead><tbody>{queue_rows}</tbody></table>
<h2>Sportelli</h2>
<table><thead><tr><th scope="col">Sportello</th><th scope="col">Stato</th><th scope="col">Personale</th><th scope="col">Servizi</th><th scope="col">Biglietto</th></tr></thead><tbody>{station_rows}</tbody></table>
<h2>Disponibilità degli appuntamenti</h2>
<table><thead><tr><th scope="col">Servizio</th><th scope="col">Punti di incontro</th><th scope="col">Primo orario libero</th><th scope="col">Valutazione</th><th scope="col">Richieste aperte</th></tr></thead><tbody>{availability_rows}</tbody></table>
<h2>Richieste non prenotabili entro l'orizzonte</h2>
<table><thead><tr><th scope="col">N.</th><th scope="col">Servizio</th><th scope="col">Telefono</th><th scope="col">Motivo</th><th scope="col">Ricevuta</th><th scope="col">Chiusura</th></tr></thead><tbody>{request_rows}</tbody></table>
<h2>Richieste di richiamata</h2>
<table><thead><tr><th scope="col">N.</th><th scope="col">Telefono</th><th scope="col">Argomento</th><th scope="col">Ricevuta</th></tr></thead><tbody>{callback_rows}</tbody></table>
{LIVE_RELOAD}"#,
        office = escape(&t.office().name),
        flash = flash(&q.msg, &q.err),
    );
    Ok(Html(page("Supervisione", &body, "")).into_response())
}

#[derive(Deserialize)]
struct CloseForm {
    note: String,
}

async fn close_request(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Path(id): Path<i64>,
    Form(form): Form<CloseForm>,
) -> Result<Response, Problem> {
    let Some(staff) = staff else {
        return Ok(Redirect::to("/sportello").into_response());
    };
    staff.require(Role::Supervisor)?;
    let t = &state.ticketing;
    let closed = t
        .store()
        .close_escalation(
            &t.office().id,
            id,
            &staff.username,
            form.note.trim(),
            t.now(),
        )
        .await?;
    let target = if closed {
        format!(
            "/supervisore?msg={}",
            super::pages::url_encode(&format!("Richiesta {id} chiusa."))
        )
    } else {
        format!(
            "/supervisore?err={}",
            super::pages::url_encode(&format!("La richiesta {id} non è aperta."))
        )
    };
    Ok(Redirect::to(&target).into_response())
}
