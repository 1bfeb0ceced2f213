//! zkcity server (DESIGN §2 `api`): the GraphQL read API over the traffic,
//! power and ecological units (DESIGN §3), the privacy gate in front of them
//! (DESIGN §5), the admin mutations, health, readiness and Prometheus
//! metrics. A thin shell over `zkcity-jobs` (refresh runs) and
//! `zkcity-ledger` (the audit log); the `zkcity` binary lives in `zkcity-cli`.
//!
//! Modules:
//! - [`config`]: typed settings in layers (defaults, TOML, `ZKCITY_*`);
//! - [`db`]: connect (PostgreSQL or the embedded SQLite file), migrate, and
//!   the public read pool over optional streaming replicas;
//! - [`state`]: [`AppState`], the one state every route shares;
//! - [`startup`]: [`app`] (the router) and [`Application`] (bind, serve, stop);
//! - [`graphql`]: the schema, per-unit query objects, pagination,
//!   aggregates, the audit and membership API, errors with `extensions.code`;
//! - [`gate`]: the privacy gate: envelope decoding, policy, proof checks;
//! - [`http`]: routes outside GraphQL: health, metrics, images, keys, export;
//! - [`auth`]: the admin bearer token, compared in constant time.

pub mod auth;
pub mod changes;
pub mod config;
pub mod db;
pub mod gate;
pub mod graphql;
pub mod http;
pub mod startup;
pub mod state;

pub use startup::{app, Application};
pub use state::{AppState, Services};
