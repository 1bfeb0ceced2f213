//! A check on every request's input that no resolver should repeat: a
//! string holding a NUL character is `BAD_USER_INPUT` before any SQL sees
//! it (DESIGN §7 amendment). PostgreSQL text cannot hold one; left to the
//! database, the refusal would read as `DATABASE_UNAVAILABLE` and log an
//! ERROR. Invalid UTF-8 never gets this far: JSON and GraphQL parsing
//! refuse it.
//!
//! Called by the schema's one extension ([`super::pipeline`]) for single,
//! batched and WebSocket requests, at parse time, before the privacy gate
//! can write anything.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Pos, ServerError, ServerResult, Value, Variables};

use super::error::coded;

/// Refuses a parsed operation whose literals or variables hold a NUL.
pub fn check(doc: &ExecutableDocument, variables: &Variables) -> ServerResult<()> {
    if variables.values().any(holds_nul) || document_holds_nul(doc) {
        return Err(nul_refused());
    }
    Ok(())
}

fn nul_refused() -> ServerError {
    coded(
        "BAD_USER_INPUT",
        "strings must not contain the NUL character (U+0000)",
    )
    .into_server_error(Pos::default())
}

/// Whether a value, or a key or string inside it, holds a NUL.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// Literal arguments and variable defaults of every operation and fragment.
fn document_holds_nul(doc: &ExecutableDocument) -> bool {
    let in_operations = doc.operations.iter().any(|(_, op)| {
        op.node
            .variable_definitions
            .iter()
            .filter_map(|v| v.node.default_value.as_ref())
            .any(|d| holds_nul(&d.node))
            || selection_holds_nul(&op.node.selection_set.node)
    });
    in_operations
        || doc
            .fragments
            .values()
            .any(|f| selection_holds_nul(&f.node.selection_set.node))
}

fn selection_holds_nul(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => {
            field.node.arguments.iter().any(|(_, arg)| {
                // Variables are checked by value; here only literals count.
                let literal = arg
                    .node
                    .clone()
                    .into_const_with(|_| Ok::<_, ()>(Value::Null));
                literal.is_ok_and(|v| holds_nul(&v))
            }) || selection_holds_nul(&field.node.selection_set.node)
        }
        Selection::InlineFragment(fragment) => {
            selection_holds_nul(&fragment.node.selection_set.node)
        }
        Selection::FragmentSpread(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(query: &str) -> Result<ExecutableDocument, async_graphql::parser::Error> {
        async_graphql::parser::parse_query(query)
    }

    #[test]
    fn nul_in_a_literal_anywhere_is_found() -> Result<(), async_graphql::parser::Error> {
        assert!(document_holds_nul(&parsed(
            r#"{ stations(filter: { district: "a\u0000b" }) { totalCount } }"#
        )?));
        assert!(document_holds_nul(&parsed(
            r#"{ a { ... on B { c(ids: ["x", "\u0000"]) } } }"#
        )?));
        assert!(document_holds_nul(&parsed(
            r#"query Q($d: String = "\u0000") { a(d: $d) } fragment F on T { b(x: "ok") }"#
        )?));
        assert!(document_holds_nul(&parsed(
            r#"{ ...F } fragment F on T { b(x: "\u0000") }"#
        )?));
        Ok(())
    }

    #[test]
    fn ordinary_input_passes() -> Result<(), async_graphql::parser::Error> {
        // A backslash followed by "u0000" is six ordinary characters.
        let doc = parsed(r#"query Q($v: String) { a(x: "a\\u0000", y: $v, z: [1, {k: "v"}]) }"#)?;
        assert!(!document_holds_nul(&doc));
        Ok(())
    }

    #[test]
    fn nul_in_variables_is_found() {
        let vars = Variables::from_json(serde_json::json!({"f": {"district": "a\u{0}b"}}));
        assert!(vars.values().any(holds_nul));
        let vars = Variables::from_json(serde_json::json!({"f": {"district": "ab"}}));
        assert!(!vars.values().any(holds_nul));
    }
}
