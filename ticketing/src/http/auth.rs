//! Staff sessions over HTTP: bearer tokens for the API, an HttpOnly cookie for the pages.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use jiff::Timestamp;

use super::{HttpState, Problem};
use crate::auth::{Role, new_session_token, token_hash};

/// Name of the session cookie of the staff pages.
pub const SESSION_COOKIE: &str = "sportello_session";

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub username: String,
    pub role: Role,
}

impl StaffSession {
    pub fn require(&self, role: Role) -> Result<(), Problem> {
        if self.role.allows(role) {
            Ok(())
        } else {
            Err(Problem::forbidden())
        }
    }
}

/// The session token carried by a request, from `Authorization: Bearer` or the cookie.
pub(super) fn request_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION)
        && let Ok(text) = value.to_str()
        && let Some(token) = text.strip_prefix("Bearer ")
    {
        return Some(token.trim().to_string());
    }
    for value in parts.headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((name, token)) = pair.trim().split_once('=')
                && name == SESSION_COOKIE
            {
                return Some(token.to_string());
            }
        }
    }
    None
}

impl FromRequestParts<HttpState> for StaffSession {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &HttpState) -> Result<Self, Problem> {
        let token = request_token(parts).ok_or_else(Problem::unauthorized)?;
        let now = state.ticketing.now();
        let (username, role) = state
            .ticketing
            .store()
            .session(&token_hash(&token), now)
            .await?
            .ok_or_else(Problem::unauthorized)?;
        let role = Role::parse(&role).ok_or_else(Problem::unauthorized)?;
        Ok(StaffSession { username, role })
    }
}

/// Pages use `Option<StaffSession>`: no or expired session is `None` (show the login form),
/// a storage failure is still an error.
impl OptionalFromRequestParts<HttpState> for StaffSession {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &HttpState,
    ) -> Result<Option<Self>, Problem> {
        let Some(token) = request_token(parts) else {
            return Ok(None);
        };
        let now = state.ticketing.now();
        let Some((username, role)) = state
            .ticketing
            .store()
            .session(&token_hash(&token), now)
            .await?
        else {
            return Ok(None);
        };
        Ok(Role::parse(&role).map(|role| StaffSession { username, role }))
    }
}

/// Checks a username and password; on success stores a session and returns its token and
/// expiry. Unknown users and wrong passwords get the same answer.
pub(super) async fn login(
    state: &HttpState,
    username: &str,
    password: &str,
) -> Result<(String, Role, Timestamp), Problem> {
    let office = state.ticketing.office();
    let now = state.ticketing.now();
    if !state.login_throttle.allowed(username, now) {
        tracing::warn!("staff login locked after repeated failures");
        return Err(Problem::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "Troppi tentativi",
            "Troppi tentativi di accesso non riusciti. Riprovi tra qualche minuto.",
        ));
    }
    let account = office.staff_account(username);
    let valid = match account {
        Some(a) => a.password_hash.verify(password),
        None => {
            // Spend the same time as a real check so timing does not reveal usernames.
            if let Some(any) = office.staff.first() {
                let _ = any.password_hash.verify(password);
            }
            false
        }
    };
    let Some(account) = account.filter(|_| valid) else {
        state.login_throttle.record_failure(username, now);
        tracing::warn!("failed staff login");
        return Err(Problem::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "Accesso negato",
            "Nome utente o password non corretti.",
        ));
    };
    state.login_throttle.record_success(username);
    let token = new_session_token().map_err(|_| Problem::internal())?;
    let expires = now
        .checked_add(state.session_ttl)
        .map_err(|_| Problem::internal())?;
    state
        .ticketing
        .store()
        .insert_session(
            &token_hash(&token),
            &account.username,
            account.role.as_str(),
            now,
            expires,
        )
        .await?;
    tracing::info!(user = %account.username, "staff signed in");
    Ok((token, account.role, expires))
}
