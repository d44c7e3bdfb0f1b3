//! API keys: random secrets shown once; only their SHA-256 is stored. A plain hash is enough
//! because the secrets carry 256 bits of randomness (no dictionary to guess from).

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

const SECRET_PREFIX: &str = "sfk_";
/// How much of the secret is kept in clear, so people can tell their keys apart.
const SHOWN_PREFIX_LEN: usize = SECRET_PREFIX.len() + 6;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub scope: ApiKeyScope,
    /// The first characters of the secret, e.g. `sfk_Ab12Cd`.
    pub prefix: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyScope {
    /// `GET` requests only: reads, exports, the OpenAPI document, `/metrics`.
    ReadOnly,
    /// Every request.
    Full,
}

impl ApiKeyScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyScope::ReadOnly => "read_only",
            ApiKeyScope::Full => "full",
        }
    }

    /// The scope as people read it: `read-only` or `full`.
    pub fn label(self) -> &'static str {
        match self {
            ApiKeyScope::ReadOnly => "read-only",
            ApiKeyScope::Full => "full",
        }
    }

    /// The scope named `text` (`read_only` or `full`; `read-only` too).
    pub fn parse(text: &str) -> Option<ApiKeyScope> {
        match text.trim().replace('-', "_").to_ascii_lowercase().as_str() {
            "read_only" => Some(ApiKeyScope::ReadOnly),
            "full" => Some(ApiKeyScope::Full),
            _ => None,
        }
    }

    /// Whether a key of this scope may send a request with this method.
    pub fn allows(self, method: &str) -> bool {
        self == ApiKeyScope::Full || matches!(method, "GET" | "HEAD")
    }
}

impl std::fmt::Display for ApiKeyScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key just created, with its secret: the only time the secret exists outside the caller.
#[derive(Debug)]
pub struct NewApiKey {
    pub key: ApiKey,
    pub secret: String,
}

pub(crate) fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub(crate) fn shown_prefix(secret: &str) -> String {
    secret.chars().take(SHOWN_PREFIX_LEN).collect()
}

pub(crate) fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_hashed() {
        let (a, b) = (generate_secret(), generate_secret());
        assert_ne!(a, b);
        assert!(a.starts_with("sfk_") && a.len() == 4 + 43);
        assert_eq!(hash_secret(&a).len(), 64);
        assert_ne!(hash_secret(&a), hash_secret(&b));
        assert_eq!(shown_prefix(&a).len(), 10);
    }

    #[test]
    fn read_only_keys_send_gets_only() {
        assert!(ApiKeyScope::ReadOnly.allows("GET") && ApiKeyScope::ReadOnly.allows("HEAD"));
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            assert!(!ApiKeyScope::ReadOnly.allows(method), "{method}");
            assert!(ApiKeyScope::Full.allows(method), "{method}");
        }
        assert_eq!(ApiKeyScope::parse("read-only"), Some(ApiKeyScope::ReadOnly));
        assert_eq!(ApiKeyScope::parse("full"), Some(ApiKeyScope::Full));
        assert_eq!(ApiKeyScope::parse("write"), None);
    }
}
