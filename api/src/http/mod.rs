//! Routes beside GraphQL: liveness, readiness, Prometheus metrics and image
//! bytes.

pub mod error;
pub mod export;
pub mod health;
pub mod images;
pub mod keys;
pub mod metrics;
