//! Agents and routing rules as stored.

use async_trait::async_trait;
use serde::Serialize;
use smsflow_core::agents::{AgentSpec, RoutingRule, RuleConditions};
use std::sync::Arc;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{Author, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Agent {
    pub id: Uuid,
    #[serde(flatten)]
    pub spec: AgentSpec,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// What the inbound worker routes every text with: the default agent and the rules in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    pub default_agent: Agent,
    pub rules: Vec<RoutingRule>,
}

#[async_trait]
pub trait AgentStore: Send + Sync {
    /// The default agent and the routing rules, for the inbound worker's batches: kept between
    /// calls and read again after any change through this store, or when another process changed
    /// them (its change bumps a revision, checked every half second at most).
    async fn routing(&self) -> Result<Arc<Routing>, StoreError>;
    async fn list_agents(&self) -> Result<Vec<Agent>, StoreError>;
    async fn get_agent(&self, id: Uuid) -> Result<Agent, StoreError>;
    /// The default SMS agent (there is always exactly one).
    async fn default_agent(&self) -> Result<Agent, StoreError>;
    /// Creating or updating with `is_default` makes it the only default.
    async fn create_agent(&self, spec: &AgentSpec, by: &Author) -> Result<Agent, StoreError>;
    async fn update_agent(
        &self,
        id: Uuid,
        spec: &AgentSpec,
        by: &Author,
    ) -> Result<Agent, StoreError>;
    /// Refused for the default agent (make another the default first) and for an agent in use.
    async fn delete_agent(&self, id: Uuid, by: &Author) -> Result<(), StoreError>;

    async fn list_routing_rules(&self) -> Result<Vec<RoutingRule>, StoreError>;
    async fn create_routing_rule(
        &self,
        position: i64,
        agent_id: Uuid,
        conditions: &RuleConditions,
        by: &Author,
    ) -> Result<RoutingRule, StoreError>;
    /// Changes a rule's agent and conditions; its place in the order stays.
    async fn update_routing_rule(
        &self,
        id: Uuid,
        agent_id: Uuid,
        conditions: &RuleConditions,
        by: &Author,
    ) -> Result<RoutingRule, StoreError>;
    async fn delete_routing_rule(&self, id: Uuid, by: &Author) -> Result<(), StoreError>;
    /// Renumbers the rules in this order (positions 10, 20, ...). `ids` must name every rule once:
    /// otherwise [`StoreError::Refused`] (someone else added or deleted a rule meanwhile).
    async fn reorder_routing_rules(
        &self,
        ids: &[Uuid],
        by: &Author,
    ) -> Result<Vec<RoutingRule>, StoreError>;
}
