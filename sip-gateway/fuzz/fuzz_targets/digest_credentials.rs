//! The registrar's digest authentication (`telephony::digest`): `Credentials::parse` on
//! arbitrary `Authorization` values, `verify` / `expected_response`, and the `NonceKeeper`
//! that issues nonces and judges them (expiry, forgery, replayed nonce counts).
//!
//! Input: byte 0 picks the offered algorithms (bits 0-1) and how the account's keys are kept
//! (bits 2-3: password, MD5 HA1 only, SHA-256 HA1 only, both HA1), then the keeper's 32-byte
//! key, its nonce lifetime (2 bytes, at least 10 s as `validate()` asks), the password (short
//! string), then events: a kind byte, a clock step (2 bytes: seconds forward, or back when
//! the top byte is 0xFF) and the event's own bytes.
//!
//! Checks: a parsed credential re-serialised as a phone would send it parses to the same
//! value; a challenge is well-formed auth-params; a response computed with the right password
//! on a fresh nonce authenticates and a changed one never does; every nonce judgement (through
//! `verify` or `check`) matches a model of the nonces issued (fresh within the lifetime, stale
//! after it or when the keeper never issued it, replayed for a count not above the last one);
//! a tampered or made-up nonce is never fresh.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use sip_gateway::telephony::digest::{
    AccountKeys, Algorithm, Credentials, DigestError, NonceKeeper, NonceState, Verdict, challenges,
    expected_response, verify,
};
use sip_gateway_fuzz::Pieces;

const REALM: &str = "sportello";
const USER: &str = "op1";
/// Unix seconds stay below this (year 36812): the registrar's clock is the wall clock.
const MAX_NOW: u64 = 1 << 40;

/// A nonce the keeper issued, as the model remembers it.
struct Issued {
    at: u64,
    last_nc: u32,
}

/// What `NonceKeeper::check` must answer, from the nonces issued so far.
fn expected(
    issued: &HashMap<String, Issued>,
    ttl: u64,
    nonce: &str,
    nc: u32,
    now: u64,
) -> NonceState {
    let Some(n) = issued.get(nonce) else {
        return NonceState::Forged;
    };
    if now.saturating_sub(n.at) > ttl || n.at > now + 60 {
        NonceState::Stale
    } else if nc <= n.last_nc {
        NonceState::Replayed
    } else {
        NonceState::Fresh
    }
}

/// The header a phone sends for these credentials (every value quoted).
fn header(c: &Credentials) -> String {
    fn quote(s: &str) -> String {
        let mut q = String::from("\"");
        for ch in s.chars() {
            if ch == '"' || ch == '\\' {
                q.push('\\');
            }
            q.push(ch);
        }
        q.push('"');
        q
    }
    let mut h = format!(
        "Digest username={}, realm={}, nonce={}, uri={}, response={}",
        quote(&c.username),
        quote(&c.realm),
        quote(&c.nonce),
        quote(&c.uri),
        quote(&c.response)
    );
    match c.algorithm {
        Some(a) => h.push_str(&format!(", algorithm={}", a.name())),
        None => h.push_str(", algorithm=SHA-512-256"),
    }
    if let Some(q) = &c.qop {
        h.push_str(&format!(", qop={}", quote(q)));
    }
    if let Some(cn) = &c.cnonce {
        h.push_str(&format!(", cnonce={}", quote(cn)));
    }
    if let Some(nc) = c.nc {
        h.push_str(&format!(", nc={nc:08x}"));
    }
    h
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fuzz_target!(|data: &[u8]| {
    let mut input = Pieces::new(data);
    let setup = input.u8();
    let offered: &[Algorithm] = match setup & 3 {
        0 => &Algorithm::OFFERED,
        1 => &[Algorithm::Sha256],
        2 => &[Algorithm::Md5],
        _ => &[Algorithm::Md5, Algorithm::Sha256],
    };
    let mut key = [0u8; 32];
    let k = input.take(32);
    key[..k.len()].copy_from_slice(k);
    let ttl = u64::from(input.u16()).max(10);
    let password = text(input.short());
    let ha1 = |a: Algorithm| a.hex(&format!("{USER}:{REALM}:{password}"));
    let keys = match (setup >> 2) & 3 {
        0 => AccountKeys::from_password(USER, REALM, &password),
        1 => AccountKeys::from_ha1(Some(ha1(Algorithm::Md5)), None),
        2 => AccountKeys::from_ha1(None, Some(ha1(Algorithm::Sha256).to_ascii_uppercase())),
        _ => AccountKeys::from_ha1(Some(ha1(Algorithm::Md5)), Some(ha1(Algorithm::Sha256))),
    };
    let has_key = |a: Algorithm| match (setup >> 2) & 3 {
        1 => a == Algorithm::Md5,
        2 => a == Algorithm::Sha256,
        _ => true,
    };
    let keys_of = |user: &str| (user == USER).then(|| keys.clone());

    let mut nonces = NonceKeeper::new(key, ttl);
    // The same key after a restart: it recognises the nonces but remembers none.
    let mut restarted = NonceKeeper::new(key, ttl);
    let mut issued: HashMap<String, Issued> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut now: u64 = 1_700_000_000;

    while !input.is_empty() {
        let kind = input.u8();
        let step = input.u16();
        now = if step >> 8 == 0xFF {
            now.saturating_sub(u64::from(step & 0xFF))
        } else {
            (now + u64::from(step)).min(MAX_NOW)
        };
        match kind % 4 {
            // An Authorization header as received.
            0 => {
                let value = text(input.long());
                let Ok(c) = Credentials::parse(&value) else {
                    continue;
                };
                assert_eq!(c.response, c.response.to_ascii_lowercase());
                let again = Credentials::parse(&header(&c));
                assert_eq!(again.as_ref(), Ok(&c), "re-serialised: {}", header(&c));
                let want = expected(&issued, ttl, &c.nonce, c.nc.unwrap_or(0), now);
                let verdict = verify(&c, "REGISTER", REALM, offered, keys_of, &mut nonces, now);
                match &verdict {
                    // Only possible if the input carries a response computed with the
                    // password; then the nonce judgement must still be the model's.
                    Verdict::Authenticated { user } => {
                        assert_eq!(user, USER);
                        assert_eq!(want, NonceState::Fresh, "authenticated on a {want:?} nonce");
                    }
                    Verdict::Stale => assert_eq!(want, NonceState::Stale),
                    Verdict::Failed => {}
                }
                if let (Verdict::Authenticated { .. }, Some(n)) =
                    (&verdict, issued.get_mut(&c.nonce))
                {
                    n.last_nc = c.nc.unwrap_or(0);
                }
            }
            // A new challenge.
            1 => {
                let random: [u8; 12] = std::array::from_fn(|_| input.u8());
                let nonce = nonces.issue(now, random);
                assert_eq!(nonce.len(), 56);
                assert!(
                    nonce
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                );
                for ch in challenges(REALM, &nonce, kind & 0x10 != 0, offered) {
                    assert_eq!(
                        Credentials::parse(&ch),
                        Err(DigestError::Missing("username")),
                        "challenge {ch}"
                    );
                }
                // The same random bytes in the same second give the same nonce again.
                issued
                    .entry(nonce.clone())
                    .or_insert(Issued {
                        at: now,
                        last_nc: 0,
                    })
                    .last_nc = 0;
                order.push(nonce);
            }
            // A phone answering one of the challenges.
            2 => {
                let pick = usize::from(input.u8());
                let flags = input.u8();
                let nc = input.u32();
                let uri = text(input.short());
                let cnonce = text(input.short());
                let Some(nonce) = (!order.is_empty()).then(|| order[pick % order.len()].clone())
                else {
                    continue;
                };
                let algorithm = if flags & 1 == 0 {
                    Algorithm::Md5
                } else {
                    Algorithm::Sha256
                };
                let stranger = flags & 2 != 0;
                let wrong_realm = flags & 4 != 0;
                let mut c = Credentials {
                    username: if stranger { "op2".into() } else { USER.into() },
                    realm: if wrong_realm {
                        "altro".into()
                    } else {
                        REALM.into()
                    },
                    nonce: nonce.clone(),
                    uri,
                    response: String::new(),
                    algorithm: Some(algorithm),
                    qop: Some("auth".into()),
                    cnonce: Some(cnonce),
                    nc: Some(nc),
                };
                c.response = expected_response(algorithm, &ha1(algorithm), &c, "REGISTER");
                assert_eq!(c.response.len(), algorithm.hex_len());
                assert_eq!(Credentials::parse(&header(&c)).as_ref(), Ok(&c));
                // The same credential with one hex digit of the response changed.
                let mut changed = c.clone();
                let at = usize::from(flags >> 3) % changed.response.len();
                let digit = changed.response.as_bytes()[at];
                let other = if digit == b'0' { '1' } else { '0' };
                changed.response.replace_range(at..=at, &other.to_string());
                assert_eq!(
                    verify(
                        &changed,
                        "REGISTER",
                        REALM,
                        offered,
                        keys_of,
                        &mut nonces,
                        now
                    ),
                    Verdict::Failed,
                    "changed response accepted"
                );
                let usable =
                    !stranger && !wrong_realm && offered.contains(&algorithm) && has_key(algorithm);
                let want = expected(&issued, ttl, &nonce, nc, now);
                let verdict = verify(&c, "REGISTER", REALM, offered, keys_of, &mut nonces, now);
                let model = if !usable {
                    Verdict::Failed
                } else {
                    match want {
                        NonceState::Fresh => Verdict::Authenticated { user: USER.into() },
                        NonceState::Stale => Verdict::Stale,
                        NonceState::Replayed | NonceState::Forged => Verdict::Failed,
                    }
                };
                assert_eq!(verdict, model, "{want:?} nonce, usable: {usable}");
                if usable && want == NonceState::Fresh {
                    issued.get_mut(&nonce).expect("issued").last_nc = nc;
                }
            }
            // The nonce checker alone: an issued nonce (maybe tampered with) or made-up text.
            _ => {
                let pick = usize::from(input.u8());
                let tamper = input.u8();
                let nc = input.u32();
                let made_up = text(input.short());
                let (nonce, genuine) = if kind & 0x10 != 0 || order.is_empty() {
                    let genuine = issued.contains_key(&made_up);
                    (made_up, genuine)
                } else {
                    let mut n = order[pick % order.len()].clone().into_bytes();
                    let at = usize::from(tamper) % n.len();
                    let flip = (tamper >> 6).max(1);
                    if kind & 0x20 != 0 {
                        n[at] ^= flip;
                    }
                    let n = String::from_utf8_lossy(&n).into_owned();
                    let genuine = issued.contains_key(&n);
                    (n, genuine)
                };
                let state = nonces.check(&nonce, nc, now);
                if !genuine {
                    assert_eq!(
                        state,
                        NonceState::Forged,
                        "tampered or made-up nonce {nonce:?}"
                    );
                    assert_ne!(restarted.check(&nonce, nc, now), NonceState::Fresh);
                    continue;
                }
                assert_eq!(state, expected(&issued, ttl, &nonce, nc, now));
                if state == NonceState::Fresh {
                    issued.get_mut(&nonce).expect("issued").last_nc = nc;
                }
                // Ours, but not remembered after a restart: never fresh, stale at most.
                assert!(matches!(
                    restarted.check(&nonce, nc, now),
                    NonceState::Stale
                ));
            }
        }
    }
});
