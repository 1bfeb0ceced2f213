//! Comparison benches only; see `benches/compare.rs`.
