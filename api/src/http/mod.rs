//! Routes beside GraphQL: liveness, readiness, Prometheus metrics, image
//! bytes, the log export and the log as C2SP tlog-tiles.

pub mod error;
pub mod export;
pub mod health;
pub mod images;
pub mod keys;
pub mod metrics;
pub mod tiles;
