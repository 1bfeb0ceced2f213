//! The server's copy of the circuit keys (DESIGN §4): the verifying key
//! parsed, validated and prepared once; both files' bytes and SHA-256 kept to
//! serve `GET /keys/*.key` and `zkParameters`. The proving key is only
//! served, never used, so its header is checked (D, q) but its body is not
//! parsed — clients validate it when they load it.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use axum::body::Bytes;
use zkcity_circuits::keys::{
    peek_origin, peek_params, sha256_hex, verifying_key_from_bytes, write_proving_key,
    write_verifying_key, KeyOrigin,
};
use zkcity_circuits::{setup, CircuitParams, PreparedVerifyingKey};

/// One key file as served.
#[derive(Clone)]
pub struct KeyFile {
    pub bytes: Bytes,
    pub sha256: String,
}

/// Keys loaded at start.
#[derive(Clone)]
pub struct KeyMaterial {
    pub params: CircuitParams,
    pub proving: KeyFile,
    pub verifying: KeyFile,
    pub pvk: Arc<PreparedVerifyingKey>,
    /// Single-party setup or ceremony, as both key files record it.
    pub origin: KeyOrigin,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("params", &self.params)
            .field("proving_sha256", &self.proving.sha256)
            .field("verifying_sha256", &self.verifying.sha256)
            .field("origin", &self.origin.kind())
            .finish()
    }
}

impl KeyMaterial {
    /// Loads both key files, checking they are for `params`; when both are
    /// missing and `generate` is set, runs a single-party setup first.
    pub fn load(
        proving: &Path,
        verifying: &Path,
        params: CircuitParams,
        generate: bool,
    ) -> anyhow::Result<Self> {
        if generate && !proving.exists() && !verifying.exists() {
            generate_keys(proving, verifying, params)?;
        }
        let pk = std::fs::read(proving)
            .with_context(|| format!("reading the proving key {}", proving.display()))?;
        let found = peek_params(&pk)
            .with_context(|| format!("{} is not a zkcity proving key", proving.display()))?;
        anyhow::ensure!(
            found == params,
            "{} is for D = {}, q = {}, but the server is configured for D = {}, q = {}",
            proving.display(),
            found.depth(),
            found.slot_bits(),
            params.depth(),
            params.slot_bits()
        );
        let vk_bytes = std::fs::read(verifying)
            .with_context(|| format!("reading the verifying key {}", verifying.display()))?;
        let vk = verifying_key_from_bytes(&vk_bytes, params).with_context(|| {
            format!(
                "loading the verifying key {} for D = {}, q = {}",
                verifying.display(),
                params.depth(),
                params.slot_bits()
            )
        })?;
        let pk_origin = peek_origin(&pk)
            .with_context(|| format!("reading the origin of {}", proving.display()))?;
        anyhow::ensure!(
            &pk_origin == vk.origin(),
            "{} and {} record different origins ({} and {}): they are not one key pair",
            proving.display(),
            verifying.display(),
            pk_origin.kind(),
            vk.origin().kind()
        );
        Ok(Self {
            params,
            origin: pk_origin,
            proving: KeyFile {
                sha256: sha256_hex(&pk),
                bytes: Bytes::from(pk),
            },
            verifying: KeyFile {
                sha256: sha256_hex(&vk_bytes),
                bytes: Bytes::from(vk_bytes),
            },
            pvk: Arc::new(vk.prepare()),
        })
    }
}

/// A single-party setup (see the circuits crate's "Trusted setup" section):
/// acceptable for a first look, not for production.
fn generate_keys(proving: &Path, verifying: &Path, params: CircuitParams) -> anyhow::Result<()> {
    tracing::warn!(
        depth = params.depth(),
        slot_bits = params.slot_bits(),
        "no circuit keys found: running a single-party setup (not for production)"
    );
    for path in [proving, verifying] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    let (pk, vk) = setup(params.depth(), params.slot_bits(), &mut rand::rngs::OsRng)
        .context("circuit setup")?;
    write_proving_key(proving, &pk).with_context(|| format!("writing {}", proving.display()))?;
    write_verifying_key(verifying, &vk)
        .with_context(|| format!("writing {}", verifying.display()))?;
    Ok(())
}
