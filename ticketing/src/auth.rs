//! Staff accounts, roles, password hashes and session tokens.
//!
//! Passwords are stored as Argon2 PHC strings in the configuration; sessions are random
//! 256-bit tokens of which only a BLAKE2 hash is stored, so a stolen database holds no usable
//! token.

use std::fmt;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use blake2::{Blake2s256, Digest};
use serde::Serialize;

/// What a staff member may do. Higher roles include the lower ones' rights as listed in
/// [`Role::allows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Clerk,
    Operator,
    Supervisor,
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        Some(match text {
            "clerk" => Role::Clerk,
            "operator" => Role::Operator,
            "supervisor" => Role::Supervisor,
            "admin" => Role::Admin,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may act as `needed`: supervisors and admins can do what clerks and
    /// operators do; clerks and operators only their own work.
    pub fn allows(self, needed: Role) -> bool {
        match needed {
            Role::Clerk => matches!(self, Role::Clerk | Role::Supervisor | Role::Admin),
            Role::Operator => matches!(self, Role::Operator | Role::Supervisor | Role::Admin),
            Role::Supervisor => matches!(self, Role::Supervisor | Role::Admin),
            Role::Admin => self == Role::Admin,
        }
    }
}

/// An Argon2 password hash in PHC format. Never printed.
#[derive(Clone)]
pub struct PasswordHash(String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// A password hash that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an Argon2 PHC string (make one with `sportello hash-password`)")]
pub struct InvalidPasswordHash;

impl PasswordHash {
    pub fn parse(text: &str) -> Result<Self, InvalidPasswordHash> {
        argon2::PasswordHash::new(text).map_err(|_| InvalidPasswordHash)?;
        if !text.starts_with("$argon2") {
            return Err(InvalidPasswordHash);
        }
        Ok(PasswordHash(text.to_string()))
    }

    /// Hashes a new password with a random salt.
    pub fn create(password: &str) -> Result<Self, InvalidPasswordHash> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|_| InvalidPasswordHash)?;
        let salt = SaltString::encode_b64(&salt).map_err(|_| InvalidPasswordHash)?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|_| InvalidPasswordHash)?;
        Ok(PasswordHash(hash.to_string()))
    }

    pub fn verify(&self, password: &str) -> bool {
        match argon2::PasswordHash::new(&self.0) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A configured staff member.
#[derive(Debug, Clone)]
pub struct StaffAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: PasswordHash,
}

/// A new random session token (64 hex characters).
pub fn new_session_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// The hash stored for a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Blake2s256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_hashes_do_not_print() {
        let hash = PasswordHash::create("sportello-demo").unwrap();
        assert!(hash.verify("sportello-demo"));
        assert!(!hash.verify("sportello-dem0"));
        assert!(PasswordHash::parse(hash.as_str()).is_ok());
        assert!(PasswordHash::parse("plain-text").is_err());
        assert_eq!(format!("{hash:?}"), "PasswordHash(<redacted>)");
    }

    #[test]
    fn roles_table() {
        use Role::*;
        let cases = [
            (Clerk, Clerk, true),
            (Clerk, Operator, false),
            (Clerk, Supervisor, false),
            (Operator, Clerk, false),
            (Supervisor, Clerk, true),
            (Supervisor, Operator, true),
            (Supervisor, Admin, false),
            (Admin, Supervisor, true),
        ];
        for (role, needed, expected) in cases {
            assert_eq!(role.allows(needed), expected, "{role:?} as {needed:?}");
        }
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_session_token().unwrap();
        let b = new_session_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}

/// A configured secret (e.g. the calendar feed key). Never printed; compared in constant time.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// Whether `candidate` equals the secret, without an early exit on the first difference.
    pub fn matches(&self, candidate: &str) -> bool {
        let a = self.0.as_bytes();
        let b = candidate.as_bytes();
        let mut diff = a.len() ^ b.len();
        for (i, x) in a.iter().enumerate() {
            diff |= usize::from(x ^ b.get(i).copied().unwrap_or(0));
        }
        diff == 0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod secret_tests {
    use super::Secret;

    #[test]
    fn secrets_compare_and_never_print() {
        let s = Secret::new("a-long-feed-key-123".into());
        assert!(s.matches("a-long-feed-key-123"));
        assert!(!s.matches("a-long-feed-key-124"));
        assert!(!s.matches("a-long"));
        assert!(!s.matches(""));
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    }
}
