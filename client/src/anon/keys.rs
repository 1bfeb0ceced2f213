//! The client's key cache: keys are downloaded once, checked against the
//! SHA-256 the server publishes in `zkParameters` (and against a hash
//! pinned in the state directory on first use, so a server cannot swap keys
//! silently later), validated on load (every point, the D/q header), and
//! stored under their hash.

use std::path::{Path, PathBuf};

use zkcity_circuits::keys::{proving_key_from_bytes, sha256_hex, verifying_key_from_bytes};
use zkcity_circuits::{CircuitParams, ProvingKey, VerifyingKey};

use super::error::AnonError;
use super::server::{ZkParams, ZkServer};

/// Where keys are cached: `<state>/keys/<sha256>.key`.
fn cached_path(state_dir: &Path, sha: &str) -> PathBuf {
    state_dir.join("keys").join(format!("{sha}.key"))
}

/// Returns the bytes of key file `name` whose SHA-256 must be `sha`, from
/// the cache or downloaded (and then cached).
pub async fn fetch_key_bytes(
    server: &ZkServer,
    state_dir: &Path,
    name: &str,
    sha: &str,
) -> Result<Vec<u8>, AnonError> {
    let path = cached_path(state_dir, sha);
    if let Ok(bytes) = std::fs::read(&path) {
        if sha256_hex(&bytes) == sha {
            return Ok(bytes);
        }
    }
    let bytes = server.key_file(name).await?;
    let got = sha256_hex(&bytes);
    if got != sha {
        return Err(AnonError::Key(format!(
            "{name} has SHA-256 {got}, but zkParameters publishes {sha}"
        )));
    }
    let dir = state_dir.join("keys");
    std::fs::create_dir_all(&dir).map_err(|e| AnonError::io(&dir, e))?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, &bytes)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| AnonError::io(&path, e))?;
    Ok(bytes)
}

fn params_of(p: &ZkParams) -> Result<CircuitParams, AnonError> {
    CircuitParams::new(p.depth, p.slot_bits)
        .map_err(|e| AnonError::Protocol(format!("zkParameters: {e}")))
}

/// The proving key for the server's parameters, validated.
pub async fn proving_key(
    server: &ZkServer,
    state_dir: &Path,
    params: &ZkParams,
) -> Result<ProvingKey, AnonError> {
    let bytes =
        fetch_key_bytes(server, state_dir, "proving.key", &params.proving_key_sha256).await?;
    let expected = params_of(params)?;
    tokio::task::spawn_blocking(move || proving_key_from_bytes(&bytes, expected))
        .await
        .map_err(|e| AnonError::Key(e.to_string()))?
        .map_err(|e| AnonError::Key(format!("proving.key: {e}")))
}

/// The verifying key for the server's parameters, validated.
pub async fn verifying_key(
    server: &ZkServer,
    state_dir: &Path,
    params: &ZkParams,
) -> Result<VerifyingKey, AnonError> {
    let bytes = fetch_key_bytes(
        server,
        state_dir,
        "verifying.key",
        &params.verifying_key_sha256,
    )
    .await?;
    verifying_key_from_bytes(&bytes, params_of(params)?)
        .map_err(|e| AnonError::Key(format!("verifying.key: {e}")))
}
