//! SQL for agents and routing rules, written once for both databases (see `sql.rs`).

use async_trait::async_trait;
use smsflow_core::agents::{AgentSpec, RoutingRule, RuleConditions};
use sqlx::types::Json;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::agents::{Agent, AgentStore, Routing};
use crate::audit::{AuditAction, AuditSubject, Change};
use crate::sql::BeginWrite;
use crate::sql::{PostgresStore, SqliteStore, now};
use crate::sqlite_writer::{Columns, query};
use crate::stored_time::StoredTime;
use crate::{Author, StoreError};

macro_rules! agent_columns {
    () => {
        "id, name, persona, backend, model, max_segments, language, is_default, created_at, updated_at, suggest_replies"
    };
}

#[derive(sqlx::FromRow)]
struct AgentRow {
    id: Uuid,
    name: String,
    persona: String,
    backend: String,
    model: Option<String>,
    max_segments: i64,
    language: Option<String>,
    is_default: bool,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    suggest_replies: bool,
}

impl From<AgentRow> for Agent {
    fn from(row: AgentRow) -> Self {
        Agent {
            id: row.id,
            spec: AgentSpec {
                name: row.name,
                persona: row.persona,
                backend: row.backend,
                model: row.model,
                max_segments: row.max_segments,
                language: row.language,
                is_default: row.is_default,
                suggest_replies: row.suggest_replies,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn agent_not_found(id: Uuid) -> StoreError {
    StoreError::NotFound {
        what: "agent",
        key: id.to_string(),
    }
}

fn rule_not_found(id: Uuid) -> StoreError {
    StoreError::NotFound {
        what: "routing rule",
        key: id.to_string(),
    }
}

/// The audit entry of a change to an agent.
fn agent_change<'a>(
    by: &'a Author,
    action: AuditAction,
    before: Option<&Agent>,
    after: Option<&Agent>,
) -> Change<'a> {
    let agent = after.or(before).expect("a change has a before or an after");
    let summary = format!("agent {:?}", agent.spec.name);
    Change::of(
        by,
        action,
        AuditSubject::Agent,
        agent.id.to_string(),
        summary,
        before,
        after,
    )
}

/// The audit entry of a change to a routing rule.
fn rule_change<'a>(
    by: &'a Author,
    action: AuditAction,
    before: Option<&RoutingRule>,
    after: Option<&RoutingRule>,
) -> Change<'a> {
    let rule = after.or(before).expect("a change has a before or an after");
    let summary = format!("routing rule at position {}", rule.position);
    Change::of(
        by,
        action,
        AuditSubject::RoutingRule,
        rule.id.to_string(),
        summary,
        before,
        after,
    )
}

fn name_taken(error: sqlx::Error, spec: &AgentSpec) -> StoreError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Refused(format!(
            "an agent named {:?} already exists: choose another name",
            spec.name
        )),
        _ => StoreError::Database(error),
    }
}

/// The default agent, for the inbound worker's routing (`AgentStore::routing`).
const DEFAULT_AGENT: &str = concat!("SELECT ", agent_columns!(), " FROM agents WHERE is_default");
/// The routing rules in order, for the inbound worker's routing (`AgentStore::routing`).
const ROUTING_RULES: &str =
    "SELECT id, position, agent_id, conditions FROM routing_rules ORDER BY position, id";

impl SqliteStore {
    /// On the calling thread (see `sqlite_reader.rs`).
    async fn default_agent_routed(&self) -> Result<Option<Agent>, StoreError> {
        let agents = self.readers.read(|db| {
            query(db, DEFAULT_AGENT, &[], |row| {
                let c = Columns::of(row);
                Ok(Agent::from(AgentRow {
                    id: c.uuid(0)?,
                    name: c.get(1)?,
                    persona: c.get(2)?,
                    backend: c.get(3)?,
                    model: c.get(4)?,
                    max_segments: c.get(5)?,
                    language: c.get(6)?,
                    is_default: c.get(7)?,
                    created_at: c.time(8)?,
                    updated_at: c.time(9)?,
                    suggest_replies: c.get(10)?,
                }))
            })
        })?;
        Ok(agents.into_iter().next())
    }

    /// On the calling thread (see `sqlite_reader.rs`).
    async fn list_routing_rules_routed(&self) -> Result<Vec<RoutingRule>, StoreError> {
        self.readers.read(|db| {
            query(db, ROUTING_RULES, &[], |row| {
                let c = Columns::of(row);
                Ok(RoutingRule {
                    id: c.uuid(0)?,
                    position: c.get(1)?,
                    agent_id: c.uuid(2)?,
                    conditions: c.json(3)?,
                })
            })
        })
    }
}

impl PostgresStore {
    async fn default_agent_routed(&self) -> Result<Option<Agent>, StoreError> {
        Ok(sqlx::query_as::<_, AgentRow>(DEFAULT_AGENT)
            .fetch_optional(&self.read)
            .await?
            .map(Agent::from))
    }

    async fn list_routing_rules_routed(&self) -> Result<Vec<RoutingRule>, StoreError> {
        let rows: Vec<(Uuid, i64, Uuid, Json<RuleConditions>)> =
            sqlx::query_as(ROUTING_RULES).fetch_all(&self.read).await?;
        Ok(rows
            .into_iter()
            .map(|(id, position, agent_id, conditions)| RoutingRule {
                id,
                position,
                agent_id,
                conditions: conditions.0,
            })
            .collect())
    }
}

macro_rules! impl_agent_store {
    ($store:ty, $db:ty) => {
        impl $store {
            /// Commits a change to the agents or the routing rules with a new revision, so other
            /// processes read them again, and makes this store forget what it kept of them.
            async fn commit_routing_change(&self, mut tx: sqlx::Transaction<'static, $db>) -> Result<(), StoreError> {
                sqlx::query("UPDATE agents_revision SET revision = revision + 1 WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                self.routing.forget();
                Ok(())
            }

            /// Writes an agent; with `is_default`, first takes the flag from the previous default.
            async fn save_agent(&self, id: Uuid, spec: &AgentSpec, insert: bool, by: &Author) -> Result<Agent, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let before = if insert { None } else { Self::fetch_agent(&mut *tx, id).await? };
                if spec.is_default {
                    sqlx::query("UPDATE agents SET is_default = FALSE WHERE is_default AND id <> $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                } else if !insert {
                    let is_default: Option<bool> = sqlx::query_scalar("SELECT is_default FROM agents WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if is_default == Some(true) {
                        return Err(StoreError::Refused("this is the default SMS agent: make another agent the default instead".into()));
                    }
                }
                let at = now();
                let sql = if insert {
                    concat!("INSERT INTO agents (id, name, persona, backend, model, max_segments, language, is_default, created_at, updated_at, \
                             suggest_replies) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING ", agent_columns!())
                } else {
                    concat!("UPDATE agents SET name = $2, persona = $3, backend = $4, model = $5, max_segments = $6, language = $7, \
                             is_default = $8, updated_at = $9, suggest_replies = $10 WHERE id = $1 RETURNING ", agent_columns!())
                };
                let row = sqlx::query_as::<_, AgentRow>(sql)
                    .bind(id)
                    .bind(&spec.name)
                    .bind(&spec.persona)
                    .bind(&spec.backend)
                    .bind(&spec.model)
                    .bind(spec.max_segments)
                    .bind(&spec.language)
                    .bind(spec.is_default)
                    .bind(StoredTime(at))
                    .bind(spec.suggest_replies)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(|error| name_taken(error, spec))?
                    .ok_or_else(|| agent_not_found(id))?;
                let agent = Agent::from(row);
                let action = if insert { AuditAction::Create } else { AuditAction::Update };
                Self::write_audit(&mut tx, agent_change(by, action, before.as_ref(), Some(&agent))).await?;
                self.commit_routing_change(tx).await?;
                Ok(agent)
            }

            async fn fetch_agent(
                executor: impl sqlx::Executor<'_, Database = $db>,
                id: Uuid,
            ) -> Result<Option<Agent>, StoreError> {
                Ok(sqlx::query_as::<_, AgentRow>(concat!("SELECT ", agent_columns!(), " FROM agents WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(executor)
                    .await?
                    .map(Agent::from))
            }

            async fn fetch_rule(
                executor: impl sqlx::Executor<'_, Database = $db>,
                id: Uuid,
            ) -> Result<Option<RoutingRule>, StoreError> {
                let row: Option<(Uuid, i64, Uuid, Json<RuleConditions>)> =
                    sqlx::query_as("SELECT id, position, agent_id, conditions FROM routing_rules WHERE id = $1")
                        .bind(id)
                        .fetch_optional(executor)
                        .await?;
                Ok(row.map(|(id, position, agent_id, conditions)| RoutingRule { id, position, agent_id, conditions: conditions.0 }))
            }
        }

        #[async_trait]
        impl AgentStore for $store {
            async fn routing(&self) -> Result<Arc<Routing>, StoreError> {
                if let Some(routing) = self.routing.recent() {
                    return Ok(routing);
                }
                let start = self.routing.start_read();
                let revision: i64 = sqlx::query_scalar("SELECT revision FROM agents_revision WHERE id = 1")
                    .fetch_one(&self.read)
                    .await?;
                if let Some(routing) = self.routing.at_revision(revision) {
                    return Ok(routing);
                }
                // Read after the revision, which every change bumps in its transaction: at least
                // as new as that revision.
                let routing = Arc::new(Routing {
                    default_agent: self.default_agent().await?,
                    rules: self.list_routing_rules_routed().await?,
                });
                self.routing.keep(start, revision, &routing);
                Ok(routing)
            }

            async fn list_agents(&self) -> Result<Vec<Agent>, StoreError> {
                Ok(sqlx::query_as::<_, AgentRow>(concat!("SELECT ", agent_columns!(), " FROM agents ORDER BY name"))
                    .fetch_all(&self.read)
                    .await?
                    .into_iter()
                    .map(Agent::from)
                    .collect())
            }

            async fn get_agent(&self, id: Uuid) -> Result<Agent, StoreError> {
                Self::fetch_agent(&self.read, id).await?.ok_or_else(|| agent_not_found(id))
            }

            async fn default_agent(&self) -> Result<Agent, StoreError> {
                self.default_agent_routed()
                    .await?
                    .ok_or_else(|| StoreError::Corrupt("no default agent".into()))
            }

            async fn create_agent(&self, spec: &AgentSpec, by: &Author) -> Result<Agent, StoreError> {
                self.save_agent(Uuid::now_v7(), spec, true, by).await
            }

            async fn update_agent(&self, id: Uuid, spec: &AgentSpec, by: &Author) -> Result<Agent, StoreError> {
                self.save_agent(id, spec, false, by).await
            }

            async fn delete_agent(&self, id: Uuid, by: &Author) -> Result<(), StoreError> {
                let mut tx = self.write.begin_write().await?;
                let agent = Self::fetch_agent(&mut *tx, id).await?.ok_or_else(|| agent_not_found(id))?;
                if agent.spec.is_default {
                    return Err(StoreError::Refused("this is the default SMS agent: make another agent the default, then delete this one".into()));
                }
                let used: i64 = sqlx::query_scalar(
                    "SELECT (SELECT COUNT(*) FROM workflows WHERE agent_id = $1) + (SELECT COUNT(*) FROM routing_rules WHERE agent_id = $1)",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                if used > 0 {
                    return Err(StoreError::Refused("workflows or routing rules use this agent: assign them another agent first".into()));
                }
                sqlx::query("DELETE FROM agents WHERE id = $1 AND NOT is_default").bind(id).execute(&mut *tx).await?;
                Self::write_audit(&mut tx, agent_change(by, AuditAction::Delete, Some(&agent), None)).await?;
                self.commit_routing_change(tx).await?;
                Ok(())
            }

            async fn list_routing_rules(&self) -> Result<Vec<RoutingRule>, StoreError> {
                self.list_routing_rules_routed().await
            }

            async fn create_routing_rule(&self, position: i64, agent_id: Uuid, conditions: &RuleConditions, by: &Author) -> Result<RoutingRule, StoreError> {
                self.get_agent(agent_id).await?;
                let rule = RoutingRule { id: Uuid::now_v7(), position, agent_id, conditions: conditions.clone() };
                let mut tx = self.write.begin_write().await?;
                sqlx::query("INSERT INTO routing_rules (id, position, agent_id, conditions, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(rule.id)
                    .bind(position)
                    .bind(agent_id)
                    .bind(Json(conditions))
                    .bind(StoredTime(now()))
                    .execute(&mut *tx)
                    .await?;
                Self::write_audit(&mut tx, rule_change(by, AuditAction::Create, None, Some(&rule))).await?;
                self.commit_routing_change(tx).await?;
                Ok(rule)
            }

            async fn update_routing_rule(&self, id: Uuid, agent_id: Uuid, conditions: &RuleConditions, by: &Author) -> Result<RoutingRule, StoreError> {
                self.get_agent(agent_id).await?;
                let mut tx = self.write.begin_write().await?;
                let before = Self::fetch_rule(&mut *tx, id).await?.ok_or_else(|| rule_not_found(id))?;
                sqlx::query("UPDATE routing_rules SET agent_id = $2, conditions = $3 WHERE id = $1")
                    .bind(id)
                    .bind(agent_id)
                    .bind(Json(conditions))
                    .execute(&mut *tx)
                    .await?;
                let rule = RoutingRule { id, position: before.position, agent_id, conditions: conditions.clone() };
                Self::write_audit(&mut tx, rule_change(by, AuditAction::Update, Some(&before), Some(&rule))).await?;
                self.commit_routing_change(tx).await?;
                Ok(rule)
            }

            async fn delete_routing_rule(&self, id: Uuid, by: &Author) -> Result<(), StoreError> {
                let mut tx = self.write.begin_write().await?;
                let before = Self::fetch_rule(&mut *tx, id).await?.ok_or_else(|| rule_not_found(id))?;
                sqlx::query("DELETE FROM routing_rules WHERE id = $1").bind(id).execute(&mut *tx).await?;
                Self::write_audit(&mut tx, rule_change(by, AuditAction::Delete, Some(&before), None)).await?;
                self.commit_routing_change(tx).await?;
                Ok(())
            }

            async fn reorder_routing_rules(&self, ids: &[Uuid], by: &Author) -> Result<Vec<RoutingRule>, StoreError> {
                let mut tx = self.write.begin_write().await?;
                let before: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM routing_rules ORDER BY position, id")
                    .fetch_all(&mut *tx)
                    .await?;
                let mut stored = before.clone();
                let mut wanted = ids.to_vec();
                stored.sort_unstable();
                wanted.sort_unstable();
                if stored != wanted {
                    return Err(StoreError::Refused(
                        "the new order must list every routing rule once: reload the rules and try again".into(),
                    ));
                }
                for (index, id) in ids.iter().enumerate() {
                    let position = (index as i64 + 1) * 10;
                    sqlx::query("UPDATE routing_rules SET position = $2 WHERE id = $1")
                        .bind(id)
                        .bind(position)
                        .execute(&mut *tx)
                        .await?;
                }
                let summary = format!("{} routing rules put in a new order", ids.len());
                let change = Change::of(by, AuditAction::Reorder, AuditSubject::RoutingRule, "all".into(), summary, Some(&before.as_slice()), Some(&ids));
                Self::write_audit(&mut tx, change).await?;
                self.commit_routing_change(tx).await?;
                self.list_routing_rules().await
            }
        }
    };
}

impl_agent_store!(SqliteStore, sqlx::Sqlite);
impl_agent_store!(PostgresStore, sqlx::Postgres);
