//! The end-to-end suite, one test binary: every test starts the real server
//! (in this process on a random port, or as a `zkcity` child process) over a
//! fresh PostgreSQL database and talks to it over HTTP, as a client would.
//!
//! One binary rather than one per file: each binary links the whole server,
//! and the tests of one binary run in parallel (`cargo test` runs binaries
//! one after another). Tests that set environment variables live apart in
//! `env_overrides.rs`: the servers started here as child processes would
//! inherit them.
//!
//! Run one family with a filter, e.g. `cargo test -p zkcity-tests --test e2e anon_gate::`.

mod anon_support;
mod proxy_support;

mod anon_e2e;
mod anon_gate;
mod audit_api;
mod audit_concurrency;
mod audit_tamper;
mod ceremony;
mod faults;
mod proxy_answers;
mod proxy_browser;
mod proxy_e2e;
mod read_api;
mod refresh_admin;
mod refresh_file;
mod refresh_http;
mod refresh_idempotent;
mod refresh_interrupt;
mod refresh_retention;
mod refresh_schedule;
mod refresh_ws;
mod replica;
mod response_cache;
mod sqlite_default;
mod tiles;
mod witness_input;
mod witness_quorum;
mod witness_split;
