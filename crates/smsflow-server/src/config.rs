//! Configuration: defaults, then a TOML file, then `SMSFLOW_*` environment variables. Every key has
//! a fixed environment name (listed in `docs/configuration.md`), so deployments can rely on it.

use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// `sqlite://path` or `postgres://...`; defaults to `smsflow.db` in the data directory.
    pub database_url: String,
    /// Where smsflow keeps its files (the SQLite database, later models).
    pub data_dir: PathBuf,
    /// The base URL the outside world uses to reach this server (for links and webhook signatures).
    pub public_url: String,
    /// How often a server checks the database for workflow changes made by other processes.
    pub reload_interval_ms: u64,
}

/// The TOML file: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    public_url: Option<String>,
    reload_interval_ms: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("{key} = {value:?} is not valid: {hint}")]
    Invalid {
        key: &'static str,
        value: String,
        hint: &'static str,
    },
}

/// Each setting: its TOML key, its environment variable(s), its default, what it does.
pub const KEYS: &[(&str, &str, &str, &str)] = &[
    (
        "listen",
        "SMSFLOW_LISTEN",
        DEFAULT_LISTEN,
        "Address and port the HTTP server listens on.",
    ),
    (
        "database_url",
        "SMSFLOW_DATABASE_URL (or DATABASE_URL)",
        "sqlite://<data_dir>/smsflow.db",
        "sqlite://path for the embedded database, or postgres://user:pass@host/db.",
    ),
    (
        "data_dir",
        "SMSFLOW_DATA_DIR",
        "the platform data directory (~/.local/share/smsflow on Linux), else ./smsflow-data",
        "Where smsflow keeps its files.",
    ),
    (
        "public_url",
        "SMSFLOW_PUBLIC_URL",
        "http://<listen>",
        "Base URL the outside world uses to reach this server (behind a proxy: the proxy's URL).",
    ),
    (
        "reload_interval_ms",
        "SMSFLOW_RELOAD_INTERVAL_MS",
        "2000",
        "How often (ms) a server checks for workflow changes made by other smsflow processes.",
    ),
];

impl Config {
    /// Loads the file named by `SMSFLOW_CONFIG` (or `explicit_file`), then applies the environment.
    pub fn load(
        explicit_file: Option<&Path>,
        env: &HashMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let file_path = explicit_file
            .map(Path::to_path_buf)
            .or_else(|| env.get("SMSFLOW_CONFIG").map(PathBuf::from));
        let file = match &file_path {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let var = |name: &str| env.get(name).filter(|v| !v.is_empty()).cloned();

        let listen_text = var("SMSFLOW_LISTEN")
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen_text.parse().map_err(|_| ConfigError::Invalid {
            key: "listen",
            value: listen_text.clone(),
            hint: "use address:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
        })?;
        let data_dir = var("SMSFLOW_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(default_data_dir);
        let database_url = var("SMSFLOW_DATABASE_URL")
            .or_else(|| var("DATABASE_URL"))
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("smsflow.db").display()));
        let public_url = var("SMSFLOW_PUBLIC_URL")
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        let public_url = public_url.trim_end_matches('/').to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                key: "public_url",
                value: public_url,
                hint: "use an absolute http(s) URL, e.g. https://sms.example.com",
            });
        }
        let reload_text = var("SMSFLOW_RELOAD_INTERVAL_MS");
        let reload_interval_ms = match reload_text {
            Some(text) => text.parse().map_err(|_| ConfigError::Invalid {
                key: "reload_interval_ms",
                value: text,
                hint: "use a whole number of milliseconds, e.g. 2000",
            })?,
            None => file.reload_interval_ms.unwrap_or(2_000),
        }
        .max(100);
        Ok(Config {
            listen,
            database_url,
            data_dir,
            public_url,
            reload_interval_ms,
        })
    }

    /// The configuration of a process: its real environment.
    pub fn from_process(explicit_file: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load(explicit_file, &std::env::vars().collect())
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    toml::from_str(&text).map_err(|error| ConfigError::Parse {
        path: path.display().to_string(),
        message: error.to_string(),
    })
}

fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|dir| dir.join("smsflow"))
        .unwrap_or_else(|| PathBuf::from("smsflow-data"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_nothing() {
        let config = Config::load(None, &env(&[("SMSFLOW_DATA_DIR", "/tmp/x")])).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite:///tmp/x/smsflow.db");
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smsflow.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\npublic_url = \"https://sms.example.com/\"\ndatabase_url = \"sqlite://file.db\"\n").unwrap();
        let config = Config::load(
            None,
            &env(&[
                ("SMSFLOW_CONFIG", file.to_str().unwrap()),
                ("DATABASE_URL", "postgres://db/x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.public_url, "https://sms.example.com");
        assert_eq!(config.database_url, "postgres://db/x");
        let preferred = Config::load(
            None,
            &env(&[
                ("SMSFLOW_DATABASE_URL", "sqlite://a.db"),
                ("DATABASE_URL", "postgres://db/x"),
            ]),
        )
        .unwrap();
        assert_eq!(preferred.database_url, "sqlite://a.db");
    }

    #[test]
    fn bad_values_say_what_to_write() {
        let error = Config::load(None, &env(&[("SMSFLOW_LISTEN", "8080")])).unwrap_err();
        assert!(error.to_string().contains("use address:port"), "{error}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "lisen = \"x\"").unwrap();
        let error = Config::load(Some(&file), &env(&[])).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `lisen`"),
            "{error}"
        );
    }
}
