//! SQL for extending inbound claims, the same on both databases.

use async_trait::async_trait;

use crate::StoreError;
use crate::conversations::Message;
use crate::inbound_leases::InboundLeaseStore;
use crate::sql::{PostgresStore, SqliteStore, now};

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
                let mut extend =
                    sqlx::QueryBuilder::<$db>::new("UPDATE messages SET locked_until = ");
                extend
                    .push_bind(now() + lease)
                    .push(" WHERE direction = 'inbound' AND status = 'received' AND id IN (");
                let mut ids = extend.separated(", ");
                for message in claimed {
                    ids.push_bind(message.id);
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
