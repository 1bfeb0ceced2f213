//! The requester's view of a zkcity server: `zkParameters`, the key files,
//! the membership leaves, audit entries and proofs, and sending a request.
//! Every call is public: nothing here asks the server about *this*
//! requester (the membership path is computed locally, DESIGN §4).

use serde::Deserialize;
use serde_json::{json, Value};

use super::error::AnonError;

/// `zkParameters` as served.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZkParams {
    pub depth: usize,
    pub slot_bits: usize,
    pub epoch_seconds: u64,
    pub current_epoch: u64,
    pub accepted_roots: Vec<String>,
    pub proving_key_sha256: String,
    pub verifying_key_sha256: String,
    pub log_public_key: String,
    pub log_origin: String,
    /// Root query fields that need a proof (empty from a server too old to say).
    #[serde(default)]
    pub gated_root_fields: Vec<String>,
}

/// A zkcity server.
#[derive(Debug, Clone)]
pub struct ZkServer {
    base: String,
    http: reqwest::Client,
}

impl ZkServer {
    pub fn new(base: &str) -> Self {
        Self::with_client(base, reqwest::Client::new())
    }

    /// A server reached through `http` (e.g. one sending through an
    /// upstream SOCKS or HTTP proxy).
    pub fn with_client(base: &str, http: reqwest::Client) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn http_err(&self, path: &str, e: impl std::fmt::Display) -> AnonError {
        AnonError::Http {
            url: format!("{}{path}", self.base),
            reason: e.to_string(),
        }
    }

    /// POSTs a GraphQL body and returns the whole response body (data,
    /// errors and extensions).
    pub async fn post(&self, body: &Value) -> Result<Value, AnonError> {
        let resp = self
            .http
            .post(format!("{}/graphql", self.base))
            .json(body)
            .send()
            .await
            .map_err(|e| self.http_err("/graphql", e))?;
        resp.json().await.map_err(|e| self.http_err("/graphql", e))
    }

    /// A public query; fails on the first GraphQL error.
    pub async fn data(&self, query: &str, variables: Value) -> Result<Value, AnonError> {
        let body = self
            .post(&json!({"query": query, "variables": variables}))
            .await?;
        if let Some(err) = body.pointer("/errors/0") {
            return Err(server_error(err));
        }
        body.get("data")
            .cloned()
            .ok_or_else(|| AnonError::Protocol("no data in the response".into()))
    }

    pub async fn zk_parameters(&self) -> Result<ZkParams, AnonError> {
        let q = "{ zkParameters { depth slotBits epochSeconds currentEpoch acceptedRoots provingKeySha256 verifyingKeySha256 logPublicKey logOrigin gatedRootFields } }";
        let data = self.data(q, json!({})).await?;
        serde_json::from_value(data["zkParameters"].clone())
            .map_err(|e| AnonError::Protocol(format!("zkParameters: {e}")))
    }

    /// Downloads `GET /keys/<name>`.
    pub async fn key_file(&self, name: &str) -> Result<Vec<u8>, AnonError> {
        let path = format!("/keys/{name}");
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| self.http_err(&path, e))?;
        if !resp.status().is_success() {
            return Err(self.http_err(&path, resp.status()));
        }
        Ok(resp
            .bytes()
            .await
            .map_err(|e| self.http_err(&path, e))?
            .to_vec())
    }

    /// Every membership leaf (identity commitment, decimal) in leaf order.
    pub async fn membership_leaves(&self) -> Result<Vec<String>, AnonError> {
        let q = "query($after: String) { membership { leaves(first: 500, after: $after) { edges { node { index commitment } } pageInfo { hasNextPage endCursor } } } }";
        let mut leaves = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = self.data(q, json!({"after": after})).await?;
            let page = &data["membership"]["leaves"];
            for edge in page["edges"].as_array().into_iter().flatten() {
                let index = edge["node"]["index"].as_u64();
                if index != Some(leaves.len() as u64) {
                    return Err(AnonError::Protocol("membership leaves out of order".into()));
                }
                let c = edge["node"]["commitment"]
                    .as_str()
                    .ok_or_else(|| AnonError::Protocol("leaf without commitment".into()))?;
                leaves.push(c.to_owned());
            }
            if page["pageInfo"]["hasNextPage"].as_bool() != Some(true) {
                return Ok(leaves);
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
    }

    /// Audit entry `index` (`auditEntry`), or an error when absent.
    pub async fn audit_entry(&self, index: u64) -> Result<Value, AnonError> {
        let q = "query($i: Int!) { auditEntry(index: $i) { index bytes leafHash } }";
        let data = self.data(q, json!({"i": index})).await?;
        let entry = data["auditEntry"].clone();
        if entry.is_null() {
            return Err(AnonError::Protocol(format!(
                "log entry {index} does not exist"
            )));
        }
        Ok(entry)
    }

    /// The current signed checkpoint note.
    pub async fn checkpoint(&self) -> Result<String, AnonError> {
        let data = self.data("{ checkpoint }", json!({})).await?;
        data["checkpoint"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| AnonError::Protocol("no checkpoint".into()))
    }

    /// Inclusion proof hashes (hex) of `index` in the tree of `size`.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<String>, AnonError> {
        let q = "query($i: Int!, $s: Int!) { inclusionProof(index: $i, treeSize: $s) { hashes } }";
        let data = self.data(q, json!({"i": index, "s": size})).await?;
        serde_json::from_value(data["inclusionProof"]["hashes"].clone())
            .map_err(|e| AnonError::Protocol(format!("inclusionProof: {e}")))
    }
}

impl ZkServer {
    /// Consistency proof hashes (hex) from the tree of `from` to that of `to`.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<String>, AnonError> {
        let q = "query($f: Int!, $t: Int!) { consistencyProof(from: $f, to: $t) { hashes } }";
        let data = self.data(q, json!({"f": from, "t": to})).await?;
        serde_json::from_value(data["consistencyProof"]["hashes"].clone())
            .map_err(|e| AnonError::Protocol(format!("consistencyProof: {e}")))
    }
}

/// A GraphQL error object as [`AnonError::Server`].
pub fn server_error(err: &Value) -> AnonError {
    AnonError::Server {
        code: err
            .pointer("/extensions/code")
            .and_then(Value::as_str)
            .unwrap_or("UNKNOWN")
            .to_owned(),
        message: err
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    }
}
