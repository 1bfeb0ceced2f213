//! What zkcity serves to browsers, shared by the server (`zkcity-api`) and
//! the local privacy proxy (`zkcity-client`), which never depend on each
//! other (DESIGN §2):
//!
//! - [`graphiql`]: the GraphiQL page and the vendored production builds of
//!   React and GraphiQL, served from the binary (no other origin);
//! - [`cors`]: the allow-list of origins a browser app may call from.

pub mod cors;
pub mod graphiql;
