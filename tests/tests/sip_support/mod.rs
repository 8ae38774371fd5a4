//! Helpers of the SIP end-to-end suite: the real binary on the sample configuration with its
//! log captured ([`Gateway`]), SIPp runs, a minimal SIP user agent over UDP with an RTP
//! socket ([`RawCall`]), DTMF tones made with sox, and the softphone ([`softphone`]).

pub mod softphone;

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sportello_e2e::{repo_root, require_tool, scratch_dir, sportello_binary};

/// The service user of the sample configuration (`[sip] service_users`).
pub const SERVICE: &str = "sportello";

/// A running gateway with its log captured as JSON lines (the tests wait on log events).
pub struct Gateway {
    child: Child,
    pub udp: SocketAddr,
    pub tcp: SocketAddr,
    /// The HTTP server (API, pages, `/metrics`).
    #[allow(dead_code)] // Only some suites ask for HTTP.
    pub http: SocketAddr,
    log: PathBuf,
    pub dir: PathBuf,
}

/// The sample configuration with its `[sip]` section kept (the product's defaults) and the
/// keys of `sip_extra` (TOML lines) put in place of the sample's values.
fn config_with(sip_extra: &str) -> String {
    let sample = std::fs::read_to_string(repo_root().join("sportello.toml")).unwrap();
    let overridden: Vec<&str> = sip_extra
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .collect();
    let (mut config, mut sip) = (String::new(), String::new());
    let mut in_sip = false;
    for line in sample.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_sip = trimmed == "[sip]";
            if in_sip {
                continue;
            }
        }
        if in_sip {
            let key = trimmed.split_once('=').map(|(k, _)| k.trim());
            if key.is_none_or(|k| !overridden.contains(&k)) {
                sip.push_str(line);
                sip.push('\n');
            }
        } else {
            config.push_str(&absolute_paths(line));
            config.push('\n');
        }
    }
    assert!(
        !sip.trim().is_empty(),
        "the sample configuration has a [sip] section"
    );
    format!("{config}\n[sip]\n{sip}{sip_extra}\n")
}

/// `key = "relative/path"` with a path of the repository becomes absolute: the copy of the
/// configuration lives in a scratch directory, and its relative paths are read from there.
fn absolute_paths(line: &str) -> String {
    if let Some((key, value)) = line.split_once('=')
        && let Some(path) = value
            .trim()
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
        && path.contains('/')
        && !path.starts_with('/')
        && !path.contains("://")
        && repo_root().join(path).exists()
    {
        return format!("{key}= \"{}\"", repo_root().join(path).display());
    }
    line.to_owned()
}

impl Gateway {
    /// Starts the binary on the sample configuration (`[sip]` as shipped, plus `sip_extra`),
    /// SIP on free ports through the environment overrides, the office clock at Monday
    /// 23 November 2026, 9:00 (open).
    pub fn start(name: &str, sip_extra: &str) -> Gateway {
        let dir = scratch_dir(name);
        let config_path = dir.join("sportello.toml");
        std::fs::write(&config_path, config_with(sip_extra)).unwrap();
        let ready = dir.join("ready.json");
        let log = dir.join("sportello.log");
        let child = Command::new(sportello_binary())
            .current_dir(repo_root())
            .arg("--config")
            .arg(&config_path)
            .arg("--data-dir")
            .arg(&dir)
            .arg("serve")
            .arg("--ready-file")
            .arg(&ready)
            .env("SPORTELLO_HTTP_LISTEN", "127.0.0.1:0")
            .env("SPORTELLO_SIP_UDP_PORT", "0")
            .env("SPORTELLO_SIP_TCP_PORT", "0")
            .env(
                "SPORTELLO_SIMULATED_START",
                "2026-11-23T09:00:00+01:00[Europe/Rome]",
            )
            .env("RUST_LOG", "warn,sip_gateway::telephony=debug,ivr=info")
            .env("NO_COLOR", "1")
            .env("SPORTELLO_LOG_FORMAT", "json")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("sportello starts");
        let mut gw = Gateway {
            child,
            udp: "0.0.0.0:0".parse().unwrap(),
            tcp: "0.0.0.0:0".parse().unwrap(),
            http: "0.0.0.0:0".parse().unwrap(),
            log,
            dir,
        };
        let sip_ready = ready.with_extension("sip.json");
        let deadline = Instant::now() + Duration::from_secs(60);
        let value = loop {
            if let Ok(text) = std::fs::read_to_string(&sip_ready)
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            {
                break v;
            }
            if let Ok(Some(status)) = gw.child.try_wait() {
                panic!("sportello exited: {status}\n{}", gw.log_text());
            }
            assert!(Instant::now() < deadline, "SIP not ready within 60 s");
            std::thread::sleep(Duration::from_millis(20));
        };
        gw.udp = value["sip_udp"].as_str().unwrap().parse().unwrap();
        gw.tcp = value["sip_tcp"].as_str().unwrap().parse().unwrap();
        // The HTTP ready file follows the SIP one at once.
        let bound = loop {
            if let Ok(text) = std::fs::read_to_string(&ready)
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            {
                break v;
            }
            assert!(Instant::now() < deadline, "HTTP not ready within 60 s");
            std::thread::sleep(Duration::from_millis(20));
        };
        gw.http = bound["http"].as_str().unwrap().parse().unwrap();
        gw
    }

    /// `GET path` on the HTTP server: the status line and the body.
    #[allow(dead_code)] // Only some suites ask for HTTP.
    pub fn http_get(&self, path: &str) -> (String, String) {
        self.http("GET", path, None, "")
    }

    /// One HTTP/1.1 request (JSON body, bearer `token`): the status line and the body.
    #[allow(dead_code)] // Only some suites ask for HTTP.
    pub fn http(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        json: &str,
    ) -> (String, String) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(self.http).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            self.http,
            json.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head.lines().next().unwrap_or_default().to_owned();
        (status, body.to_owned())
    }

    /// Waits until `/metrics` has a line equal to `line`; returns the whole text.
    #[allow(dead_code)] // Only some suites ask for HTTP.
    pub fn wait_metric(&self, line: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let (status, body) = self.http_get("/metrics");
            assert!(status.contains(" 200 "), "/metrics: {status}\n{body}");
            if body.lines().any(|l| l == line) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "/metrics never had {line:?}:\n{body}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The log lines (JSON) containing all of `needles`.
    pub fn log_lines(&self, needles: &[&str]) -> Vec<serde_json::Value> {
        self.log_text()
            .lines()
            .filter(|l| needles.iter().all(|s| l.contains(s)))
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Waits until the log has `count` lines containing all of `needles`; returns them.
    pub fn wait_log(
        &self,
        needles: &[&str],
        count: usize,
        timeout: Duration,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let lines = self.log_lines(needles);
            if lines.len() >= count {
                return lines;
            }
            assert!(
                Instant::now() < deadline,
                "log never had {count} x {needles:?}:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends OPTIONS over UDP and expects 200: the gateway still serves.
    pub fn assert_alive(&self) {
        assert_alive(self.udp);
    }

    /// SIGTERM, then the exit status (within 20 s).
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "sportello did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends OPTIONS over UDP to `udp` and expects 200.
pub fn assert_alive(udp: SocketAddr) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let local = sock.local_addr().unwrap();
    let n = unique();
    let msg = format!(
        "OPTIONS sip:{SERVICE}@{udp} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKalive{n}\r\nFrom: <sip:t@{local}>;tag=1\r\nTo: <sip:{SERVICE}@{udp}>\r\nCall-ID: alive{n}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
    );
    sock.send_to(msg.as_bytes(), udp).unwrap();
    let mut buf = [0u8; 4096];
    let (n, _) = sock.recv_from(&mut buf).expect("gateway answers OPTIONS");
    assert!(
        buf[..n].starts_with(b"SIP/2.0 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
}

/// A field of a JSON log line (`fields.<name>`), as text.
pub fn field(line: &serde_json::Value, name: &str) -> String {
    match &line["fields"][name] {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn unique() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}x{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn sipp_available() -> bool {
    require_tool(
        "sipp",
        "SIPp drives the SIP end-to-end tests (Debian package sip-tester)",
    )
}

pub fn scenario(name: &str) -> PathBuf {
    repo_root().join("tests/sipp").join(name)
}

pub fn bench_scenario(name: &str) -> PathBuf {
    repo_root().join("../shared/bench/sipp").join(name)
}

/// Runs one SIPp call; returns the exit status and SIPp's error and message files.
pub fn sipp(gw: &Gateway, scenario: &Path, transport: &str, extra: &[&str]) -> (bool, String) {
    let out = gw.dir.join(format!(
        "sipp-{}-{transport}",
        scenario.file_stem().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(&out).unwrap();
    let target = if transport == "t1" { gw.tcp } else { gw.udp };
    let status = Command::new("sipp")
        .arg(target.to_string())
        .arg("-sf")
        .arg(scenario)
        .args([
            "-s",
            SERVICE,
            "-i",
            "127.0.0.1",
            "-p",
            "0",
            "-mi",
            "127.0.0.1",
        ])
        .args(["-t", transport, "-m", "1", "-timeout", "60s", "-nostdin"])
        .args(["-cp", "0"])
        .arg("-trace_err")
        .arg("-error_file")
        .arg(out.join("err.log"))
        .arg("-trace_msg")
        .arg("-message_file")
        .arg(out.join("msg.log"))
        .args(extra)
        .current_dir(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("sipp runs");
    let errors = std::fs::read_to_string(out.join("err.log")).unwrap_or_default()
        + &std::fs::read_to_string(out.join("msg.log")).unwrap_or_default();
    (status.success(), errors)
}

/// The value of the first header `name` (case-insensitive) in a SIP message.
fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.split("\r\n").skip(1).find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn status_of(msg: &str) -> Option<u16> {
    msg.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
}

/// A call placed by a minimal SIP user agent over UDP, with an RTP socket of its own.
pub struct RawCall {
    sip: UdpSocket,
    pub rtp: UdpSocket,
    gw: SocketAddr,
    local: SocketAddr,
    call_id: String,
    from_tag: String,
    to: String,
    target: String,
    cseq: u32,
    /// Where the gateway's audio comes from (its SDP answer).
    pub remote_rtp: SocketAddr,
    rtp_seq: u16,
    rtp_ts: u32,
}

impl RawCall {
    /// INVITE `user` with an audio offer of `formats` (e.g. `"0 101"`) and `rtpmaps` lines;
    /// waits for the 200 and sends the ACK.
    pub fn invite(gw: SocketAddr, user: &str, formats: &str, rtpmaps: &[&str]) -> RawCall {
        let sip = UdpSocket::bind("127.0.0.1:0").unwrap();
        sip.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let rtp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let local = sip.local_addr().unwrap();
        let id = unique();
        let mut sdp = format!(
            "v=0\r\no=tester 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio {} RTP/AVP {formats}\r\n",
            rtp.local_addr().unwrap().port()
        );
        for m in rtpmaps {
            sdp.push_str(&format!("a=rtpmap:{m}\r\n"));
        }
        sdp.push_str("a=ptime:20\r\na=sendrecv\r\n");
        let mut call = RawCall {
            sip,
            rtp,
            gw,
            local,
            call_id: format!("raw{id}"),
            from_tag: format!("t{id}"),
            to: format!("<sip:{user}@{gw}>"),
            target: format!("sip:{user}@{gw}"),
            cseq: 0,
            remote_rtp: "0.0.0.0:0".parse().unwrap(),
            rtp_seq: 1,
            rtp_ts: 0,
        };
        let ok = call.request("INVITE", &["Content-Type: application/sdp"], &sdp);
        assert_eq!(status_of(&ok), Some(200), "INVITE refused:\n{ok}");
        call.to = header(&ok, "to").expect("To").to_owned();
        let contact = header(&ok, "contact").expect("Contact in the 200");
        call.target = contact
            .trim_start_matches(|c| c != '<')
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .to_owned();
        let body = &ok[ok.find("\r\n\r\n").unwrap() + 4..];
        let ip = body
            .lines()
            .find_map(|l| l.strip_prefix("c=IN IP4 "))
            .expect("c= line");
        let port = body
            .lines()
            .find_map(|l| l.strip_prefix("m=audio "))
            .and_then(|l| l.split(' ').next())
            .expect("m=audio line");
        call.remote_rtp = format!("{}:{port}", ip.trim()).parse().unwrap();
        let ack = call.message("ACK", call.cseq, &[], "");
        call.sip.send_to(ack.as_bytes(), call.gw).unwrap();
        call
    }

    fn message(&self, method: &str, cseq: u32, extra: &[&str], body: &str) -> String {
        let mut m = format!(
            "{method} {target} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK{branch}\r\nFrom: <sip:tester@{local}>;tag={tag}\r\nTo: {to}\r\nCall-ID: {id}\r\nCSeq: {cseq} {method}\r\nContact: <sip:tester@{local}>\r\nMax-Forwards: 70\r\n",
            target = self.target,
            local = self.local,
            branch = unique(),
            tag = self.from_tag,
            to = self.to,
            id = self.call_id,
        );
        for h in extra {
            m.push_str(h);
            m.push_str("\r\n");
        }
        m.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        m
    }

    /// Sends a request in the call and returns its final response (requests from the gateway
    /// met meanwhile are answered 200).
    pub fn request(&mut self, method: &str, extra: &[&str], body: &str) -> String {
        self.cseq += 1;
        let msg = self.message(method, self.cseq, extra, body);
        self.sip.send_to(msg.as_bytes(), self.gw).unwrap();
        let cseq = format!("{} {method}", self.cseq);
        loop {
            let text = self.recv_sip().expect("a response");
            if status_of(&text).is_some_and(|s| s >= 200) && header(&text, "cseq") == Some(&cseq) {
                return text;
            }
        }
    }

    fn recv_sip(&self) -> Option<String> {
        let mut buf = vec![0u8; 65536];
        let (n, _) = self.sip.recv_from(&mut buf).ok()?;
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if !text.starts_with("SIP/2.0 ") && !text.starts_with("ACK ") {
            self.answer(&text, 200, "OK");
        }
        Some(text)
    }

    fn answer(&self, request: &str, code: u16, reason: &str) {
        let mut r = format!("SIP/2.0 {code} {reason}\r\n");
        for line in request.split("\r\n").skip(1) {
            let name = line.split(':').next().unwrap_or_default().trim();
            if ["via", "from", "to", "call-id", "cseq"]
                .iter()
                .any(|h| name.eq_ignore_ascii_case(h))
            {
                r.push_str(line);
                r.push_str("\r\n");
            }
        }
        r.push_str("Content-Length: 0\r\n\r\n");
        self.sip.send_to(r.as_bytes(), self.gw).unwrap();
    }

    /// Waits for a request `method` from the gateway (answered 200) and returns it.
    pub fn wait_request(&self, method: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            assert!(Instant::now() < deadline, "no {method} from the gateway");
            if let Some(text) = self.recv_sip()
                && text.starts_with(&format!("{method} "))
            {
                return text;
            }
        }
    }

    /// Sends a key as SIP INFO (`application/dtmf-relay`); returns the response code.
    pub fn info_key(&mut self, key: char) -> Option<u16> {
        let body = format!("Signal={key}\r\nDuration=160\r\n");
        let r = self.request("INFO", &["Content-Type: application/dtmf-relay"], &body);
        status_of(&r)
    }

    /// Streams G.711 mu-law audio (payload type 0) as 20 ms RTP packets, paced in real time.
    pub fn send_ulaw(&mut self, audio: &[u8]) {
        let start = Instant::now();
        for (i, chunk) in audio.chunks(160).enumerate() {
            let mut packet = vec![0x80, if i == 0 { 0x80 } else { 0x00 }];
            packet.extend_from_slice(&self.rtp_seq.to_be_bytes());
            packet.extend_from_slice(&self.rtp_ts.to_be_bytes());
            packet.extend_from_slice(&0x5e11_0001u32.to_be_bytes());
            packet.extend_from_slice(chunk);
            packet.resize(12 + 160, 0xff);
            self.rtp.send_to(&packet, self.remote_rtp).unwrap();
            self.rtp_seq = self.rtp_seq.wrapping_add(1);
            self.rtp_ts = self.rtp_ts.wrapping_add(160);
            let next = start + Duration::from_millis(20 * (i as u64 + 1));
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        }
    }

    /// Hangs up (BYE) and returns the response code.
    pub fn bye(mut self) -> Option<u16> {
        let r = self.request("BYE", &[], "");
        status_of(&r)
    }
}

/// `seconds` of mu-law silence.
pub fn ulaw_silence(seconds: f64) -> Vec<u8> {
    vec![0xff; (8000.0 * seconds) as usize]
}

/// A DTMF key as in-band tones: 150 ms of its two frequencies made by sox, mu-law.
pub fn ulaw_dtmf(key: char, dir: &Path) -> Vec<u8> {
    let rows = [697, 770, 852, 941];
    let cols = [1209, 1336, 1477];
    let (r, c) = match key {
        '1' => (0, 0),
        '2' => (0, 1),
        '3' => (0, 2),
        '4' => (1, 0),
        '5' => (1, 1),
        '6' => (1, 2),
        '7' => (2, 0),
        '8' => (2, 1),
        '9' => (2, 2),
        '*' => (3, 0),
        '0' => (3, 1),
        '#' => (3, 2),
        _ => panic!("not a key: {key}"),
    };
    let path = dir.join(format!("dtmf-{}.ul", key as u32));
    let status = Command::new("sox")
        .args(["-n", "-r", "8000", "-c", "1", "-t", "ul"])
        .arg(&path)
        .args(["synth", "0.15", "sine", &rows[r].to_string()])
        .args(["sine", &cols[c].to_string(), "gain", "-8"])
        .status()
        .expect("sox runs");
    assert!(status.success(), "sox could not make the DTMF tone");
    std::fs::read(path).unwrap()
}
