//! What a requester asks: the query, variables and operation name that the
//! digest `d` of DESIGN §4 covers. The prover, the opening and the requester
//! all take it; it depends on none of them.

use serde_json::Value;

/// What to ask.
#[derive(Debug, Clone)]
pub struct QueryText {
    pub query: String,
    pub variables: Option<Value>,
    pub operation_name: Option<String>,
}
