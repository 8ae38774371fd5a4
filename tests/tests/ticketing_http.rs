//! The ticketing core through the real binary: kiosk → counter → display over HTTP, clear
//! problem answers for bad requests, graceful shutdown, and durability across `kill -9`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use sportello_e2e::{AppOptions, SpawnedApp, client};

async fn login(http: &reqwest::Client, app: &SpawnedApp, user: &str, password: &str) -> String {
    let response = http
        .post(app.url("/api/auth/login"))
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn kiosk_counter_and_display_through_the_binary() {
    let mut app = SpawnedApp::start(AppOptions::new("flow"));
    let http = client();

    let office: Value = http
        .get(app.url("/api/office"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(office["name"], "Comune di Esempio");
    assert_eq!(office["lines"][0]["issuing_now"], true);

    let issued = http
        .post(app.url("/api/tickets"))
        .json(&json!({ "line": "anagrafe" }))
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), 201);
    let issued: Value = issued.json().await.unwrap();
    assert_eq!(issued["code"], "A001");
    assert_eq!(issued["display"], "A 1");
    assert_eq!(issued["people_ahead"], 0);
    assert_eq!(issued["estimate"]["kind"], "unknown", "no counter open yet");

    let token = login(&http, &app, "mario.rossi", "sportello-demo").await;
    let open = http
        .post(app.url("/api/stations/sportello-3/open"))
        .bearer_auth(&token)
        .json(&json!({ "lines": ["anagrafe"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 204);
    let called: Value = http
        .post(app.url("/api/stations/sportello-3/call-next"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(called["code"], "A001");
    assert_eq!(called["status"], "called");

    let calls: Value = http
        .get(app.url("/api/display/calls"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calls[0]["display"], "A 1");
    assert_eq!(calls[0]["station_number"], 3);

    let board = http
        .get(app.url("/tabellone"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(board.contains("A 1") && board.contains("Sportello 3"));
    assert!(board.contains("lang=\"it\""));

    let openapi: Value = http
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(openapi["openapi"], "3.1.0");
    assert!(openapi["paths"]["/api/tickets"]["post"].is_object());

    // The kiosk page issues through a form and shows a printable ticket.
    let ticket_page = http
        .post(app.url("/chiosco/biglietto"))
        .form(&[("line", "protocollo")])
        .send()
        .await
        .unwrap();
    assert_eq!(ticket_page.status(), 201);
    let html = ticket_page.text().await.unwrap();
    assert!(html.contains("P 1") && html.contains("@media print"));

    let status = app.stop();
    assert!(status.success(), "clean exit on SIGTERM: {status}");
}

#[tokio::test]
async fn bad_requests_get_problem_answers() {
    let app = SpawnedApp::start(AppOptions::new("problems"));
    let http = client();
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            http.post(app.url("/api/tickets"))
                .header("content-type", "application/json")
                .body("{not json"),
            400,
            "",
        ),
        (
            http.post(app.url("/api/tickets"))
                .json(&json!({ "line": "pesca" })),
            404,
            "pesca",
        ),
        (
            http.post(app.url("/api/tickets"))
                .json(&json!({ "line": "anagrafe", "colour": 1 })),
            422,
            "colour",
        ),
        (
            http.post(app.url("/api/tickets"))
                .json(&json!({ "line": "anagrafe", "channel": "fax" })),
            400,
            "fax",
        ),
        (http.get(app.url("/api/tickets/XYZ")), 400, "XYZ"),
        (http.get(app.url("/api/tickets/A77")), 404, "A077"),
        (http.get(app.url("/api/stations")), 401, "accesso"),
        (
            http.post(app.url("/api/stations/sportello-1/call-next")),
            401,
            "accesso",
        ),
        (
            http.post(app.url("/api/auth/login"))
                .json(&json!({ "username": "mario.rossi", "password": "x" })),
            401,
            "non corretti",
        ),
        (
            http.post(app.url("/api/auth/login"))
                .json(&json!({ "username": "nobody", "password": "x" })),
            401,
            "non corretti",
        ),
        (
            http.post(app.url("/api/tickets"))
                .header("content-type", "application/json")
                .body(vec![b' '; 40_000]),
            413,
            "",
        ),
    ];
    for (request, status, needle) in cases {
        let response = request.send().await.unwrap();
        let got = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = response.text().await.unwrap();
        assert_eq!(got, status, "{body}");
        if status != 413 {
            assert_eq!(content_type, "application/problem+json", "{body}");
            assert!(
                body.to_lowercase().contains(&needle.to_lowercase()),
                "{needle} in {body}"
            );
        }
    }
    // A clerk's token works; an unknown station and action are named.
    let token = login(&http, &app, "mario.rossi", "sportello-demo").await;
    let response = http
        .post(app.url("/api/stations/sportello-9/open"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = http
        .post(app.url("/api/stations/sportello-1/dance"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("dance"));
    let response = http
        .post(app.url("/api/stations/sportello-1/call-next"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409, "a closed counter cannot call");
}

#[tokio::test]
async fn tickets_are_refused_on_a_closed_day_with_the_next_opening() {
    let mut options = AppOptions::new("closed");
    // Sunday 29 November 2026, 10:00.
    options.simulated_start = Some("2026-11-29T10:00:00+01:00[Europe/Rome]".into());
    let app = SpawnedApp::start(options);
    let response = client()
        .post(app.url("/api/tickets"))
        .json(&json!({ "line": "anagrafe" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["reason"], "closed_day");
    assert_eq!(body["next_issuing"], "2026-11-30T08:30:00");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("domani alle 8:30"),
        "{body}"
    );
}

/// Kill the process with SIGKILL in the middle of a burst of issues: after a restart on the
/// same database every ticket whose answer was received is there, numbers have no gaps, and
/// numbering continues after the last stored ticket.
#[tokio::test]
async fn acknowledged_tickets_survive_kill_9() {
    let options = AppOptions::new("durability");
    let mut app = SpawnedApp::start(options.clone());
    let acknowledged = Arc::new(Mutex::new(Vec::<u64>::new()));
    let mut workers = Vec::new();
    for _ in 0..8 {
        let url = app.url("/api/tickets");
        let acknowledged = acknowledged.clone();
        workers.push(tokio::spawn(async move {
            let http = client();
            loop {
                let sent = http
                    .post(&url)
                    .json(&json!({ "line": "anagrafe" }))
                    .send()
                    .await;
                let Ok(response) = sent else { break };
                let Ok(body) = response.json::<Value>().await else {
                    break;
                };
                let number = body["code"].as_str().unwrap()[1..].parse::<u64>().unwrap();
                acknowledged.lock().unwrap().push(number);
            }
        }));
    }
    // Let the burst run until a good number of tickets were acknowledged.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 300 {
        assert!(std::time::Instant::now() < deadline, "burst too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    app.kill_hard();
    for w in workers {
        w.await.unwrap();
    }
    let acknowledged: BTreeSet<u64> = acknowledged.lock().unwrap().iter().copied().collect();
    drop(app);

    let app = SpawnedApp::start(options);
    let http = client();
    let max_ack = *acknowledged.iter().max().unwrap();
    for number in &acknowledged {
        let response = http
            .get(app.url(&format!("/api/tickets/A{number}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "acknowledged ticket A{number} lost");
    }
    // The next number follows the last stored ticket: no duplicates, no gaps.
    let next: Value = http
        .post(app.url("/api/tickets"))
        .json(&json!({ "line": "anagrafe" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let next_number = next["code"].as_str().unwrap()[1..].parse::<u64>().unwrap();
    assert!(next_number > max_ack);
    for number in 1..next_number {
        let response = http
            .get(app.url(&format!("/api/tickets/A{number}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "gap at A{number}");
    }
    eprintln!(
        "durability: {} acknowledged before kill -9, {} stored, all present",
        acknowledged.len(),
        next_number - 1
    );
}

#[tokio::test]
async fn agenda_through_the_binary() {
    let app = SpawnedApp::start(AppOptions::new("agenda"));
    let http = client();
    let slots: Value = http
        .get(app.url("/api/agenda/slots?line=anagrafe&limit=3"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(slots[0]["start"], "2026-11-23T13:30:00");
    assert_eq!(slots.as_array().unwrap().len(), 3);

    // Booking needs a clerk.
    let body =
        json!({ "line": "anagrafe", "start": "2026-11-23T13:50:00", "contact": "+39 333 1234567" });
    let anonymous = http
        .post(app.url("/api/appointments"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let clerk = login(&http, &app, "mario.rossi", "sportello-demo").await;
    let booked = http
        .post(app.url("/api/appointments"))
        .bearer_auth(&clerk)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), 201);
    let booked: Value = booked.json().await.unwrap();
    let code = booked["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 8);
    let again = http
        .post(app.url("/api/appointments"))
        .bearer_auth(&clerk)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409, "no double booking");

    // Day agenda for staff, iCalendar feed with the booking.
    let day: Value = http
        .get(app.url("/api/agenda/day?date=2026-11-23"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(day[0]["code"], code.as_str());
    let ics = http
        .get(app.url("/agenda/anagrafe-1.ics"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
    assert!(
        ics.contains("DTSTART;TZID=Europe/Rome:20261123T135000"),
        "{ics}"
    );
    assert_eq!(
        http.get(app.url("/agenda/anagrafe-1.ics"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // Check-in is refused before the hour before the slot, with an Italian explanation.
    let early = http
        .post(app.url(&format!("/api/appointments/{code}/check-in")))
        .send()
        .await
        .unwrap();
    assert_eq!(early.status(), 409);
    assert!(early.text().await.unwrap().contains("alle 13:50"));

    // A typo in the code is caught by the check digit; wrong phone is "not found".
    let mut typo = code.clone().into_bytes();
    typo[0] = if typo[0] == b'9' { b'1' } else { typo[0] + 1 };
    let typo = String::from_utf8(typo).unwrap();
    let response = http
        .post(app.url(&format!("/api/appointments/{typo}/cancel")))
        .json(&json!({ "contact": "3331234567" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = http
        .post(app.url(&format!("/api/appointments/{code}/cancel")))
        .json(&json!({ "contact": "3470000000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let moved: Value = http
        .post(app.url(&format!("/api/appointments/{code}/move")))
        .json(&json!({ "contact": "+393331234567", "start": "2026-11-24T14:10:00" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(moved["start"], "2026-11-24T14:10:00");
    assert_eq!(moved["contact"], "***567", "the citizen's number is masked");
    let cancelled = http
        .post(app.url(&format!("/api/appointments/{code}/cancel")))
        .json(&json!({ "contact": "+393331234567" }))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);

    // Supervisors: availability report, escalations, pages.
    let supervisor = login(&http, &app, "anna.bianchi", "sportello-demo").await;
    assert_eq!(
        http.get(app.url("/api/agenda/availability"))
            .bearer_auth(&clerk)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let report: Value = http
        .get(app.url("/api/agenda/availability"))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report.as_array().unwrap().len(), 4);
    let created = http
        .post(app.url("/api/escalations"))
        .bearer_auth(&clerk)
        .json(&json!({ "line": "tecnico", "contact": "3471234567", "reason": "nessun posto entro 30 giorni" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let page = http
        .get(app.url("/supervisore"))
        .header("cookie", format!("sportello_session={supervisor}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Supervisione") && page.contains("nessun posto entro 30 giorni"));
    let closed = http
        .post(app.url(&format!("/api/escalations/{id}/close")))
        .bearer_auth(&supervisor)
        .json(&json!({ "note": "richiamato" }))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 204);
    let agenda_page = http
        .get(app.url("/agenda?date=2026-11-24"))
        .header("cookie", format!("sportello_session={clerk}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(agenda_page.contains("Agenda delle consultazioni"));
}
