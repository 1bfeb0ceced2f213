//! Talking to a zkcity server: the signed checkpoint and consistency proofs
//! over GraphQL, the log as streamed NDJSON from `GET /audit/export`.

use futures::{Stream, StreamExt};
use serde_json::{json, Value};
use zkcity_audit::Hash;

use super::error::ClientError;

/// A zkcity server's audit API.
#[derive(Debug, Clone)]
pub struct Server {
    base: String,
    http: reqwest::Client,
}

impl Server {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Server {
        Server {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
        }
    }

    async fn graphql(&self, query: &str, variables: Value) -> Result<Value, ClientError> {
        let url = format!("{}/graphql", self.base);
        let http = |e| http_error(&url, e);
        let resp = self
            .http
            .post(&url)
            .json(&json!({"query": query, "variables": variables}))
            .send()
            .await
            .map_err(http)?;
        let body: Value = resp.json().await.map_err(http)?;
        if let Some(err) = body.pointer("/errors/0") {
            let code = err
                .pointer("/extensions/code")
                .and_then(Value::as_str)
                .unwrap_or("UNKNOWN");
            let message = err
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Err(ClientError::Server {
                code: code.to_owned(),
                message: message.to_owned(),
            });
        }
        body.get("data")
            .cloned()
            .ok_or_else(|| ClientError::Server {
                code: "NO_DATA".into(),
                message: body.to_string(),
            })
    }

    /// The bytes of `GET /keys/verifying.key` (the caller checks their hash).
    pub async fn verifying_key(&self) -> Result<Vec<u8>, ClientError> {
        let url = format!("{}/keys/verifying.key", self.base);
        let resp = self.get(&url).await?;
        let bytes = resp.bytes().await.map_err(|e| http_error(&url, e))?;
        Ok(bytes.to_vec())
    }

    /// `GET url`; a status other than success is the server's coded error
    /// (`{"error": {"code", "message"}}`, else the status).
    async fn get(&self, url: &str) -> Result<reqwest::Response, ClientError> {
        let resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| http_error(url, e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or_default();
        let field = |name: &str| body.pointer(name).and_then(Value::as_str);
        Err(ClientError::Server {
            code: field("/error/code").unwrap_or(status.as_str()).to_owned(),
            message: field("/error/message").unwrap_or_default().to_owned(),
        })
    }

    /// The signed checkpoint note of the current head.
    pub async fn checkpoint(&self) -> Result<String, ClientError> {
        let data = self.graphql("{ checkpoint }", json!({})).await?;
        data.get("checkpoint")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ClientError::Server {
                code: "NO_DATA".into(),
                message: "no checkpoint in the response".into(),
            })
    }

    /// The epoch length the server says it uses (`zkParameters.epochSeconds`):
    /// only for comparison, never trusted (DESIGN §8).
    pub async fn epoch_seconds(&self) -> Result<u64, ClientError> {
        let data = self
            .graphql("{ zkParameters { epochSeconds } }", json!({}))
            .await?;
        data.pointer("/zkParameters/epochSeconds")
            .and_then(Value::as_u64)
            .ok_or_else(|| ClientError::Server {
                code: "NO_DATA".into(),
                message: "no zkParameters.epochSeconds in the response".into(),
            })
    }

    /// The RFC 6962 consistency proof from `from` to `to` entries.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, ClientError> {
        let q =
            "query($from: Int!, $to: Int!) { consistencyProof(from: $from, to: $to) { hashes } }";
        let data = self.graphql(q, json!({"from": from, "to": to})).await?;
        hashes(data.pointer("/consistencyProof/hashes"))
    }

    /// The inclusion proof of entry `index` in the tree of `size`: (leaf hash, path).
    pub async fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<(Hash, Vec<Hash>), ClientError> {
        let q = "query($i: Int!, $n: Int!) { inclusionProof(index: $i, treeSize: $n) { leafHash hashes } }";
        let data = self.graphql(q, json!({"i": index, "n": size})).await?;
        let leaf = hashes(Some(&json!([data.pointer("/inclusionProof/leafHash")])))?;
        let leaf = leaf.first().copied().ok_or_else(|| bad_hash("leafHash"))?;
        Ok((leaf, hashes(data.pointer("/inclusionProof/hashes"))?))
    }

    /// The NDJSON lines of entries `[from, to)`, streamed.
    pub async fn export_lines(
        &self,
        from: u64,
        to: Option<u64>,
    ) -> Result<impl Stream<Item = Result<String, ClientError>>, ClientError> {
        // Without `to` the server sends up to its current size.
        let url = match to {
            Some(to) => format!("{}/audit/export?from={from}&to={to}", self.base),
            None => format!("{}/audit/export?from={from}", self.base),
        };
        let resp = self.get(&url).await?;
        let bytes = resp
            .bytes_stream()
            .map(move |c| c.map_err(|e| http_error(&url, e)));
        Ok(split_lines(bytes))
    }
}

fn http_error(url: &str, e: reqwest::Error) -> ClientError {
    ClientError::Http {
        url: url.to_owned(),
        reason: e.to_string(),
    }
}

fn bad_hash(what: &str) -> ClientError {
    ClientError::Server {
        code: "BAD_RESPONSE".into(),
        message: format!("{what} is not 32 bytes of hex"),
    }
}

fn hashes(v: Option<&Value>) -> Result<Vec<Hash>, ClientError> {
    let list = v
        .and_then(Value::as_array)
        .ok_or_else(|| bad_hash("proof"))?;
    list.iter()
        .map(|h| {
            let mut out = [0u8; 32];
            let s = h.as_str().ok_or_else(|| bad_hash("proof hash"))?;
            hex::decode_to_slice(s, &mut out).map_err(|_| bad_hash("proof hash"))?;
            Ok(out)
        })
        .collect()
}

/// Splits a byte stream into lines (without the newline); a final line
/// without a newline is still yielded.
pub fn split_lines<B, S>(bytes: S) -> impl Stream<Item = Result<String, ClientError>>
where
    B: AsRef<[u8]>,
    S: Stream<Item = Result<B, ClientError>> + Unpin,
{
    futures::stream::unfold(
        (bytes, Vec::<u8>::new(), false),
        |(mut bytes, mut buf, mut done)| async move {
            loop {
                if let Some(pos) = buf.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=pos).collect();
                    return Some((utf8(&line[..line.len() - 1]), (bytes, buf, done)));
                }
                if done {
                    if buf.is_empty() {
                        return None;
                    }
                    let line = std::mem::take(&mut buf);
                    return Some((utf8(&line), (bytes, buf, true)));
                }
                match bytes.next().await {
                    Some(Ok(chunk)) => buf.extend_from_slice(chunk.as_ref()),
                    Some(Err(e)) => return Some((Err(e), (bytes, Vec::new(), true))),
                    None => done = true,
                }
            }
        },
    )
}

fn utf8(bytes: &[u8]) -> Result<String, ClientError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| ClientError::Server {
        code: "BAD_RESPONSE".into(),
        message: "export line is not UTF-8".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn splits_lines_across_chunks() {
        let chunks: Vec<Result<&[u8], ClientError>> = vec![Ok(b"ab"), Ok(b"c\nde\n\nf"), Ok(b"g")];
        let lines: Vec<String> = split_lines(futures::stream::iter(chunks))
            .map(|l| l.unwrap_or_else(|e| e.to_string()))
            .collect()
            .await;
        assert_eq!(lines, vec!["abc", "de", "", "fg"]);
    }
}
