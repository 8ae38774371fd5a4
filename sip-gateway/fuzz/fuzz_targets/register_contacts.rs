//! The registrar's bindings (`telephony::registrar::bindings`): `parse_contacts` on arbitrary
//! Contact and Expires values, then `Bindings::apply` / `purge` / `current` / `reach` as
//! `Registrar::handle` runs them, the save/restore round trip through the registrations
//! file's format (`registrar::store::encode` / `decode`, then `Bindings::from_saved`), and
//! `decode` on arbitrary bytes.
//!
//! Input: byte 0 and the next bytes make the expiry policy (any that `validate()` accepts:
//! 1 <= min <= default <= max, max up to `u64::MAX`), 4 bytes the start time, then events:
//! a kind byte, a clock step (2 bytes, 50 ms each; the clock never goes back) and the
//! event's own bytes (REGISTER: user, Contact values, Expires, Call-ID, CSeq, source).
//!
//! Checks: parsed contact URIs are trimmed sip/sips URIs without `>`; a refused REGISTER
//! changes nothing; an accepted one returns the user's live bindings, at most
//! `MAX_CONTACTS_PER_AOR`, the new ones expiring within the policy's min..=max from now, and
//! leaves other users alone; the Contact values of the 200 parse back to the same URIs and
//! expiries; no user ever holds more than the limit or a binding beyond `max` from now;
//! `reach` is the live binding expiring last; saved and restored bindings equal the live
//! ones; arbitrary file bytes are an error or bindings, never a panic.
#![no_main]

use std::collections::BTreeMap;
use std::net::SocketAddr;

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::registrar::bindings::{
    Binding, Bindings, ContactSpec, ExpiryPolicy, MAX_CONTACTS_PER_AOR, RegisterError,
    Registration, parse_contacts,
};
use sip_gateway::telephony::registrar::store::{decode, encode};
use sip_gateway_fuzz::Pieces;

const USERS: [&str; 3] = ["op1", "op2", "op3"];
const CALL_IDS: [&str; 2] = ["c1@192.0.2.5", "c2@192.0.2.5"];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Bindings per user, as saved.
fn by_user(b: &Bindings) -> BTreeMap<String, Vec<Binding>> {
    let mut m: BTreeMap<String, Vec<Binding>> = BTreeMap::new();
    for (u, binding) in b.to_saved() {
        m.entry(u).or_default().push(binding);
    }
    m
}

/// What holds between events.
fn check_invariants(b: &Bindings, policy: ExpiryPolicy, now: u64) {
    for (user, bs) in by_user(b) {
        assert!(
            bs.len() <= MAX_CONTACTS_PER_AOR,
            "{user} has {} bindings",
            bs.len()
        );
        for binding in &bs {
            assert!(
                binding.expires_at_ms.saturating_sub(now) <= policy.max_secs.saturating_mul(1000),
                "{user}'s binding expires beyond max_secs: {binding:?} at {now}"
            );
        }
        let current = b.current(&user, now);
        assert!(current.iter().all(|c| c.expires_at_ms > now));
        let last = current.iter().map(|c| c.expires_at_ms).max();
        assert_eq!(b.reach(&user, now).map(|r| r.expires_at_ms), last);
    }
}

fn check_contacts(specs: &[ContactSpec]) {
    for spec in specs {
        if let ContactSpec::Uri { uri, .. } = spec {
            assert_eq!(uri.trim(), uri);
            assert!(!uri.contains('>'), "{uri}");
            let scheme = uri.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
            assert!(matches!(scheme.as_deref(), Some("sip" | "sips")), "{uri}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Pieces::new(data);
    let setup = input.u8();
    let min_secs = u64::from(input.u16()).max(1);
    let default_secs = min_secs + u64::from(input.u16());
    let max_secs = if setup & 1 == 0 {
        default_secs + u64::from(input.u32())
    } else {
        default_secs.saturating_add(u64::MAX >> (input.u8() % 64))
    };
    let policy = ExpiryPolicy {
        min_secs,
        max_secs,
        default_secs,
    };
    let sources: [SocketAddr; 3] = [
        "192.0.2.5:5062".parse().unwrap(),
        "198.51.100.7:40000".parse().unwrap(),
        "[2001:db8::5]:5060".parse().unwrap(),
    ];
    let mut now: u64 = 1_700_000_000_000 + u64::from(input.u32());
    let mut bindings = Bindings::default();

    while !input.is_empty() {
        let kind = input.u8();
        now += u64::from(input.u16()) * 50;
        match kind % 5 {
            // A REGISTER, authenticated as `user`.
            0 | 1 => {
                let user = USERS[usize::from(kind >> 4) % USERS.len()];
                let flags = input.u8();
                let values: Vec<String> = (0..flags % 4).map(|_| text(input.short())).collect();
                let expires_text = (flags & 4 != 0).then(|| text(input.short()));
                let cseq = u32::from(input.u16());
                let contacts = parse_contacts(values.iter().map(String::as_str));
                let Ok(contacts) = contacts else { continue };
                check_contacts(&contacts);
                let expires = match expires_text.map(|e| e.trim().parse::<u64>()) {
                    None => None,
                    Some(Ok(e)) => Some(e),
                    Some(Err(_)) => continue,
                };
                let r = Registration {
                    user: user.to_owned(),
                    contacts,
                    expires,
                    call_id: CALL_IDS[usize::from(flags >> 3) % 2].to_owned(),
                    cseq,
                    source: sources[usize::from(flags >> 4) % sources.len()],
                    transport: "UDP".to_owned(),
                };
                bindings.purge(now);
                let before = bindings.clone();
                let mut others = by_user(&before);
                others.remove(user);
                let previous = before.current(user, now);
                match bindings.apply(&r, policy, now) {
                    Err(e) => {
                        assert_eq!(bindings, before, "refused REGISTER changed bindings: {e}");
                        match e {
                            RegisterError::IntervalTooBrief { min_secs } => {
                                assert_eq!(min_secs, policy.min_secs)
                            }
                            RegisterError::BadWildcard => {
                                assert!(r.contacts.contains(&ContactSpec::Wildcard))
                            }
                            RegisterError::OutOfOrder => {}
                        }
                    }
                    Ok(current) => {
                        assert!(current.len() <= MAX_CONTACTS_PER_AOR);
                        assert_eq!(current, bindings.current(user, now));
                        if r.contacts.contains(&ContactSpec::Wildcard) {
                            assert!(current.is_empty());
                        }
                        if r.contacts.is_empty() {
                            assert_eq!(current, previous, "a query changed the bindings");
                        }
                        let mut after = by_user(&bindings);
                        after.remove(user);
                        assert_eq!(after, others, "another user's bindings changed");
                        for b in current.iter().filter(|b| !previous.contains(b)) {
                            assert_eq!((b.call_id.as_str(), b.cseq), (r.call_id.as_str(), r.cseq));
                            let left = b.expires_at_ms.saturating_sub(now);
                            let min_ms = policy.min_secs.saturating_mul(1000).min(u64::MAX - now);
                            assert!(
                                (min_ms..=policy.max_secs.saturating_mul(1000)).contains(&left),
                                "new binding for {left} ms with {policy:?}"
                            );
                        }
                        // The 200's Contact values, as a phone reads them back.
                        for b in &current {
                            let secs = b.remaining_secs(now);
                            let echoed = format!("<{}>;expires={secs}", b.contact);
                            assert_eq!(
                                parse_contacts([echoed.as_str()]),
                                Ok(vec![ContactSpec::Uri {
                                    uri: b.contact.clone(),
                                    expires: Some(secs),
                                }]),
                                "200 Contact {echoed}"
                            );
                        }
                    }
                }
            }
            // Time passes.
            2 => {
                let count = |b: &Bindings| b.to_saved().len();
                let before = count(&bindings);
                let changed = bindings.purge(now);
                assert_eq!(changed, count(&bindings) != before);
                assert!(
                    bindings
                        .to_saved()
                        .iter()
                        .all(|(_, b)| b.expires_at_ms > now)
                );
            }
            // Saved, and read back after a restart.
            3 => {
                let saved = bindings.to_saved();
                let bytes = encode(saved.clone()).expect("bindings serialise");
                let loaded = decode(&bytes).expect("the file just written reads back");
                assert_eq!(loaded, saved);
                let restored = Bindings::from_saved(loaded, now);
                let mut live = bindings.clone();
                live.purge(now);
                assert_eq!(restored, live, "restored bindings differ");
                bindings = restored;
            }
            // A registrations file that is not ours.
            _ => {
                let bytes = input.long();
                let Ok(saved) = decode(bytes) else { continue };
                let mut foreign = Bindings::from_saved(saved, now);
                foreign.purge(now);
                for user in USERS {
                    let _ = foreign.reach(user, now);
                }
                let r = Registration {
                    user: USERS[0].to_owned(),
                    contacts: vec![ContactSpec::Uri {
                        uri: "sip:op1@192.0.2.5".into(),
                        expires: None,
                    }],
                    expires: None,
                    call_id: CALL_IDS[0].to_owned(),
                    cseq: u32::MAX,
                    source: sources[0],
                    transport: "UDP".into(),
                };
                if let Ok(current) = foreign.apply(&r, policy, now) {
                    assert!(current.len() <= MAX_CONTACTS_PER_AOR);
                }
            }
        }
        check_invariants(&bindings, policy, now);
    }
});
