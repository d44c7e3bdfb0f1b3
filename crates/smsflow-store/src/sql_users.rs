//! SQL for users, invitations and password-reset links, written once for both databases (see
//! `sql.rs`).

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::admins::{email_key, random_token};
use crate::api_keys::hash_secret;
use crate::audit::{AuditAction, AuditSubject, Change};
use crate::sql::{
    AdminRow, BeginWrite, PostgresStore, SqliteStore, admin_change, admin_columns, now,
};
use crate::stored_time::StoredTime;
use crate::users::{Invite, NewInvite, UserStore, link_used};
use crate::{Admin, Author, Role, StoreError};

macro_rules! invite_columns {
    () => {
        "id, email, role, invited_by, created_at, expires_at"
    };
}

#[derive(sqlx::FromRow)]
struct InviteRow {
    id: Uuid,
    email: String,
    role: String,
    invited_by: String,
    created_at: OffsetDateTime,
    expires_at: i64,
}

impl TryFrom<InviteRow> for Invite {
    type Error = StoreError;

    fn try_from(row: InviteRow) -> Result<Self, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("invitation {}: {what}", row.id));
        Ok(Invite {
            id: row.id,
            role: Role::parse(&row.role).ok_or_else(|| corrupt(format!("role {:?}", row.role)))?,
            expires_at: OffsetDateTime::from_unix_timestamp(row.expires_at)
                .map_err(|e| corrupt(format!("expiry: {e}")))?,
            email: row.email,
            invited_by: Author::from_stored(row.invited_by),
            created_at: row.created_at,
        })
    }
}

fn invite_change<'a>(
    by: &'a Author,
    action: AuditAction,
    before: Option<&Invite>,
    after: Option<&Invite>,
) -> Change<'a> {
    let invite = after.or(before).expect("a change has a before or an after");
    Change::of(
        by,
        action,
        AuditSubject::Invite,
        invite.id.to_string(),
        format!("invitation of {} as {}", invite.email, invite.role),
        before,
        after,
    )
}

fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn admin_not_found(id: Uuid) -> StoreError {
    StoreError::NotFound {
        what: "user",
        key: id.to_string(),
    }
}

macro_rules! impl_user_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Refuses (by returning an error, so the caller's transaction rolls back) a change
            /// that left no owner.
            async fn ensure_an_owner(
                tx: &mut sqlx::Transaction<'_, $db>,
                who: &Admin,
            ) -> Result<(), StoreError> {
                let owners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admins WHERE role = 'owner'")
                    .fetch_one(&mut **tx)
                    .await?;
                if owners == 0 {
                    return Err(StoreError::Refused(format!(
                        "{} is the only owner: make another user an owner first.",
                        who.email
                    )));
                }
                Ok(())
            }
        }

        #[async_trait]
        impl UserStore for $store {
            async fn list_admins(&self) -> Result<Vec<Admin>, StoreError> {
                let sql = concat!("SELECT ", admin_columns!(), " FROM admins ORDER BY created_at, id");
                sqlx::query_as::<_, AdminRow>(sql)
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(Admin::try_from)
                    .collect()
            }

            async fn get_admin(&self, id: Uuid) -> Result<Admin, StoreError> {
                let sql = concat!("SELECT ", admin_columns!(), " FROM admins WHERE id = $1");
                sqlx::query_as::<_, AdminRow>(sql)
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or_else(|| admin_not_found(id))?
                    .try_into()
            }

            async fn set_admin_role(&self, id: Uuid, role: Role, by: &Author) -> Result<Admin, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let select = concat!("SELECT ", admin_columns!(), " FROM admins WHERE id = $1");
                let before: Admin = sqlx::query_as::<_, AdminRow>(select)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| admin_not_found(id))?
                    .try_into()?;
                let update = concat!("UPDATE admins SET role = $2 WHERE id = $1 RETURNING ", admin_columns!());
                let after: Admin = sqlx::query_as::<_, AdminRow>(update)
                    .bind(id)
                    .bind(role.as_str())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_into()?;
                Self::ensure_an_owner(&mut tx, &after).await?;
                Self::write_audit(&mut tx, admin_change(by, AuditAction::Update, Some(&before), Some(&after))).await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn delete_admin(&self, id: Uuid, by: &Author) -> Result<Admin, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let sql = concat!("DELETE FROM admins WHERE id = $1 RETURNING ", admin_columns!());
                let admin: Admin = sqlx::query_as::<_, AdminRow>(sql)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| admin_not_found(id))?
                    .try_into()?;
                Self::ensure_an_owner(&mut tx, &admin).await?;
                Self::write_audit(&mut tx, admin_change(by, AuditAction::Delete, Some(&admin), None)).await?;
                tx.commit().await?;
                Ok(admin)
            }

            async fn create_invite(
                &self,
                email: &str,
                role: Role,
                lifetime: time::Duration,
                by: &Author,
            ) -> Result<NewInvite, StoreError> {
                let email = email.trim();
                let key = email_key(email);
                let token = random_token();
                let at = now();
                let mut tx = self.write.begin_write().await?;
                let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admins WHERE email_key = $1")
                    .bind(&key)
                    .fetch_one(&mut *tx)
                    .await?;
                if taken > 0 {
                    return Err(StoreError::AdminEmailTaken(email.to_string()));
                }
                let replaced = concat!("DELETE FROM invites WHERE email_key = $1 RETURNING ", invite_columns!());
                let earlier = sqlx::query_as::<_, InviteRow>(replaced)
                    .bind(&key)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(Invite::try_from)
                    .transpose()?;
                if let Some(earlier) = &earlier {
                    Self::write_audit(&mut tx, invite_change(by, AuditAction::Revoke, Some(earlier), None)).await?;
                }
                let sql = concat!("INSERT INTO invites (token_hash, id, email, email_key, role, invited_by, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ", invite_columns!());
                let invite: Invite = sqlx::query_as::<_, InviteRow>(sql)
                    .bind(hash_secret(&token))
                    .bind(Uuid::now_v7())
                    .bind(email)
                    .bind(&key)
                    .bind(role.as_str())
                    .bind(by.as_str())
                    .bind(StoredTime(at))
                    .bind((at + lifetime).unix_timestamp())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_into()?;
                Self::write_audit(&mut tx, invite_change(by, AuditAction::Create, None, Some(&invite))).await?;
                tx.commit().await?;
                Ok(NewInvite { invite, token })
            }

            async fn list_invites(&self) -> Result<Vec<Invite>, StoreError> {
                let sql = concat!("SELECT ", invite_columns!(), " FROM invites WHERE expires_at > $1 ORDER BY created_at DESC, id");
                sqlx::query_as::<_, InviteRow>(sql)
                    .bind(unix_now())
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(Invite::try_from)
                    .collect()
            }

            async fn revoke_invite(&self, id: Uuid, by: &Author) -> Result<Invite, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let sql = concat!("DELETE FROM invites WHERE id = $1 RETURNING ", invite_columns!());
                let invite: Invite = sqlx::query_as::<_, InviteRow>(sql)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound { what: "invitation", key: id.to_string() })?
                    .try_into()?;
                Self::write_audit(&mut tx, invite_change(by, AuditAction::Revoke, Some(&invite), None)).await?;
                tx.commit().await?;
                Ok(invite)
            }

            async fn find_invite(&self, token: &str) -> Result<Option<Invite>, StoreError> {
                let sql = concat!("SELECT ", invite_columns!(), " FROM invites WHERE token_hash = $1 AND expires_at > $2");
                sqlx::query_as::<_, InviteRow>(sql)
                    .bind(hash_secret(token))
                    .bind(unix_now())
                    .fetch_optional(&self.read)
                    .await?
                    .map(Invite::try_from)
                    .transpose()
            }

            async fn accept_invite(&self, token: &str, password_hash: &str) -> Result<Admin, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let used = concat!("DELETE FROM invites WHERE token_hash = $1 AND expires_at > $2 RETURNING ", invite_columns!());
                let invite: Invite = sqlx::query_as::<_, InviteRow>(used)
                    .bind(hash_secret(token))
                    .bind(unix_now())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| link_used("invitation"))?
                    .try_into()?;
                let sql = concat!("INSERT INTO admins (id, email, email_key, password_hash, created_at, role) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ", admin_columns!());
                let admin: Admin = sqlx::query_as::<_, AdminRow>(sql)
                    .bind(Uuid::now_v7())
                    .bind(&invite.email)
                    .bind(email_key(&invite.email))
                    .bind(password_hash)
                    .bind(StoredTime(now()))
                    .bind(invite.role.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|error| match &error {
                        sqlx::Error::Database(db) if db.is_unique_violation() => {
                            StoreError::AdminEmailTaken(invite.email.clone())
                        }
                        _ => StoreError::Database(error),
                    })?
                    .try_into()?;
                // Recorded as made by whoever sent the invitation.
                Self::write_audit(&mut tx, admin_change(&invite.invited_by, AuditAction::Create, None, Some(&admin))).await?;
                tx.commit().await?;
                Ok(admin)
            }

            async fn create_password_reset(
                &self,
                admin_id: Uuid,
                lifetime: time::Duration,
                by: &Author,
            ) -> Result<String, StoreError> {
                let token = random_token();
                let at = now();
                let mut tx = self.write.begin_write().await?;
                let select = concat!("SELECT ", admin_columns!(), " FROM admins WHERE id = $1");
                let admin: Admin = sqlx::query_as::<_, AdminRow>(select)
                    .bind(admin_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| admin_not_found(admin_id))?
                    .try_into()?;
                sqlx::query("DELETE FROM password_resets WHERE admin_id = $1")
                    .bind(admin_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO password_resets (token_hash, admin_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(hash_secret(&token))
                    .bind(admin_id)
                    .bind(StoredTime(at))
                    .bind((at + lifetime).unix_timestamp())
                    .execute(&mut *tx)
                    .await?;
                Self::write_audit(&mut tx, admin_change(by, AuditAction::ResetLink, None, Some(&admin))).await?;
                tx.commit().await?;
                Ok(token)
            }

            async fn password_reset_admin(&self, token: &str) -> Result<Option<Admin>, StoreError> {
                let sql = concat!("SELECT ", admin_columns!(), " FROM password_resets JOIN admins ON admins.id = password_resets.admin_id \
                     WHERE password_resets.token_hash = $1 AND password_resets.expires_at > $2");
                sqlx::query_as::<_, AdminRow>(sql)
                    .bind(hash_secret(token))
                    .bind(unix_now())
                    .fetch_optional(&self.read)
                    .await?
                    .map(Admin::try_from)
                    .transpose()
            }

            async fn use_password_reset(&self, token: &str, password_hash: &str) -> Result<Admin, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let admin_id: Uuid = sqlx::query_scalar("DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 RETURNING admin_id")
                    .bind(hash_secret(token))
                    .bind(unix_now())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| link_used("password-reset"))?;
                let sql = concat!("UPDATE admins SET password_hash = $2 WHERE id = $1 RETURNING ", admin_columns!());
                let admin: Admin = sqlx::query_as::<_, AdminRow>(sql)
                    .bind(admin_id)
                    .bind(password_hash)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_into()?;
                sqlx::query("DELETE FROM admin_sessions WHERE admin_id = $1")
                    .bind(admin_id)
                    .execute(&mut *tx)
                    .await?;
                let by = Author::admin(&admin.email);
                Self::write_audit(&mut tx, admin_change(&by, AuditAction::SetPassword, None, Some(&admin))).await?;
                tx.commit().await?;
                Ok(admin)
            }
        }
    };
}

impl_user_store!(SqliteStore, sqlx::Sqlite);
impl_user_store!(PostgresStore, sqlx::Postgres);
