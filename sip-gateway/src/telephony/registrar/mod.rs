//! The registrar: operator phones REGISTER here with digest authentication, and the gateway
//! finds their contacts when it rings them.
//!
//! [`Registrar::handle`] takes a REGISTER (already read out of the SIP message by the
//! dispatcher) and returns the answer to send; it does no I/O (time and randomness are
//! parameters). Answers for an unknown user and for a wrong password are identical (a 401
//! with fresh challenges, after the same hashing work); failures are counted per source and
//! the dispatcher bans a source through the shield when [`Answer::ban`] says so. Bindings are
//! saved by [`Registrar::save`] (a file, see [`store`]) when [`Answer::changed`].

pub mod bindings;
pub mod store;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use bindings::{Binding, Bindings, ExpiryPolicy, RegisterError, Registration, parse_contacts};
use store::{BindingStore, StoreError};

use super::digest::{self, AccountKeys, Credentials, NonceKeeper, Verdict};

/// Sources whose failures are tracked; beyond this the quietest are forgotten.
const MAX_FAILING_SOURCES: usize = 10_000;

/// Authentication failures per source within a sliding window. No I/O.
#[derive(Debug)]
pub struct AuthFailures {
    limit: u32,
    window_secs: u64,
    by_source: HashMap<IpAddr, (u32, u64)>,
}

impl AuthFailures {
    /// `limit` failures within `window_secs` ban the source.
    pub fn new(limit: u32, window_secs: u64) -> Self {
        AuthFailures {
            limit: limit.max(1),
            window_secs,
            by_source: HashMap::new(),
        }
    }

    /// Counts one failure of `source` at `now_secs`; true when it reaches the limit (the
    /// count starts again).
    pub fn record(&mut self, source: IpAddr, now_secs: u64) -> bool {
        if self.by_source.len() >= MAX_FAILING_SOURCES {
            let window = self.window_secs;
            self.by_source
                .retain(|_, (_, first)| now_secs.saturating_sub(*first) <= window);
        }
        let entry = self.by_source.entry(source).or_insert((0, now_secs));
        if now_secs.saturating_sub(entry.1) > self.window_secs {
            *entry = (0, now_secs);
        }
        entry.0 += 1;
        if entry.0 >= self.limit {
            self.by_source.remove(&source);
            true
        } else {
            false
        }
    }
}

/// The registrar's configuration, validated (see `[sip.registrar]`).
#[derive(Debug, Clone)]
pub struct RegistrarConfig {
    pub realm: String,
    /// Digest algorithms offered, preferred first.
    pub algorithms: Vec<digest::Algorithm>,
    pub accounts: HashMap<String, AccountKeys>,
    pub expiry: ExpiryPolicy,
    pub nonce_ttl_secs: u64,
    pub failures_before_ban: u32,
    pub failure_window_secs: u64,
    pub ban: Duration,
}

/// A REGISTER as the dispatcher read it.
#[derive(Debug, Clone)]
pub struct RegisterRequest<'a> {
    /// The URI of the To header (the address-of-record).
    pub to_uri: &'a str,
    pub authorization: Option<&'a str>,
    /// Values of the Contact headers.
    pub contacts: Vec<&'a str>,
    /// The Expires header.
    pub expires: Option<&'a str>,
    pub call_id: &'a str,
    pub cseq: u32,
    pub source: SocketAddr,
    pub transport: &'a str,
}

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub code: u16,
    /// Headers to add: (name, value); several `WWW-Authenticate` or `Contact` are separate.
    pub headers: Vec<(&'static str, String)>,
    /// The bindings changed: save them.
    pub changed: bool,
    /// Ban this source now (too many failures).
    pub ban: Option<IpAddr>,
}

impl Answer {
    fn code(code: u16) -> Self {
        Answer {
            code,
            headers: Vec::new(),
            changed: false,
            ban: None,
        }
    }
}

struct State {
    nonces: NonceKeeper,
    failures: AuthFailures,
    bindings: Bindings,
}

/// The registrar of operator phones.
pub struct Registrar {
    config: RegistrarConfig,
    state: Mutex<State>,
    store: Option<BindingStore>,
    /// Serialises saves, so files are written in the order of the changes.
    saving: Mutex<()>,
}

impl std::fmt::Debug for Registrar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registrar")
            .field("realm", &self.config.realm)
            .field("accounts", &self.config.accounts.len())
            .finish_non_exhaustive()
    }
}

/// The user part of a sip/sips URI; `None` for other schemes.
fn sip_user(uri: &str) -> Option<&str> {
    let uri = uri.trim();
    let uri = match (uri.find('<'), uri.find('>')) {
        (Some(open), Some(close)) if open < close => &uri[open + 1..close],
        _ => uri,
    };
    let (scheme, rest) = uri.split_once(':')?;
    if !(scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips")) {
        return None;
    }
    let (user, _) = rest.split_once('@')?;
    Some(user.split(';').next().unwrap_or(user))
}

impl Registrar {
    /// A registrar with the bindings saved in `store` (expired ones dropped).
    pub fn new(
        config: RegistrarConfig,
        store: Option<BindingStore>,
        key: [u8; 32],
        now_ms: u64,
    ) -> Result<Self, StoreError> {
        let saved = match &store {
            Some(s) => s.load()?,
            None => Vec::new(),
        };
        let bindings = Bindings::from_saved(
            saved
                .into_iter()
                .filter(|(u, _)| config.accounts.contains_key(u))
                .collect(),
            now_ms,
        );
        Ok(Registrar {
            state: Mutex::new(State {
                nonces: NonceKeeper::new(key, config.nonce_ttl_secs),
                failures: AuthFailures::new(config.failures_before_ban, config.failure_window_secs),
                bindings,
            }),
            config,
            store,
            saving: Mutex::new(()),
        })
    }

    pub fn realm(&self) -> &str {
        &self.config.realm
    }

    /// How long a source is banned after too many failures.
    pub fn ban_duration(&self) -> Duration {
        self.config.ban
    }

    /// Where to ring `user` now, if registered.
    pub fn reach(&self, user: &str, now_ms: u64) -> Option<Binding> {
        self.state
            .lock()
            .ok()
            .and_then(|s| s.bindings.reach(user, now_ms))
    }

    /// Users with a live registration.
    pub fn registered_users(&self, now_ms: u64) -> usize {
        self.state
            .lock()
            .map(|s| {
                s.bindings
                    .to_saved()
                    .iter()
                    .filter(|(_, b)| b.expires_at_ms > now_ms)
                    .map(|(u, _)| u.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            })
            .unwrap_or(0)
    }

    /// Writes the current bindings to the store (call after an [`Answer::changed`]; blocking
    /// file I/O, run it off the async workers).
    pub fn save(&self) -> Result<(), StoreError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let _order = self.saving.lock();
        let saved = self
            .state
            .lock()
            .map(|s| s.bindings.to_saved())
            .unwrap_or_default();
        store.save(saved)
    }

    fn challenge(&self, state: &mut State, stale: bool, now_ms: u64, random: [u8; 12]) -> Answer {
        let nonce = state.nonces.issue(now_ms / 1000, random);
        let mut answer = Answer::code(401);
        for c in digest::challenges(&self.config.realm, &nonce, stale, &self.config.algorithms) {
            answer.headers.push(("WWW-Authenticate", c));
        }
        answer
    }

    /// Answers one REGISTER received at `now_ms` (Unix milliseconds); `random` seeds a new
    /// nonce if one is needed.
    pub fn handle(&self, req: &RegisterRequest<'_>, now_ms: u64, random: [u8; 12]) -> Answer {
        let Ok(mut state) = self.state.lock() else {
            return Answer::code(500);
        };
        let state = &mut *state;
        // RFC 3261 10.3 step 5: the To header must hold a SIP or SIPS address-of-record.
        let Some(aor) = sip_user(req.to_uri) else {
            return Answer::code(400);
        };
        let Some(authorization) = req.authorization else {
            return self.challenge(state, false, now_ms, random);
        };
        let Ok(credentials) = Credentials::parse(authorization) else {
            return Answer::code(400);
        };
        let verdict = digest::verify(
            &credentials,
            "REGISTER",
            &self.config.realm,
            &self.config.algorithms,
            |user| self.config.accounts.get(user).cloned(),
            &mut state.nonces,
            now_ms / 1000,
        );
        let user = match verdict {
            Verdict::Authenticated { user } => user,
            Verdict::Stale => return self.challenge(state, true, now_ms, random),
            Verdict::Failed => {
                let ban = state
                    .failures
                    .record(req.source.ip(), now_ms / 1000)
                    .then_some(req.source.ip());
                let mut answer = self.challenge(state, false, now_ms, random);
                answer.ban = ban;
                return answer;
            }
        };
        // An operator registers its own address-of-record only.
        if aor != user {
            return Answer::code(403);
        }
        let Ok(contacts) = parse_contacts(req.contacts.iter().copied()) else {
            return Answer::code(400);
        };
        let expires = match req.expires.map(|e| e.trim().parse::<u64>()) {
            None => None,
            Some(Ok(e)) => Some(e),
            Some(Err(_)) => return Answer::code(400),
        };
        let registration = Registration {
            user: user.clone(),
            contacts,
            expires,
            call_id: req.call_id.to_owned(),
            cseq: req.cseq,
            source: req.source,
            transport: req.transport.to_owned(),
        };
        let query = registration.contacts.is_empty();
        state.bindings.purge(now_ms);
        match state
            .bindings
            .apply(&registration, self.config.expiry, now_ms)
        {
            Ok(current) => {
                let mut answer = Answer::code(200);
                answer.changed = !query;
                for b in current {
                    answer.headers.push((
                        "Contact",
                        format!("<{}>;expires={}", b.contact, b.remaining_secs(now_ms)),
                    ));
                }
                answer
            }
            Err(RegisterError::IntervalTooBrief { min_secs }) => {
                let mut answer = Answer::code(423);
                answer.headers.push(("Min-Expires", min_secs.to_string()));
                answer
            }
            Err(RegisterError::BadWildcard) => Answer::code(400),
            Err(RegisterError::OutOfOrder) => Answer::code(500),
        }
    }
}

#[cfg(test)]
mod tests;
