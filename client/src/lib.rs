//! zkcity client crate.
