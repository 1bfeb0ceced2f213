//! Key commands: `zkcity setup`, a single-party Groth16 setup of the
//! circuit (DESIGN §4), and `zkcity keys export-r1cs | import |
//! export-snarkjs`, which let a public snarkjs ceremony make the keys
//! instead (DESIGN §5 amendment; circuits/README.md "Trusted setup").

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use zkcity_circuits::keys::{
    peek_params, sha256_hex, verifying_key_from_bytes, write_proving_key, write_verifying_key,
    KeyOrigin,
};
use zkcity_circuits::snarkjs::json::verification_key_json;
use zkcity_circuits::snarkjs::{import_zkey, r1cs_file};
use zkcity_circuits::CircuitParams;

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

/// `zkcity keys …`: the circuit and its keys in the snarkjs ecosystem's
/// formats, so the keys can come from a public ceremony
/// (circuits/README.md "Trusted setup").
#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Write the circuit's constraint system as an iden3 .r1cs file (input of `snarkjs groth16 setup`).
    ExportR1cs {
        /// Membership tree depth D.
        #[arg(long, default_value_t = 20)]
        depth: usize,
        /// Slot bits q.
        #[arg(long, default_value_t = 10)]
        slot_bits: usize,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Import a ceremony's final snarkjs Groth16 .zkey as the deployment's keys.
    Import {
        /// The final .zkey (after the phase-2 contributions and the beacon).
        #[arg(long)]
        zkey: PathBuf,
        /// Membership tree depth D the zkey must be for.
        #[arg(long, default_value_t = 20)]
        depth: usize,
        /// Slot bits q the zkey must be for.
        #[arg(long, default_value_t = 10)]
        slot_bits: usize,
        /// Output directory for proving.key and verifying.key.
        #[arg(long)]
        out: PathBuf,
        /// Replace key files already in the output directory.
        #[arg(long)]
        force: bool,
    },
    /// Write verification_key.json for `snarkjs groth16 verify`.
    ExportSnarkjs {
        /// The zkcity verifying key file.
        #[arg(long, default_value = "data/keys/verifying.key")]
        verifying_key: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs one `zkcity keys` command.
pub fn run(command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::ExportR1cs {
            depth,
            slot_bits,
            out,
        } => export_r1cs(CircuitParams::new(depth, slot_bits)?, &out),
        KeysCommand::Import {
            zkey,
            depth,
            slot_bits,
            out,
            force,
        } => import(&zkey, CircuitParams::new(depth, slot_bits)?, &out, force),
        KeysCommand::ExportSnarkjs { verifying_key, out } => export_snarkjs(&verifying_key, &out),
    }
}

fn export_r1cs(params: CircuitParams, out: &Path) -> anyhow::Result<ExitCode> {
    let (bytes, info) = r1cs_file(params).context("building the circuit's R1CS")?;
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "{}: {} constraints, {} wires, {} public inputs (D = {}, q = {}), sha256 {}",
        out.display(),
        info.constraints,
        info.wires,
        info.public_inputs,
        params.depth(),
        params.slot_bits(),
        sha256_hex(&bytes)
    );
    Ok(ExitCode::SUCCESS)
}

fn import(zkey: &Path, params: CircuitParams, out: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let (pk_path, vk_path) = (out.join("proving.key"), out.join("verifying.key"));
    if !force {
        if let Some(existing) = [&pk_path, &vk_path].into_iter().find(|p| p.exists()) {
            anyhow::bail!(
                "{} already exists; pass --force to replace the deployment's keys",
                existing.display()
            );
        }
    }
    let bytes = std::fs::read(zkey).with_context(|| format!("reading {}", zkey.display()))?;
    eprintln!(
        "checking {} ({} bytes) against the circuit for D = {}, q = {}: every point, the coefficients, the transcript, a test proof ...",
        zkey.display(),
        bytes.len(),
        params.depth(),
        params.slot_bits()
    );
    let start = Instant::now();
    let pk = import_zkey(&bytes, params, &mut rand::rngs::OsRng)
        .with_context(|| format!("{} was refused", zkey.display()))?;
    eprintln!("checked in {:.1?}; writing keys ...", start.elapsed());
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let pk_sha = write_proving_key(&pk_path, &pk)
        .with_context(|| format!("writing {}", pk_path.display()))?;
    let vk_sha = write_verifying_key(&vk_path, &pk.verifying_key())
        .with_context(|| format!("writing {}", vk_path.display()))?;
    print_origin(pk.origin());
    println!("{}  sha256 {pk_sha}", pk_path.display());
    println!("{}  sha256 {vk_sha}", vk_path.display());
    Ok(ExitCode::SUCCESS)
}

fn print_origin(origin: &KeyOrigin) {
    let KeyOrigin::Ceremony(c) = origin else {
        println!("origin: single-party setup");
        return;
    };
    println!(
        "origin: ceremony, zkey sha256 {}",
        hex::encode(c.zkey_sha256)
    );
    println!("circuit hash {}", hex::encode(c.circuit_hash));
    for (i, contribution) in c.contributions.iter().enumerate() {
        let kind = if contribution.beacon {
            "beacon"
        } else {
            "contribution"
        };
        println!(
            "  #{} {kind} {:?}: {}",
            i + 1,
            contribution.name,
            hex::encode(contribution.hash)
        );
    }
}

fn export_snarkjs(verifying_key: &Path, out: &Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(verifying_key)
        .with_context(|| format!("reading {}", verifying_key.display()))?;
    let params = peek_params(&bytes)
        .with_context(|| format!("{} is not a zkcity key", verifying_key.display()))?;
    let vk = verifying_key_from_bytes(&bytes, params)
        .with_context(|| format!("loading {}", verifying_key.display()))?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let path = out.join("verification_key.json");
    let json = serde_json::to_string_pretty(&verification_key_json(&vk))?;
    std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?;
    println!("{} (origin: {})", path.display(), vk.origin().kind());
    Ok(ExitCode::SUCCESS)
}
