//! The GraphQL API: one schema merging a query object per data unit, with
//! depth, complexity, batch and body-size limits, and a stable
//! `extensions.code` on every error.

pub mod aggregates;
pub mod audit;
pub mod context;
pub mod ecological;
pub mod error;
pub mod filters;
pub mod input;
pub mod loaders;
pub mod membership;
pub mod nodes;
pub mod observe;
pub mod page_rows;
pub mod pagination;
pub mod pipeline;
pub mod power;
pub mod refresh;
pub mod response_cache;
#[cfg(test)]
pub(crate) mod test_fixture;
pub mod traffic;
pub mod zk;

use async_graphql::{MergedObject, MergedSubscription, Schema};
use async_graphql_axum::GraphQLResponse;
use async_graphql_axum::GraphQLSubscription;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::auth::AdminToken;
use crate::config::GraphqlSettings;
use crate::state::{AppState, Services};
use context::GqlContext;
use pagination::PageLimits;
use response_cache::{CacheProbe, ResponseCache};

/// Every query of the read API.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    traffic::TrafficQuery,
    power::PowerQuery,
    ecological::EcologicalQuery,
    audit::AuditQuery,
    membership::MembershipQuery,
    refresh::RefreshQuery,
    zk::ZkQuery,
);

/// Every mutation (admin only).
#[derive(MergedObject, Default)]
pub struct MutationRoot(membership::AuditMutation, refresh::RefreshMutation);

/// Every subscription (graphql-transport-ws at `/graphql/ws`).
#[derive(MergedSubscription, Default)]
pub struct SubscriptionRoot(refresh::RefreshSubscription);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema over the server's services with the configured limits.
pub fn schema(settings: &GraphqlSettings, admin: AdminToken, services: &Services) -> AppSchema {
    let ctx = GqlContext {
        reads: services.reads.clone(),
        reserved: services.reserved_db.clone(),
        limits: PageLimits {
            default_size: settings.default_page_size,
            max_size: settings.max_page_size,
        },
        max_buckets: settings.max_aggregate_buckets,
    };
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .data(ctx)
    .data(services.refresh.clone())
    .data(services.public_ledger())
    .data(admin)
    .limit_depth(settings.max_depth)
    .limit_complexity(settings.max_complexity)
    .data(services.gate.clone())
    .extension(pipeline::Pipeline {
        observe: observe::Observe::new(&settings.metric_operations),
        reads: services.reads.clone(),
        gate: services.gate.clone(),
    })
    .finish()
}

/// The schema in SDL, for the checked-in contract snapshot.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .finish()
    .sdl()
}

/// The schema and the limits its HTTP endpoint enforces before execution.
#[derive(Clone)]
pub struct Endpoint {
    schema: AppSchema,
    body_limit: usize,
    max_batch: usize,
    graphiql: bool,
    /// Whether some data unit needs a proof (the GraphiQL page then says
    /// that those queries go through the privacy proxy).
    gated: bool,
    cache: ResponseCache,
}

impl Endpoint {
    pub fn new(
        schema: AppSchema,
        settings: &GraphqlSettings,
        body_limit: usize,
        gated: bool,
        cache: ResponseCache,
    ) -> Self {
        Self {
            schema,
            body_limit,
            max_batch: settings.max_batch,
            graphiql: settings.graphiql,
            gated,
            cache,
        }
    }

    /// Whether `GET /graphql` serves GraphiQL (and its assets are routed).
    pub fn graphiql_enabled(&self) -> bool {
        self.graphiql
    }
}

/// What the server's GraphiQL says when data units need a proof.
const GATED_NOTICE: &str = "Data units (traffic, power, ecological) need an anonymous proof: \
    run `zkcity proxy --server <this server> --identity <file>` and use its GraphiQL. \
    Here: zkParameters, the audit log, membership, refresh status and the schema.";

/// `POST /graphql` (queries), `GET /graphql` (GraphiQL) and `/graphql/ws`
/// (subscriptions, graphql-transport-ws or the older graphql-ws protocol).
pub fn router(endpoint: &Endpoint) -> Router<AppState> {
    Router::new()
        .route("/graphql", get(graphiql).post(execute))
        .route_service(
            "/graphql/ws",
            GraphQLSubscription::new(endpoint.schema.clone()),
        )
}

async fn graphiql(State(state): State<Endpoint>) -> Response {
    if !state.graphiql {
        return error_response(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "GraphiQL is disabled; POST queries to /graphql",
        );
    }
    Html(zkcity_web::graphiql::page(
        &zkcity_web::graphiql::PageOptions {
            title: "zkcity GraphiQL",
            endpoint: "/graphql",
            subscription_endpoint: "/graphql/ws",
            notice: state.gated.then_some(GATED_NOTICE),
        },
    ))
    .into_response()
}

/// Reads the body under the size limit itself so an oversize request gets a
/// GraphQL-shaped error with a code instead of a bare 413. A body answered
/// before from the response cache is answered from it again without being
/// parsed (it passed every check below the first time).
async fn execute(State(state): State<Endpoint>, headers: HeaderMap, body: Body) -> Response {
    let bytes = match axum::body::to_bytes(body, state.body_limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let msg = format!("request body exceeds {} bytes", state.body_limit);
            return error_response(StatusCode::PAYLOAD_TOO_LARGE, "BODY_TOO_LARGE", &msg);
        }
    };
    // Admin-authorized requests may read more than the public; never cached.
    let may_cache = state.cache.is_enabled() && !headers.contains_key(AUTHORIZATION);
    if may_cache {
        if let Some(answer) = state.cache.get(&bytes) {
            metrics::counter!("zkcity_graphql_response_cache_total", "result" => "hit")
                .increment(1);
            return graphql_json(answer);
        }
    }
    let request: async_graphql::BatchRequest = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(err) => {
            let msg = format!("the body is not a GraphQL request: {err}");
            return error_response(StatusCode::BAD_REQUEST, "BAD_REQUEST", &msg);
        }
    };
    if let async_graphql::BatchRequest::Batch(items) = &request {
        if items.len() > state.max_batch {
            let msg = format!(
                "batch of {} operations exceeds the maximum of {}",
                items.len(),
                state.max_batch
            );
            return error_response(StatusCode::BAD_REQUEST, "BATCH_TOO_LARGE", &msg);
        }
    }
    if crate::gate::envelope::repeats_envelope_key(&bytes) {
        let msg = "malformed extensions.zkcity: a key is repeated";
        return error_response(StatusCode::BAD_REQUEST, "MALFORMED_PROOF", msg);
    }
    let token = crate::auth::PresentedToken::from_headers(&headers);
    match request {
        async_graphql::BatchRequest::Single(single)
            if may_cache && single.extensions.is_empty() =>
        {
            execute_caching(&state, bytes, single.data(token)).await
        }
        request => GraphQLResponse::from(state.schema.execute_batch(request.data(token)).await)
            .into_response(),
    }
}

/// Executes one operation and keeps its answer when the gate's extension
/// found it reads only public data-unit fields and it has no errors.
async fn execute_caching(
    state: &Endpoint,
    body: Bytes,
    request: async_graphql::Request,
) -> Response {
    let ticket = state.cache.ticket();
    let probe = CacheProbe::default();
    let response = state.schema.execute(request.data(probe.clone())).await;
    let keep = response.is_ok() && probe.is_cacheable();
    let answer = match serde_json::to_vec(&response) {
        Ok(answer) => Bytes::from(answer),
        Err(_) => return GraphQLResponse::from(response).into_response(),
    };
    if let (true, Some(ticket)) = (keep, ticket) {
        let result = if state.cache.put(ticket, body, answer.clone()) {
            "stored"
        } else {
            "not_stored"
        };
        metrics::counter!("zkcity_graphql_response_cache_total", "result" => result).increment(1);
    }
    graphql_json(answer)
}

/// An answer already serialized, with the content type async-graphql-axum
/// gives its own.
fn graphql_json(answer: Bytes) -> Response {
    (
        [(CONTENT_TYPE, "application/graphql-response+json")],
        answer,
    )
        .into_response()
}

/// A GraphQL-over-HTTP error body for failures before execution: one
/// [`error::coded`] error under `errors`.
fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"errors": [error::coded(code, message)]})),
    )
        .into_response()
}
