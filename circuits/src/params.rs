//! Circuit shape chosen at setup: tree depth `D` and slot bits `q` (DESIGN §4).

use crate::error::ParamsError;

/// Largest supported tree depth (`2^32` members; the tree never allocates `2^D`).
pub const MAX_DEPTH: usize = 32;
/// Largest supported number of slot bits (slots are `u64`, far below `2^32` in practice).
pub const MAX_SLOT_BITS: usize = 32;
/// Default tree depth `D` (DESIGN §4).
pub const DEFAULT_DEPTH: usize = 20;
/// Default slot bits `q`: 1024 queries per identity per epoch (DESIGN §4).
pub const DEFAULT_SLOT_BITS: usize = 10;

/// A validated `(D, q)` pair; the circuit, its keys and the tree agree on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CircuitParams {
    depth: usize,
    slot_bits: usize,
}

impl CircuitParams {
    /// Validates `1 <= depth <= 32` and `1 <= slot_bits <= 32`.
    pub fn new(depth: usize, slot_bits: usize) -> Result<Self, ParamsError> {
        if depth == 0 || depth > MAX_DEPTH {
            return Err(ParamsError::Depth {
                depth,
                max: MAX_DEPTH,
            });
        }
        if slot_bits == 0 || slot_bits > MAX_SLOT_BITS {
            return Err(ParamsError::SlotBits {
                slot_bits,
                max: MAX_SLOT_BITS,
            });
        }
        Ok(Self { depth, slot_bits })
    }

    /// Tree depth `D`.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Slot bits `q`: valid slots are `0..2^q`.
    pub fn slot_bits(&self) -> usize {
        self.slot_bits
    }

    /// Number of slots per identity per epoch, `2^q`.
    pub fn slots_per_epoch(&self) -> u64 {
        1u64 << self.slot_bits
    }
}

impl Default for CircuitParams {
    fn default() -> Self {
        Self {
            depth: DEFAULT_DEPTH,
            slot_bits: DEFAULT_SLOT_BITS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_ranges() {
        for d in [16, 20, 24, 32] {
            assert!(CircuitParams::new(d, 10).is_ok());
        }
        assert!(CircuitParams::new(0, 10).is_err());
        assert!(CircuitParams::new(33, 10).is_err());
        assert!(CircuitParams::new(20, 0).is_err());
        assert!(CircuitParams::new(20, 33).is_err());
        assert_eq!(CircuitParams::default().slots_per_epoch(), 1024);
    }
}
