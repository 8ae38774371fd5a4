//! End-to-end tests of operator phones and bridged calls against the real `sportello` binary:
//! operator phones register with digest authentication (SIPp with `-au/-ap`, and raw
//! REGISTERs), bans after repeated failures, the gateway's own registration with a trunk
//! (a SIPp registrar that challenges and verifies), and calls bridged to a registered SIPp
//! operator phone through the benchmark bridge user (audio relayed both ways and echoed back
//! by SIPp's `-rtp_echo`, hang-ups from either side, CANCEL while the operator rings), and an
//! INVITE for any other number refused with nothing dialled out. `/metrics` shows the
//! registered phones and the trunk's registration. SIPp missing: the tests skip
//! with a printed reason, except under `CI=true`.

// The suite uses the gateway, SIPp and raw-call helpers of the shared SIP support, not all of it.
#[allow(dead_code)]
mod sip_support;

use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sip_support::{Gateway, RawCall, scenario, sipp_available};

/// Operator accounts, MD5 only (SIPp 3.6 answers MD5 challenges), a bench bridge user that
/// rings `op1` at once, and a ban after three failed authentications.
const OPERATORS: &str = r#"accounts = [{ user = "op1", password = "operatore-uno" }, { user = "op2", password = "operatore-due" }]
registrar = { algorithms = ["MD5"], failures_before_ban = 3, ban_secs = 60 }
bench_bridge_users = ["ponte"]
bench_operator = "op1""#;

const BRIDGE: &str = "ponte";

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A SIPp process with its scenario's error and message files under `dir`.
struct Sipp {
    child: Child,
    out: std::path::PathBuf,
}

impl Sipp {
    /// Starts SIPp with `args` (target, scenario and options), in a directory of its own.
    fn start(dir: &Path, name: &str, args: &[String]) -> Sipp {
        let out = dir.join(format!("sipp-{name}"));
        std::fs::create_dir_all(&out).unwrap();
        let child = Command::new("sipp")
            .args(args)
            .args([
                "-i",
                "127.0.0.1",
                "-mi",
                "127.0.0.1",
                "-nostdin",
                "-trace_err",
            ])
            .arg("-error_file")
            .arg(out.join("err.log"))
            .arg("-trace_msg")
            .arg("-message_file")
            .arg(out.join("msg.log"))
            .current_dir(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sipp runs");
        Sipp { child, out }
    }

    /// Waits for SIPp to end (at most `timeout`); returns success and its logs.
    fn finish(&mut self, timeout: Duration) -> (bool, String) {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let logs = std::fs::read_to_string(self.out.join("err.log")).unwrap_or_default()
            + &std::fs::read_to_string(self.out.join("msg.log")).unwrap_or_default();
        (status.is_some_and(|s| s.success()), logs)
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        // A failed test must not leave SIPp running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Registers `user` with `password` from 127.0.0.1:`port` (MD5 digest); the scenario
/// `operator_register.xml` expects the 200, `operator_register_refused.xml` a second 401.
fn register(gw: &Gateway, user: &str, password: &str, port: u16, file: &str) -> (bool, String) {
    let args: Vec<String> = [
        gw.udp.to_string(),
        "-sf".into(),
        scenario(file).display().to_string(),
        "-s".into(),
        user.into(),
        "-au".into(),
        user.into(),
        "-ap".into(),
        password.into(),
        "-p".into(),
        port.to_string(),
        "-m".into(),
        "1".into(),
        "-timeout".into(),
        "20s".into(),
    ]
    .into();
    Sipp::start(&gw.dir, &format!("{file}-{port}"), &args).finish(Duration::from_secs(30))
}

/// An operator phone: SIPp as UAS on `port` (where it registered from) running `file`, with
/// its media port echoing RTP back.
fn operator_phone(gw: &Gateway, file: &str, port: u16) -> Sipp {
    let args: Vec<String> = [
        "-sf".into(),
        scenario(file).display().to_string(),
        "-p".into(),
        port.to_string(),
        "-mp".into(),
        free_udp_port().to_string(),
        "-rtp_echo".into(),
        "-m".into(),
        "1".into(),
        "-timeout".into(),
        "30s".into(),
    ]
    .into();
    let phone = Sipp::start(&gw.dir, &format!("{file}-{port}"), &args);
    // SIPp binds its port at start; give it a moment before the gateway calls it.
    std::thread::sleep(Duration::from_millis(300));
    phone
}

/// A registered operator phone `op1` on a fresh port: (port, SIPp UAS running `file`).
fn registered_operator(gw: &Gateway, file: &str) -> Sipp {
    let port = free_udp_port();
    let (ok, log) = register(gw, "op1", "operatore-uno", port, "operator_register.xml");
    assert!(ok, "op1 could not register:\n{log}");
    operator_phone(gw, file, port)
}

/// Sends one SIP request over UDP from `sock` and returns the final response.
fn exchange(sock: &UdpSocket, gw: SocketAddr, msg: &str) -> Option<String> {
    sock.send_to(msg.as_bytes(), gw).unwrap();
    let mut buf = vec![0u8; 65536];
    loop {
        let (n, _) = sock.recv_from(&mut buf).ok()?;
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if !text.starts_with("SIP/2.0 1") {
            return Some(text);
        }
    }
}

fn raw_register(
    sock: &UdpSocket,
    gw: SocketAddr,
    user: &str,
    cseq: u32,
    auth: Option<&str>,
) -> String {
    let local = sock.local_addr().unwrap();
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    format!(
        "REGISTER sip:{gw} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKreg{user}{cseq}\r\n\
         From: <sip:{user}@{gw}>;tag=r{cseq}\r\nTo: <sip:{user}@{gw}>\r\nCall-ID: reg-{user}@{local}\r\n\
         CSeq: {cseq} REGISTER\r\nContact: <sip:{user}@{local}>\r\nExpires: 120\r\n{auth}\
         Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    )
}

/// The response with values that differ by design (nonce, tags, branch, Call-ID) blanked.
fn shape(response: &str) -> Vec<String> {
    response
        .split("\r\n")
        .map(|l| {
            let name = l.split(':').next().unwrap_or_default().to_ascii_lowercase();
            if ["via", "from", "to", "call-id", "cseq"].contains(&name.as_str()) {
                return name;
            }
            match l.find("nonce=\"") {
                Some(i) => {
                    let end = i + 7 + l[i + 7..].find('"').unwrap();
                    format!("{}N{}", &l[..i + 7], &l[end..])
                }
                None => l.to_owned(),
            }
        })
        .collect()
}

fn nonce(response: &str) -> String {
    let i = response.find("nonce=\"").expect("a challenge") + 7;
    response[i..i + response[i..].find('"').unwrap()].to_owned()
}

#[test]
fn digest_registration_good_bad_unknown_alike_then_ban() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("ops-digest", OPERATORS);
    let (ok, log) = register(
        &gw,
        "op1",
        "operatore-uno",
        free_udp_port(),
        "operator_register.xml",
    );
    assert!(ok, "the right password must register:\n{log}");
    gw.wait_log(&["operator phone registered"], 1, Duration::from_secs(5));
    // /metrics counts the registered phone; no trunk is configured, so no trunk line.
    let metrics = gw.wait_metric("sportello_sip_registered_phones 1", Duration::from_secs(5));
    assert!(
        !metrics.contains("sportello_sip_trunk_registered"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sportello_sip_calls{direction=\"outgoing\"} 0"),
        "{metrics}"
    );
    // Failure 1: a wrong password.
    let (ok, log) = register(
        &gw,
        "op2",
        "sbagliata",
        free_udp_port(),
        "operator_register_refused.xml",
    );
    assert!(ok, "a wrong password must get 401 again:\n{log}");
    // Failures 2 and 3: a wrong response for a known user and for an unknown one, on a fresh
    // nonce: the two answers are the same but for the new nonce.
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let challenge = exchange(&sock, gw.udp, &raw_register(&sock, gw.udp, "op1", 1, None)).unwrap();
    assert!(challenge.starts_with("SIP/2.0 401"), "{challenge}");
    let n = nonce(&challenge);
    let forged = |user: &str| {
        format!(
            "Digest username=\"{user}\", realm=\"sportello\", nonce=\"{n}\", uri=\"sip:{}\", \
             response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, qop=auth, \
             cnonce=\"abc\", nc=00000001",
            gw.udp
        )
    };
    let known = exchange(
        &sock,
        gw.udp,
        &raw_register(&sock, gw.udp, "op1", 2, Some(&forged("op1"))),
    )
    .unwrap();
    let unknown = exchange(
        &sock,
        gw.udp,
        &raw_register(&sock, gw.udp, "intruso", 3, Some(&forged("intruso"))),
    )
    .unwrap();
    assert!(known.starts_with("SIP/2.0 401"), "{known}");
    assert_eq!(
        shape(&known),
        shape(&unknown),
        "unknown user and wrong password differ"
    );
    assert_ne!(nonce(&known), n, "a failure gets a fresh nonce");
    // The third failure banned 127.0.0.1: nothing is answered any more.
    gw.wait_log(
        &["repeated authentication failures"],
        1,
        Duration::from_secs(5),
    );
    let after = exchange(&sock, gw.udp, &raw_register(&sock, gw.udp, "op1", 4, None));
    assert_eq!(after, None, "a banned source is still answered");
}

#[test]
fn bridged_call_relays_audio_both_ways_and_the_callers_bye_ends_both_legs() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("ops-bridge", OPERATORS);
    let mut phone = registered_operator(&gw, "operator_phone.xml");
    let mut caller = RawCall::invite(
        gw.udp,
        BRIDGE,
        "0 101",
        &["0 PCMU/8000", "101 telephone-event/8000"],
    );
    gw.wait_log(&["outgoing leg answered"], 1, Duration::from_secs(10));
    // A recognisable mu-law pattern: the operator's leg is mu-law too, so the relay copies
    // it; SIPp echoes it; the relay copies it back to the caller.
    let listener = caller.rtp.try_clone().unwrap();
    listener
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let received = std::thread::spawn(move || {
        let mut payloads = Vec::new();
        let mut buf = [0u8; 2048];
        // Generous: on a loaded machine the gateway's 20 ms ticks may run late.
        let deadline = Instant::now() + Duration::from_secs(8);
        while Instant::now() < deadline {
            if let Ok((n, _)) = listener.recv_from(&mut buf)
                && n > 12
            {
                payloads.push(buf[12..n].to_vec());
            }
        }
        payloads
    });
    let pattern: Vec<u8> = (0..160u32).map(|i| 0x20 + (i % 64) as u8).collect();
    let audio: Vec<u8> = pattern.iter().copied().cycle().take(160 * 150).collect();
    caller.send_ulaw(&audio);
    let payloads = received.join().unwrap();
    let echoed = payloads
        .iter()
        .filter(|p| p.as_slice() == pattern.as_slice())
        .count();
    assert!(
        echoed >= 10,
        "the caller's audio did not come back through the operator ({echoed} of {} packets)",
        payloads.len()
    );
    assert_eq!(caller.bye(), Some(200));
    let (ok, log) = phone.finish(Duration::from_secs(15));
    assert!(ok, "the operator's phone did not get its BYE:\n{log}");
    gw.wait_log(
        &["bridge ended", "HungUp(Caller)"],
        1,
        Duration::from_secs(10),
    );
    gw.assert_alive();
}

#[test]
fn the_operators_bye_ends_the_callers_leg() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("ops-operator-bye", OPERATORS);
    let mut phone = registered_operator(&gw, "operator_phone_hangs_up.xml");
    let caller = RawCall::invite(
        gw.udp,
        BRIDGE,
        "8 101",
        &["8 PCMA/8000", "101 telephone-event/8000"],
    );
    let bye = caller.wait_request("BYE", Duration::from_secs(15));
    assert!(bye.starts_with("BYE "), "{bye}");
    let (ok, log) = phone.finish(Duration::from_secs(10));
    assert!(ok, "the operator's BYE was not answered:\n{log}");
    gw.wait_log(
        &["bridge ended", "HungUp(Operator)"],
        1,
        Duration::from_secs(10),
    );
}

#[test]
fn a_caller_hanging_up_while_the_operator_rings_cancels_the_operators_leg() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("ops-cancel", OPERATORS);
    let mut phone = registered_operator(&gw, "operator_phone_rings.xml");
    let caller = RawCall::invite(
        gw.udp,
        BRIDGE,
        "8 101",
        &["8 PCMA/8000", "101 telephone-event/8000"],
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(caller.bye(), Some(200));
    let (ok, log) = phone.finish(Duration::from_secs(15));
    assert!(ok, "the operator's phone was not cancelled:\n{log}");
}

#[test]
fn an_invite_for_any_other_number_is_refused_and_nothing_is_dialled() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("ops-no-dialout", OPERATORS);
    let port = free_udp_port();
    let (ok, log) = register(&gw, "op1", "operatore-uno", port, "operator_register.xml");
    assert!(ok, "{log}");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let local = sock.local_addr().unwrap();
    for (i, target) in ["3331234567", "+390612345678", "op1", "00390612345678"]
        .into_iter()
        .enumerate()
    {
        let sdp = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n";
        let invite = format!(
            "INVITE sip:{target}@{gw} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKout{i}\r\n\
             From: <sip:3330000000@{local}>;tag=o{i}\r\nTo: <sip:{target}@{gw}>\r\nCall-ID: out{i}@{local}\r\n\
             CSeq: 1 INVITE\r\nContact: <sip:x@{local}>\r\nMax-Forwards: 70\r\n\
             Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            sdp.len(),
            gw = gw.udp
        );
        let answer = exchange(&sock, gw.udp, &invite).expect("an answer");
        assert!(answer.starts_with("SIP/2.0 404"), "{target}: {answer}");
    }
    // Nothing was sent to the registered operator's phone (or anywhere).
    let listener = UdpSocket::bind(("127.0.0.1", port)).unwrap();
    listener
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buf = [0u8; 1024];
    assert!(
        listener.recv_from(&mut buf).is_err(),
        "something was dialled"
    );
    assert!(gw.log_lines(&["placing an outgoing call"]).is_empty());
}

#[test]
fn the_gateway_registers_with_the_trunk_answering_its_challenge() {
    if !sipp_available() {
        return;
    }
    let port = free_udp_port();
    let dir = sportello_e2e::scratch_dir("ops-trunk-registrar");
    let args: Vec<String> = [
        "-sf".into(),
        scenario("trunk_registrar.xml").display().to_string(),
        "-p".into(),
        port.to_string(),
        "-m".into(),
        "1".into(),
        "-timeout".into(),
        "30s".into(),
    ]
    .into();
    let trunk = format!(
        "trunk = {{ registrar = \"sip:127.0.0.1:{port}\", user = \"sportello-trunk\", password = \"segreto-del-trunk\", addresses = [\"127.0.0.1\"] }}"
    );
    // The gateway retries with backoff until the registrar answers.
    let gw = Gateway::start("ops-trunk", &trunk);
    let mut registrar = Sipp::start(&dir, "trunk", &args);
    let (ok, log) = registrar.finish(Duration::from_secs(30));
    assert!(
        ok,
        "the trunk did not accept the gateway's Authorization:\n{log}"
    );
    gw.wait_log(&["registered with the trunk"], 1, Duration::from_secs(10));
    gw.wait_metric(
        &format!("sportello_sip_trunk_registered{{trunk=\"sip:127.0.0.1:{port}\"}} 1"),
        Duration::from_secs(5),
    );
    // The trunk's calls come to its user, from its addresses: taken.
    let call = RawCall::invite(gw.udp, "sportello-trunk", "8", &["8 PCMA/8000"]);
    assert_eq!(call.bye(), Some(200));
    // A gateway whose trunk is elsewhere refuses the same INVITE from here.
    let elsewhere = trunk.replace(
        "addresses = [\"127.0.0.1\"]",
        "addresses = [\"192.0.2.10\"]",
    );
    let other = Gateway::start("ops-trunk-elsewhere", &elsewhere);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let local = sock.local_addr().unwrap();
    let sdp = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n";
    let invite = format!(
        "INVITE sip:sportello-trunk@{gw} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKtrunk1\r\n\
         From: <sip:3330000000@{local}>;tag=t1\r\nTo: <sip:sportello-trunk@{gw}>\r\nCall-ID: trunk1@{local}\r\n\
         CSeq: 1 INVITE\r\nContact: <sip:x@{local}>\r\nMax-Forwards: 70\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
        sdp.len(),
        gw = other.udp
    );
    let answer = exchange(&sock, other.udp, &invite).expect("an answer");
    assert!(answer.starts_with("SIP/2.0 404"), "{answer}");
}

/// The sample office's operator position 1 rings `operatore1`'s phone.
const QUEUE_OPERATOR: &str = r#"accounts = [{ user = "operatore1", password = "operatore-uno" }]
registrar = { algorithms = ["MD5"] }"#;

/// The operator position's state as the API shows it.
fn position_state(gw: &Gateway, token: &str) -> String {
    let (status, body) = gw.http("GET", "/api/operators/operatore-1", Some(token), "");
    assert!(status.contains(" 200 "), "{status}\n{body}");
    let view: serde_json::Value = serde_json::from_str(&body).unwrap();
    view["state"].as_str().unwrap().to_owned()
}

#[test]
fn the_operator_shows_busy_while_the_bridged_caller_talks() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("ops-busy", QUEUE_OPERATOR);
    let port = free_udp_port();
    let (ok, log) = register(
        &gw,
        "operatore1",
        "operatore-uno",
        port,
        "operator_register.xml",
    );
    assert!(ok, "operatore1 could not register:\n{log}");
    let mut phone = operator_phone(&gw, "operator_phone.xml", port);
    // Laura Neri signs in at her position.
    let (status, body) = gw.http(
        "POST",
        "/api/auth/login",
        None,
        r#"{"username":"laura.neri","password":"sportello-demo"}"#,
    );
    assert!(status.contains(" 200 "), "{status}\n{body}");
    let login: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let (status, body) = gw.http("POST", "/api/operators/operatore-1/login", Some(&token), "");
    assert!(status.contains(" 200 "), "{status}\n{body}");
    assert_eq!(position_state(&gw, &token), "ready");
    // A caller asks for a person: 0 (pressed until the dialog takes it; other keys and
    // repeats mean nothing while waiting or ringing).
    let mut caller = RawCall::invite(
        gw.udp,
        sip_support::SERVICE,
        "0 101",
        &["0 PCMU/8000", "101 telephone-event/8000"],
    );
    gw.wait_log(&["prompt started"], 1, Duration::from_secs(30));
    let deadline = Instant::now() + Duration::from_secs(60);
    while gw.log_lines(&["waiting for an operator"]).is_empty() {
        assert!(
            Instant::now() < deadline,
            "never queued:\n{}",
            gw.log_text()
        );
        caller.info_key('0');
        std::thread::sleep(Duration::from_millis(700));
    }
    gw.wait_log(&["the operator answered"], 1, Duration::from_secs(30));
    // While they talk the position is busy, and the answer is counted already.
    let deadline = Instant::now() + Duration::from_secs(5);
    while position_state(&gw, &token) != "busy" {
        assert!(Instant::now() < deadline, "the position never showed busy");
        std::thread::sleep(Duration::from_millis(50));
    }
    gw.wait_metric(
        "sportello_phone_answered{interval=\"15m\"} 1",
        Duration::from_secs(5),
    );
    assert_eq!(caller.bye(), Some(200));
    let (ok, log) = phone.finish(Duration::from_secs(15));
    assert!(ok, "the operator's phone did not get its BYE:\n{log}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while position_state(&gw, &token) != "wrap_up" {
        assert!(
            Instant::now() < deadline,
            "the position never went to wrap-up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
