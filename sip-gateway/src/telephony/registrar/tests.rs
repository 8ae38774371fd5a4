use super::*;
use crate::telephony::digest::{Algorithm, expected_response};

const REALM: &str = "sportello";
const T0: u64 = 1_800_000_000_000;

fn config() -> RegistrarConfig {
    RegistrarConfig {
        realm: REALM.into(),
        algorithms: Algorithm::OFFERED.to_vec(),
        accounts: HashMap::from([(
            "op1".to_owned(),
            AccountKeys::from_password("op1", REALM, "segreta"),
        )]),
        expiry: ExpiryPolicy {
            min_secs: 60,
            max_secs: 3600,
            default_secs: 600,
        },
        nonce_ttl_secs: 300,
        failures_before_ban: 3,
        failure_window_secs: 60,
        ban: Duration::from_secs(600),
    }
}

fn request<'a>(authorization: Option<&'a str>, contact: &'a str, cseq: u32) -> RegisterRequest<'a> {
    RegisterRequest {
        to_uri: "<sip:op1@127.0.0.1>",
        authorization,
        contacts: vec![contact],
        expires: Some("120"),
        call_id: "reg-1",
        cseq,
        source: "192.0.2.5:5062".parse().unwrap(),
        transport: "UDP",
    }
}

fn nonce_of(answer: &Answer) -> String {
    let (_, c) = answer
        .headers
        .iter()
        .find(|(n, _)| *n == "WWW-Authenticate")
        .expect("a challenge");
    let start = c.find("nonce=\"").unwrap() + 7;
    c[start..start + c[start..].find('"').unwrap()].to_owned()
}

/// The Authorization a phone builds for `nonce`.
fn authorization(algorithm: Algorithm, user: &str, password: &str, nonce: &str, nc: u32) -> String {
    let mut c = Credentials {
        username: user.into(),
        realm: REALM.into(),
        nonce: nonce.into(),
        uri: "sip:127.0.0.1".into(),
        response: String::new(),
        algorithm: Some(algorithm),
        qop: Some("auth".into()),
        cnonce: Some("0a4f113b".into()),
        nc: Some(nc),
    };
    let ha1 = algorithm.hex(&format!("{user}:{REALM}:{password}"));
    c.response = expected_response(algorithm, &ha1, &c, "REGISTER");
    format!(
        "Digest username=\"{user}\", realm=\"{REALM}\", nonce=\"{nonce}\", uri=\"sip:127.0.0.1\", \
         response=\"{}\", algorithm={}, qop=auth, cnonce=\"0a4f113b\", nc={nc:08x}",
        c.response,
        algorithm.name()
    )
}

/// An answer with its nonces blanked (they differ by design).
fn shape(answer: &Answer) -> Answer {
    let mut a = answer.clone();
    for (_, v) in &mut a.headers {
        if let Some(start) = v.find("nonce=\"") {
            let end = start + 7 + v[start + 7..].find('"').unwrap();
            v.replace_range(start + 7..end, "N");
        }
    }
    a
}

#[test]
fn challenge_then_register_with_sha256_or_md5() {
    let r = Registrar::new(config(), None, [1; 32], T0).unwrap();
    let challenge = r.handle(&request(None, "<sip:op1@192.0.2.5:5062>", 1), T0, [1; 12]);
    assert_eq!(challenge.code, 401);
    assert_eq!(challenge.headers.len(), 2);
    assert!(challenge.headers[0].1.contains("algorithm=SHA-256"));
    let nonce = nonce_of(&challenge);
    let auth = authorization(Algorithm::Sha256, "op1", "segreta", &nonce, 1);
    let ok = r.handle(
        &request(Some(&auth), "<sip:op1@192.0.2.5:5062>", 2),
        T0,
        [2; 12],
    );
    assert_eq!(ok.code, 200, "{ok:?}");
    assert!(ok.changed);
    assert_eq!(
        ok.headers,
        vec![("Contact", "<sip:op1@192.0.2.5:5062>;expires=120".to_owned())]
    );
    let bound = r.reach("op1", T0).unwrap();
    assert_eq!(bound.source, "192.0.2.5:5062".parse().unwrap());
    // MD5 on the same nonce, next count.
    let auth = authorization(Algorithm::Md5, "op1", "segreta", &nonce, 2);
    let ok = r.handle(
        &request(Some(&auth), "<sip:op1@192.0.2.5:5062>", 3),
        T0,
        [3; 12],
    );
    assert_eq!(ok.code, 200);
    assert_eq!(r.registered_users(T0), 1);
    assert!(r.reach("op1", T0 + 121_000).is_none());
}

#[test]
fn unknown_user_and_wrong_password_get_the_same_answer_and_a_ban() {
    let r = Registrar::new(config(), None, [1; 32], T0).unwrap();
    let nonce = nonce_of(&r.handle(&request(None, "<sip:op1@h>", 1), T0, [1; 12]));
    let wrong = authorization(Algorithm::Md5, "op1", "sbagliata", &nonce, 1);
    let unknown = authorization(Algorithm::Md5, "intruso", "segreta", &nonce, 1);
    let mut unknown_req = request(Some(&unknown), "<sip:intruso@h>", 2);
    unknown_req.to_uri = "<sip:intruso@127.0.0.1>";
    let a = r.handle(&request(Some(&wrong), "<sip:op1@h>", 2), T0, [5; 12]);
    let b = r.handle(&unknown_req, T0, [6; 12]);
    assert_eq!(a.code, 401);
    assert_eq!(shape(&a), shape(&b));
    assert_eq!(a.ban, None);
    // The third failure within the window bans the source.
    let c = r.handle(&unknown_req, T0 + 1_000, [7; 12]);
    assert_eq!(c.ban, Some("192.0.2.5".parse().unwrap()));
    assert_eq!(shape(&c).headers, shape(&a).headers);
}

#[test]
fn other_refusals() {
    let r = Registrar::new(config(), None, [1; 32], T0).unwrap();
    let nonce = nonce_of(&r.handle(&request(None, "<sip:op1@h>", 1), T0, [1; 12]));
    let mut nc = 0;
    let mut auth = || {
        nc += 1;
        authorization(Algorithm::Sha256, "op1", "segreta", &nonce, nc)
    };
    // Registering someone else's address-of-record.
    let a = auth();
    let mut other = request(Some(&a), "<sip:op2@h>", 2);
    other.to_uri = "sip:op2@127.0.0.1";
    assert_eq!(r.handle(&other, T0, [0; 12]).code, 403);
    // Too brief, then Min-Expires.
    let a = auth();
    let mut brief = request(Some(&a), "<sip:op1@h>", 3);
    brief.expires = Some("10");
    let answer = r.handle(&brief, T0, [0; 12]);
    assert_eq!(
        (answer.code, answer.headers.clone()),
        (423, vec![("Min-Expires", "60".to_owned())])
    );
    // A To that is not a SIP address-of-record, a non-digest Authorization.
    let mut isbn = request(None, "<sip:op1@h>", 4);
    isbn.to_uri = "<isbn:2983792873>";
    assert_eq!(r.handle(&isbn, T0, [0; 12]).code, 400);
    assert_eq!(
        r.handle(
            &request(Some("Basic b3AxOnNlZ3JldGE="), "<sip:op1@h>", 5),
            T0,
            [0; 12]
        )
        .code,
        400
    );
    // Replaying a used count fails; an expired nonce is stale.
    let used = authorization(Algorithm::Sha256, "op1", "segreta", &nonce, 1);
    assert_eq!(
        r.handle(&request(Some(&used), "<sip:op1@h>", 6), T0, [0; 12])
            .code,
        401
    );
    let late = authorization(Algorithm::Sha256, "op1", "segreta", &nonce, 50);
    let stale = r.handle(
        &request(Some(&late), "<sip:op1@h>", 7),
        T0 + 301_000,
        [0; 12],
    );
    assert_eq!(stale.code, 401);
    assert!(stale.headers.iter().all(|(_, v)| v.ends_with("stale=true")));
    // Removing with the wildcard.
    let a = auth();
    let mut remove = request(Some(&a), "*", 8);
    remove.expires = Some("0");
    let answer = r.handle(&remove, T0, [0; 12]);
    assert_eq!((answer.code, answer.changed), (200, true));
}

#[test]
fn registrations_survive_a_restart_and_expire_after_it() {
    let dir = std::env::temp_dir().join(format!("sportello-registrar-{}", std::process::id()));
    let store = BindingStore::new(dir.join("registrations.json"));
    let r = Registrar::new(config(), Some(store.clone()), [1; 32], T0).unwrap();
    let nonce = nonce_of(&r.handle(&request(None, "<sip:op1@h>", 1), T0, [1; 12]));
    let auth = authorization(Algorithm::Md5, "op1", "segreta", &nonce, 1);
    let ok = r.handle(
        &request(Some(&auth), "<sip:op1@192.0.2.5:5062>", 2),
        T0,
        [2; 12],
    );
    assert!(ok.changed);
    r.save().unwrap();
    drop(r);
    let restarted = Registrar::new(config(), Some(store.clone()), [9; 32], T0 + 60_000).unwrap();
    let b = restarted.reach("op1", T0 + 60_000).unwrap();
    assert_eq!(b.remaining_secs(T0 + 60_000), 60);
    let later = Registrar::new(config(), Some(store), [9; 32], T0 + 121_000).unwrap();
    assert!(later.reach("op1", T0 + 121_000).is_none());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn failures_are_counted_in_a_window() {
    let ip: IpAddr = "198.51.100.1".parse().unwrap();
    let mut f = AuthFailures::new(3, 60);
    assert!(!f.record(ip, 0));
    assert!(!f.record(ip, 10));
    // The window restarts after 60 s.
    assert!(!f.record(ip, 100));
    assert!(!f.record(ip, 101));
    assert!(f.record(ip, 102));
    assert!(!f.record(ip, 103), "the count starts again after a ban");
}
