//! Typed configuration in layers: built-in defaults, then a TOML file, then
//! `ZKCITY_*` environment variables (`__` separates sections, e.g.
//! `ZKCITY_SERVER__PORT=9000`), then `DATABASE_URL`. Validated once at
//! start-up so a bad value stops the server before it listens.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Everything the server reads from its environment.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub graphql: GraphqlSettings,
    pub data: DataSettings,
    pub admin: AdminSettings,
    pub audit: zkcity_ledger::AuditSettings,
    pub zk: crate::gate::ZkSettings,
    /// Scheduled refresh of the data units (`[refresh]`, see jobs/README.md).
    pub refresh: zkcity_jobs::RefreshSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// Largest accepted request body; larger bodies get `BODY_TOO_LARGE`.
    pub body_limit_bytes: usize,
    /// Requests running longer than this are cut off.
    pub request_timeout_secs: u64,
    /// Origins (`https://app.example.org`) whose browser apps may call the
    /// server (CORS); none by default.
    pub cors_allowed_origins: Vec<String>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            body_limit_bytes: 256 * 1024,
            request_timeout_secs: 30,
            cors_allowed_origins: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://…` or `sqlite://…`; when absent the embedded SQLite file
    /// `sqlite_path` is used so a fresh machine needs no setup.
    pub url: Option<SecretString>,
    pub sqlite_path: PathBuf,
    /// Connections for public reads (GraphQL, export, images, health).
    pub max_connections: u32,
    /// A separate pool for the privacy gate and its admitted queries, the
    /// ledger's appends, admin mutations and refresh runs, so no volume of
    /// public reads can take their connections (DESIGN §7 amendment).
    pub reserved_connections: u32,
    pub connect_timeout_secs: u64,
    /// PostgreSQL streaming replicas of `url` for public reads of the data
    /// units (README "Scaling out"); each gets its own pool of
    /// `max_connections`. Empty: every read goes to `url`. Secrets: a URL
    /// may hold a password, so logs and metrics name replicas `replica-<i>`.
    pub replica_urls: Vec<SecretString>,
    /// Milliseconds between health checks of each replica.
    pub replica_check_interval_ms: u64,
    /// Milliseconds a health check may take before the replica counts as down.
    pub replica_check_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            sqlite_path: PathBuf::from("data/zkcity.db"),
            max_connections: 16,
            reserved_connections: 4,
            connect_timeout_secs: 5,
            replica_urls: Vec::new(),
            replica_check_interval_ms: 1000,
            replica_check_timeout_ms: 500,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GraphqlSettings {
    /// Deepest selection set accepted (`QUERY_TOO_DEEP` beyond).
    pub max_depth: usize,
    /// Highest static complexity accepted (`QUERY_TOO_COMPLEX` beyond).
    pub max_complexity: usize,
    /// Page size when a connection gets neither `first` nor `last`.
    pub default_page_size: usize,
    /// Largest `first`/`last` accepted.
    pub max_page_size: usize,
    /// Most buckets an aggregate query may return.
    pub max_aggregate_buckets: usize,
    /// Most operations in one batched request (`BATCH_TOO_LARGE` beyond).
    pub max_batch: usize,
    /// Serve GraphiQL at `GET /graphql`.
    pub graphiql: bool,
    /// Operation names that label the GraphQL metrics; any other operation,
    /// and every operation that reads a gated unit, is counted as `other` (DESIGN §5 amendment: bounded labels, nothing of a gated
    /// request).
    pub metric_operations: Vec<String>,
    /// Memory for cached answers to public data reads, in MiB (0: no
    /// cache). Answers are dropped at every refresh commit
    /// (`graphql::response_cache`).
    pub response_cache_mib: usize,
    /// A cached answer older than this is not served, whatever the notices
    /// say: the bound on staleness where none can arrive (another process
    /// writing the SQLite file).
    pub response_cache_max_age_secs: u64,
}

impl Default for GraphqlSettings {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 10_000,
            default_page_size: 50,
            max_page_size: 500,
            max_aggregate_buckets: 10_000,
            max_batch: 10,
            graphiql: true,
            metric_operations: Vec::new(),
            response_cache_mib: 64,
            response_cache_max_age_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataSettings {
    /// Directory holding the bundled real datasets (`fixtures/`).
    pub fixtures_dir: PathBuf,
    /// Load the bundled datasets at start when the database has no data yet.
    pub seed_on_start: bool,
}

impl Default for DataSettings {
    fn default() -> Self {
        Self {
            fixtures_dir: default_fixtures_dir(),
            seed_on_start: true,
        }
    }
}

/// The repository's `fixtures/` when run from a checkout, else `./fixtures`.
fn default_fixtures_dir() -> PathBuf {
    let in_repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    if in_repo.is_dir() {
        in_repo
    } else {
        PathBuf::from("fixtures")
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    /// Bearer token for admin mutations; admin mutations are refused when unset.
    pub token: Option<SecretString>,
}

/// Whether `url` names a PostgreSQL server.
fn is_postgres(url: &SecretString) -> bool {
    let url = url.expose_secret();
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl DatabaseSettings {
    /// Replicas only make sense behind a PostgreSQL primary; messages name
    /// a replica by position, never by its URL.
    fn validate_replicas(&self) -> Result<(), ConfigError> {
        if self.replica_urls.is_empty() {
            return Ok(());
        }
        if !self.url.as_ref().is_some_and(is_postgres) {
            return Err(ConfigError::Invalid(
                "database.replica_urls needs database.url to be a postgres:// URL".into(),
            ));
        }
        if let Some(i) = self.replica_urls.iter().position(|u| !is_postgres(u)) {
            return Err(ConfigError::Invalid(format!(
                "database.replica_urls[{i}] must be a postgres:// URL"
            )));
        }
        if self.replica_check_interval_ms == 0 || self.replica_check_timeout_ms == 0 {
            return Err(ConfigError::Invalid(
                "database.replica_check_interval_ms and replica_check_timeout_ms must be at least 1"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be read or a value has the wrong type.
    #[error("invalid configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    /// A value parsed but makes no sense.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Reads the layers. `file` is optional; a named file that does not
    /// exist is an error, so a typo in `--config` is not silently ignored.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::Invalid(format!(
                    "config file {} not found",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        let figment = figment
            .merge(
                Env::prefixed("ZKCITY_")
                    .split("__")
                    .ignore(&["CONFIG", "LOG_FORMAT"]),
            )
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database.url".into()),
            );
        let settings: Settings = figment.extract().map_err(Box::new)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Rejects values that would make the server misbehave rather than fail.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let g = &self.graphql;
        let checks = [
            (g.max_depth == 0, "graphql.max_depth must be at least 1"),
            (
                g.max_complexity == 0,
                "graphql.max_complexity must be at least 1",
            ),
            (
                g.max_page_size == 0,
                "graphql.max_page_size must be at least 1",
            ),
            (
                g.default_page_size == 0 || g.default_page_size > g.max_page_size,
                "graphql.default_page_size must be in 1..=max_page_size",
            ),
            (
                self.server.body_limit_bytes < 1024,
                "server.body_limit_bytes must be at least 1024",
            ),
        ];
        for origin in &self.server.cors_allowed_origins {
            zkcity_web::cors::parse_origin(origin)
                .map_err(|e| ConfigError::Invalid(format!("server.cors_allowed_origins: {e}")))?;
        }
        self.database.validate_replicas()?;
        self.refresh
            .validate()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        match checks.iter().find(|(bad, _)| *bad) {
            Some((_, msg)) => Err(ConfigError::Invalid((*msg).to_string())),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(Settings::default().validate().is_ok());
    }

    #[test]
    fn default_page_above_max_is_rejected() {
        let mut s = Settings::default();
        s.graphql.default_page_size = s.graphql.max_page_size + 1;
        assert!(matches!(s.validate(), Err(ConfigError::Invalid(_))));
    }

    #[test]
    fn file_layer_overrides_defaults() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("zkcity-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("zkcity.toml");
        std::fs::write(&path, "[server]\nport = 9999\n[graphql]\nmax_depth = 3\n")?;
        let s = Settings::load(Some(&path))?;
        assert_eq!(s.server.port, 9999);
        assert_eq!(s.graphql.max_depth, 3);
        Ok(())
    }

    #[test]
    fn unknown_key_is_an_error() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("zkcity-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("zkcity.toml");
        std::fs::write(&path, "[server]\nprot = 9999\n")?;
        assert!(Settings::load(Some(&path)).is_err());
        Ok(())
    }

    #[test]
    fn replica_urls_load_as_secrets() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("zkcity-config-rep-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("zkcity.toml");
        std::fs::write(
            &path,
            "[database]\nurl = \"postgres://u:pw@primary/db\"\n\
             replica_urls = [\"postgres://u:pw@r0/db\", \"postgresql://u:pw@r1/db\"]\n",
        )?;
        let s = Settings::load(Some(&path))?;
        let urls: Vec<_> = s
            .database
            .replica_urls
            .iter()
            .map(|u| u.expose_secret())
            .collect();
        assert_eq!(urls, ["postgres://u:pw@r0/db", "postgresql://u:pw@r1/db"]);
        assert!(!format!("{s:?}").contains("pw@r0"), "Debug shows no URL");
        Ok(())
    }

    #[test]
    fn replicas_need_a_postgres_primary_and_postgres_urls() {
        let mut s = Settings::default();
        s.database.replica_urls = vec!["postgres://u:secret@r0/db".to_owned().into()];
        assert!(s.validate().is_err(), "replicas of the SQLite default");
        s.database.url = Some("postgres://u@primary/db".to_owned().into());
        assert!(s.validate().is_ok());
        s.database
            .replica_urls
            .push("mysql://u:secret@r1/db".to_owned().into());
        let Err(err) = s.validate() else {
            panic!("a mysql:// replica was accepted");
        };
        let err = err.to_string();
        assert!(err.contains("replica_urls[1]"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn missing_named_file_is_an_error() {
        assert!(Settings::load(Some(Path::new("/nonexistent/zkcity.toml"))).is_err());
    }
}
