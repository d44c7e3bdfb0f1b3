//! Admin accounts of the web app and their browser sessions. Passwords arrive already hashed (the
//! server hashes them with argon2); session tokens are random 256-bit secrets of which only the
//! SHA-256 is stored, like API keys, so a copy of the database cannot be used to sign in.

use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Admin {
    pub id: Uuid,
    pub email: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// An admin with the stored password hash, for checking a sign-in.
#[derive(Debug, Clone)]
pub struct AdminCredentials {
    pub admin: Admin,
    /// A PHC string, e.g. `$argon2id$v=19$...`.
    pub password_hash: String,
}

/// How an admin account is being created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminCreation {
    /// By the operator (`smsflow admin create`): any number of admins.
    Operator,
    /// By the one-time setup page: only while no admin exists.
    FirstRun,
}

/// A live session: who is signed in and the token their forms must carry.
#[derive(Debug, Clone)]
pub struct AdminSession {
    pub admin: Admin,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

/// A session just created: the cookie token exists only here and in the browser.
#[derive(Debug, Clone)]
pub struct NewAdminSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

/// The key that makes email addresses unique regardless of case.
pub(crate) fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// 256 bits from the operating system's random source (via `rand`), URL-safe base64: for session,
/// CSRF and form tokens.
pub fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_emails_case_insensitive() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(email_key(" Ada@Example.COM "), "ada@example.com");
    }
}
