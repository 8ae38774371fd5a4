//! The operator side of `[sip]`: operator phones' accounts (`[[sip.accounts]]`), the registrar
//! (`[sip.registrar]`), the upstream trunk (`[sip.trunk]`) and the route of callbacks
//! (`[sip.callback]`). Read with the rest of [`super::settings::SipSettings`] and validated
//! with it; secrets never print.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Deserialize;

use super::digest::AccountKeys;
use super::registrar::RegistrarConfig;
use super::registrar::bindings::ExpiryPolicy;
use super::settings::SettingsError;

/// A secret from the configuration: readable by the code that needs it, never printed.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretText(String);

impl SecretText {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for SecretText {
    fn from(s: &str) -> Self {
        SecretText(s.to_owned())
    }
}

/// One `[[sip.accounts]]` entry: an operator phone's SIP user and its secret, either the
/// password or the digest HA1 values (`H(user:realm:password)` with the registrar's realm).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSettings {
    pub user: String,
    #[serde(default)]
    pub password: Option<SecretText>,
    /// MD5 HA1, 32 hex digits.
    #[serde(default)]
    pub ha1: Option<SecretText>,
    /// SHA-256 HA1, 64 hex digits.
    #[serde(default)]
    pub ha1_sha256: Option<SecretText>,
}

/// `[sip.registrar]`: how operator phones register.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistrarSettings {
    /// The digest realm (HA1 values are computed with it).
    pub realm: String,
    /// Digest algorithms offered, preferred first: `SHA-256` and/or `MD5` (some older phones
    /// and SIPp 3.6 understand only MD5, and may stumble on a SHA-256 challenge before it).
    pub algorithms: Vec<String>,
    /// Shorter registrations get 423 with Min-Expires.
    pub min_expires_secs: u64,
    /// Longer ones are shortened to this.
    pub max_expires_secs: u64,
    /// When the phone asks for no interval.
    pub default_expires_secs: u64,
    /// How long a nonce is accepted; after it the phone is asked again with `stale=true`.
    pub nonce_ttl_secs: u64,
    /// Failed authentications from one address within `failure_window_secs` that ban it ...
    pub failures_before_ban: u32,
    pub failure_window_secs: u64,
    /// ... for this long (the shield then drops everything from it).
    pub ban_secs: u64,
}

impl Default for RegistrarSettings {
    fn default() -> Self {
        RegistrarSettings {
            realm: "sportello".to_owned(),
            algorithms: vec!["SHA-256".to_owned(), "MD5".to_owned()],
            min_expires_secs: 60,
            max_expires_secs: 3600,
            default_expires_secs: 600,
            nonce_ttl_secs: 300,
            failures_before_ban: 5,
            failure_window_secs: 60,
            ban_secs: 900,
        }
    }
}

/// `[sip.trunk]`: the upstream trunk or PBX the gateway registers with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkSettings {
    /// The registrar's URI, e.g. `sip:pbx.example.it:5060` (an IP address, or a name the
    /// system resolver knows).
    pub registrar: String,
    /// The user the gateway registers as; the trunk's INVITEs come to it.
    pub user: String,
    /// The digest user name, when the trunk's differs from `user`.
    #[serde(default)]
    pub auth_user: Option<String>,
    pub password: SecretText,
    /// Registration interval asked for; refreshed at three quarters of what is granted.
    #[serde(default = "default_trunk_expires")]
    pub expires_secs: u32,
    /// INVITEs for `user` are accepted from these addresses only.
    #[serde(default)]
    pub addresses: Vec<IpAddr>,
}

fn default_trunk_expires() -> u32 {
    600
}

/// Where callbacks are dialled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallbackRoute {
    /// Through `[sip.trunk]` (`sip:NUMBER@trunk host`, with its credentials if challenged).
    Trunk,
    /// Straight to `direct_host` (a PSTN gateway that needs no registration).
    Direct,
}

/// `[sip.callback]`: how the gateway calls a citizen back. Absent: no callbacks are dialled.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackSettings {
    pub route: CallbackRoute,
    /// With `route = "direct"`: the gateway's `host:port`.
    #[serde(default)]
    pub direct_host: Option<SocketAddr>,
    /// The number shown to the citizen (the office's service number).
    pub caller_id: String,
    /// How long the citizen's phone rings before the attempt is given up.
    #[serde(default = "default_callback_ring")]
    pub ring_secs: u64,
}

fn default_callback_ring() -> u64 {
    40
}

impl CallbackSettings {
    pub fn ring_timeout(&self) -> Duration {
        Duration::from_secs(self.ring_secs)
    }
}

fn err(key: &'static str, problem: impl Into<String>) -> SettingsError {
    SettingsError {
        key,
        problem: problem.into(),
    }
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// SIP user names the gateway accepts for accounts: RFC 3261 `unreserved` characters.
fn is_plain_user(u: &str) -> bool {
    !u.is_empty()
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b))
}

const DAY_SECS: u64 = 86_400;
/// The longest registration granted (phones re-register long before).
const MAX_EXPIRES_LIMIT_SECS: u64 = 7 * DAY_SECS;
/// The longest ban of a source after failed authentications.
const MAX_BAN_SECS: u64 = 30 * DAY_SECS;

/// Checks accounts, registrar, trunk and callback together; pushes every problem.
pub fn validate(
    accounts: &[AccountSettings],
    registrar: &RegistrarSettings,
    trunk: Option<&TrunkSettings>,
    callback: Option<&CallbackSettings>,
    service_users: &[String],
    errors: &mut Vec<SettingsError>,
) {
    let mut seen = HashSet::new();
    for (i, a) in accounts.iter().enumerate() {
        let at = format!("accounts[{i}] ({})", a.user);
        if !is_plain_user(&a.user) {
            errors.push(err(
                "accounts",
                format!("{at}: user must be letters, digits or -_.!~*'()"),
            ));
        }
        if !seen.insert(a.user.as_str()) {
            errors.push(err("accounts", format!("{at}: user appears twice")));
        }
        if service_users.contains(&a.user) {
            errors.push(err(
                "accounts",
                format!("{at}: a service user cannot be an operator account"),
            ));
        }
        let hashes = a.ha1.is_some() || a.ha1_sha256.is_some();
        match (&a.password, hashes) {
            (Some(_), true) | (None, false) => errors.push(err(
                "accounts",
                format!("{at}: set either password, or ha1 and/or ha1_sha256"),
            )),
            (Some(p), false) if p.expose().len() < 8 => errors.push(err(
                "accounts",
                format!("{at}: the password must have at least 8 characters"),
            )),
            _ => {}
        }
        if a.ha1.as_ref().is_some_and(|h| !is_hex(h.expose(), 32)) {
            errors.push(err(
                "accounts",
                format!("{at}: ha1 must be 32 hex digits (MD5)"),
            ));
        }
        if a.ha1_sha256
            .as_ref()
            .is_some_and(|h| !is_hex(h.expose(), 64))
        {
            errors.push(err(
                "accounts",
                format!("{at}: ha1_sha256 must be 64 hex digits (SHA-256)"),
            ));
        }
    }
    let r = registrar;
    if r.realm.is_empty() || r.realm.contains(['"', '\\']) {
        errors.push(err("registrar.realm", "must be non-empty, without quotes"));
    }
    if r.algorithms.is_empty()
        || r.algorithms
            .iter()
            .any(|a| super::digest::Algorithm::parse(a).is_none())
    {
        errors.push(err(
            "registrar.algorithms",
            "list one or both of \"SHA-256\" and \"MD5\"",
        ));
    }
    if r.min_expires_secs == 0
        || r.min_expires_secs > r.default_expires_secs
        || r.default_expires_secs > r.max_expires_secs
    {
        errors.push(err(
            "registrar.min_expires_secs",
            "need 1 <= min_expires_secs <= default_expires_secs <= max_expires_secs",
        ));
    }
    if r.max_expires_secs > MAX_EXPIRES_LIMIT_SECS {
        errors.push(err(
            "registrar.max_expires_secs",
            format!("must be at most {MAX_EXPIRES_LIMIT_SECS} (one week)"),
        ));
    }
    if r.nonce_ttl_secs < 10 || r.nonce_ttl_secs > DAY_SECS {
        errors.push(err(
            "registrar.nonce_ttl_secs",
            format!("must be between 10 and {DAY_SECS} (one day)"),
        ));
    }
    // Bounded so that "now + ban" can never overflow a clock.
    if r.ban_secs > MAX_BAN_SECS {
        errors.push(err(
            "registrar.ban_secs",
            format!("must be at most {MAX_BAN_SECS} (thirty days)"),
        ));
    }
    if r.failure_window_secs > DAY_SECS {
        errors.push(err(
            "registrar.failure_window_secs",
            format!("must be at most {DAY_SECS} (one day)"),
        ));
    }
    if r.failures_before_ban == 0 || r.failure_window_secs == 0 {
        errors.push(err(
            "registrar.failures_before_ban",
            "failures_before_ban and failure_window_secs must be at least 1",
        ));
    }
    if let Some(t) = trunk {
        let uri_ok = t
            .registrar
            .split_once(':')
            .is_some_and(|(s, rest)| s.eq_ignore_ascii_case("sip") && !rest.is_empty());
        if !uri_ok || rsipstack::sip::Uri::try_from(t.registrar.as_str()).is_err() {
            errors.push(err(
                "trunk.registrar",
                "must be a SIP URI such as sip:pbx.example.it:5060",
            ));
        }
        if !is_plain_user(&t.user) {
            errors.push(err("trunk.user", "must be letters, digits or -_.!~*'()"));
        }
        if t.password.expose().is_empty() {
            errors.push(err("trunk.password", "must not be empty"));
        }
        if t.expires_secs < 60 {
            errors.push(err("trunk.expires_secs", "must be at least 60"));
        }
        if accounts.iter().any(|a| a.user == t.user) {
            errors.push(err("trunk.user", "is also an operator account"));
        }
    }
    if let Some(c) = callback {
        if c.route == CallbackRoute::Trunk && trunk.is_none() {
            errors.push(err(
                "callback.route",
                "\"trunk\" needs a [sip.trunk] section",
            ));
        }
        if c.route == CallbackRoute::Direct && c.direct_host.is_none() {
            errors.push(err(
                "callback.direct_host",
                "is needed with route = \"direct\"",
            ));
        }
        if !is_plain_user(&c.caller_id) {
            errors.push(err("callback.caller_id", "must be a plain number or user"));
        }
        if c.ring_secs == 0 {
            errors.push(err("callback.ring_secs", "must be at least 1"));
        }
    }
}

/// The registrar's configuration from validated settings.
pub fn registrar_config(accounts: &[AccountSettings], r: &RegistrarSettings) -> RegistrarConfig {
    let accounts: HashMap<String, AccountKeys> = accounts
        .iter()
        .map(|a| {
            let keys = match &a.password {
                Some(p) => AccountKeys::from_password(&a.user, &r.realm, p.expose()),
                None => AccountKeys::from_ha1(
                    a.ha1.as_ref().map(|h| h.expose().to_owned()),
                    a.ha1_sha256.as_ref().map(|h| h.expose().to_owned()),
                ),
            };
            (a.user.clone(), keys)
        })
        .collect();
    RegistrarConfig {
        realm: r.realm.clone(),
        algorithms: r
            .algorithms
            .iter()
            .filter_map(|a| super::digest::Algorithm::parse(a))
            .collect(),
        accounts,
        expiry: ExpiryPolicy {
            min_secs: r.min_expires_secs,
            max_secs: r.max_expires_secs,
            default_secs: r.default_expires_secs,
        },
        nonce_ttl_secs: r.nonce_ttl_secs,
        failures_before_ban: r.failures_before_ban,
        failure_window_secs: r.failure_window_secs,
        ban: Duration::from_secs(r.ban_secs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(user: &str, password: Option<&str>, ha1: Option<&str>) -> AccountSettings {
        AccountSettings {
            user: user.into(),
            password: password.map(SecretText::from),
            ha1: ha1.map(SecretText::from),
            ha1_sha256: None,
        }
    }

    fn problems(
        accounts: &[AccountSettings],
        trunk: Option<&TrunkSettings>,
        callback: Option<&CallbackSettings>,
    ) -> Vec<String> {
        let mut errors = Vec::new();
        validate(
            accounts,
            &RegistrarSettings::default(),
            trunk,
            callback,
            &["sportello".to_owned()],
            &mut errors,
        );
        errors.into_iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn accounts_are_validated_and_never_print_secrets() {
        let good = [
            account("op1", Some("password-1"), None),
            account("op2", None, Some("0123456789abcdef0123456789abcdef")),
        ];
        assert!(problems(&good, None, None).is_empty());
        assert!(!format!("{good:?}").contains("password-1"));
        let table: &[(AccountSettings, &str)] = &[
            (account("op 1", Some("password-1"), None), "user must be"),
            (
                account("sportello", Some("password-1"), None),
                "service user",
            ),
            (account("op1", None, None), "either password"),
            (
                account(
                    "op1",
                    Some("password-1"),
                    Some("0123456789abcdef0123456789abcdef"),
                ),
                "either password",
            ),
            (account("op1", Some("short"), None), "at least 8"),
            (account("op1", None, Some("xyz")), "32 hex"),
        ];
        for (a, want) in table {
            let got = problems(std::slice::from_ref(a), None, None);
            assert!(
                got.iter()
                    .any(|p| p.starts_with("sip.accounts: ") && p.contains(want)),
                "{a:?}: {got:?}"
            );
        }
        let twice = [
            account("op1", Some("password-1"), None),
            account("op1", Some("password-2"), None),
        ];
        assert!(problems(&twice, None, None)[0].contains("twice"));
    }

    #[test]
    fn registrar_durations_are_bounded() {
        let huge = RegistrarSettings {
            ban_secs: u64::MAX,
            max_expires_secs: u64::MAX,
            nonce_ttl_secs: u64::MAX,
            failure_window_secs: u64::MAX,
            ..RegistrarSettings::default()
        };
        let mut errors = Vec::new();
        validate(&[], &huge, None, None, &[], &mut errors);
        let keys: Vec<&str> = errors.iter().map(|e| e.key).collect();
        for key in [
            "registrar.ban_secs",
            "registrar.max_expires_secs",
            "registrar.nonce_ttl_secs",
            "registrar.failure_window_secs",
        ] {
            assert!(keys.contains(&key), "{key} not refused: {keys:?}");
        }
        let mut errors = Vec::new();
        validate(
            &[],
            &RegistrarSettings::default(),
            None,
            None,
            &[],
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn trunk_and_callback_are_validated() {
        let trunk: TrunkSettings = toml::from_str(
            "registrar = \"sip:127.0.0.1:5070\"\nuser = \"sportello-trunk\"\npassword = \"x\"\naddresses = [\"127.0.0.1\"]",
        )
        .unwrap();
        assert_eq!(trunk.expires_secs, 600);
        assert!(!format!("{trunk:?}").contains("password = \"x\""));
        assert!(problems(&[], Some(&trunk), None).is_empty());
        let bad = TrunkSettings {
            registrar: "pbx.example.it".into(),
            ..trunk.clone()
        };
        assert!(problems(&[], Some(&bad), None)[0].starts_with("sip.trunk.registrar"));
        let callback: CallbackSettings =
            toml::from_str("route = \"trunk\"\ncaller_id = \"0123456789\"").unwrap();
        assert!(problems(&[], Some(&trunk), Some(&callback)).is_empty());
        assert!(problems(&[], None, Some(&callback))[0].starts_with("sip.callback.route"));
        let direct: CallbackSettings =
            toml::from_str("route = \"direct\"\ncaller_id = \"0123456789\"").unwrap();
        assert!(problems(&[], None, Some(&direct))[0].starts_with("sip.callback.direct_host"));
    }
}
