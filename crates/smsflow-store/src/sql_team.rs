//! SQL for assignment, notes, canned replies and drafted replies, the same on both databases.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::conversations::{ConversationStatus, NewOutbound};
use crate::sql::{BeginWrite, PostgresStore, SqliteStore, now};
use crate::stored_time::StoredTime;
use crate::team::{CannedReply, Note, NoteKind, TeamStore};
use crate::{Admin, StoreError};

type NoteRow = (Uuid, Uuid, String, Option<String>, String, OffsetDateTime);

fn note(row: NoteRow) -> Result<Note, StoreError> {
    let (id, conversation_id, kind, author, body, created_at) = row;
    Ok(Note {
        id,
        conversation_id,
        kind: NoteKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown note kind {kind:?}")))?,
        author,
        body,
        created_at,
    })
}

fn canned((id, title, body, created_at): (Uuid, String, String, OffsetDateTime)) -> CannedReply {
    CannedReply {
        id,
        title,
        body,
        created_at,
    }
}

/// A canned reply's title is unique: saying so is the answer to a clash.
fn title_taken(error: sqlx::Error, title: &str) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Refused(format!(
            "a canned reply titled {title:?} already exists: choose another title"
        )),
        _ => StoreError::Database(error),
    }
}

fn not_found(what: &'static str, id: Uuid) -> StoreError {
    StoreError::NotFound {
        what,
        key: id.to_string(),
    }
}

macro_rules! impl_team_store {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn insert_note(
                executor: impl sqlx::Executor<'_, Database = $db>,
                conversation_id: Uuid,
                kind: NoteKind,
                author: Option<&str>,
                body: &str,
                at: OffsetDateTime,
            ) -> Result<Note, StoreError> {
                let row: NoteRow = sqlx::query_as(
                    "INSERT INTO conversation_notes (id, conversation_id, kind, author, body, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     RETURNING id, conversation_id, kind, author, body, created_at",
                )
                .bind(Uuid::now_v7())
                .bind(conversation_id)
                .bind(kind.as_str())
                .bind(author)
                .bind(body)
                .bind(StoredTime(at))
                .fetch_one(executor)
                .await
                .map_err(|error| match &error {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                        not_found("conversation", conversation_id)
                    }
                    _ => StoreError::Database(error),
                })?;
                note(row)
            }
        }

        #[async_trait]
        impl TeamStore for $store {
            async fn assignee(&self, conversation_id: Uuid) -> Result<Option<Admin>, StoreError> {
                let admin_id: Option<Uuid> = sqlx::query_scalar(
                    "SELECT admin_id FROM conversation_assignments WHERE conversation_id = $1",
                )
                .bind(conversation_id)
                .fetch_optional(&self.read)
                .await?;
                match admin_id {
                    Some(id) => Ok(Some(crate::users::UserStore::get_admin(self, id).await?)),
                    None => Ok(None),
                }
            }

            async fn assign_conversation(
                &self,
                conversation_id: Uuid,
                admin_id: Option<Uuid>,
                by: &str,
            ) -> Result<(), StoreError> {
                let at = now();
                let mut tx = self.write.begin_write().await?;
                sqlx::query("DELETE FROM conversation_assignments WHERE conversation_id = $1")
                    .bind(conversation_id)
                    .execute(&mut *tx)
                    .await?;
                let body = match admin_id {
                    Some(admin_id) => {
                        let email: Option<String> =
                            sqlx::query_scalar("SELECT email FROM admins WHERE id = $1")
                                .bind(admin_id)
                                .fetch_optional(&mut *tx)
                                .await?;
                        let email = email.ok_or_else(|| not_found("user", admin_id))?;
                        sqlx::query(
                            "INSERT INTO conversation_assignments (conversation_id, admin_id, assigned_at) \
                             VALUES ($1, $2, $3)",
                        )
                        .bind(conversation_id)
                        .bind(admin_id)
                        .bind(StoredTime(at))
                        .execute(&mut *tx)
                        .await
                        .map_err(|error| match &error {
                            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                                not_found("conversation", conversation_id)
                            }
                            _ => StoreError::Database(error),
                        })?;
                        format!("assigned to {email}")
                    }
                    None => "unassigned".to_string(),
                };
                Self::insert_note(&mut *tx, conversation_id, NoteKind::Assigned, Some(by), &body, at)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn change_owner(
                &self,
                conversation_id: Uuid,
                status: ConversationStatus,
                kind: NoteKind,
                by: &str,
                body: &str,
            ) -> Result<(), StoreError> {
                let at = now();
                let mut tx = self.write.begin_write().await?;
                let updated = sqlx::query(
                    "UPDATE conversations SET status = $2, unread_count = 0, needs_human_at = NULL WHERE id = $1",
                )
                .bind(conversation_id)
                .bind(status.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated == 0 {
                    return Err(not_found("conversation", conversation_id));
                }
                Self::insert_note(&mut *tx, conversation_id, kind, Some(by), body, at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_note(
                &self,
                conversation_id: Uuid,
                kind: NoteKind,
                author: Option<&str>,
                body: &str,
            ) -> Result<Note, StoreError> {
                Self::insert_note(&self.write, conversation_id, kind, author, body, now()).await
            }

            async fn conversation_notes(&self, conversation_id: Uuid) -> Result<Vec<Note>, StoreError> {
                let rows: Vec<NoteRow> = sqlx::query_as(
                    "SELECT id, conversation_id, kind, author, body, created_at FROM conversation_notes \
                     WHERE conversation_id = $1 ORDER BY id",
                )
                .bind(conversation_id)
                .fetch_all(&self.read)
                .await?;
                rows.into_iter().map(note).collect()
            }

            async fn list_canned_replies(&self) -> Result<Vec<CannedReply>, StoreError> {
                let rows: Vec<(Uuid, String, String, OffsetDateTime)> = sqlx::query_as(
                    "SELECT id, title, body, created_at FROM canned_replies ORDER BY title",
                )
                .fetch_all(&self.read)
                .await?;
                Ok(rows.into_iter().map(canned).collect())
            }

            async fn get_canned_reply(&self, id: Uuid) -> Result<CannedReply, StoreError> {
                let row: Option<(Uuid, String, String, OffsetDateTime)> = sqlx::query_as(
                    "SELECT id, title, body, created_at FROM canned_replies WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
                row.map(canned).ok_or_else(|| not_found("canned reply", id))
            }

            async fn create_canned_reply(
                &self,
                title: &str,
                body: &str,
            ) -> Result<CannedReply, StoreError> {
                let row: (Uuid, String, String, OffsetDateTime) = sqlx::query_as(
                    "INSERT INTO canned_replies (id, title, body, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id, title, body, created_at",
                )
                .bind(Uuid::now_v7())
                .bind(title)
                .bind(body)
                .bind(StoredTime(now()))
                .fetch_one(&self.write)
                .await
                .map_err(|error| title_taken(error, title))?;
                Ok(canned(row))
            }

            async fn update_canned_reply(
                &self,
                id: Uuid,
                title: &str,
                body: &str,
            ) -> Result<CannedReply, StoreError> {
                let row: Option<(Uuid, String, String, OffsetDateTime)> = sqlx::query_as(
                    "UPDATE canned_replies SET title = $2, body = $3 WHERE id = $1 \
                     RETURNING id, title, body, created_at",
                )
                .bind(id)
                .bind(title)
                .bind(body)
                .fetch_optional(&self.write)
                .await
                .map_err(|error| title_taken(error, title))?;
                row.map(canned).ok_or_else(|| not_found("canned reply", id))
            }

            async fn delete_canned_reply(&self, id: Uuid) -> Result<(), StoreError> {
                let deleted = sqlx::query("DELETE FROM canned_replies WHERE id = $1")
                    .bind(id)
                    .execute(&self.write)
                    .await?
                    .rows_affected();
                if deleted == 0 {
                    return Err(not_found("canned reply", id));
                }
                Ok(())
            }

            async fn send_drafted_reply(
                &self,
                message_id: Uuid,
                edited: Option<&NewOutbound>,
            ) -> Result<(), StoreError> {
                let at = now();
                let mut tx = self.write.begin_write().await?;
                // Approved as drafted: only the status changes (it is sent now); edited: the words too.
                let conversation_id: Option<Uuid> = sqlx::query_scalar(
                    "UPDATE messages SET status = 'queued', draft_expires_at = NULL, \
                     next_attempt_at = $2, updated_at = $2, body = COALESCE($3, body), \
                     author = COALESCE($4, author), segments = COALESCE($5, segments), \
                     encoding = COALESCE($6, encoding) \
                     WHERE id = $1 AND status = 'draft' RETURNING conversation_id",
                )
                .bind(message_id)
                .bind(StoredTime(at))
                .bind(edited.map(|e| e.body.as_str()))
                .bind(edited.map(|e| e.author.as_str()))
                .bind(edited.map(|e| e.segments))
                .bind(edited.map(|e| e.encoding.as_str()))
                .fetch_optional(&mut *tx)
                .await?;
                let conversation_id = conversation_id.ok_or_else(|| not_found("draft", message_id))?;
                sqlx::query("UPDATE conversations SET last_message_at = $2 WHERE id = $1")
                    .bind(conversation_id)
                    .bind(StoredTime(at))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn discard_drafted_reply(&self, message_id: Uuid) -> Result<(), StoreError> {
                let deleted = sqlx::query("DELETE FROM messages WHERE id = $1 AND status = 'draft'")
                    .bind(message_id)
                    .execute(&self.write)
                    .await?
                    .rows_affected();
                if deleted == 0 {
                    return Err(not_found("draft", message_id));
                }
                Ok(())
            }

            async fn expire_drafted_replies(
                &self,
                now: OffsetDateTime,
            ) -> Result<Vec<Uuid>, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let expired: Vec<Uuid> = sqlx::query_scalar(
                    "DELETE FROM messages WHERE status = 'draft' AND draft_expires_at <= $1 \
                     RETURNING conversation_id",
                )
                .bind(StoredTime(now))
                .fetch_all(&mut *tx)
                .await?;
                for &conversation_id in &expired {
                    Self::save_handoff(&mut tx, conversation_id, now).await?;
                    Self::insert_note(
                        &mut *tx,
                        conversation_id,
                        NoteKind::DraftExpired,
                        None,
                        "nobody approved the agent's draft in time: handed to the team",
                        now,
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(expired)
            }
        }
    };
}

impl_team_store!(SqliteStore, sqlx::Sqlite);
impl_team_store!(PostgresStore, sqlx::Postgres);
