//! `zkParameters`: everything a requester needs to build a proof the gate
//! accepts (DESIGN §4, §5). Public: it never needs a proof.

use async_graphql::{Context, Object, Result, SimpleObject};
use serde::Serialize;
use zkcity_circuits::fr_to_decimal;
use zkcity_circuits::keys::KeyOrigin;

use super::error::ApiError;
use crate::gate::Gate;

#[derive(Default)]
pub struct ZkQuery;

/// The circuit and gate parameters in force.
#[derive(SimpleObject)]
pub struct ZkParameters {
    /// Membership tree depth `D`.
    pub depth: u32,
    /// Slot bits `q`: `2^q` queries per identity per epoch.
    pub slot_bits: u32,
    /// Epoch length in seconds.
    pub epoch_seconds: u64,
    /// The server's current epoch (the previous one is also accepted).
    pub current_epoch: u64,
    /// The membership roots a proof may use, oldest first (canonical decimals).
    pub accepted_roots: Vec<String>,
    /// Hex SHA-256 of `GET /keys/proving.key`.
    pub proving_key_sha256: String,
    /// Hex SHA-256 of `GET /keys/verifying.key`.
    pub verifying_key_sha256: String,
    /// The audit log's checkpoint verifier key (`name+keyid+base64`), to pin.
    pub log_public_key: String,
    /// The audit log's checkpoint origin.
    pub log_origin: String,
    /// Root query fields that need a proof under the server's policy
    /// (DESIGN §5), sorted: a client (the privacy proxy) proves exactly the
    /// operations that select one of them.
    pub gated_root_fields: Vec<String>,
    /// Where the circuit keys came from: what their soundness rests on.
    pub key_origin: KeyOriginView,
}

/// Where the circuit keys came from (circuits/README.md "Trusted setup"),
/// as GraphQL `zkParameters.keyOrigin` and in `GET /keys`.
#[derive(SimpleObject, Serialize, Clone, Debug)]
#[graphql(name = "KeyOrigin")]
#[serde(rename_all = "camelCase")]
pub struct KeyOriginView {
    /// `single-party` (whoever ran `zkcity setup` could forge proofs) or
    /// `ceremony` (sound if one phase-2 contributor was honest).
    pub kind: String,
    /// Ceremony keys: hex SHA-256 of the imported `.zkey`.
    pub zkey_sha256: Option<String>,
    /// Ceremony keys: snarkjs's circuit hash of the initial zkey (hex BLAKE2b-512).
    pub circuit_hash: Option<String>,
    /// Ceremony keys: the phase-2 contributions, oldest first, the beacon
    /// last, with the hashes `snarkjs zkey verify` prints (newest first).
    pub contributions: Vec<ContributionView>,
}

/// One phase-2 contribution.
#[derive(SimpleObject, Serialize, Clone, Debug)]
#[graphql(name = "CeremonyContribution")]
#[serde(rename_all = "camelCase")]
pub struct ContributionView {
    /// The contributor's self-chosen name.
    pub name: String,
    /// Hex BLAKE2b-512 contribution hash.
    pub hash: String,
    /// Whether this is the final random beacon.
    pub beacon: bool,
}

impl From<&KeyOrigin> for KeyOriginView {
    fn from(origin: &KeyOrigin) -> Self {
        let ceremony = match origin {
            KeyOrigin::Ceremony(c) => Some(c),
            KeyOrigin::SingleParty => None,
        };
        KeyOriginView {
            kind: origin.kind().to_owned(),
            zkey_sha256: ceremony.map(|c| hex::encode(c.zkey_sha256)),
            circuit_hash: ceremony.map(|c| hex::encode(c.circuit_hash)),
            contributions: ceremony
                .map(|c| &c.contributions[..])
                .unwrap_or_default()
                .iter()
                .map(|c| ContributionView {
                    name: c.name.clone(),
                    hash: hex::encode(c.hash),
                    beacon: c.beacon,
                })
                .collect(),
        }
    }
}

#[Object]
impl ZkQuery {
    /// Parameters for anonymous queries.
    #[graphql(complexity = "crate::graphql::pagination::ROUND_TRIP + child_complexity")]
    async fn zk_parameters(&self, ctx: &Context<'_>) -> Result<ZkParameters> {
        let gate = ctx.data::<Gate>()?;
        // The schema's ledger reads with the public pool.
        let roots = ctx
            .data::<zkcity_ledger::Ledger>()?
            .recent_roots()
            .await
            .map_err(|cause| ApiError::Ledger {
                cause,
                message: "the membership roots are unavailable",
            })?;
        let keys = gate.keys();
        Ok(ZkParameters {
            depth: keys.params.depth() as u32,
            slot_bits: keys.params.slot_bits() as u32,
            epoch_seconds: gate.settings().epoch_seconds,
            current_epoch: gate.settings().current_epoch(),
            accepted_roots: roots.iter().map(fr_to_decimal).collect(),
            proving_key_sha256: keys.proving.sha256.clone(),
            verifying_key_sha256: keys.verifying.sha256.clone(),
            log_public_key: gate.ledger().verifier_key(),
            log_origin: gate.ledger().origin().to_owned(),
            gated_root_fields: gate.gated_root_fields(),
            key_origin: KeyOriginView::from(&keys.origin),
        })
    }
}
