//! Admin accounts of the web app and their browser sessions. Passwords arrive already hashed (the
//! server hashes them with argon2); session tokens are random 256-bit secrets of which only the
//! SHA-256 is stored, like API keys, so a copy of the database cannot be used to sign in.
//! Every account has a [`Role`] that says what it may open and change.

use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Admin {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What a user of the web app may do, from least to most: each role may do all that the roles
/// before it may.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the inbox, tickets, collections, opt-outs and the dashboard; changes nothing.
    Viewer,
    /// A viewer who also answers texters: replies, takes conversations over, updates tickets.
    Agent,
    /// Everything but changing or removing an owner: workflows, agents, users, API keys.
    Admin,
    /// Everything, including managing owners.
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Agent, Role::Admin, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Agent => "agent",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// The role named `text` (as `as_str` writes it, any case).
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// What the role may do, in a few words for people choosing one.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Viewer => {
                "reads conversations, tickets, collections and figures; changes nothing"
            }
            Role::Agent => "answers texters: replies, takes over, updates tickets",
            Role::Admin => "everything but changing owners: workflows, agents, users, API keys",
            Role::Owner => "everything, including managing owners",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Role, String> {
        Role::parse(text)
            .ok_or_else(|| format!("{text:?} is not a role: use viewer, agent, admin or owner"))
    }
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
    /// By the operator (`smsflow admin create`): any number of accounts, with this role (the
    /// first account is always an owner).
    Operator(Role),
    /// By the one-time setup page: only while no admin exists; the account is the owner.
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

    #[test]
    fn roles_are_ordered_and_named() {
        assert!(
            Role::Viewer < Role::Agent && Role::Agent < Role::Admin && Role::Admin < Role::Owner
        );
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" Agent "), Some(Role::Agent));
        assert!(
            "boss"
                .parse::<Role>()
                .unwrap_err()
                .contains("viewer, agent, admin or owner")
        );
    }
}
