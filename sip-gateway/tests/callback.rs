//! Callback dialling end to end, in process: the gateway's telephony on free ports, an
//! operator phone (SIPp, registered with a password, then answering as UAS) and the citizen's
//! line (SIPp UAS on the `direct` callback route, answering and hanging up after 3 s). The
//! dialler rings the operator, then the citizen, bridges them and reports who hung up.
//! Without SIPp the test skips with a printed reason, except under `CI=true`.

use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ivr::{Channel, OperatorLeg, Party};
use sip_gateway::telephony::bridge::callback::CallbackOutcome;
use sip_gateway::telephony::operator_settings::{
    AccountSettings, CallbackRoute, CallbackSettings, RegistrarSettings, SecretText,
};
use sip_gateway::telephony::{CallChannel, CallHandler, SipSettings};
use ticketing::contact::PhoneNumber;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

fn sipp_available() -> bool {
    let found = Command::new("sh")
        .args(["-c", "command -v sipp"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "sipp is required in CI (Debian package sip-tester)"
        );
        eprintln!("skipping: sipp not installed (Debian package sip-tester)");
    }
    found
}

fn scenario(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/sipp")
        .join(name)
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Callers are not part of this test: any call is hung up.
struct HangUp;

impl CallHandler for HangUp {
    async fn handle(&self, mut channel: CallChannel) {
        channel.hang_up().await;
    }
}

struct Sipp(Child);

impl Sipp {
    fn run(dir: &std::path::Path, args: &[&str]) -> Sipp {
        let child = Command::new("sipp")
            .args(args)
            .args(["-i", "127.0.0.1", "-mi", "127.0.0.1", "-nostdin", "-m", "1"])
            .args(["-timeout", "30s", "-trace_err", "-trace_msg"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sipp runs");
        Sipp(child)
    }

    async fn success(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.0.try_wait() {
                return status.success();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_rings_the_operator_then_the_citizen_and_bridges_them() {
    if !sipp_available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("sportello-callback-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let citizen_port = free_udp_port();
    let settings = SipSettings {
        udp_port: 0,
        tcp_port: None,
        rtp_port_min: 40000,
        rtp_port_max: 40998,
        max_calls: 100,
        accounts: vec![AccountSettings {
            user: "op1".into(),
            password: Some(SecretText::from("operatore-uno")),
            ha1: None,
            ha1_sha256: None,
        }],
        registrar: RegistrarSettings {
            algorithms: vec!["MD5".into()],
            ..RegistrarSettings::default()
        },
        callback: Some(CallbackSettings {
            route: CallbackRoute::Direct,
            direct_host: Some(format!("127.0.0.1:{citizen_port}").parse().unwrap()),
            caller_id: "0123456789".into(),
            ring_secs: 10,
        }),
        ..SipSettings::default()
    };
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let handle = sip_gateway::telephony::start(&settings, HangUp, shutdown.clone(), &tracker)
        .await
        .expect("telephony starts");
    let gateway = handle.udp.to_string();

    // The operator registers from its port, then answers there (and echoes the audio).
    let op_port = free_udp_port().to_string();
    let register = scenario("operator_register.xml");
    let mut registration = Sipp::run(
        &dir,
        &[
            &gateway,
            "-sf",
            register.to_str().unwrap(),
            "-s",
            "op1",
            "-au",
            "op1",
            "-ap",
            "operatore-uno",
            "-p",
            &op_port,
        ],
    );
    assert!(
        registration.success(Duration::from_secs(20)).await,
        "op1 did not register"
    );
    assert_eq!(handle.registered_operators(), 1);
    let phone = scenario("operator_phone.xml");
    let op_media = free_udp_port().to_string();
    let mut operator = Sipp::run(
        &dir,
        &[
            "-sf",
            phone.to_str().unwrap(),
            "-p",
            &op_port,
            "-mp",
            &op_media,
            "-rtp_echo",
        ],
    );
    // The citizen's line answers, talks for 3 s and hangs up.
    let citizen_scenario = scenario("operator_phone_hangs_up.xml");
    let citizen_media = free_udp_port().to_string();
    let citizen_port = citizen_port.to_string();
    let mut citizen = Sipp::run(
        &dir,
        &[
            "-sf",
            citizen_scenario.to_str().unwrap(),
            "-p",
            &citizen_port,
            "-mp",
            &citizen_media,
        ],
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    let dialler = handle.callbacks();
    assert!(dialler.available());
    let leg = OperatorLeg {
        station: "P1".into(),
        sip_user: "op1".into(),
    };
    let number = PhoneNumber::parse("333 123 4567").unwrap();
    let outcome = dialler
        .call_back("C001", &number, &leg, Duration::from_secs(10))
        .await
        .expect("the callback is placed");
    match outcome {
        CallbackOutcome::Talked { ended_by, talk, .. } => {
            assert_eq!(ended_by, Party::Caller, "the citizen hung up");
            assert!(talk >= Duration::from_secs(2), "{talk:?}");
        }
        other => panic!("the callback did not connect: {other:?}"),
    }
    assert!(
        citizen.success(Duration::from_secs(10)).await,
        "the citizen's leg failed"
    );
    assert!(
        operator.success(Duration::from_secs(10)).await,
        "the operator got no BYE"
    );

    // An operator who is not registered is unreachable; nothing is dialled.
    let absent = OperatorLeg {
        station: "P2".into(),
        sip_user: "op2".into(),
    };
    let outcome = dialler
        .call_back("C002", &number, &absent, Duration::from_secs(5))
        .await
        .expect("no error");
    assert_eq!(outcome, CallbackOutcome::OperatorUnreachable);
    shutdown.cancel();
    tracker.close();
    tokio::time::timeout(Duration::from_secs(10), tracker.wait())
        .await
        .expect("telephony stops");
    std::fs::remove_dir_all(dir).ok();
}
