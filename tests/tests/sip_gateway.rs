//! End-to-end tests of the SIP gateway: the real `sportello` binary on the sample
//! configuration (its `[sip]` section as shipped, ports from the environment overrides), driven
//! by SIPp (Debian package `sip-tester`), a real softphone (baresip), a minimal SIP user agent
//! of our own (SIP INFO keys, in-band tones made with sox, shutdown) and the RFC 4475/5118
//! torture messages in ../shared/sip-torture. Programs that are missing skip their test with a
//! printed reason, except under `CI=true`.

mod sip_support;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use sip_support::softphone::{self, Softphone, frame_levels};
use sip_support::{
    Gateway, RawCall, SERVICE, bench_scenario, field, scenario, sipp, sipp_available, ulaw_dtmf,
    ulaw_silence,
};
use sportello_e2e::{AppOptions, SpawnedApp, repo_root, require_tool};

const SECONDS: fn(u64) -> Duration = Duration::from_secs;

/// Log needles of the call runner and of the dialog (JSON log lines).
const CALL: &str = "\"target\":\"sip_gateway::telephony::call\"";
const MENU_CHOICE: &str = "main menu choice";

#[test]
fn sipp_basic_call_udp_and_tcp() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("sip-basic", "");
    for t in ["u1", "t1"] {
        let (ok, log) = sipp(&gw, &bench_scenario("sig_call.xml"), t, &[]);
        assert!(ok, "basic call over {t} failed:\n{log}");
    }
    gw.assert_alive();
}

#[test]
fn sipp_call_with_rtp_and_rfc4733_keys() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("sip-keys", "");
    let (ok, log) = sipp(&gw, &bench_scenario("ivr_call.xml"), "u1", &["-mp", "0"]);
    assert!(ok, "IVR call failed:\n{log}");
    let keys = gw.wait_log(&["key detected", "Rfc4733"], 4, SECONDS(10));
    let pressed: String = keys.iter().map(|l| field(l, "key")).collect();
    assert_eq!(pressed, "1234", "each key once, in order");
    // The dialog heard them: 1 (information) interrupts the menu.
    gw.wait_log(&[MENU_CHOICE, "Information"], 1, SECONDS(10));
    gw.wait_log(&[CALL, "call ended", "CallerHungUp"], 1, SECONDS(10));
    // The pacing threads served the call's 8 s of audio (a phase each millisecond, or
    // skipped 20 ms intervals) and let go of its stream when it ended.
    let metrics = gw.wait_metric("sportello_rtp_paced_streams 0", SECONDS(10));
    let sample = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing in\n{metrics}"))
    };
    let phases = sample("sportello_rtp_pacing_lateness_seconds_count");
    let stalled = sample("sportello_rtp_pacing_stalled_intervals_total");
    assert!(phases + 20.0 * stalled >= 5_000.0, "{metrics}");
}

#[test]
fn a_flood_of_new_calls_beyond_the_rate_gets_503_and_the_gateway_keeps_answering() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("sip-flood", "max_new_calls_per_second = 5\n");
    // 30 calls within about 150 ms: the first second's five (plus what refills meanwhile)
    // are answered, the rest refused at once with 503 and Retry-After (20-25 here).
    let (all_ok, _) = sipp(
        &gw,
        &bench_scenario("sig_call.xml"),
        "u1",
        &["-m", "30", "-r", "200", "-l", "30"],
    );
    assert!(!all_ok, "30 calls at 200/s passed a limit of 5/s");
    let metrics = gw.wait_metric(
        "sportello_sip_invites_refused_total{reason=\"max_calls\"} 0",
        SECONDS(5),
    );
    let refused: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("sportello_sip_invites_refused_total{reason=\"rate\"} "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no rate refusals in\n{metrics}"));
    // At least the first second's five are answered; on a slow machine SIPp may take longer
    // than 150 ms to send the 30 and more tokens refill meanwhile, hence the wide lower bound.
    assert!((10..=25).contains(&refused), "{refused} refused\n{metrics}");
    let errors = std::fs::read_to_string(gw.dir.join("sipp-sig_call-u1").join("err.log"))
        .unwrap_or_default();
    assert!(errors.contains("SIP/2.0 503"), "{errors}");
    assert!(errors.contains("Retry-After: "), "{errors}");
    // A second later the bucket has refilled: a new call is answered as usual.
    std::thread::sleep(SECONDS(1));
    let (ok, log) = sipp(&gw, &bench_scenario("sig_call.xml"), "t1", &[]);
    assert!(ok, "a call after the flood failed:\n{log}");
    gw.assert_alive();
}

#[test]
fn sipp_cancel_gets_487() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("sip-cancel", "ring_ms = 3000");
    let (ok, log) = sipp(&gw, &scenario("cancel.xml"), "u1", &[]);
    assert!(ok, "CANCEL scenario failed:\n{log}");
    gw.wait_log(&[CALL, "call ended", "Cancelled"], 1, SECONDS(10));
    gw.assert_alive();
}

#[test]
fn sipp_reinvite_hold_and_resume() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("sip-reinvite", "");
    let (ok, log) = sipp(&gw, &scenario("reinvite.xml"), "u1", &[]);
    assert!(ok, "re-INVITE scenario failed:\n{log}");
    gw.wait_log(&["re-INVITE", "\"hold\":true"], 1, SECONDS(10));
    gw.wait_log(&["re-INVITE", "\"hold\":false"], 1, SECONDS(10));
}

#[test]
fn sipp_bye_from_the_gateway_when_the_caller_is_silent() {
    if !sipp_available() {
        return;
    }
    let gw = Gateway::start("sip-gwbye", "inactivity_timeout_secs = 3");
    for (n, t) in ["u1", "t1"].into_iter().enumerate() {
        let (ok, log) = sipp(&gw, &scenario("gateway_bye.xml"), t, &["-mp", "0"]);
        assert!(ok, "gateway BYE scenario over {t} failed:\n{log}");
        gw.wait_log(&[CALL, "call ended", "Inactivity"], n + 1, SECONDS(10));
    }
}

/// What a torture message must get: a response code, or nothing (dropped / handled silently).
fn expected_code(file: &str, tcp: bool) -> Option<&'static str> {
    Some(match file {
        "wsinv" | "via-received-param-with-delim" | "mult-ip-in-header" => "481",
        "intmeth" | "esc02" | "mismatch02" => "501",
        "esc01" | "longreq" | "baddate" | "mult-ip-in-sdp" | "ipv4-mapped-ipv6" => "404",
        "inv2543" if !tcp => "404",
        "escnull" | "dblreq" | "mpart01" | "unksm2" | "regaut01" | "cparam01" | "cparam02"
        | "regescrt" | "ipv6-good" | "port-ambiguous" | "port-unambiguous" => "405",
        "lwsdisp"
        | "semiuri"
        | "transports"
        | "badbranch"
        | "zeromf"
        | "via-received-param-no-delim"
        | "ipv6-bug-abnf-3-colons"
        | "ipv6-correct-abnf-2-colons" => "200",
        "badinv01" | "scalar02" | "quotbal" | "ltgtruri" | "lwsruri" | "lwsstart" | "trws"
        | "escruri" | "regbadct" | "badaspec" | "mismatch01" | "insuf" | "multi01" | "ipv6-bad" => {
            "400"
        }
        "clerr" | "ncl" | "mcl01" | "ipv6-in-sdp" if !tcp => "400",
        "badvers" => "505",
        "unkscm" | "novelsc" => "416",
        "bext01" => "420",
        "invut" => "415",
        "sdp01" => "406",
        // Responses without a transaction, unframeable streams, unparseable garbage.
        _ => return None,
    })
}

fn torture_files() -> Vec<(String, Vec<u8>)> {
    let dir = repo_root().join("../shared/sip-torture");
    let tsv = std::fs::read_to_string(dir.join("EXPECTED.tsv")).expect("torture set present");
    tsv.lines()
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .map(|f| {
            let bytes = std::fs::read(dir.join(&f)).unwrap();
            (f.trim_end_matches(".dat").to_owned(), bytes)
        })
        .collect()
}

fn status_code(response: &[u8]) -> String {
    String::from_utf8_lossy(response.get(8..11).unwrap_or_default()).into_owned()
}

#[test]
fn torture_messages_over_udp() {
    let gw = Gateway::start("sip-torture-udp", "");
    let mut failures = Vec::new();
    for (file, bytes) in torture_files() {
        let want = expected_code(&file, false).map(str::to_owned);
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        // As over TCP: time to answer on a loaded machine, 700 ms to prove a drop.
        let wait = if want.is_some() { 5_000 } else { 700 };
        sock.set_read_timeout(Some(Duration::from_millis(wait)))
            .unwrap();
        sock.send_to(&bytes, gw.udp).unwrap();
        let mut buf = vec![0u8; 65536];
        // Skip provisional responses.
        let got = loop {
            match sock.recv_from(&mut buf) {
                Ok((_, _)) if buf[8] == b'1' => continue,
                Ok((n, _)) => break Some(status_code(&buf[..n])),
                Err(_) => break None,
            }
        };
        if got != want {
            failures.push(format!("{file}: got {got:?}, want {want:?}"));
        }
    }
    gw.assert_alive();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn torture_messages_over_tcp() {
    let gw = Gateway::start("sip-torture-tcp", "");
    let mut failures = Vec::new();
    for (file, bytes) in torture_files() {
        let want = expected_code(&file, true).map(str::to_owned);
        let mut stream = TcpStream::connect(gw.tcp).unwrap();
        // A message that must be answered gets time even on a loaded machine; one that must
        // be dropped is given 700 ms to prove the silence.
        let wait = if want.is_some() { 5_000 } else { 700 };
        stream
            .set_read_timeout(Some(Duration::from_millis(wait)))
            .unwrap();
        stream.write_all(&bytes).unwrap();
        let mut got = None;
        let mut buf = vec![0u8; 65536];
        let mut acc = Vec::new();
        loop {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    acc.extend_from_slice(&buf[..n]);
                    // Responses may be preceded by 100 Trying.
                    let text = String::from_utf8_lossy(&acc).into_owned();
                    if let Some(line) = text
                        .split("\r\n")
                        .filter(|l| l.starts_with("SIP/2.0 "))
                        .find(|l| !l.starts_with("SIP/2.0 1"))
                    {
                        got = Some(status_code(line.as_bytes()));
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        if got != want {
            failures.push(format!("{file}: got {got:?}, want {want:?}"));
        }
    }
    gw.assert_alive();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn scanners_are_dropped_silently() {
    let gw = Gateway::start("sip-scanner", "");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let local = sock.local_addr().unwrap();
    let scan = format!(
        "OPTIONS sip:100@{gw} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKscan\r\nFrom: <sip:100@{local}>;tag=1\r\nTo: <sip:100@{gw}>\r\nCall-ID: scan\r\nCSeq: 1 OPTIONS\r\nUser-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n",
        gw = gw.udp
    );
    sock.send_to(scan.as_bytes(), gw.udp).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buf = [0u8; 4096];
    assert!(sock.recv_from(&mut buf).is_err(), "scanner got an answer");
    gw.assert_alive();
}

/// The first prompt of the call (the welcome) has started; returns its duration in ms.
fn welcome_started(gw: &Gateway) -> u64 {
    let started = gw.wait_log(&[CALL, "prompt started"], 1, SECONDS(20));
    field(&started[0], "duration_ms").parse().unwrap()
}

/// A key pressed during the welcome stopped it (barge-in) well before its end.
fn assert_barge_in(gw: &Gateway, welcome_ms: u64) {
    let stopped = gw.wait_log(&[CALL, "prompt interrupted"], 1, SECONDS(10));
    let played: u64 = field(&stopped[0], "played_ms").parse().unwrap();
    assert!(
        played + 1000 < welcome_ms,
        "the welcome ({welcome_ms} ms) played {played} ms before the key stopped it"
    );
}

#[test]
fn sip_info_keys_reach_the_dialog_and_stop_the_prompt() {
    let gw = Gateway::start("sip-info", "");
    let mut call = RawCall::invite(
        gw.udp,
        SERVICE,
        "8 101",
        &["8 PCMA/8000", "101 telephone-event/8000"],
    );
    let welcome_ms = welcome_started(&gw);
    assert!(
        welcome_ms > 2000,
        "the welcome is speech, not a beep: {welcome_ms} ms"
    );
    // A body type the gateway does not take is refused, the call goes on.
    let refused = call.request("INFO", &["Content-Type: text/plain"], "1");
    assert!(refused.starts_with("SIP/2.0 415"), "{refused}");
    assert_eq!(call.info_key('1'), Some(200));
    let keys = gw.wait_log(&["key detected", "Info"], 1, SECONDS(5));
    assert_eq!(field(&keys[0], "key"), "1");
    assert_barge_in(&gw, welcome_ms);
    gw.wait_log(&[MENU_CHOICE, "Information"], 1, SECONDS(5));
    assert_eq!(call.bye(), Some(200));
    gw.wait_log(&[CALL, "call ended", "CallerHungUp"], 1, SECONDS(10));
}

#[test]
fn inband_dtmf_keys_reach_the_dialog_and_stop_the_prompt() {
    if !require_tool("sox", "sox makes the DTMF tones (Debian package sox)") {
        return;
    }
    let gw = Gateway::start("sip-inband", "");
    // PCMU only, no telephone-event: the phone can only send its keys as tones.
    let mut call = RawCall::invite(gw.udp, SERVICE, "0", &["0 PCMU/8000"]);
    let welcome_ms = welcome_started(&gw);
    let mut audio = ulaw_silence(0.5);
    audio.extend(ulaw_dtmf('2', &gw.dir));
    audio.extend(ulaw_silence(0.5));
    call.send_ulaw(&audio);
    let keys = gw.wait_log(&["key detected", "InBand"], 1, SECONDS(5));
    assert_eq!(field(&keys[0], "key"), "2");
    assert_barge_in(&gw, welcome_ms);
    gw.wait_log(&[MENU_CHOICE, "Ticket"], 1, SECONDS(5));
    // Each tone is one key: nothing else was heard.
    assert_eq!(gw.log_lines(&["key detected"]).len(), 1);
    assert_eq!(call.bye(), Some(200));
}

#[test]
fn shutdown_sends_bye_to_calls_in_progress() {
    let mut gw = Gateway::start("sip-shutdown", "");
    let call = RawCall::invite(
        gw.udp,
        SERVICE,
        "8 101",
        &["8 PCMA/8000", "101 telephone-event/8000"],
    );
    welcome_started(&gw);
    let caller = std::thread::spawn(move || call.wait_request("BYE", SECONDS(15)));
    let status = gw.stop();
    let bye = caller.join().unwrap();
    assert!(bye.starts_with("BYE "), "{bye}");
    assert!(status.success(), "sportello exited with {status}");
    gw.wait_log(&[CALL, "call ended", "Shutdown"], 1, SECONDS(1));
}

#[test]
fn the_sample_configuration_answers_calls_on_free_ports() {
    // The lib helper every suite uses: SIP on free ports through the environment overrides.
    let app = SpawnedApp::start(AppOptions::new("sip-defaults"));
    let ready = app.options.data_dir.join("ready.sip.json");
    let sip: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ready).unwrap()).unwrap();
    let udp: std::net::SocketAddr = sip["sip_udp"].as_str().unwrap().parse().unwrap();
    assert_ne!(udp.port(), 5060);
    sip_support::assert_alive(udp);
    // The service number of the sample configuration takes calls.
    let call = RawCall::invite(udp, "0123456789", "8", &["8 PCMA/8000"]);
    assert_eq!(call.bye(), Some(200));
}

#[test]
fn softphone_hears_the_welcome_and_its_keys_work() {
    if !softphone::available() {
        return;
    }
    let gw = Gateway::start("sip-softphone", "");
    let mut phone = Softphone::dial(gw.dir.join("baresip"), &format!("sip:{SERVICE}@{}", gw.udp));
    phone.wait_established(SECONDS(20));
    let welcome_ms = welcome_started(&gw);
    // Listen to the welcome, then choose 1 (information) while the menu plays.
    let menu = gw.wait_log(&[CALL, "prompt started"], 2, SECONDS(60));
    let menu_ms: u64 = field(&menu[1], "duration_ms").parse().unwrap();
    phone.press("1");
    let keys = gw.wait_log(&["key detected", "Rfc4733"], 1, SECONDS(10));
    assert_eq!(field(&keys[0], "key"), "1");
    gw.wait_log(&[MENU_CHOICE, "Information"], 1, SECONDS(10));
    let stopped = gw.wait_log(&[CALL, "prompt interrupted"], 1, SECONDS(10));
    let played: u64 = field(&stopped[0], "played_ms").parse().unwrap();
    assert!(
        played < menu_ms,
        "the key stopped the menu ({played} of {menu_ms} ms)"
    );
    std::thread::sleep(Duration::from_millis(500));
    let heard = phone.hang_up();
    gw.wait_log(&[CALL, "call ended", "CallerHungUp"], 1, SECONDS(10));

    // The recording holds the welcome: speech from its first sound for the welcome's length,
    // at a telephone level, not silence.
    let levels = frame_levels(&heard);
    let first = levels
        .iter()
        .position(|&db| db > -40.0)
        .expect("the phone heard nothing but silence");
    let frames = (welcome_ms / 20) as usize;
    assert!(
        levels.len() >= first + frames,
        "the recording ({} ms) is shorter than the welcome ({welcome_ms} ms)",
        levels.len() * 20
    );
    let window = &levels[first..first + frames];
    let voiced = window.iter().filter(|&&db| db > -45.0).count();
    assert!(
        voiced * 10 >= frames * 6,
        "only {voiced} of {frames} frames of the welcome carry sound"
    );
    let power = window.iter().map(|db| 10f64.powf(db / 10.0)).sum::<f64>() / frames as f64;
    let level = 10.0 * power.log10();
    assert!(
        (-32.0..=-12.0).contains(&level),
        "the welcome's level is {level:.1} dBFS (expected about -20)"
    );
}
