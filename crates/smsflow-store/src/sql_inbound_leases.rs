//! SQL for extending inbound claims, the same on both databases.

use async_trait::async_trait;

use crate::StoreError;
use crate::conversations::Message;
use crate::inbound_leases::InboundLeaseStore;
use crate::sql::{PostgresStore, SqliteStore, now};
use crate::stored_time::StoredTime;

macro_rules! impl_inbound_lease_store {
    ($store:ty, $db:ty) => {
        #[async_trait]
        impl InboundLeaseStore for $store {
            async fn extend_inbound_claims(
                &self,
                claimed: &[&Message],
                lease: time::Duration,
            ) -> Result<(), StoreError> {
                if claimed.is_empty() {
                    return Ok(());
                }
                // The claim is the conversation's lease, while the message is still its next one:
                // once recorded, the conversation names its next message and this changes nothing.
                let mut extend = sqlx::QueryBuilder::<$db>::new(
                    "UPDATE conversations SET inbound_claimed_until = ",
                );
                extend
                    .push_bind(StoredTime(now() + lease))
                    .push(" WHERE (id, pending_inbound_id) IN (");
                let mut pairs = extend.separated(", ");
                for message in claimed {
                    pairs
                        .push("(")
                        .push_bind_unseparated(message.conversation_id)
                        .push_unseparated(", ")
                        .push_bind_unseparated(message.id)
                        .push_unseparated(")");
                }
                extend.push(")");
                extend.build().execute(&self.write).await?;
                Ok(())
            }
        }
    };
}

impl_inbound_lease_store!(SqliteStore, sqlx::Sqlite);
impl_inbound_lease_store!(PostgresStore, sqlx::Postgres);
