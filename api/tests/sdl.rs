//! The GraphQL schema is a public contract: it is checked in as
//! `api/schema.graphql`, and this test fails when the schema changes without
//! the snapshot being updated (`UPDATE_SDL=1 cargo test -p zkcity-api --test sdl`).

#[test]
fn schema_matches_the_checked_in_sdl() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let actual = zkcity_api::graphql::sdl();
    if std::env::var_os("UPDATE_SDL").is_some() {
        std::fs::write(&path, &actual).expect("writing schema.graphql");
        return;
    }
    let expected = std::fs::read_to_string(&path).expect("api/schema.graphql is checked in");
    assert!(
        expected == actual,
        "the GraphQL schema changed; review the diff and run UPDATE_SDL=1 cargo test -p zkcity-api --test sdl"
    );
}
