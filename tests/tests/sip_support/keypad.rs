//! A caller at the keypad, played by SIPp: a [`KeypadScript`] (listen so long, press these
//! keys) becomes a SIPp scenario that calls the gateway from a given number, sends each key as
//! the RFC 4733 event capture sip-tester ships (`/usr/share/sip-tester/dtmf_2833_*.pcap`,
//! replayed from the call's media port), and hangs up with a BYE at the end of the script.
//!
//! The captures of one digit always carry the same RTP timestamp, so the gateway takes a
//! second press of the same digit for a new key only after a gap
//! (`telephone_event::SAME_EVENT_WINDOW`, 800 ms): [`KeypadScript::press`] leaves 1.2 s
//! before a repeated digit and 0.5 s between different ones, a caller typing at a normal pace.

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::sip_support::{Gateway, SERVICE};

/// Where sip-tester keeps its RFC 4733 captures.
const PCAP_DIR: &str = "/usr/share/sip-tester";
/// Pause between two different keys of one entry.
const KEY_GAP: Duration = Duration::from_millis(500);
/// Pause before the same digit again (see the module documentation).
const REPEATED_KEY_GAP: Duration = Duration::from_millis(1200);

/// What the caller does, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Listen(Duration),
    Press(char),
}

/// A caller's script: pauses to listen and keys to press, then the caller hangs up.
#[derive(Debug, Clone, Default)]
pub struct KeypadScript {
    steps: Vec<Step>,
}

impl KeypadScript {
    pub fn new() -> Self {
        Self::default()
    }

    /// Listens for `ms` milliseconds.
    pub fn listen(mut self, ms: u64) -> Self {
        self.steps.push(Step::Listen(Duration::from_millis(ms)));
        self
    }

    /// Presses `keys` (`0-9 * #`) one after the other at a typing pace.
    pub fn press(mut self, keys: &str) -> Self {
        let mut previous: Option<char> = None;
        for key in keys.chars() {
            assert!(pcap_of(key).is_some(), "not a keypad key: {key:?}");
            if let Some(previous) = previous {
                let gap = if previous == key {
                    REPEATED_KEY_GAP
                } else {
                    KEY_GAP
                };
                self.steps.push(Step::Listen(gap));
            }
            self.steps.push(Step::Press(key));
            previous = Some(key);
        }
        self
    }

    /// How long the script lasts after the call is answered.
    pub fn duration(&self) -> Duration {
        self.steps
            .iter()
            .map(|s| match s {
                Step::Listen(d) => *d,
                Step::Press(_) => Duration::ZERO,
            })
            .sum()
    }

    /// The SIPp scenario of this script, called from `caller` (the user part of `From`).
    pub fn scenario(&self, caller: &str) -> String {
        let mut body = String::new();
        for step in &self.steps {
            match step {
                Step::Listen(d) => {
                    body.push_str(&format!("  <pause milliseconds=\"{}\"/>\n", d.as_millis()));
                }
                Step::Press(key) => {
                    let pcap = pcap_of(*key).expect("checked when pressed");
                    body.push_str(&format!(
                        "  <nop><action><exec play_pcap_audio=\"{PCAP_DIR}/{pcap}\"/></action></nop>\n"
                    ));
                }
            }
        }
        SCENARIO
            .replace("@CALLER@", caller)
            .replace("@SCRIPT@", &body)
    }
}

/// The capture of `key` in sip-tester's set.
fn pcap_of(key: char) -> Option<String> {
    let name = match key {
        '0'..='9' => key.to_string(),
        '*' => "star".into(),
        '#' => "pound".into(),
        _ => return None,
    };
    Some(format!("dtmf_2833_{name}.pcap"))
}

/// INVITE (G.711 A-law and mu-law, telephone-event 101), ACK, the script, BYE.
const SCENARIO: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="keypad caller">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@CALLER@@[local_ip]:[local_port]>;tag=[pid]K[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:@CALLER@@[local_ip]:[local_port]>
Max-Forwards: 70
User-Agent: SIPp keypad caller
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 0 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@CALLER@@[local_ip]:[local_port]>;tag=[pid]K[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0
]]></send>
@SCRIPT@  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:@CALLER@@[local_ip]:[local_port]>;tag=[pid]K[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv response="200"/>
</scenario>
"#;

/// A UDP port of 127.0.0.1 free now, with the `span - 1` ports after it (SIPp's media port
/// `-mp` also binds the port two above it).
fn free_port(span: u16) -> String {
    loop {
        let first = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = first.local_addr().unwrap().port();
        let rest: Vec<_> = (1..span)
            .map_while(|i| port.checked_add(i))
            .map(|p| UdpSocket::bind(("127.0.0.1", p)))
            .collect();
        if rest.len() == usize::from(span - 1) && rest.iter().all(Result::is_ok) {
            return port.to_string();
        }
    }
}

/// One SIPp caller running its script against a gateway.
pub struct KeypadCall {
    child: Child,
    dir: PathBuf,
    deadline: Instant,
}

impl KeypadCall {
    /// Calls the gateway's service user from `caller` over UDP and starts the script.
    pub fn start(gw: &Gateway, name: &str, caller: &str, script: &KeypadScript) -> KeypadCall {
        let dir = gw.dir.join(format!("keypad-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        let scenario = dir.join("scenario.xml");
        std::fs::write(&scenario, script.scenario(caller)).unwrap();
        // Room for the gateway to answer and for SIPp to finish the BYE.
        let limit = script.duration() + Duration::from_secs(30);
        // SIPp takes 0 for "the default" (5060, 6000, 8888): free ports instead, so that
        // callers run side by side.
        let (sip, media, control) = (free_port(1), free_port(3), free_port(1));
        let child = Command::new("sipp")
            .arg(gw.udp.to_string())
            .arg("-sf")
            .arg(&scenario)
            .args(["-s", SERVICE, "-i", "127.0.0.1", "-p", &sip])
            .args(["-mi", "127.0.0.1", "-mp", &media, "-t", "u1", "-m", "1"])
            .args(["-timeout", &format!("{}s", limit.as_secs())])
            .args(["-nostdin", "-cp", &control, "-trace_err", "-error_file"])
            .arg(dir.join("err.log"))
            .args(["-trace_msg", "-message_file"])
            .arg(dir.join("msg.log"))
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sipp runs");
        KeypadCall {
            child,
            dir,
            deadline: Instant::now() + limit + Duration::from_secs(10),
        }
    }

    /// Waits for the end of the script; panics with SIPp's messages when the call failed.
    pub fn finish(mut self) {
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < self.deadline,
                "SIPp never finished its call"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let read = |f: &str| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default();
        assert!(
            status.success(),
            "the SIPp caller failed ({status}):\n{}\n{}",
            read("err.log"),
            read("msg.log")
        );
    }
}

impl Drop for KeypadCall {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
