//! One `add-checkpoint` call (C2SP tlog-witness) and what its answer means
//! to the submitter.

use std::time::Duration;

use zkcity_audit::witness::{canonical_u64, AddCheckpoint, SIZE_CONTENT_TYPE};

/// Largest answer read from a witness (a few signature lines).
const MAX_ANSWER: usize = 16 * 1024;

/// What a witness answered.
#[derive(Debug)]
pub enum Answer {
    /// 200: its signature lines.
    Cosigned(String),
    /// 409: the size it last cosigned.
    Conflict(u64),
}

/// Why a submission failed; `reason()` is a bounded metric label.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// No answer: connection refused, timeout, reset.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// A status other than 200 and a well-formed 409.
    #[error("refused with status {status}: {body}")]
    Refused { status: u16, body: String },
}

impl SubmitError {
    /// The metric label of this failure.
    pub fn reason(&self) -> &'static str {
        match self {
            SubmitError::Unreachable(_) => "unreachable",
            SubmitError::Refused { status, .. } if *status >= 500 => "server_error",
            SubmitError::Refused { .. } => "refused",
        }
    }
}

/// POSTs `request` to `<url>/add-checkpoint`.
pub async fn submit(
    http: &reqwest::Client,
    url: &str,
    request: &AddCheckpoint,
    timeout: Duration,
) -> Result<Answer, SubmitError> {
    let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
    let resp = http
        .post(&endpoint)
        .timeout(timeout)
        .body(request.to_body())
        .send()
        .await
        .map_err(|e| SubmitError::Unreachable(e.without_url().to_string()))?;
    let status = resp.status().as_u16();
    let is_size = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(SIZE_CONTENT_TYPE));
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| SubmitError::Unreachable(e.without_url().to_string()))?;
    let body = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_ANSWER)]).into_owned();
    match status {
        200 => Ok(Answer::Cosigned(body)),
        409 if is_size => body
            .strip_suffix('\n')
            .and_then(canonical_u64)
            .map(Answer::Conflict)
            .ok_or(SubmitError::Refused {
                status,
                body: "malformed size".into(),
            }),
        _ => Err(SubmitError::Refused {
            status,
            body: body.chars().take(200).collect(),
        }),
    }
}
