//! SIP digest authentication (RFC 3261 section 22, RFC 7616, RFC 8760): the challenges the
//! registrar sends, the `Authorization` header it receives, nonces that expire and cannot be
//! replayed, and the verification itself with MD5 or SHA-256 and `qop=auth`.
//!
//! No I/O: the current time and the random bytes are parameters. Unknown users are verified
//! against a dummy key, so an unknown user and a wrong password cost the same and get the same
//! answer.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use md5::Md5;
use sha2::{Digest, Sha256};

/// Nonces remembered for replay protection; beyond this the oldest are forgotten (a phone
/// presenting a forgotten nonce is asked to retry with a fresh one, `stale=true`).
const MAX_NONCES: usize = 65_536;

/// A digest algorithm the registrar offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    /// Offered in this order: SHA-256 first, as RFC 8760 asks, then MD5 for older phones.
    pub const OFFERED: [Algorithm; 2] = [Algorithm::Sha256, Algorithm::Md5];

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// Reads an algorithm name (`MD5`, `SHA-256`, any case).
    pub fn parse(name: &str) -> Option<Algorithm> {
        if name.eq_ignore_ascii_case("MD5") {
            Some(Algorithm::Md5)
        } else if name.eq_ignore_ascii_case("SHA-256") {
            Some(Algorithm::Sha256)
        } else {
            None
        }
    }

    /// Lower-case hex of the hash of `data`.
    pub fn hex(self, data: &str) -> String {
        match self {
            Algorithm::Md5 => to_hex(&Md5::digest(data.as_bytes())),
            Algorithm::Sha256 => to_hex(&Sha256::digest(data.as_bytes())),
        }
    }

    /// Length of a hash in hex digits.
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Md5 => 32,
            Algorithm::Sha256 => 64,
        }
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// The secret of one account: HA1 = H(user:realm:password) per algorithm. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountKeys {
    md5: Option<String>,
    sha256: Option<String>,
}

impl fmt::Debug for AccountKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountKeys(<redacted>)")
    }
}

impl AccountKeys {
    /// Both keys from a clear password.
    pub fn from_password(user: &str, realm: &str, password: &str) -> Self {
        let a1 = format!("{user}:{realm}:{password}");
        AccountKeys {
            md5: Some(Algorithm::Md5.hex(&a1)),
            sha256: Some(Algorithm::Sha256.hex(&a1)),
        }
    }

    /// Keys given as HA1 values (lower-case hex); an account with only an MD5 HA1 can
    /// authenticate with MD5 only.
    pub fn from_ha1(md5: Option<String>, sha256: Option<String>) -> Self {
        AccountKeys {
            md5: md5.map(|h| h.to_ascii_lowercase()),
            sha256: sha256.map(|h| h.to_ascii_lowercase()),
        }
    }

    fn ha1(&self, algorithm: Algorithm) -> Option<&str> {
        match algorithm {
            Algorithm::Md5 => self.md5.as_deref(),
            Algorithm::Sha256 => self.sha256.as_deref(),
        }
    }
}

/// Why an `Authorization` header cannot be used at all (answered 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("the Authorization header is not a Digest credential")]
    NotDigest,
    #[error("the Authorization header is malformed")]
    Malformed,
    #[error("the Authorization header lacks {0}")]
    Missing(&'static str),
}

/// A parsed `Authorization: Digest ...` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    /// `None` when the phone named an algorithm the registrar does not offer.
    pub algorithm: Option<Algorithm>,
    pub qop: Option<String>,
    pub cnonce: Option<String>,
    /// The nonce count (`nc`, 8 hex digits).
    pub nc: Option<u32>,
}

impl Credentials {
    /// Parses the value of an `Authorization` header.
    pub fn parse(value: &str) -> Result<Credentials, DigestError> {
        let value = value.trim();
        let (scheme, rest) = value.split_once(|c: char| c.is_ascii_whitespace()).ok_or(
            if value.eq_ignore_ascii_case("digest") {
                DigestError::Malformed
            } else {
                DigestError::NotDigest
            },
        )?;
        if !scheme.eq_ignore_ascii_case("digest") {
            return Err(DigestError::NotDigest);
        }
        let params = auth_params(rest).ok_or(DigestError::Malformed)?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let need = |name: &'static str| get(name).ok_or(DigestError::Missing(name));
        let algorithm = match get("algorithm") {
            None => Some(Algorithm::Md5),
            Some(a) => Algorithm::parse(&a),
        };
        let nc = match get("nc") {
            None => None,
            Some(n) if n.len() == 8 => {
                Some(u32::from_str_radix(&n, 16).map_err(|_| DigestError::Malformed)?)
            }
            Some(_) => return Err(DigestError::Malformed),
        };
        Ok(Credentials {
            username: need("username")?,
            realm: need("realm")?,
            nonce: need("nonce")?,
            uri: need("uri")?,
            response: need("response")?.to_ascii_lowercase(),
            algorithm,
            qop: get("qop"),
            cnonce: get("cnonce"),
            nc,
        })
    }
}

/// `name=value` or `name="quoted value"`, comma-separated (RFC 7235 auth-param).
fn auth_params(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let name = rest[..eq].trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return None;
        }
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => v.push(chars.next()?.1),
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    c => v.push(c),
                }
            }
            rest = &quoted[end? + 1..];
            value = v;
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = &rest[end..];
        }
        out.push((name.to_owned(), value));
        rest = rest.trim_start();
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start(),
            None if rest.is_empty() => {}
            None => return None,
        }
    }
    Some(out)
}

/// What a nonce is worth when a phone presents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceState {
    /// Issued by us, not expired, and this nonce count is new.
    Fresh,
    /// Issued by us but expired or forgotten: the phone must retry (`stale=true`).
    Stale,
    /// Issued by us, but this nonce count was already used (a replay).
    Replayed,
    /// Not one of ours.
    Forged,
}

/// Issues nonces and remembers the highest nonce count seen for each.
///
/// A nonce is `issued-seconds (16 hex) + random (24 hex) + tag (16 hex)`, the tag a keyed
/// SHA-256 of the first two parts: the registrar recognises its own nonces (even ones it has
/// forgotten, which are then stale) without storing every nonce it ever sent.
pub struct NonceKeeper {
    key: [u8; 32],
    ttl_secs: u64,
    seen: HashMap<String, u32>,
    order: VecDeque<String>,
}

impl fmt::Debug for NonceKeeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NonceKeeper")
            .field("ttl_secs", &self.ttl_secs)
            .field("remembered", &self.seen.len())
            .finish_non_exhaustive()
    }
}

impl NonceKeeper {
    /// `key`: random bytes drawn at start-up; `ttl_secs`: how long a nonce is accepted.
    pub fn new(key: [u8; 32], ttl_secs: u64) -> Self {
        NonceKeeper {
            key,
            ttl_secs,
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn tag(&self, body: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(body.as_bytes());
        to_hex(&h.finalize()[..8])
    }

    /// A new nonce issued at `now_secs` (Unix seconds) with 12 random bytes.
    pub fn issue(&mut self, now_secs: u64, random: [u8; 12]) -> String {
        let body = format!("{now_secs:016x}{}", to_hex(&random));
        let nonce = format!("{body}{}", self.tag(&body));
        if self.order.len() >= MAX_NONCES
            && let Some(old) = self.order.pop_front()
        {
            self.seen.remove(&old);
        }
        self.seen.insert(nonce.clone(), 0);
        self.order.push_back(nonce.clone());
        nonce
    }

    /// Judges `nonce` presented with count `nc` at `now_secs`; a fresh use is remembered, so
    /// the same count is a replay next time.
    pub fn check(&mut self, nonce: &str, nc: u32, now_secs: u64) -> NonceState {
        if nonce.len() != 56 || !nonce.is_char_boundary(40) {
            return NonceState::Forged;
        }
        let (body, tag) = nonce.split_at(40);
        if !constant_time_eq(tag.as_bytes(), self.tag(body).as_bytes()) {
            return NonceState::Forged;
        }
        let Ok(issued) = u64::from_str_radix(&body[..16], 16) else {
            return NonceState::Forged;
        };
        if now_secs.saturating_sub(issued) > self.ttl_secs || issued > now_secs + 60 {
            return NonceState::Stale;
        }
        match self.seen.get_mut(nonce) {
            None => NonceState::Stale,
            Some(last) if nc <= *last => NonceState::Replayed,
            Some(last) => {
                *last = nc;
                NonceState::Fresh
            }
        }
    }
}

/// Compares without an early exit, so timing does not tell how much of a response matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The response a phone must send: RFC 7616 section 3.4.1 with `qop=auth`.
pub fn expected_response(
    algorithm: Algorithm,
    ha1: &str,
    credentials: &Credentials,
    method: &str,
) -> String {
    let ha2 = algorithm.hex(&format!("{method}:{}", credentials.uri));
    let nc = credentials.nc.unwrap_or(0);
    let cnonce = credentials.cnonce.as_deref().unwrap_or_default();
    algorithm.hex(&format!(
        "{ha1}:{}:{nc:08x}:{cnonce}:auth:{ha2}",
        credentials.nonce
    ))
}

/// How a credential was judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Right credentials on a fresh nonce: the user is authenticated.
    Authenticated { user: String },
    /// Right credentials on an expired or forgotten nonce: challenge again with `stale=true`
    /// (not a failure).
    Stale,
    /// Unknown user, wrong password, wrong realm, unsupported algorithm or qop, forged or
    /// replayed nonce: all answered alike, and counted against the source.
    Failed,
}

/// Verifies `credentials` for a request with `method`, looking the user's keys up with
/// `keys_of`. The same work is done for an unknown user (against a dummy key).
pub fn verify(
    credentials: &Credentials,
    method: &str,
    realm: &str,
    offered: &[Algorithm],
    keys_of: impl Fn(&str) -> Option<AccountKeys>,
    nonces: &mut NonceKeeper,
    now_secs: u64,
) -> Verdict {
    let algorithm = credentials.algorithm.unwrap_or(Algorithm::Md5);
    let keys = keys_of(&credentials.username);
    let dummy = "0".repeat(algorithm.hex_len());
    let ha1 = keys.as_ref().and_then(|k| k.ha1(algorithm));
    let expected = expected_response(algorithm, ha1.unwrap_or(&dummy), credentials, method);
    let matches = constant_time_eq(expected.as_bytes(), credentials.response.as_bytes());
    let well_formed = credentials.algorithm.is_some_and(|a| offered.contains(&a))
        && credentials.realm == realm
        && credentials.qop.as_deref() == Some("auth")
        && credentials.cnonce.is_some()
        && credentials.nc.is_some();
    if !(matches && well_formed && ha1.is_some()) {
        return Verdict::Failed;
    }
    match nonces.check(&credentials.nonce, credentials.nc.unwrap_or(0), now_secs) {
        NonceState::Fresh => Verdict::Authenticated {
            user: credentials.username.clone(),
        },
        NonceState::Stale => Verdict::Stale,
        NonceState::Replayed | NonceState::Forged => Verdict::Failed,
    }
}

/// The `WWW-Authenticate` values of a challenge, one per offered algorithm, preferred first.
pub fn challenges(realm: &str, nonce: &str, stale: bool, offered: &[Algorithm]) -> Vec<String> {
    offered
        .iter()
        .map(|a| {
            let stale = if stale { ", stale=true" } else { "" };
            format!(
                "Digest realm=\"{realm}\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\"{stale}",
                a.name()
            )
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    const REALM: &str = "sportello";

    fn keeper() -> NonceKeeper {
        NonceKeeper::new([7; 32], 300)
    }

    fn keys_of(user: &str) -> Option<AccountKeys> {
        (user == "op1").then(|| AccountKeys::from_password("op1", REALM, "segreta"))
    }

    /// What a phone sends: the response computed from the password.
    fn phone(
        algorithm: Algorithm,
        user: &str,
        password: &str,
        nonce: &str,
        nc: u32,
    ) -> Credentials {
        let mut c = Credentials {
            username: user.into(),
            realm: REALM.into(),
            nonce: nonce.into(),
            uri: "sip:127.0.0.1".into(),
            response: String::new(),
            algorithm: Some(algorithm),
            qop: Some("auth".into()),
            cnonce: Some("abc".into()),
            nc: Some(nc),
        };
        let ha1 = algorithm.hex(&format!("{user}:{REALM}:{password}"));
        c.response = expected_response(algorithm, &ha1, &c, "REGISTER");
        c
    }

    #[test]
    fn rfc_7616_sha256_example() {
        // RFC 7616 section 3.9.1 (qop=auth, SHA-256).
        let c = Credentials {
            username: "Mufasa".into(),
            realm: "http-auth@example.org".into(),
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v".into(),
            uri: "/dir/index.html".into(),
            response: String::new(),
            algorithm: Some(Algorithm::Sha256),
            qop: Some("auth".into()),
            cnonce: Some("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ".into()),
            nc: Some(1),
        };
        let ha1 = Algorithm::Sha256.hex("Mufasa:http-auth@example.org:Circle of Life");
        assert_eq!(
            expected_response(Algorithm::Sha256, &ha1, &c, "GET"),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
        let ha1 = Algorithm::Md5.hex("Mufasa:http-auth@example.org:Circle of Life");
        assert_eq!(
            expected_response(Algorithm::Md5, &ha1, &c, "GET"),
            "8ca523f5e9506fed4657c9700eebdbec"
        );
    }

    #[test]
    fn parse_table() {
        let cases: &[(
            &str,
            Result<(&str, Option<Algorithm>, Option<u32>), DigestError>,
        )] = &[
            (
                r#"Digest username="op1", realm="sportello", nonce="n", uri="sip:h", response="ABC", algorithm=SHA-256, qop=auth, cnonce="c", nc=0000000a"#,
                Ok(("op1", Some(Algorithm::Sha256), Some(10))),
            ),
            (
                r#"digest username="a\"b",realm="r",nonce="n",uri="sip:h",response="1""#,
                Ok(("a\"b", Some(Algorithm::Md5), None)),
            ),
            (
                r#"Digest username="a", realm="r", nonce="n", uri="u", response="1", algorithm=SHA-512-256"#,
                Ok(("a", None, None)),
            ),
            (r#"Basic dXNlcjpwYXNz"#, Err(DigestError::NotDigest)),
            (r#"Digest"#, Err(DigestError::Malformed)),
            (r#"Digest username="a"#, Err(DigestError::Malformed)),
            (
                r#"Digest realm="r", nonce="n", uri="u", response="1""#,
                Err(DigestError::Missing("username")),
            ),
            (
                r#"Digest username="a", realm="r", nonce="n", uri="u", response="1", nc=12"#,
                Err(DigestError::Malformed),
            ),
        ];
        for (text, want) in cases {
            let got = Credentials::parse(text).map(|c| (c.username.clone(), c.algorithm, c.nc));
            let want = want.clone().map(|(u, a, nc)| (u.to_owned(), a, nc));
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn right_password_with_either_algorithm_then_replay_and_expiry() {
        for algorithm in Algorithm::OFFERED {
            let mut nonces = keeper();
            let nonce = nonces.issue(1_000, [1; 12]);
            let good = phone(algorithm, "op1", "segreta", &nonce, 1);
            let verdict = verify(
                &good,
                "REGISTER",
                REALM,
                &Algorithm::OFFERED,
                keys_of,
                &mut nonces,
                1_010,
            );
            assert_eq!(
                verdict,
                Verdict::Authenticated { user: "op1".into() },
                "{algorithm:?}"
            );
            // The same count again is a replay; the next count is fine.
            assert_eq!(
                verify(
                    &good,
                    "REGISTER",
                    REALM,
                    &Algorithm::OFFERED,
                    keys_of,
                    &mut nonces,
                    1_011
                ),
                Verdict::Failed
            );
            let next = phone(algorithm, "op1", "segreta", &nonce, 2);
            assert!(matches!(
                verify(
                    &next,
                    "REGISTER",
                    REALM,
                    &Algorithm::OFFERED,
                    keys_of,
                    &mut nonces,
                    1_012
                ),
                Verdict::Authenticated { .. }
            ));
            // After the nonce's lifetime: stale, not a failure.
            let late = phone(algorithm, "op1", "segreta", &nonce, 3);
            assert_eq!(
                verify(
                    &late,
                    "REGISTER",
                    REALM,
                    &Algorithm::OFFERED,
                    keys_of,
                    &mut nonces,
                    1_400
                ),
                Verdict::Stale
            );
        }
    }

    #[test]
    fn unknown_user_wrong_password_and_forgeries_fail_alike() {
        let mut nonces = keeper();
        let nonce = nonces.issue(1_000, [2; 12]);
        let mut wrong_realm = phone(Algorithm::Md5, "op1", "segreta", &nonce, 1);
        wrong_realm.realm = "altro".into();
        let mut no_qop = phone(Algorithm::Md5, "op1", "segreta", &nonce, 1);
        no_qop.qop = None;
        let mut forged_nonce = phone(Algorithm::Md5, "op1", "segreta", &nonce, 1);
        forged_nonce.nonce = format!("{}0000000000000000", &nonce[..40]);
        let cases = [
            (
                "unknown user",
                phone(Algorithm::Md5, "nessuno", "segreta", &nonce, 1),
            ),
            (
                "wrong password",
                phone(Algorithm::Sha256, "op1", "sbagliata", &nonce, 1),
            ),
            ("wrong realm", wrong_realm),
            ("no qop", no_qop),
            ("forged nonce", forged_nonce),
        ];
        for (name, c) in cases {
            let c = Credentials {
                response: if name == "forged nonce" {
                    let ha1 = Algorithm::Md5.hex(&format!("op1:{REALM}:segreta"));
                    expected_response(Algorithm::Md5, &ha1, &c, "REGISTER")
                } else {
                    c.response.clone()
                },
                ..c
            };
            assert_eq!(
                verify(
                    &c,
                    "REGISTER",
                    REALM,
                    &Algorithm::OFFERED,
                    keys_of,
                    &mut nonces,
                    1_001
                ),
                Verdict::Failed,
                "{name}"
            );
        }
    }

    #[test]
    fn ha1_only_accounts_and_forgotten_nonces() {
        let ha1 = Algorithm::Md5.hex(&format!("op2:{REALM}:pw"));
        let keys = |u: &str| (u == "op2").then(|| AccountKeys::from_ha1(Some(ha1.clone()), None));
        let mut nonces = keeper();
        let nonce = nonces.issue(5, [3; 12]);
        let md5 = phone(Algorithm::Md5, "op2", "pw", &nonce, 1);
        assert!(matches!(
            verify(
                &md5,
                "REGISTER",
                REALM,
                &Algorithm::OFFERED,
                keys,
                &mut nonces,
                6
            ),
            Verdict::Authenticated { .. }
        ));
        let sha = phone(Algorithm::Sha256, "op2", "pw", &nonce, 2);
        assert_eq!(
            verify(
                &sha,
                "REGISTER",
                REALM,
                &Algorithm::OFFERED,
                keys,
                &mut nonces,
                6
            ),
            Verdict::Failed
        );
        // A genuine nonce this keeper never issued (e.g. before a restart) is stale.
        let mut restarted = keeper();
        let md5 = phone(Algorithm::Md5, "op2", "pw", &nonce, 3);
        assert_eq!(
            verify(
                &md5,
                "REGISTER",
                REALM,
                &Algorithm::OFFERED,
                keys,
                &mut restarted,
                7
            ),
            Verdict::Stale
        );
    }

    #[test]
    fn challenges_offer_sha256_first() {
        let c = challenges(REALM, "abc", true, &Algorithm::OFFERED);
        assert_eq!(c.len(), 2);
        assert!(c[0].contains("algorithm=SHA-256") && c[0].ends_with("stale=true"));
        assert!(c[1].contains("algorithm=MD5") && c[1].contains("qop=\"auth\""));
        assert!(format!("{:?}", AccountKeys::from_password("a", "r", "p")).contains("redacted"));
    }
}
