//! The operators' console, the supervisor's phone page, the operator API and the phone
//! metrics, through the HTTP router (in process).

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jiff::SignedDuration;
use serde_json::Value;
use ticketing::Ticketing;
use ticketing::contact::PhoneNumber;
use ticketing::http::{HttpState, router};
use ticketing::operators::{CallContext, CallParty, RingOutcome};
use tower::ServiceExt;

use crate::{Db, monday_morning, office};

on_both!(operator_console_and_phone_supervision, console);

struct Answer {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

async fn send(t: &Ticketing, request: Request<Body>) -> Answer {
    let state = HttpState::new(t.clone(), None, SignedDuration::from_hours(8));
    let response = router(state).oneshot(request).await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Answer {
        status,
        location,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(Body::empty()).unwrap()
}

fn post_json(path: &str, token: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn post_form(path: &str, token: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, format!("sportello_session={token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn token(t: &Ticketing, user: &str) -> String {
    let answer = send(
        t,
        Request::post("/api/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(format!(
                r#"{{"username":"{user}","password":"sportello-demo"}}"#
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let json: Value = serde_json::from_str(&answer.body).unwrap();
    json["token"].as_str().unwrap().to_string()
}

async fn console(db: Db) {
    let Some((t, clock)) = office(db, monday_morning()).await else {
        return;
    };
    // Without a session: the operators' login form.
    let login = send(&t, get("/operatore", None)).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("Console dell'operatore telefonico"));
    let laura = token(&t, "laura.neri").await;
    // Laura has one position: the console opens it.
    let home = send(&t, get("/operatore", Some(&laura))).await;
    assert_eq!(home.location.as_deref(), Some("/operatore/operatore-1"));
    let ready = send(
        &t,
        post_json("/api/operators/operatore-1/login", &laura, ""),
    )
    .await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    let view: Value = serde_json::from_str(&ready.body).unwrap();
    assert_eq!(view["state"], "ready");
    // Another operator's position: refused with a clear message.
    let other = send(
        &t,
        post_json("/api/operators/operatore-2/login", &laura, ""),
    )
    .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(other.body.contains("assegnata a un altro operatore"));
    // A call arrives with its context: the console shows it while the phone rings.
    let number = PhoneNumber::parse("+393331234567").unwrap();
    let context = CallContext {
        topics: vec!["Informazioni: Carta d'identità elettronica".into()],
        answers: vec!["Informazioni: Carta d'identità elettronica".into()],
        transcript: vec!["Cittadino: preme 0".into()],
        ..CallContext::default()
    };
    let joined = t
        .join_phone_queue(None, "http", Some(&number), context)
        .await
        .unwrap();
    let page = send(&t, get("/operatore/operatore-1", Some(&laura))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("squilla"), "{}", page.body);
    assert!(page.body.contains("***567"));
    assert!(page.body.contains("Carta d&#39;identità elettronica"));
    assert!(
        !page.body.contains("3331234567"),
        "the full number is never shown"
    );
    // Busy: the state buttons are refused.
    let pause = send(
        &t,
        post_form(
            "/operatore/operatore-1/stato",
            &laura,
            "azione=pause&motivo=pausa",
        ),
    )
    .await;
    assert!(pause.location.unwrap().contains("err="));
    let answered_at = t.now();
    clock.advance(SignedDuration::from_secs(75));
    t.report_ring(
        joined.ticket_id,
        "operatore-1",
        RingOutcome::Talked {
            answered_at,
            ended_at: t.now(),
            ended_by: CallParty::Caller,
        },
    )
    .await
    .unwrap();
    // Wrap-up: code and note.
    let saved = send(
        &t,
        post_form(
            "/operatore/operatore-1/chiusura",
            &laura,
            "codice=informazioni&nota=Spiegata+la+CIE",
        ),
    )
    .await;
    assert!(saved.location.unwrap().contains("msg="), "wrap-up saved");
    let record = t
        .store()
        .phone_call(&t.office().id, joined.ticket_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.wrap_up_code.as_deref(), Some("informazioni"));
    assert_eq!(record.wrap_up_note.as_deref(), Some("Spiegata la CIE"));
    let bad = send(
        &t,
        post_json(
            "/api/operators/operatore-1/wrap-up",
            &laura,
            r#"{"code":"boh"}"#,
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Pause with a reason from the form.
    let paused = send(
        &t,
        post_form(
            "/operatore/operatore-1/stato",
            &laura,
            "azione=pause&motivo=riunione",
        ),
    )
    .await;
    assert!(paused.location.unwrap().contains("msg="));
    let view = t.operator("operatore-1").await.unwrap();
    assert_eq!(view.pause_reason.as_deref(), Some("riunione"));
    // The supervisor's page and API; operators may not read them.
    assert_eq!(
        send(&t, get("/api/phone-queue", Some(&laura))).await.status,
        StatusCode::FORBIDDEN
    );
    let anna = token(&t, "anna.bianchi").await;
    let supervision = send(&t, get("/supervisore/telefono", Some(&anna))).await;
    assert_eq!(supervision.status, StatusCode::OK);
    assert!(supervision.body.contains("Operatori per stato"));
    assert!(supervision.body.contains("in pausa"));
    let overview: Value =
        serde_json::from_str(&send(&t, get("/api/phone-queue", Some(&anna))).await.body).unwrap();
    assert_eq!(overview["quarter_hour"]["offered"], 1);
    assert_eq!(overview["quarter_hour"]["answered"], 1);
    let indicators = send(
        &t,
        get("/api/phone-queue/indicators?interval=30", Some(&anna)),
    )
    .await;
    assert_eq!(indicators.status, StatusCode::OK, "{}", indicators.body);
    let intervals: Vec<Value> = serde_json::from_str(&indicators.body).unwrap();
    assert_eq!(
        intervals
            .iter()
            .map(|i| i["offered"].as_u64().unwrap())
            .sum::<u64>(),
        1
    );
    // Prometheus.
    let metrics = send(&t, get("/metrics", None)).await.body;
    assert!(
        metrics.contains("sportello_phone_offered{interval=\"15m\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("sportello_operators{state=\"paused\"} 1"));
    assert!(metrics.contains("sportello_phone_service_level_ratio{interval=\"30m\"}"));
    assert!(
        !metrics.contains("line=\"operatore\",status"),
        "phone lines stay out of the hall figures"
    );
}
