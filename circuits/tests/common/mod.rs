//! Shared fixtures: one Groth16 setup per test binary (setup dominates run time).

#![allow(dead_code)]

use std::sync::OnceLock;

use rand::{rngs::StdRng, SeedableRng};
use zkcity_circuits::identity::Identity;
use zkcity_circuits::keys::{setup, PreparedVerifyingKey, ProvingKey, VerifyingKey};
use zkcity_circuits::poseidon::hash2;
use zkcity_circuits::proof::{prove, Proof};
use zkcity_circuits::statement::PublicInputs;
use zkcity_circuits::tree::{IncrementalTree, MerklePath};
use zkcity_circuits::Fr;

/// Small depth keeps the suite fast; D = 20 is covered separately.
pub const DEPTH: usize = 16;
pub const SLOT_BITS: usize = 10;

pub struct Keys {
    pub pk: ProvingKey,
    pub vk: VerifyingKey,
    pub pvk: PreparedVerifyingKey,
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let (pk, vk) = setup(DEPTH, SLOT_BITS, &mut rng(1)).expect("setup");
        let pvk = vk.prepare();
        Keys { pk, vk, pvk }
    })
}

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A tree with 5 random members; returns the tree and the identities.
pub fn members(depth: usize, seed: u64) -> (IncrementalTree, Vec<Identity>) {
    let mut r = rng(seed);
    let ids: Vec<Identity> = (0..5).map(|_| Identity::random(&mut r)).collect();
    let mut tree = IncrementalTree::new(depth).expect("tree");
    for id in &ids {
        tree.append(id.commitment()).expect("append");
    }
    (tree, ids)
}

pub struct Statement {
    pub identity: Identity,
    pub path: MerklePath,
    pub slot: u64,
    pub inputs: PublicInputs,
}

/// An honest statement for member `who` at `(epoch, slot)` with a distinct `m` per `tag`.
pub fn statement(
    tree: &IncrementalTree,
    ids: &[Identity],
    who: usize,
    epoch: u64,
    slot: u64,
    tag: u64,
) -> Statement {
    let identity = ids[who].clone();
    let path = tree.path(who as u64).expect("path");
    let m = hash2(Fr::from(tag), Fr::from(tag + 1));
    let inputs = PublicInputs::derive(&identity, &path, epoch, slot, m);
    Statement {
        identity,
        path,
        slot,
        inputs,
    }
}

pub fn prove_statement(pk: &ProvingKey, s: &Statement, seed: u64) -> Proof {
    prove(
        pk,
        &s.identity,
        &s.path,
        s.inputs.epoch,
        s.slot,
        s.inputs.m,
        &mut rng(seed),
    )
    .expect("prove")
}
