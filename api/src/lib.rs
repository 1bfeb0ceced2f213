//! zkcity server: the GraphQL read API over the traffic, power and ecological
//! units (DESIGN.md §3), with health, readiness and Prometheus metrics, plus
//! the `zkcity` command line.
//!
//! Layout: [`config`] (typed settings in layers), [`db`] (connect + migrate),
//! [`startup`] (build the router and serve), [`graphql`] (schema, per-unit
//! query objects, pagination, aggregates, errors), [`http`] (non-GraphQL
//! routes: health, metrics, images), [`cli`] (subcommands).

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod gate;
pub mod graphql;
pub mod http;
pub mod ledger;
pub mod startup;
pub mod telemetry;

pub use startup::{app, Application};
