//! Which root query fields a GraphQL request reads, as the gate and the
//! privacy proxy both decide it (DESIGN §5: "which units need a proof is
//! policy"). The server maps the names to units; the proxy compares them
//! with the `gatedRootFields` the server publishes in `zkParameters`, so
//! both sides walk a document the same way.
//!
//! The operation examined is the one the server will execute: the one named
//! by `operationName`, else the document's only operation. Fragment spreads
//! and inline fragments at the root are followed; mutations and
//! subscriptions read no unit.

use std::collections::{BTreeSet, HashSet};

use async_graphql_parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};

/// The root field names (not aliases) of the query operation of `doc` that
/// the server executes; empty for mutations, subscriptions and an operation
/// that cannot be selected (which fails validation anyway).
pub fn root_fields(doc: &ExecutableDocument, operation_name: Option<&str>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let operation = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), None) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        _ => None,
    };
    if let Some(op) = operation {
        if op.node.ty == OperationType::Query {
            walk(
                doc,
                &op.node.selection_set.node,
                &mut HashSet::new(),
                &mut names,
            );
        }
    }
    names
}

fn walk<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen: &mut HashSet<&'a str>,
    names: &mut BTreeSet<String>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                names.insert(field.node.name.node.to_string());
            }
            Selection::InlineFragment(fragment) => {
                walk(doc, &fragment.node.selection_set.node, seen, names)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if seen.insert(name) {
                    if let Some(fragment) = doc.fragments.get(name) {
                        walk(doc, &fragment.node.selection_set.node, seen, names);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(query: &str, op: Option<&str>) -> Vec<String> {
        let doc = async_graphql_parser::parse_query(query).expect("parses");
        root_fields(&doc, op).into_iter().collect()
    }

    #[test]
    fn names_not_aliases_of_the_executed_query() {
        assert_eq!(
            fields("{ a: stations { id } __typename }", None),
            ["__typename", "stations"]
        );
        assert!(fields("mutation { registerMember }", None).is_empty());
        assert!(fields("subscription { refreshEvents }", None).is_empty());
    }

    #[test]
    fn follows_fragments_and_picks_the_executed_operation() {
        let q = "query A { x } query B { ...F } fragment F on Query { ... on Query { y } }";
        assert_eq!(fields(q, Some("A")), ["x"]);
        assert_eq!(fields(q, Some("B")), ["y"]);
        assert!(fields(q, None).is_empty(), "ambiguous: validation fails it");
        assert_eq!(
            fields("{ ...F } fragment F on Query { ...F z }", None),
            ["z"]
        );
    }
}
