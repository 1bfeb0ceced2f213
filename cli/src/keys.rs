//! Key commands: `zkcity setup`, a single-party Groth16 setup of the
//! circuit (DESIGN §4). See the circuits crate's "Trusted setup" section for
//! what that trusts.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use zkcity_circuits::keys::{write_proving_key, write_verifying_key};

#[derive(Args, Debug)]
pub struct SetupArgs {
    /// Membership tree depth D (must equal the server's audit.membership_depth).
    #[arg(long, default_value_t = 20)]
    pub depth: usize,
    /// Slot bits q (2^q queries per identity per epoch).
    #[arg(long, default_value_t = 10)]
    pub slot_bits: usize,
    /// Output directory for proving.key and verifying.key.
    #[arg(long)]
    pub out: PathBuf,
}

/// `zkcity setup`: a single-party Groth16 setup (see the circuits crate's
/// "Trusted setup" section for what that trusts).
pub fn setup(args: SetupArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    eprintln!(
        "setting up the circuit for D = {}, q = {} ...",
        args.depth, args.slot_bits
    );
    let start = Instant::now();
    let (pk, vk) = zkcity_circuits::setup(args.depth, args.slot_bits, &mut rand::rngs::OsRng)
        .context("circuit setup")?;
    eprintln!("setup done in {:.1?}; writing keys ...", start.elapsed());
    let pk_path = args.out.join("proving.key");
    let vk_path = args.out.join("verifying.key");
    let pk_sha = write_proving_key(&pk_path, &pk)
        .with_context(|| format!("writing {}", pk_path.display()))?;
    let vk_sha = write_verifying_key(&vk_path, &vk)
        .with_context(|| format!("writing {}", vk_path.display()))?;
    println!("{}  sha256 {pk_sha}", pk_path.display());
    println!("{}  sha256 {vk_sha}", vk_path.display());
    Ok(ExitCode::SUCCESS)
}
