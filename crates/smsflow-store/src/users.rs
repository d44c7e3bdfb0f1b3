//! The people who use the web app: their roles, invitations (one-time links that expire) and
//! password-reset links an admin makes for them. Link tokens are random 256-bit secrets of which
//! only the SHA-256 is stored, like session tokens.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Admin, Author, Role, StoreError};

/// A pending invitation (never its token).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Invite {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub invited_by: Author,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// An invitation just made: the token exists only here and in the link given to the person.
#[derive(Debug, Clone)]
pub struct NewInvite {
    pub invite: Invite,
    pub token: String,
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Every account, oldest first.
    async fn list_admins(&self) -> Result<Vec<Admin>, StoreError>;
    async fn get_admin(&self, id: Uuid) -> Result<Admin, StoreError>;
    /// Gives an account another role. Refused when it would leave no owner.
    async fn set_admin_role(&self, id: Uuid, role: Role, by: &Author) -> Result<Admin, StoreError>;
    /// Removes an account and its sessions. Refused when it would leave no owner.
    async fn delete_admin(&self, id: Uuid, by: &Author) -> Result<Admin, StoreError>;

    /// Invites `email` with `role` for `lifetime`, replacing a pending invitation to the same
    /// address. Fails with [`StoreError::AdminEmailTaken`] when the address has an account.
    async fn create_invite(
        &self,
        email: &str,
        role: Role,
        lifetime: time::Duration,
        by: &Author,
    ) -> Result<NewInvite, StoreError>;
    /// Invitations not yet accepted, revoked or expired, newest first.
    async fn list_invites(&self) -> Result<Vec<Invite>, StoreError>;
    async fn revoke_invite(&self, id: Uuid, by: &Author) -> Result<Invite, StoreError>;
    /// The pending invitation whose link token this is.
    async fn find_invite(&self, token: &str) -> Result<Option<Invite>, StoreError>;
    /// Uses the invitation once: creates the account with the invited role and this (hashed)
    /// password. Refused when the link has expired or was used.
    async fn accept_invite(&self, token: &str, password_hash: &str) -> Result<Admin, StoreError>;

    /// A one-time link for `admin_id` to choose a new password, valid for `lifetime`; it replaces
    /// the user's earlier link. Returns the token.
    async fn create_password_reset(
        &self,
        admin_id: Uuid,
        lifetime: time::Duration,
        by: &Author,
    ) -> Result<String, StoreError>;
    /// The account whose live reset link token this is.
    async fn password_reset_admin(&self, token: &str) -> Result<Option<Admin>, StoreError>;
    /// Uses the reset link once: sets the (hashed) password and ends the user's sessions.
    /// Refused when the link has expired or was used.
    async fn use_password_reset(
        &self,
        token: &str,
        password_hash: &str,
    ) -> Result<Admin, StoreError>;
}

/// The refusal of a link that expired or was used already.
pub(crate) fn link_used(what: &str) -> StoreError {
    StoreError::Refused(format!(
        "This {what} link has expired or was used already: ask an admin for a new one."
    ))
}
