//! The saved conversation-test suite: the YAML of `smsflow test`, kept beside the workflows so the
//! web app and the API can run it against the draft, and publishing can require it to pass. The
//! store keeps the text as written; parsing it is the server's business.

use async_trait::async_trait;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{Author, StoreError};

/// The suite as last saved.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SavedTestSuite {
    /// The tests, in the YAML format of `smsflow test`.
    pub yaml: String,
    /// Who saved it.
    pub author: Author,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

#[async_trait]
pub trait TestSuiteStore: Send + Sync {
    /// The saved suite, if one was ever saved.
    async fn saved_test_suite(&self) -> Result<Option<SavedTestSuite>, StoreError>;
    /// Replaces the saved suite, recording the change in the audit log.
    async fn save_test_suite(&self, yaml: &str, by: &Author) -> Result<SavedTestSuite, StoreError>;
}
