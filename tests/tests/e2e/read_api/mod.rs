//! End-to-end tests of the read API (DESIGN §3): the real server on a random
//! port over a fresh PostgreSQL database holding the bundled real data, every
//! answer checked against SQL run directly on that database.

mod aggregates;
mod errors;
mod filters;
mod pagination;
mod routes;
mod support;
