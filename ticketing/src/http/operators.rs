//! The phone operators' side: the console (`/operatore`, Italian, usable without JavaScript,
//! live by SSE), the supervisor's view of the phone queue (`/supervisore/telefono`) and the
//! JSON API (`/api/operators`, `/api/phone-queue`).
//!
//! The console shows the position's state and buttons (pronto, pausa con motivo, fine pausa,
//! esci), the current caller's context (masked number, what the dialog said and heard, the
//! answers and booking attempts) and the wrap-up form. Only the staff account configured for
//! a position acts there; supervisors see every position.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::api::ApiJson;
use super::auth::{SESSION_COOKIE, StaffSession, login};
use super::html::{escape, page};
use super::pages::url_encode;
use super::{HttpState, Problem};
use crate::auth::Role;
use crate::italian;
use crate::operators::{
    IntervalIndicators, OperatorError, OperatorEvent, OperatorView, PhoneCallView,
    PhoneQueueOverview,
};

pub(super) fn routes() -> Router<HttpState> {
    Router::new()
        .route("/operatore", get(console_home))
        .route("/operatore/accesso", post(console_login))
        .route("/operatore/{id}", get(console))
        .route("/operatore/{id}/stato", post(console_state))
        .route("/operatore/{id}/chiusura", post(console_wrap_up))
        .route("/supervisore/telefono", get(supervisor_page))
        .route("/api/operators", get(api_operators))
        .route("/api/operators/{id}", get(api_operator))
        .route("/api/operators/{id}/wrap-up", post(api_wrap_up))
        .route("/api/operators/{id}/{action}", post(api_action))
        .route("/api/phone-queue", get(api_overview))
        .route("/api/phone-queue/indicators", get(api_indicators))
}

impl From<OperatorError> for Problem {
    fn from(e: OperatorError) -> Self {
        match e {
            OperatorError::UnknownPosition(id) => {
                Problem::not_found(format!("La postazione '{id}' non esiste."))
            }
            OperatorError::NotYourPosition(id) => Problem::new(
                StatusCode::FORBIDDEN,
                "Operazione non consentita",
                format!("La postazione '{id}' è assegnata a un altro operatore."),
            ),
            OperatorError::InvalidTransition(t) => Problem::new(
                StatusCode::CONFLICT,
                "Operazione non possibile ora",
                format!(
                    "La postazione è nello stato «{}»: questa operazione non è possibile ora.",
                    t.from.italian()
                ),
            ),
            OperatorError::NoCall => Problem::new(
                StatusCode::CONFLICT,
                "Nessuna chiamata",
                "La postazione non ha ancora gestito una chiamata.",
            ),
            OperatorError::UnknownCall(id) => {
                Problem::not_found(format!("La chiamata {id} non esiste."))
            }
            OperatorError::Conflict => Problem::new(
                StatusCode::CONFLICT,
                "Modifica concorrente",
                "La chiamata è stata modificata nel frattempo: riprovi.",
            ),
            OperatorError::Storage(e) => e.into(),
        }
    }
}

/// The operators' buttons by name (forms and API).
fn event(action: &str) -> Result<OperatorEvent, Problem> {
    Ok(match action {
        "login" => OperatorEvent::LogIn,
        "ready" => OperatorEvent::Ready,
        "pause" => OperatorEvent::Pause,
        "logout" => OperatorEvent::LogOut,
        other => {
            return Err(Problem::not_found(format!(
                "L'operazione '{other}' non esiste: usi login, ready, pause o logout."
            )));
        }
    })
}

/// Reasons offered for a pause (the operator may write another).
const PAUSE_REASONS: &[&str] = &["pausa", "riunione", "formazione", "attività di back office"];

/// Wrap-up codes offered after a call.
const WRAP_UP_CODES: &[(&str, &str)] = &[
    ("informazioni", "Informazioni date"),
    ("pratica", "Pratica avviata o seguita"),
    ("appuntamento", "Appuntamento fissato"),
    ("richiamare", "Da richiamare"),
    ("altro", "Altro"),
];

#[derive(Deserialize, Default)]
struct Flash {
    msg: Option<String>,
    err: Option<String>,
}

fn flash_html(flash: &Flash) -> String {
    let mut out = String::new();
    if let Some(m) = &flash.msg {
        out.push_str(&format!(r#"<p class="ok" role="status">{}</p>"#, escape(m)));
    }
    if let Some(e) = &flash.err {
        out.push_str(&format!(
            r#"<p class="error" role="alert">{}</p>"#,
            escape(e)
        ));
    }
    out
}

fn login_page(error: Option<&str>) -> Html<String> {
    let error = error
        .map(|e| format!(r#"<p class="error" role="alert">{}</p>"#, escape(e)))
        .unwrap_or_default();
    Html(page(
        "Accesso degli operatori",
        &format!(
            r#"<h1>Console dell'operatore telefonico</h1>{error}
<form method="post" action="/operatore/accesso">
<label for="username">Nome utente</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">Accedi</button></p></form>"#
        ),
        "",
    ))
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn console_login(State(state): State<HttpState>, Form(form): Form<LoginForm>) -> Response {
    match login(&state, &form.username, &form.password).await {
        Ok((token, _, _)) => {
            let cookie = format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                state.session_ttl.as_secs()
            );
            let mut response = Redirect::to("/operatore").into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(problem) => (problem.status, login_page(Some(&problem.detail))).into_response(),
    }
}

async fn console_home(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Query(flash): Query<Flash>,
) -> Result<Response, Problem> {
    let Some(staff) = staff else {
        return Ok(login_page(flash.err.as_deref()).into_response());
    };
    staff.require(Role::Operator)?;
    let rules = &state.ticketing.office().phone_queue;
    let mine: Vec<_> = if staff.role.allows(Role::Supervisor) {
        rules.operators.iter().collect()
    } else {
        rules.operators_of(&staff.username).collect()
    };
    if let [only] = mine.as_slice()
        && !staff.role.allows(Role::Supervisor)
    {
        return Ok(
            Redirect::to(&format!("/operatore/{}", url_encode(only.id.as_str()))).into_response(),
        );
    }
    let mut items = String::new();
    for position in &mine {
        items.push_str(&format!(
            r#"<li><a class="button" href="/operatore/{id}">{name}</a></li>"#,
            id = escape(position.id.as_str()),
            name = escape(&position.name),
        ));
    }
    if items.is_empty() {
        items = "<li>Nessuna postazione è assegnata al Suo utente.</li>".to_string();
    }
    let body = format!(
        r#"<h1>Console dell'operatore telefonico</h1>{flash}<p>Accesso come <strong>{user}</strong>.</p>
<h2>Postazioni</h2><ul class="lines">{items}</ul>
<form method="post" action="/sportello/uscita"><button class="secondary" type="submit">Esci dall'applicazione</button></form>"#,
        flash = flash_html(&flash),
        user = escape(&staff.username),
    );
    Ok(Html(page("Console dell'operatore", &body, "")).into_response())
}

fn seconds_text(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s => format!("{} min {} s", s / 60, s % 60),
    }
}

fn list_html(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        return format!("<p>{}</p>", escape(empty));
    }
    let mut out = String::from("<ul>");
    for item in items {
        out.push_str(&format!("<li>{}</li>", escape(item)));
    }
    out.push_str("</ul>");
    out
}

/// The caller's context as the console shows it (also rebuilt by the page's script).
fn call_html(call: &PhoneCallView, current: bool) -> String {
    let heading = if current {
        "Chiamata in corso"
    } else {
        "Ultima chiamata"
    };
    let number = if call.masked_number.is_empty() {
        "non disponibile".to_string()
    } else {
        call.masked_number.clone()
    };
    format!(
        r#"<h2>{heading}</h2>
<dl>
<dt>Numero</dt><dd>{code} · telefono {number}{callback}</dd>
<dt>Attesa in coda</dt><dd>{waited}</dd>
<dt>Argomenti</dt><dd>{topics}</dd>
<dt>Risposte ascoltate</dt><dd>{answers}</dd>
<dt>Tentativi di prenotazione</dt><dd>{bookings}</dd>
</dl>
<details><summary>Trascrizione del dialogo</summary>{transcript}</details>"#,
        code = escape(&call.code),
        number = escape(&number),
        callback = if call.callback { " · richiamata" } else { "" },
        waited = escape(&seconds_text(call.waited_seconds)),
        topics = list_html(&call.context.topics, "Nessun argomento scelto."),
        answers = list_html(&call.context.answers, "Nessuna risposta ascoltata."),
        bookings = list_html(&call.context.booking_attempts, "Nessun tentativo."),
        transcript = list_html(&call.context.transcript, "Trascrizione non disponibile."),
    )
}

async fn console(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, Problem> {
    let Some(staff) = staff else {
        return Ok(Redirect::to("/operatore").into_response());
    };
    staff.require(Role::Operator)?;
    let t = &state.ticketing;
    let view = t.operator(&id).await?;
    let overview = t.phone_queue_overview().await?;
    let own = view.staff == staff.username;
    let button = |action: &str, label: &str, class: &str| {
        format!(
            r#"<form method="post" action="/operatore/{id}/stato"><input type="hidden" name="azione" value="{action}"><button class="{class}" type="submit">{label}</button></form>"#,
            id = escape(&id),
        )
    };
    use crate::operators::OperatorState as S;
    let buttons = if !own {
        "<p>Questa postazione è assegnata a un altro operatore: può solo consultarla.</p>"
            .to_string()
    } else {
        match view.state {
            S::LoggedOut => button("login", "Entra in servizio", ""),
            S::Ready => format!(
                "{}{}",
                pause_form(&id),
                button("logout", "Esci", "secondary")
            ),
            S::Paused => format!(
                "{}{}",
                button("ready", "Fine pausa: pronto", ""),
                button("logout", "Esci", "secondary")
            ),
            S::WrapUp => format!(
                "{}{}{}",
                button("ready", "Pronto", ""),
                pause_form(&id),
                button("logout", "Esci", "secondary")
            ),
            S::Ringing | S::Busy => {
                "<p>Durante la chiamata i pulsanti di stato non sono disponibili.</p>".to_string()
            }
        }
    };
    let current = view.state.holds_call() || view.state == S::WrapUp;
    let call = match &view.call {
        Some(call) => call_html(call, current),
        None => "<h2>Chiamata</h2><p>Nessuna chiamata finora.</p>".to_string(),
    };
    let wrap_up = match (&view.call, own) {
        (Some(call), true) if call.answered_at.is_some() => {
            let mut options = String::new();
            for (code, label) in WRAP_UP_CODES {
                let selected = if call.wrap_up_code.as_deref() == Some(code) {
                    " selected"
                } else {
                    ""
                };
                options.push_str(&format!(
                    r#"<option value="{code}"{selected}>{label}</option>"#
                ));
            }
            format!(
                r#"<h2>Chiusura della chiamata {code}</h2>
<form method="post" action="/operatore/{id}/chiusura">
<label for="codice">Esito</label><select id="codice" name="codice">{options}</select>
<label for="nota">Nota</label><textarea id="nota" name="nota" rows="3" cols="60" maxlength="1000">{note}</textarea>
<p><button type="submit">Salva l'esito</button></p></form>"#,
                code = escape(&call.code),
                id = escape(&id),
                note = escape(call.wrap_up_note.as_deref().unwrap_or("")),
            )
        }
        _ => String::new(),
    };
    let mut queue_rows = String::new();
    for line in overview.lines.iter().filter(|l| view.lines.contains(&l.id)) {
        queue_rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&line.name),
            line.waiting,
            line.callbacks_waiting,
            line.longest_wait_seconds
                .map_or("-".to_string(), seconds_text),
        ));
    }
    let reason = view
        .pause_reason
        .as_deref()
        .map(|r| format!(" ({})", escape(r)))
        .unwrap_or_default();
    let since = t.office().calendar.local(view.state_since);
    let body = format!(
        r#"<h1>{name}</h1>{flash}
<p role="status" aria-live="polite">Stato: <strong id="state">{state}</strong><span id="reason">{reason}</span> dalle <span id="since">{since}</span> · Telefono: {sip_user}</p>
<div class="actions">{buttons}</div>
<section id="call" aria-live="polite">{call}</section>
{wrap_up}
<h2>Coda telefonica</h2>
<table id="queue"><thead><tr><th scope="col">Linea</th><th scope="col">In attesa</th><th scope="col">Richiamate</th><th scope="col">Attesa più lunga</th></tr></thead><tbody>{queue_rows}</tbody></table>
<p><a href="/operatore">Postazioni</a></p>
<script>
(function () {{
  if (!window.EventSource || !window.fetch) return;
  var id = {id_json};
  var state = {state_json};
  var es = new EventSource('/api/events');
  var refresh = function () {{
    fetch('/api/operators/' + encodeURIComponent(id)).then(function (r) {{ return r.json(); }}).then(function (op) {{
      // A change of state changes the buttons: reload, unless a note is being written.
      var typing = document.activeElement && document.activeElement.id === 'nota';
      if (op.state !== state && !typing) {{ location.reload(); return; }}
      document.getElementById('state').textContent = op.state_text;
      document.getElementById('reason').textContent = op.pause_reason ? ' (' + op.pause_reason + ')' : '';
    }});
  }};
  ['operator_changed', 'phone_queue_changed', 'resync'].forEach(function (n) {{
    es.addEventListener(n, refresh);
  }});
}})();
</script>"#,
        name = escape(&view.name),
        flash = flash_html(&flash),
        state = escape(view.state_text),
        since = escape(&italian::time(since.time())),
        sip_user = escape(&view.sip_user),
        id_json = serde_json::to_string(&id).unwrap_or_else(|_| "\"\"".into()),
        state_json = serde_json::to_string(&view.state).unwrap_or_else(|_| "\"\"".into()),
    );
    Ok(Html(page(&format!("{} - Operatore", view.name), &body, "")).into_response())
}

fn pause_form(id: &str) -> String {
    let options: String = PAUSE_REASONS
        .iter()
        .map(|r| format!(r#"<option value="{r}">{r}</option>"#))
        .collect();
    format!(
        r#"<form method="post" action="/operatore/{id}/stato"><input type="hidden" name="azione" value="pause"><label for="motivo">Motivo della pausa</label><select id="motivo" name="motivo">{options}</select> <button class="secondary" type="submit">Pausa</button></form>"#,
        id = escape(id),
    )
}

/// Back to the position's console page with a message (`msg`) or an error (`err`) to show.
fn back_to_console(id: &str, key: &str, text: &str) -> Response {
    Redirect::to(&format!(
        "/operatore/{}?{key}={}",
        url_encode(id),
        url_encode(text)
    ))
    .into_response()
}

#[derive(Deserialize)]
struct StateForm {
    azione: String,
    #[serde(default)]
    motivo: Option<String>,
}

async fn console_state(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Path(id): Path<String>,
    Form(form): Form<StateForm>,
) -> Response {
    let Some(staff) = staff else {
        return Redirect::to("/operatore").into_response();
    };
    let back = |key: &str, text: &str| back_to_console(&id, key, text);
    let result = match staff
        .require(Role::Operator)
        .and_then(|()| event(&form.azione))
    {
        Ok(event) => state
            .ticketing
            .operator_action(&id, &staff.username, event, form.motivo.as_deref())
            .await
            .map_err(Problem::from),
        Err(p) => Err(p),
    };
    match result {
        Ok(s) => back("msg", &format!("Stato: {}.", s.italian())),
        Err(p) => back("err", &p.detail),
    }
}

#[derive(Deserialize)]
struct WrapUpForm {
    codice: String,
    #[serde(default)]
    nota: String,
}

fn check_wrap_up(code: &str, note: &str) -> Result<(), Problem> {
    if !WRAP_UP_CODES.iter().any(|(c, _)| *c == code) {
        return Err(Problem::bad_request(format!(
            "L'esito '{code}' non esiste: usi {}.",
            WRAP_UP_CODES
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if note.chars().count() > 1000 {
        return Err(Problem::bad_request("La nota supera i 1000 caratteri."));
    }
    Ok(())
}

async fn console_wrap_up(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Path(id): Path<String>,
    Form(form): Form<WrapUpForm>,
) -> Response {
    let Some(staff) = staff else {
        return Redirect::to("/operatore").into_response();
    };
    let back = |key: &str, text: &str| back_to_console(&id, key, text);
    let result = match staff
        .require(Role::Operator)
        .and_then(|()| check_wrap_up(&form.codice, &form.nota))
    {
        Ok(()) => state
            .ticketing
            .operator_wrap_up(&id, &staff.username, &form.codice, &form.nota)
            .await
            .map_err(Problem::from),
        Err(p) => Err(p),
    };
    match result {
        Ok(()) => back("msg", "Esito salvato."),
        Err(p) => back("err", &p.detail),
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{:.0}%", v * 100.0))
}

fn seconds(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.0} s"))
}

fn indicators_row(label: &str, i: &IntervalIndicators, state: &HttpState) -> String {
    let calendar = &state.ticketing.office().calendar;
    format!(
        "<tr><th scope=\"row\">{label} ({from}-{to})</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td></tr>",
        i.offered,
        i.answered,
        i.abandoned,
        i.short_abandoned,
        percent(i.service_level),
        seconds(i.average_speed_of_answer_seconds),
        seconds(i.average_handling_seconds),
        i.resolved_in_dialog,
        i.dialog_calls,
        label = escape(label),
        from = italian::time(calendar.local(i.start).time()),
        to = italian::time(calendar.local(i.end).time()),
    )
}

async fn supervisor_page(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
) -> Result<Response, Problem> {
    let Some(staff) = staff else {
        return Ok(Redirect::to("/sportello").into_response());
    };
    staff.require(Role::Supervisor)?;
    let t = &state.ticketing;
    let o: PhoneQueueOverview = t.phone_queue_overview().await?;
    let mut line_rows = String::new();
    for l in &o.lines {
        line_rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&l.name),
            l.waiting,
            l.callbacks_waiting,
            l.longest_wait_seconds.map_or("-".to_string(), seconds_text),
            l.operators_serving,
            escape(&l.estimate_text),
        ));
    }
    let mut state_rows = String::new();
    for (s, n) in &o.by_state {
        state_rows.push_str(&format!("<tr><td>{}</td><td>{n}</td></tr>", s.italian()));
    }
    let mut operator_rows = String::new();
    for op in &o.operators {
        operator_rows.push_str(&operator_row(op, &state));
    }
    let mut indicator_rows = String::new();
    if let Some(q) = &o.quarter_hour {
        indicator_rows.push_str(&indicators_row("Quarto d'ora", q, &state));
    }
    if let Some(h) = &o.half_hour {
        indicator_rows.push_str(&indicators_row("Mezz'ora", h, &state));
    }
    let body = format!(
        r#"<h1>Coda telefonica - {office}</h1>
<p><a href="/supervisore">Sala e sportelli</a></p>
<h2>In attesa</h2>
<table><thead><tr><th scope="col">Linea</th><th scope="col">In attesa</th><th scope="col">Richiamate in coda</th><th scope="col">Attesa più lunga</th><th scope="col">Operatori in servizio</th><th scope="col">Attesa stimata</th></tr></thead><tbody>{line_rows}</tbody></table>
<h2>Operatori per stato</h2>
<table><thead><tr><th scope="col">Stato</th><th scope="col">Postazioni</th></tr></thead><tbody>{state_rows}</tbody></table>
<h2>Postazioni</h2>
<table><thead><tr><th scope="col">Postazione</th><th scope="col">Operatore</th><th scope="col">Stato</th><th scope="col">Da</th><th scope="col">Chiamata</th></tr></thead><tbody>{operator_rows}</tbody></table>
<h2>Indicatori dell'intervallo corrente</h2>
<table><thead><tr><th scope="col">Intervallo</th><th scope="col">Offerte</th><th scope="col">Risposte</th><th scope="col">Abbandonate</th><th scope="col">Abbandoni brevi</th><th scope="col">Livello di servizio</th><th scope="col">Tempo medio di risposta</th><th scope="col">Durata media</th><th scope="col">Risolte nel dialogo</th></tr></thead><tbody>{indicator_rows}</tbody></table>
<script>
(function () {{
  if (!window.EventSource) return;
  var pending = null;
  var es = new EventSource('/api/events');
  ['operator_changed', 'phone_queue_changed', 'resync'].forEach(function (n) {{
    es.addEventListener(n, function () {{
      if (pending) return;
      pending = setTimeout(function () {{ location.reload(); }}, 2000);
    }});
  }});
}})();
</script>"#,
        office = escape(&t.office().name),
    );
    Ok(Html(page("Coda telefonica", &body, "")).into_response())
}

fn operator_row(op: &OperatorView, state: &HttpState) -> String {
    let since = state.ticketing.office().calendar.local(op.state_since);
    let call = op
        .call
        .as_ref()
        .filter(|_| op.state.holds_call())
        .map(|c| format!("{} ({})", c.code, c.masked_number))
        .unwrap_or_default();
    format!(
        "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
        escape(&op.name),
        escape(&op.staff),
        op.state_text,
        op.pause_reason
            .as_deref()
            .map(|r| format!(" ({})", escape(r)))
            .unwrap_or_default(),
        italian::time(since.time()),
        escape(&call),
    )
}

async fn api_operators(
    State(state): State<HttpState>,
    staff: StaffSession,
) -> Result<Json<Vec<OperatorView>>, Problem> {
    staff.require(Role::Operator)?;
    Ok(Json(state.ticketing.operators().await?))
}

async fn api_operator(
    State(state): State<HttpState>,
    staff: StaffSession,
    Path(id): Path<String>,
) -> Result<Json<OperatorView>, Problem> {
    staff.require(Role::Operator)?;
    Ok(Json(state.ticketing.operator(&id).await?))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    #[serde(default)]
    reason: Option<String>,
}

async fn api_action(
    State(state): State<HttpState>,
    staff: StaffSession,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<OperatorView>, Problem> {
    staff.require(Role::Operator)?;
    let event = event(&action)?;
    let body: ActionBody = if body.iter().all(u8::is_ascii_whitespace) {
        ActionBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| Problem::bad_request(format!("Corpo JSON non valido: {e}")))?
    };
    let t = &state.ticketing;
    t.operator_action(&id, &staff.username, event, body.reason.as_deref())
        .await?;
    Ok(Json(t.operator(&id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WrapUpBody {
    code: String,
    #[serde(default)]
    note: String,
}

async fn api_wrap_up(
    State(state): State<HttpState>,
    staff: StaffSession,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WrapUpBody>,
) -> Result<StatusCode, Problem> {
    staff.require(Role::Operator)?;
    check_wrap_up(&body.code, &body.note)?;
    state
        .ticketing
        .operator_wrap_up(&id, &staff.username, &body.code, &body.note)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn api_overview(
    State(state): State<HttpState>,
    staff: StaffSession,
) -> Result<Json<PhoneQueueOverview>, Problem> {
    staff.require(Role::Supervisor)?;
    Ok(Json(state.ticketing.phone_queue_overview().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorQuery {
    /// RFC 3339 instants; default the office's day so far.
    from: Option<String>,
    to: Option<String>,
    /// 15 or 30 (default the configuration's).
    interval: Option<i64>,
}

async fn api_indicators(
    State(state): State<HttpState>,
    staff: StaffSession,
    Query(q): Query<IndicatorQuery>,
) -> Result<Json<Vec<IntervalIndicators>>, Problem> {
    staff.require(Role::Supervisor)?;
    let t = &state.ticketing;
    let parse = |text: &Option<String>, default: Timestamp| -> Result<Timestamp, Problem> {
        match text {
            None => Ok(default),
            Some(text) => text.parse::<Timestamp>().map_err(|_| {
                Problem::bad_request(format!(
                    "'{text}' non è un istante come 2026-11-23T09:00:00+01:00."
                ))
            }),
        }
    };
    let now = t.now();
    let midnight = t
        .office()
        .calendar
        .instant(t.today().to_datetime(jiff::civil::Time::midnight()));
    let from = parse(&q.from, midnight)?;
    let to = parse(&q.to, now)?;
    let interval = match q.interval {
        None => None,
        Some(m @ (15 | 30)) => Some(SignedDuration::from_mins(m)),
        Some(_) => return Err(Problem::bad_request("L'intervallo è di 15 o 30 minuti.")),
    };
    if to < from || to.duration_since(from) > SignedDuration::from_hours(24 * 31) {
        return Err(Problem::bad_request(
            "Indichi un periodo di al massimo 31 giorni, con 'from' prima di 'to'.",
        ));
    }
    Ok(Json(t.phone_indicators(from, to, interval).await?))
}
