//! The query digest of a GraphQL request (DESIGN §4), computed the same way
//! by both sides: the client over the request it sends, the gate over the
//! request it received.
//!
//! GraphQL servers cannot tell absent, `null` and `{}` variables apart (all
//! arrive as an empty map), so all three digest as `null`; any other value
//! digests as its RFC 8785 canonical JSON.

use serde_json::Value;

use crate::error::StatementError;
use crate::statement::query_digest;
use crate::Fr;

/// Variables as the digest sees them: `None` for absent, `null` or `{}`.
pub fn normalize_variables(variables: Option<&Value>) -> Option<&Value> {
    match variables {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) if map.is_empty() => None,
        Some(v) => Some(v),
    }
}

/// `d` of DESIGN §4 for a request (absent and empty operation names are the same).
pub fn request_digest(
    query: &str,
    variables: Option<&Value>,
    operation_name: Option<&str>,
) -> Result<Fr, StatementError> {
    query_digest(
        query,
        normalize_variables(variables),
        operation_name.filter(|n| !n.is_empty()),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn empty_variables_digest_as_null() -> Result<(), StatementError> {
        let none = request_digest("{ a }", None, None)?;
        assert_eq!(request_digest("{ a }", Some(&json!({})), None)?, none);
        assert_eq!(request_digest("{ a }", Some(&Value::Null), Some(""))?, none);
        assert_ne!(request_digest("{ a }", Some(&json!({"x": 1})), None)?, none);
        assert_eq!(
            request_digest("{ a }", Some(&json!({"x": 1, "y": 2})), None)?,
            request_digest("{ a }", Some(&json!({"y": 2, "x": 1})), None)?
        );
        Ok(())
    }
}
