//! Routes beside GraphQL: liveness, readiness, Prometheus metrics and image
//! bytes.

pub mod health;
pub mod images;
pub mod metrics;
