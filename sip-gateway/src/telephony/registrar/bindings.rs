//! Registration bindings (RFC 3261 section 10.3): which contacts each operator's
//! address-of-record is reachable at, until when. No I/O: times are Unix milliseconds passed in
//! (wall-clock, so a binding persisted before a restart expires when SIP says).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::telephony::signaling::guard::split_list;

/// Contacts kept per address-of-record; a phone registering more replaces the oldest.
pub const MAX_CONTACTS_PER_AOR: usize = 8;

/// One contact of an address-of-record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// The Contact URI as the phone sent it (`sip:op1@192.0.2.5:5062;transport=udp`).
    pub contact: String,
    /// Unix milliseconds when it expires.
    pub expires_at_ms: u64,
    /// Where the REGISTER came from: calls go there (phones behind NAT are reachable only
    /// through the address they registered from).
    pub source: SocketAddr,
    /// `UDP`, `TCP` or `TLS`.
    pub transport: String,
    pub call_id: String,
    pub cseq: u32,
}

impl Binding {
    /// Whole seconds left at `now_ms` (rounded up, as a phone wants to hear it).
    pub fn remaining_secs(&self, now_ms: u64) -> u64 {
        self.expires_at_ms.saturating_sub(now_ms).div_ceil(1000)
    }
}

/// One Contact of a REGISTER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactSpec {
    /// `Contact: *` (remove every binding; only with `Expires: 0`).
    Wildcard,
    Uri {
        uri: String,
        /// The contact's `expires` parameter.
        expires: Option<u64>,
    },
}

/// Why a Contact header cannot be read (answered 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed Contact header")]
pub struct ContactError;

/// Parses the values of the Contact headers of a REGISTER.
pub fn parse_contacts<'a>(
    values: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<ContactSpec>, ContactError> {
    let mut out = Vec::new();
    for value in values {
        for item in split_list(value) {
            let item = item.trim();
            if item == "*" {
                out.push(ContactSpec::Wildcard);
                continue;
            }
            let open = item.find('<');
            let close = open.and_then(|o| item[o..].find('>').map(|c| o + c));
            let (uri, params) = match (open, close) {
                (Some(open), Some(close)) => (&item[open + 1..close], &item[close + 1..]),
                (None, _) if !item.contains('>') => match item.split_once(';') {
                    Some((uri, params)) => (uri, params),
                    None => (item, ""),
                },
                _ => return Err(ContactError),
            };
            let uri = uri.trim();
            let scheme = uri.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
            if !matches!(scheme.as_deref(), Some("sip" | "sips")) {
                return Err(ContactError);
            }
            let mut expires = None;
            for param in params.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                let (name, value) = param.split_once('=').unwrap_or((param, ""));
                if name.trim().eq_ignore_ascii_case("expires") {
                    let value = value.trim().trim_matches('"');
                    expires = Some(value.parse::<u64>().map_err(|_| ContactError)?);
                }
            }
            out.push(ContactSpec::Uri {
                uri: uri.to_owned(),
                expires,
            });
        }
    }
    Ok(out)
}

/// The registrar's expiry rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryPolicy {
    /// Shorter non-zero intervals get 423 with Min-Expires.
    pub min_secs: u64,
    /// Longer ones are shortened to this.
    pub max_secs: u64,
    /// Without an Expires header or parameter.
    pub default_secs: u64,
}

/// A REGISTER, after authentication, as the bindings see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub user: String,
    pub contacts: Vec<ContactSpec>,
    /// The Expires header, if any.
    pub expires: Option<u64>,
    pub call_id: String,
    pub cseq: u32,
    pub source: SocketAddr,
    pub transport: String,
}

/// Why a registration is refused (RFC 3261 section 10.3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// 423 Interval Too Brief, with `Min-Expires: min_secs`.
    #[error("the interval is shorter than {min_secs} s")]
    IntervalTooBrief { min_secs: u64 },
    /// 400: `*` with other contacts or a non-zero expiry.
    #[error("Contact: * needs Expires: 0 and no other contact")]
    BadWildcard,
    /// 500: an older CSeq of the same Call-ID (a reordered or replayed REGISTER).
    #[error("the CSeq is not newer than the one already bound")]
    OutOfOrder,
}

/// Every address-of-record's bindings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bindings {
    by_user: BTreeMap<String, Vec<Binding>>,
}

impl Bindings {
    /// Bindings read back (e.g. after a restart); expired ones are dropped, and a user with
    /// more than [`MAX_CONTACTS_PER_AOR`] (a hand-edited file) keeps the latest-expiring ones.
    pub fn from_saved(saved: Vec<(String, Binding)>, now_ms: u64) -> Self {
        let mut b = Bindings::default();
        for (user, binding) in saved {
            if binding.expires_at_ms > now_ms {
                b.by_user.entry(user).or_default().push(binding);
            }
        }
        for bindings in b.by_user.values_mut() {
            keep_latest(bindings);
        }
        b
    }

    /// Every live binding, for saving.
    pub fn to_saved(&self) -> Vec<(String, Binding)> {
        self.by_user
            .iter()
            .flat_map(|(u, bs)| bs.iter().map(move |b| (u.clone(), b.clone())))
            .collect()
    }

    /// Drops expired bindings; returns whether anything changed.
    pub fn purge(&mut self, now_ms: u64) -> bool {
        let before: usize = self.by_user.values().map(Vec::len).sum();
        for bs in self.by_user.values_mut() {
            bs.retain(|b| b.expires_at_ms > now_ms);
        }
        self.by_user.retain(|_, bs| !bs.is_empty());
        before != self.by_user.values().map(Vec::len).sum::<usize>()
    }

    /// The live bindings of `user`.
    pub fn current(&self, user: &str, now_ms: u64) -> Vec<Binding> {
        self.by_user
            .get(user)
            .map(|bs| {
                bs.iter()
                    .filter(|b| b.expires_at_ms > now_ms)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Where to call `user`: the binding registered most recently (the one expiring last).
    pub fn reach(&self, user: &str, now_ms: u64) -> Option<Binding> {
        self.current(user, now_ms)
            .into_iter()
            .max_by_key(|b| b.expires_at_ms)
    }

    /// Applies a REGISTER; on success returns the user's bindings now (for the 200), all or
    /// nothing otherwise. A REGISTER without contacts is a query.
    pub fn apply(
        &mut self,
        r: &Registration,
        policy: ExpiryPolicy,
        now_ms: u64,
    ) -> Result<Vec<Binding>, RegisterError> {
        let wildcard = r.contacts.contains(&ContactSpec::Wildcard);
        if wildcard {
            if r.contacts.len() != 1 || r.expires != Some(0) {
                return Err(RegisterError::BadWildcard);
            }
            self.by_user.remove(&r.user);
            return Ok(Vec::new());
        }
        let mut updated = self.current(&r.user, now_ms);
        for c in &r.contacts {
            let ContactSpec::Uri { uri, expires } = c else {
                continue;
            };
            let secs = expires.or(r.expires).unwrap_or(policy.default_secs);
            if secs != 0 && secs < policy.min_secs {
                return Err(RegisterError::IntervalTooBrief {
                    min_secs: policy.min_secs,
                });
            }
            let secs = secs.min(policy.max_secs);
            if let Some(i) = updated.iter().position(|b| same_uri(&b.contact, uri)) {
                if updated[i].call_id == r.call_id && r.cseq <= updated[i].cseq {
                    return Err(RegisterError::OutOfOrder);
                }
                updated.remove(i);
            }
            if secs > 0 {
                updated.push(Binding {
                    contact: uri.clone(),
                    // Saturating: `max_secs` is not bounded above by the settings.
                    expires_at_ms: now_ms.saturating_add(secs.saturating_mul(1000)),
                    source: r.source,
                    transport: r.transport.clone(),
                    call_id: r.call_id.clone(),
                    cseq: r.cseq,
                });
            }
        }
        keep_latest(&mut updated);
        if updated.is_empty() {
            self.by_user.remove(&r.user);
        } else {
            self.by_user.insert(r.user.clone(), updated.clone());
        }
        Ok(updated)
    }
}

/// RFC 3261 section 19.1.4, simplified: scheme and host part case-insensitive, user exact.
fn same_uri(a: &str, b: &str) -> bool {
    fn parts(u: &str) -> (String, &str, String) {
        let (scheme, rest) = u.split_once(':').unwrap_or(("", u));
        let (user, host) = rest.rsplit_once('@').unwrap_or(("", rest));
        (scheme.to_ascii_lowercase(), user, host.to_ascii_lowercase())
    }
    parts(a) == parts(b)
}

/// Keeps at most [`MAX_CONTACTS_PER_AOR`] bindings: those that expire last.
fn keep_latest(bindings: &mut Vec<Binding>) {
    if bindings.len() > MAX_CONTACTS_PER_AOR {
        bindings.sort_by_key(|b| b.expires_at_ms);
        let excess = bindings.len() - MAX_CONTACTS_PER_AOR;
        bindings.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: ExpiryPolicy = ExpiryPolicy {
        min_secs: 60,
        max_secs: 3600,
        default_secs: 600,
    };

    fn reg(contacts: &str, expires: Option<u64>, cseq: u32) -> Registration {
        Registration {
            user: "op1".into(),
            contacts: parse_contacts([contacts]).unwrap(),
            expires,
            call_id: "c1".into(),
            cseq,
            source: "192.0.2.5:5062".parse().unwrap(),
            transport: "UDP".into(),
        }
    }

    #[test]
    fn contact_parsing_table() {
        let cases: &[(&str, Result<Vec<ContactSpec>, ContactError>)] = &[
            ("*", Ok(vec![ContactSpec::Wildcard])),
            (
                "\"Op, uno\" <sip:op1@192.0.2.5:5062;transport=udp>;expires=120;+sip.instance=\"<urn:x>\"",
                Ok(vec![ContactSpec::Uri {
                    uri: "sip:op1@192.0.2.5:5062;transport=udp".into(),
                    expires: Some(120),
                }]),
            ),
            (
                "sip:op1@h1;expires=0, <sips:op1@h2>",
                Ok(vec![
                    ContactSpec::Uri {
                        uri: "sip:op1@h1".into(),
                        expires: Some(0),
                    },
                    ContactSpec::Uri {
                        uri: "sips:op1@h2".into(),
                        expires: None,
                    },
                ]),
            ),
            ("<tel:+39012345>", Err(ContactError)),
            ("<sip:op1@h;expires=x", Err(ContactError)),
            ("<sip:op1@h>;expires=soon", Err(ContactError)),
        ];
        for (text, want) in cases {
            assert_eq!(&parse_contacts([*text]), want, "{text}");
        }
    }

    #[test]
    fn register_refresh_query_remove() {
        let mut b = Bindings::default();
        let t0 = 1_000_000;
        let got = b
            .apply(&reg("<sip:op1@h1>", Some(120), 1), POLICY, t0)
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].remaining_secs(t0), 120);
        // Default and maximum expiry; a second contact.
        let got = b.apply(&reg("<sip:op1@h2>", None, 2), POLICY, t0).unwrap();
        assert_eq!(
            got.iter().map(|g| g.remaining_secs(t0)).collect::<Vec<_>>(),
            vec![120, 600]
        );
        let got = b
            .apply(&reg("<sip:op1@H1>;expires=99999", None, 3), POLICY, t0)
            .unwrap();
        assert_eq!(got.len(), 2, "same URI, host case ignored: refreshed");
        assert_eq!(b.reach("op1", t0).unwrap().contact, "sip:op1@H1");
        assert_eq!(b.reach("op1", t0).unwrap().remaining_secs(t0), 3600);
        // A query changes nothing.
        let query = Registration {
            contacts: vec![],
            ..reg("*", None, 4)
        };
        assert_eq!(b.apply(&query, POLICY, t0).unwrap().len(), 2);
        // Expires: 0 removes one; later both expire by time.
        let got = b
            .apply(&reg("<sip:op1@h2>", Some(0), 5), POLICY, t0)
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(b.current("op1", t0 + 3_600_000).len(), 0);
        assert!(b.purge(t0 + 3_600_000));
        assert_eq!(b, Bindings::default());
    }

    #[test]
    fn refusals() {
        let mut b = Bindings::default();
        let t0 = 5_000;
        assert_eq!(
            b.apply(&reg("<sip:op1@h1>", Some(30), 1), POLICY, t0),
            Err(RegisterError::IntervalTooBrief { min_secs: 60 })
        );
        assert_eq!(
            b.apply(&reg("*", Some(60), 1), POLICY, t0),
            Err(RegisterError::BadWildcard)
        );
        assert_eq!(
            b.apply(&reg("*, <sip:op1@h1>", Some(0), 1), POLICY, t0),
            Err(RegisterError::BadWildcard)
        );
        b.apply(&reg("<sip:op1@h1>", Some(60), 7), POLICY, t0)
            .unwrap();
        assert_eq!(
            b.apply(&reg("<sip:op1@h1>", Some(60), 7), POLICY, t0),
            Err(RegisterError::OutOfOrder)
        );
        // The wildcard removes everything.
        assert_eq!(b.apply(&reg("*", Some(0), 8), POLICY, t0), Ok(vec![]));
        assert!(b.reach("op1", t0).is_none());
    }

    #[test]
    fn the_longest_expiry_saturates() {
        // Reproduces fuzz/artifacts/register_contacts/huge-max-expires-overflows: settings
        // accept any max_expires_secs, and a phone may ask for the largest.
        let policy = ExpiryPolicy {
            max_secs: u64::MAX,
            ..POLICY
        };
        let mut b = Bindings::default();
        let got = b
            .apply(
                &reg("<sip:op1@h1>;expires=18446744073709551615", None, 1),
                policy,
                5,
            )
            .unwrap();
        assert_eq!(got[0].expires_at_ms, u64::MAX);
        assert_eq!(
            b.reach("op1", 5).unwrap().remaining_secs(5),
            (u64::MAX - 5).div_ceil(1000)
        );
    }

    #[test]
    fn saved_bindings_expire_after_a_restart() {
        let mut b = Bindings::default();
        b.apply(&reg("<sip:op1@h1>", Some(60), 1), POLICY, 0)
            .unwrap();
        b.apply(
            &Registration {
                user: "op2".into(),
                ..reg("<sip:op2@h9>", Some(600), 1)
            },
            POLICY,
            0,
        )
        .unwrap();
        let mut saved = b.to_saved();
        // A hand-edited file with too many contacts for op2: the latest-expiring are kept.
        let extra = saved.iter().find(|(u, _)| u == "op2").unwrap().1.clone();
        for i in 0..MAX_CONTACTS_PER_AOR as u64 + 2 {
            saved.push((
                "op2".into(),
                Binding {
                    contact: format!("sip:op2@h{i}"),
                    expires_at_ms: 130_000 + i,
                    ..extra.clone()
                },
            ));
        }
        let restored = Bindings::from_saved(saved, 120_000);
        assert_eq!(restored.current("op2", 120_000).len(), MAX_CONTACTS_PER_AOR);
        assert!(
            restored
                .current("op2", 120_000)
                .iter()
                .all(|b| b.contact != "sip:op2@h0" && b.contact != "sip:op2@h1")
        );
        assert!(restored.reach("op1", 120_000).is_none());
        assert_eq!(
            restored
                .reach("op2", 120_000)
                .unwrap()
                .remaining_secs(120_000),
            480
        );
    }
}
