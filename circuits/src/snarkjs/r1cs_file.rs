//! Writing the circuit as an iden3 `.r1cs` file (iden3/r1csfile, format
//! version 1), the input of `snarkjs groth16 setup` and `zkey verify`.
//!
//! Wires are numbered as our prover numbers variables: wire 0 is the
//! constant one, wires 1–4 the public inputs `root, e, n, m` (DESIGN §4
//! order, declared as public inputs with no outputs), then every witness
//! variable in allocation order. Private inputs are not told apart from
//! internal wires (`nPrvIn = 0`): zkcity computes the whole witness itself,
//! so no witness generator needs that split. Coefficients are canonical
//! little-endian integers.

use crate::error::SnarkjsError;
use crate::params::CircuitParams;
use crate::r1cs::R1csMatrices;
use crate::Fr;

use super::binfile;
use super::points::{modulus_le, to_le, N8};

const HEADER: u32 = 1;
const CONSTRAINTS: u32 = 2;
const WIRE_TO_LABEL: u32 = 3;

/// The counts `snarkjs r1cs info` prints, for the CLI to show next to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct R1csInfo {
    /// Wires including the constant one.
    pub wires: usize,
    /// Constraints.
    pub constraints: usize,
    /// Public inputs (no public outputs).
    pub public_inputs: usize,
}

/// One linear combination as `(wire, coefficient)` pairs, sorted by wire,
/// duplicates merged and zero terms dropped: the form both the `.r1cs`
/// export and the `.zkey` comparison use, so they cannot disagree.
pub(crate) fn normalized(row: &[(Fr, usize)]) -> Vec<(usize, Fr)> {
    let mut terms: Vec<(usize, Fr)> = row.iter().map(|(c, w)| (*w, *c)).collect();
    terms.sort_by_key(|(w, _)| *w);
    let mut out: Vec<(usize, Fr)> = Vec::with_capacity(terms.len());
    for (wire, coefficient) in terms {
        match out.last_mut() {
            Some((last, sum)) if *last == wire => *sum += coefficient,
            _ => out.push((wire, coefficient)),
        }
    }
    out.retain(|(_, c)| *c != Fr::from(0u64));
    out
}

/// The `.r1cs` bytes of the circuit for `params`, and their counts.
pub fn r1cs_file(params: CircuitParams) -> Result<(Vec<u8>, R1csInfo), SnarkjsError> {
    let m = R1csMatrices::for_params(params).map_err(SnarkjsError::Synthesis)?;
    let info = R1csInfo {
        wires: m.num_instance + m.num_witness,
        constraints: m.num_constraints,
        public_inputs: m.num_instance - 1,
    };
    let sections = [
        (HEADER, header(&info)),
        (CONSTRAINTS, constraints(&m)),
        (WIRE_TO_LABEL, labels(info.wires)),
    ];
    Ok((binfile::write(b"r1cs", &sections), info))
}

fn header(info: &R1csInfo) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(N8 as u32).to_le_bytes());
    out.extend_from_slice(&modulus_le::<Fr>());
    for n in [info.wires, 0, info.public_inputs, 0] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    out.extend_from_slice(&(info.wires as u64).to_le_bytes()); // labels: one per wire
    out.extend_from_slice(&(info.constraints as u32).to_le_bytes());
    out
}

fn constraints(m: &R1csMatrices) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..m.num_constraints {
        for matrix in &m.abc {
            let terms = normalized(matrix.get(i).map(Vec::as_slice).unwrap_or(&[]));
            out.extend_from_slice(&(terms.len() as u32).to_le_bytes());
            for (wire, coefficient) in terms {
                out.extend_from_slice(&(wire as u32).to_le_bytes());
                out.extend_from_slice(&to_le(coefficient));
            }
        }
    }
    out
}

/// The identity map: label `i` for wire `i`.
fn labels(wires: usize) -> Vec<u8> {
    (0..wires as u64).flat_map(u64::to_le_bytes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snarkjs::binfile::Sections;

    #[test]
    fn header_counts_match_the_circuit_and_constraints_fill_their_section() {
        let params = CircuitParams::new(4, 3).expect("params");
        let (bytes, info) = r1cs_file(params).expect("r1cs");
        let m = R1csMatrices::for_params(params).expect("matrices");
        assert_eq!(info.wires, m.num_instance + m.num_witness);
        assert_eq!(info.public_inputs, 4);
        let sections = Sections::read(&bytes, b"r1cs", 3).expect("container");
        let mut h = sections.section(HEADER, "header").expect("header");
        assert_eq!(h.u32().expect("n8"), 32);
        assert_eq!(h.array::<32>().expect("prime"), &modulus_le::<Fr>());
        let counts: Vec<u32> = (0..4).map(|_| h.u32().expect("count")).collect();
        assert_eq!(counts, [info.wires as u32, 0, 4, 0]);
        assert_eq!(h.u64().expect("labels"), info.wires as u64);
        assert_eq!(h.u32().expect("constraints") as usize, m.num_constraints);
        h.finish().expect("exact header");
        // Walk every constraint: three LCs of (u32 wire, 32-byte coefficient).
        let mut c = sections
            .section(CONSTRAINTS, "constraints")
            .expect("constraints");
        for _ in 0..3 * m.num_constraints {
            for _ in 0..c.u32().expect("terms") {
                assert!((c.u32().expect("wire") as usize) < info.wires);
                c.take(32).expect("coefficient");
            }
        }
        c.finish().expect("exact constraints");
    }

    #[test]
    fn normalization_merges_duplicates_and_drops_zeros() {
        let one = Fr::from(1u64);
        let row = [(one, 3), (Fr::from(2u64), 1), (-one, 3), (one, 1)];
        assert_eq!(normalized(&row), vec![(1, Fr::from(3u64))]);
    }
}
