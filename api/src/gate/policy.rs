//! Which data units an operation touches (DESIGN §5: "which units need a
//! proof is policy").
//!
//! The root fields of each unit are read from that unit's own query object
//! (a one-object schema per unit, exported as SDL and parsed), so a field a
//! unit adds later is protected without touching this file. Introspection
//! (`__schema`, `__type`, `__typename`), the audit API, membership,
//! `zkParameters` and health are not unit fields and so never need a proof.
//!
//! The operation examined is the one the server will execute (see
//! [`zkcity_circuits::operation`], the walk the privacy proxy shares).

use std::collections::{BTreeSet, HashMap};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{EmptyMutation, EmptySubscription, ObjectType, Schema};

use crate::graphql::{ecological, power, traffic};

/// A data unit (DESIGN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    Traffic,
    Power,
    Ecological,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Traffic => "traffic",
            Unit::Power => "power",
            Unit::Ecological => "ecological",
        }
    }
}

/// Root query field name → unit.
#[derive(Debug, Clone, Default)]
pub struct RootFields(HashMap<String, Unit>);

impl RootFields {
    /// Reads the root fields of the three unit query objects.
    pub fn from_schema() -> Self {
        let mut map = HashMap::new();
        for (unit, names) in [
            (Unit::Traffic, query_fields(traffic::TrafficQuery)),
            (Unit::Power, query_fields(power::PowerQuery)),
            (Unit::Ecological, query_fields(ecological::EcologicalQuery)),
        ] {
            for name in names {
                map.insert(name, unit);
            }
        }
        Self(map)
    }

    /// The units the executed operation of `doc` reads (the walk is
    /// [`zkcity_circuits::operation::root_fields`], shared with the proxy).
    pub fn touched(
        &self,
        doc: &ExecutableDocument,
        operation_name: Option<&str>,
    ) -> BTreeSet<Unit> {
        zkcity_circuits::operation::root_fields(doc, operation_name)
            .iter()
            .filter_map(|name| self.0.get(name.as_str()).copied())
            .collect()
    }

    /// True when every root field of the executed operation is a unit's
    /// (none of the audit, membership, refresh, zkParameters or
    /// introspection fields, whose answers change without a data commit).
    pub fn only_unit_fields(&self, doc: &ExecutableDocument, operation_name: Option<&str>) -> bool {
        let fields = zkcity_circuits::operation::root_fields(doc, operation_name);
        !fields.is_empty() && fields.iter().all(|name| self.0.contains_key(name.as_str()))
    }

    /// The root fields of the units `gated` selects, sorted (published in
    /// `zkParameters.gatedRootFields` so a client can tell beforehand).
    pub fn fields_of(&self, gated: impl Fn(Unit) -> bool) -> Vec<String> {
        let mut names: Vec<String> = self
            .0
            .iter()
            .filter(|(_, unit)| gated(**unit))
            .map(|(name, _)| name.clone())
            .collect();
        names.sort();
        names
    }
}

/// Root field names of a query object, via the SDL of a schema holding only it.
fn query_fields<Q: ObjectType + 'static>(query: Q) -> Vec<String> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let sdl = Schema::build(query, EmptyMutation, EmptySubscription)
        .finish()
        .sdl();
    let Ok(doc) = async_graphql::parser::parse_schema(&sdl) else {
        return Vec::new();
    };
    let query_name = Q::type_name();
    doc.definitions
        .iter()
        .filter_map(|def| match def {
            TypeSystemDefinition::Type(t) if t.node.name.node.as_str() == query_name => {
                match &t.node.kind {
                    TypeKind::Object(obj) => Some(
                        obj.fields
                            .iter()
                            .map(|f| f.node.name.node.to_string())
                            .collect::<Vec<_>>(),
                    ),
                    _ => None,
                }
            }
            _ => None,
        })
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touched(query: &str, op: Option<&str>) -> Vec<&'static str> {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        RootFields::from_schema()
            .touched(&doc, op)
            .into_iter()
            .map(Unit::name)
            .collect()
    }

    #[test]
    fn maps_root_fields_to_units() {
        assert_eq!(
            touched("{ stations(first: 1) { totalCount } }", None),
            ["ecological"]
        );
        assert_eq!(
            touched(
                "{ a: marketTransactions { totalCount } b: roadSegments { totalCount } }",
                None
            ),
            ["traffic", "power"]
        );
        assert!(touched("{ __schema { queryType { name } } __typename }", None).is_empty());
        assert!(touched("{ zkParameters { depth } }", None).is_empty());
    }

    #[test]
    fn follows_fragments_and_picks_the_executed_operation() {
        let q = "query A { __typename } query B { ...F } fragment F on Query { ... on Query { clearingPrices { totalCount } } }";
        assert!(touched(q, Some("A")).is_empty());
        assert_eq!(touched(q, Some("B")), ["power"]);
        assert!(
            touched(q, None).is_empty(),
            "ambiguous operations fail validation, not the gate"
        );
        let cyclic = "{ ...F } fragment F on Query { ...F stations { totalCount } }";
        assert_eq!(touched(cyclic, None), ["ecological"]);
    }

    #[test]
    fn publishes_the_fields_of_gated_units_only() {
        let fields = RootFields::from_schema();
        let all = fields.fields_of(|_| true);
        for name in [
            "stations",
            "marketTransactions",
            "roadSegments",
            "imageTiles",
        ] {
            assert!(all.iter().any(|f| f == name), "{name}");
        }
        assert!(!all.iter().any(|f| f == "zkParameters" || f == "checkpoint"));
        let power = fields.fields_of(|u| u == Unit::Power);
        assert!(power.iter().any(|f| f == "clearingPrices"));
        assert!(!power.iter().any(|f| f == "stations"));
        assert!(fields.fields_of(|_| false).is_empty());
    }
}
