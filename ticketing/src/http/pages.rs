//! The Italian pages: kiosk (`/chiosco`), counter console (`/sportello`) and display board
//! (`/tabellone`). Server-rendered, usable without JavaScript (the display board adds live
//! updates, a chime and the spoken call-out with a little plain JavaScript).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::api::{ActionOutcome, perform};
use super::auth::{SESSION_COOKIE, StaffSession, login};
use super::html::{escape, page};
use super::printer::TicketPrintout;
use super::problem::issue_problem;
use super::{HttpState, Problem};
use crate::auth::Role;
use crate::queue::IssueChannel;

pub(super) fn routes() -> Router<HttpState> {
    Router::new()
        .route("/", get(index))
        .route("/chiosco", get(kiosk))
        .route("/chiosco/biglietto", post(kiosk_issue))
        .route("/chiosco/arrivo", post(kiosk_check_in))
        .route("/sportello", get(console_home))
        .route("/sportello/accesso", post(console_login))
        .route("/sportello/uscita", post(console_logout))
        .route("/sportello/{station}", get(console_station))
        .route("/sportello/{station}/azione", post(console_action))
        .route("/tabellone", get(display))
}

async fn index(State(state): State<HttpState>) -> Html<String> {
    let name = escape(&state.ticketing.office().name);
    Html(page(
        &state.ticketing.office().name,
        &format!(
            r#"<h1>{name}</h1>
<nav aria-label="Pagine"><ul>
<li><a href="/chiosco">Chiosco: prenda il biglietto</a></li>
<li><a href="/tabellone">Tabellone delle chiamate</a></li>
<li><a href="/sportello">Console dello sportello (personale)</a></li>
<li><a href="/agenda">Agenda delle consultazioni (personale)</a></li>
<li><a href="/operatore">Console dell'operatore telefonico (personale)</a></li>
<li><a href="/supervisore">Supervisione (responsabili)</a></li>
<li><a href="/informazioni">Informazioni sui servizi</a></li>
</ul></nav>"#
        ),
        "",
    ))
}

async fn kiosk(State(state): State<HttpState>) -> Html<String> {
    let t = &state.ticketing;
    let office = t.office();
    let today = t.today();
    let mut items = String::new();
    for line in &office.lines {
        let check = t.check_issuing(line);
        let name = escape(&line.name);
        match check {
            Ok(()) => items.push_str(&format!(
                r#"<li><form method="post" action="/chiosco/biglietto"><input type="hidden" name="line" value="{id}"><button type="submit">{name}</button></form></li>"#,
                id = escape(line.id.as_str()),
            )),
            Err(refusal) => items.push_str(&format!(
                r#"<li><button type="button" disabled aria-describedby="r-{id}">{name}</button><p id="r-{id}" class="notice">{why}</p></li>"#,
                id = escape(line.id.as_str()),
                why = escape(&super::refusal_text(&refusal, today)),
            )),
        }
    }
    let mut classes = String::from(r#"<option value="">Nessuna precedenza</option>"#);
    for (class, name) in &office.priority_classes {
        classes.push_str(&format!(
            r#"<option value="{}">{}</option>"#,
            escape(class.as_str()),
            escape(name)
        ));
    }
    let body = format!(
        r#"<h1>{office}</h1>
<p>Scelga il servizio e prenda il biglietto. Attenda poi la chiamata sul tabellone.</p>
<ul class="lines">{items}</ul>
<section aria-labelledby="arrivo"><h2 id="arrivo">Ha un appuntamento?</h2>
<form method="post" action="/chiosco/arrivo">
<label for="booking-code">Codice di prenotazione (8 cifre)</label>
<input id="booking-code" name="code" inputmode="numeric" autocomplete="off" required pattern="[0-9 ]{{8,9}}">
<p><button type="submit">Registra l'arrivo</button></p></form></section>
<details><summary>Ha diritto alla precedenza?</summary>
<p>Se ha diritto alla precedenza, la scelga qui prima del servizio e lo dica allo sportello.</p>
<form method="post" action="/chiosco/biglietto">
<label for="priority">Precedenza</label><select id="priority" name="priority_class">{classes}</select>
<label for="line-p">Servizio</label><select id="line-p" name="line">{options}</select>
<p><button type="submit">Prendi il biglietto</button></p></form></details>"#,
        office = escape(&office.name),
        options = office
            .lines
            .iter()
            .map(|l| format!(
                r#"<option value="{}">{}</option>"#,
                escape(l.id.as_str()),
                escape(&l.name)
            ))
            .collect::<String>(),
    );
    Html(page(&format!("Chiosco - {}", office.name), &body, ""))
}

#[derive(Deserialize)]
struct KioskForm {
    line: String,
    #[serde(default)]
    priority_class: Option<String>,
}

async fn kiosk_issue(State(state): State<HttpState>, Form(form): Form<KioskForm>) -> Response {
    let t = &state.ticketing;
    let priority = form.priority_class.as_deref().filter(|p| !p.is_empty());
    let issued = match t.issue(&form.line, IssueChannel::Kiosk, priority).await {
        Ok(issued) => issued,
        Err(e) => {
            let problem = issue_problem(e, t.today());
            let body = format!(
                r#"<h1>Biglietto non disponibile</h1><p class="error" role="alert">{}</p><p><a class="button" href="/chiosco">Torna ai servizi</a></p>"#,
                escape(&problem.detail)
            );
            return (
                problem.status,
                Html(page("Biglietto non disponibile", &body, "")),
            )
                .into_response();
        }
    };
    ticket_page(&state, &issued).await
}

/// The printable ticket page (and the ESC/POS printout when a printer is configured).
pub(super) async fn ticket_page(
    state: &HttpState,
    issued: &crate::service::IssuedTicket,
) -> Response {
    let office = state.ticketing.office();
    let local = office.calendar.local(issued.ticket.issued_at);
    let issued_at = local.strftime("%d/%m/%Y %H:%M").to_string();
    let code = issued.ticket.code.spaced();
    let estimate = issued.estimate.italian();
    if let Some(printer) = &state.printer {
        let printout = TicketPrintout {
            office_name: &office.name,
            line_name: &issued.line_name,
            code: &code,
            people_ahead: issued.people_ahead,
            estimate: &estimate,
            issued_at: &issued_at,
        };
        if let Err(e) = printer.print(&printout).await {
            tracing::warn!(error = %e, code = %issued.ticket.code, "ticket not printed");
        }
    }
    let ahead = match issued.people_ahead {
        0 => "Nessuna persona prima di Lei.".to_string(),
        1 => "1 persona prima di Lei.".to_string(),
        n => format!("{n} persone prima di Lei."),
    };
    let body = format!(
        r#"<section class="ticket" aria-labelledby="code">
<p class="office">{office}</p>
<p>{line}</p>
<p id="code" class="code" aria-label="Il Suo numero">{code}</p>
<p>{ahead}</p>
<p>Attesa stimata: {estimate}.</p>
<p class="small">{issued_at}</p>
<p class="small">Attenda la chiamata sul tabellone.</p>
</section>
<p class="noprint"><button type="button" onclick="window.print()">Stampa</button> <a class="button secondary" href="/chiosco">Nuovo biglietto</a></p>"#,
        office = escape(&office.name),
        line = escape(&issued.line_name),
        code = escape(&code),
        ahead = escape(&ahead),
        estimate = escape(&estimate),
    );
    let head = r#"<meta http-equiv="refresh" content="20;url=/chiosco">
<style>
.ticket { background: #fff; border: 2px dashed #999; padding: 1rem; text-align: center; max-width: 24rem; margin: 1rem auto; }
.ticket .code { font-size: 5rem; font-weight: 700; margin: .5rem 0; }
.ticket .small { font-size: .9rem; }
@media print {
  @page { size: 80mm auto; margin: 3mm; }
  body { background: #fff; font-size: 11pt; }
  main { padding: 0; }
  .noprint, .skip { display: none; }
  .ticket { border: 0; margin: 0; max-width: none; width: 100%; }
  .ticket .code { font-size: 36pt; }
}
@media print and (max-width: 60mm) { @page { size: 58mm auto; } .ticket .code { font-size: 28pt; } }
</style>"#;
    (
        StatusCode::CREATED,
        Html(page(&format!("Biglietto {code}"), &body, head)),
    )
        .into_response()
}

#[derive(Deserialize)]
struct CheckInForm {
    code: String,
}

/// Kiosk check-in: the appointment becomes a ticket of its line.
async fn kiosk_check_in(State(state): State<HttpState>, Form(form): Form<CheckInForm>) -> Response {
    let result = match crate::agenda::BookingCode::parse(&form.code) {
        Ok(code) => state.ticketing.check_in(code).await.map_err(Problem::from),
        Err(_) => Err(Problem::bad_request(
            "Il codice di prenotazione non è valido: controlli le 8 cifre.",
        )),
    };
    match result {
        Ok((_, issued)) => ticket_page(&state, &issued).await,
        Err(problem) => {
            let body = format!(
                r#"<h1>Arrivo non registrato</h1><p class="error" role="alert">{}</p><p><a class="button" href="/chiosco">Torna al chiosco</a></p>"#,
                escape(&problem.detail)
            );
            (
                problem.status,
                Html(page("Arrivo non registrato", &body, "")),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize, Default)]
struct Flash {
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
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
        "Accesso del personale",
        &format!(
            r#"<h1>Accesso del personale</h1>{error}
<form method="post" action="/sportello/accesso">
<label for="username">Nome utente</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p><button type="submit">Accedi</button></p></form>"#
        ),
        "",
    ))
}

async fn console_home(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Query(flash): Query<Flash>,
) -> Result<Response, Problem> {
    let Some(staff) = staff else {
        return Ok(login_page(flash.err.as_deref()).into_response());
    };
    let stations = state.ticketing.stations().await?;
    let mut rows = String::new();
    for s in &stations {
        rows.push_str(&format!(
            r#"<li><a class="button" href="/sportello/{id}">{name}</a> <span>({state})</span></li>"#,
            id = escape(&s.id),
            name = escape(&s.name),
            state = station_state_it(s.state),
        ));
    }
    let body = format!(
        r#"<h1>Console dello sportello</h1>{flash}<p>Accesso come <strong>{user}</strong>.</p>
<h2>Scelga lo sportello</h2><ul class="lines">{rows}</ul>
<form method="post" action="/sportello/uscita"><button class="secondary" type="submit">Esci</button></form>"#,
        flash = flash_html(&flash),
        user = escape(&staff.username),
    );
    Ok(Html(page("Console dello sportello", &body, "")).into_response())
}

fn station_state_it(state: crate::queue::StationState) -> &'static str {
    match state {
        crate::queue::StationState::Open => "aperto",
        crate::queue::StationState::Paused => "in pausa",
        crate::queue::StationState::Closed => "chiuso",
    }
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
            let mut response = Redirect::to("/sportello").into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(problem) => (problem.status, login_page(Some(&problem.detail))).into_response(),
    }
}

async fn console_logout(State(state): State<HttpState>, headers: HeaderMap) -> Response {
    let (mut parts, _) = axum::http::Request::new(()).into_parts();
    parts.headers = headers;
    if let Some(token) = super::auth::request_token(&parts) {
        let _ = state
            .ticketing
            .store()
            .delete_session(&crate::auth::token_hash(&token), state.ticketing.now())
            .await;
    }
    let mut response = Redirect::to("/sportello").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "sportello_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    response
}

async fn console_station(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Path(station_id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<Response, Problem> {
    let Some(staff) = staff else {
        return Ok(Redirect::to("/sportello").into_response());
    };
    staff.require(Role::Clerk)?;
    let t = &state.ticketing;
    let office = t.office();
    let station = office
        .station(&station_id)
        .ok_or_else(|| Problem::not_found(format!("Lo sportello '{station_id}' non esiste.")))?;
    let view = t
        .stations()
        .await?
        .into_iter()
        .find(|s| s.id == station_id)
        .ok_or_else(Problem::internal)?;
    let queue = t.queue_overview().await?;
    let action = |name: &str, label: &str, class: &str| {
        format!(
            r#"<form method="post" action="/sportello/{id}/azione"><input type="hidden" name="azione" value="{name}"><button class="{class}" type="submit">{label}</button></form>"#,
            id = escape(&station_id),
        )
    };
    let mut line_boxes = String::new();
    for line in &station.lines {
        let checked =
            view.active_lines.iter().any(|l| l == line.as_str()) || view.active_lines.is_empty();
        let name = office
            .line(line.as_str())
            .map_or(line.as_str(), |l| l.name.as_str());
        line_boxes.push_str(&format!(
            r#"<label><input type="checkbox" name="lines" value="{id}"{checked}> {name}</label>"#,
            id = escape(line.as_str()),
            checked = if checked { " checked" } else { "" },
            name = escape(name),
        ));
    }
    let transfer_options: String = office
        .lines
        .iter()
        .map(|l| {
            format!(
                r#"<option value="{}">{}</option>"#,
                escape(l.id.as_str()),
                escape(&l.name)
            )
        })
        .collect();
    let current = match &view.current_ticket {
        Some(code) => format!(
            r#"<p class="ok" role="status">Biglietto allo sportello: <strong id="current">{}</strong></p>"#,
            escape(code)
        ),
        None => r#"<p>Nessun biglietto allo sportello.</p>"#.to_string(),
    };
    let mut rows = String::new();
    for q in &queue {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&q.name),
            q.prefix,
            q.waiting,
            escape(&q.estimate.italian())
        ));
    }
    let body = format!(
        r#"<h1>{name}</h1>{flash}
<p>Stato: <strong id="state">{state}</strong> · Personale: {user}</p>
{current}
<div class="actions">{call}{recall}{start}{finish}{noshow}</div>
<form method="post" action="/sportello/{id}/azione" class="actions"><input type="hidden" name="azione" value="transfer">
<label for="to-line">Trasferisci a</label><select id="to-line" name="line">{transfer_options}</select><button class="secondary" type="submit">Trasferisci</button></form>
<h2>Servizi serviti</h2>
<form method="post" action="/sportello/{id}/azione"><input type="hidden" name="azione" value="open"><fieldset><legend>Servizi di questo sportello</legend>{line_boxes}</fieldset><p><button type="submit">Apri lo sportello</button></p></form>
<div class="actions">{pause}{close}</div>
<h2>Persone in attesa</h2>
<table id="queue"><thead><tr><th scope="col">Servizio</th><th scope="col">Lettera</th><th scope="col">In attesa</th><th scope="col">Attesa stimata</th></tr></thead><tbody>{rows}</tbody></table>
<p><a href="/sportello">Cambia sportello</a></p>
<script>
(function () {{
  if (!window.EventSource) return;
  var es = new EventSource('/api/events');
  var refresh = function () {{
    fetch('/api/queue').then(function (r) {{ return r.json(); }}).then(function (lines) {{
      var body = document.querySelector('#queue tbody');
      body.innerHTML = '';
      lines.forEach(function (l) {{
        var tr = document.createElement('tr');
        [l.name, l.prefix, String(l.waiting), l.estimate_text].forEach(function (v) {{
          var td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
        }});
        body.appendChild(tr);
      }});
    }});
  }};
  ['issued', 'called', 'transferred', 'cancelled', 'station_changed', 'resync'].forEach(function (n) {{
    es.addEventListener(n, refresh);
  }});
}})();
</script>"#,
        name = escape(&station.name),
        flash = flash_html(&flash),
        state = station_state_it(view.state),
        user = escape(&staff.username),
        id = escape(&station_id),
        call = action("call-next", "Chiama il prossimo", ""),
        recall = action("recall", "Richiama", "secondary"),
        start = action("start", "Inizia il servizio", "secondary"),
        finish = action("finish", "Concludi", "secondary"),
        noshow = action("no-show", "Assente", "secondary"),
        pause = action("pause", "Pausa", "secondary"),
        close = action("close", "Chiudi lo sportello", "secondary"),
    );
    Ok(Html(page(&format!("{} - Console", station.name), &body, "")).into_response())
}

/// The console's form fields. `lines` may repeat (one per checked box), which the plain
/// `Form` extractor cannot read, so the body is parsed by hand.
async fn console_action(
    State(state): State<HttpState>,
    staff: Option<StaffSession>,
    Path(station_id): Path<String>,
    body: String,
) -> Response {
    let Some(staff) = staff else {
        return Redirect::to("/sportello").into_response();
    };
    if let Err(p) = staff.require(Role::Clerk) {
        return p.into_response();
    }
    let mut action = String::new();
    let mut lines = Vec::new();
    let mut line = None;
    for (key, value) in form_pairs(&body) {
        match key.as_str() {
            "azione" => action = value,
            "lines" => lines.push(value),
            "line" => line = Some(value),
            _ => {}
        }
    }
    let back = |key: &str, text: &str| {
        Redirect::to(&format!(
            "/sportello/{}?{key}={}",
            url_encode(&station_id),
            url_encode(text)
        ))
        .into_response()
    };
    match perform(
        &state,
        &staff,
        &station_id,
        &action,
        &lines,
        line.as_deref(),
    )
    .await
    {
        Ok(ActionOutcome::Ticket(t)) => back(
            "msg",
            &format!("Biglietto {}: {}", t.code.spaced(), status_it(t.status)),
        ),
        Ok(ActionOutcome::NobodyWaiting) => back(
            "msg",
            "Nessuno in attesa per i servizi di questo sportello.",
        ),
        Ok(ActionOutcome::StationUpdated) => back("msg", "Sportello aggiornato."),
        Err(problem) => back("err", &problem.detail),
    }
}

fn status_it(status: crate::queue::TicketStatus) -> &'static str {
    use crate::queue::TicketStatus as S;
    match status {
        S::Waiting => "in attesa",
        S::Called => "chiamato",
        S::InService => "in servizio",
        S::Done => "concluso",
        S::NoShow => "assente",
        S::Cancelled => "annullato",
    }
}

/// Decodes an `application/x-www-form-urlencoded` body.
fn form_pairs(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(())
                {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn display(State(state): State<HttpState>) -> Result<Html<String>, Problem> {
    let t = &state.ticketing;
    let office = t.office();
    let calls = t.recent_calls(8).await?;
    let mut rows = String::new();
    for c in &calls {
        let station = c.station.as_ref().and_then(|s| office.station(s.as_str()));
        rows.push_str(&format!(
            r#"<li><span class="code">{}</span><span class="station">{}</span></li>"#,
            escape(&c.code.spaced()),
            escape(&station.map_or(String::new(), |s| s.name.clone())),
        ));
    }
    let body = format!(
        r#"<h1 class="sr-only">Tabellone delle chiamate - {office}</h1>
<div class="board">
<section aria-labelledby="now-title"><h2 id="now-title">Numero chiamato</h2>
<ol id="calls" aria-live="polite">{rows}</ol></section>
</div>
<button id="audio" type="button" class="secondary">Attiva l'audio</button>
<script>
(function () {{
  var list = document.getElementById('calls');
  var audioOn = false;
  var ctx = null;
  document.getElementById('audio').addEventListener('click', function () {{
    audioOn = true; ctx = ctx || new (window.AudioContext || window.webkitAudioContext)();
    this.hidden = true;
  }});
  function chime() {{
    if (!audioOn || !ctx) return;
    [660, 880].forEach(function (f, i) {{
      var o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = f; o.connect(g); g.connect(ctx.destination);
      var t = ctx.currentTime + i * 0.35;
      g.gain.setValueAtTime(0.3, t); g.gain.exponentialRampToValueAtTime(0.001, t + 0.3);
      o.start(t); o.stop(t + 0.32);
    }});
  }}
  function say(text) {{
    if (!audioOn || !window.speechSynthesis) return;
    var u = new SpeechSynthesisUtterance(text); u.lang = 'it-IT'; u.rate = 0.9;
    setTimeout(function () {{ speechSynthesis.speak(u); }}, 800);
  }}
  var es = new EventSource('/api/events');
  es.addEventListener('called', function (e) {{
    var c = JSON.parse(e.data);
    var li = document.createElement('li');
    var code = document.createElement('span'); code.className = 'code'; code.textContent = c.display;
    var st = document.createElement('span'); st.className = 'station'; st.textContent = c.station_name;
    li.appendChild(code); li.appendChild(st);
    li.className = 'new';
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 8) list.removeChild(list.lastChild);
    chime();
    say('Numero ' + c.display.replace(' ', ' ') + ', sportello ' + c.station_number);
  }});
  es.addEventListener('resync', function () {{ location.reload(); }});
}})();
</script>"#,
        office = escape(&office.name),
    );
    let head = r#"<style>
body { background: #0b1d33; color: #fff; }
main { max-width: none; }
.sr-only { position: absolute; left: -999px; }
h2 { color: #9cc3ff; font-size: 2rem; }
#calls { list-style: none; padding: 0; margin: 0; }
#calls li { display: flex; justify-content: space-between; font-size: 3rem; padding: .6rem 1rem; border-bottom: 1px solid #2a4a70; }
#calls li:first-child { font-size: 6rem; font-weight: 700; color: #ffd54f; }
#calls li.new { animation: blink 1s 3; }
@keyframes blink { 50% { background: #ffd54f; color: #0b1d33; } }
</style>"#;
    Ok(Html(page(
        &format!("Tabellone - {}", office.name),
        &body,
        head,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_decode() {
        assert_eq!(
            form_pairs("azione=open&lines=anagrafe&lines=tributi&x=a%20b+c%C3%A8"),
            vec![
                ("azione".into(), "open".into()),
                ("lines".into(), "anagrafe".into()),
                ("lines".into(), "tributi".into()),
                ("x".into(), "a b cè".into()),
            ]
        );
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz"), "%zz");
        assert_eq!(url_encode("è a/b"), "%C3%A8%20a%2Fb");
    }
}
