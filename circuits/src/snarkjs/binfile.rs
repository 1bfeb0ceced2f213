//! The iden3 binary container shared by `.r1cs`, `.ptau` and `.zkey` files:
//! 4-byte magic, `u32` version 1, `u32` section count, then sections of
//! `u32` type, `u64` size and content, all little-endian (iden3
//! `binfileutils`; the r1cs format is documented in iden3/r1csfile).

use std::collections::BTreeMap;

use crate::error::SnarkjsError;

/// A container's sections by type, each present at most once.
pub(crate) struct Sections<'a> {
    by_type: BTreeMap<u32, &'a [u8]>,
}

impl<'a> Sections<'a> {
    /// Splits `bytes` into sections, refusing another magic or version, a
    /// section type outside `1..=max_type` or given twice, a section that
    /// runs past the end, and bytes after the last section.
    pub(crate) fn read(
        bytes: &'a [u8],
        magic: &[u8; 4],
        max_type: u32,
    ) -> Result<Self, SnarkjsError> {
        let mut r = Le::new(bytes, "file header");
        if r.take(4)? != magic {
            return Err(SnarkjsError::BadMagic(magic_name(magic)));
        }
        let version = r.u32()?;
        if version != 1 {
            return Err(SnarkjsError::UnsupportedVersion(version));
        }
        let count = r.u32()?;
        let mut by_type = BTreeMap::new();
        for _ in 0..count {
            let kind = r.u32()?;
            let size =
                usize::try_from(r.u64()?).map_err(|_| SnarkjsError::Truncated("a section"))?;
            let content = r
                .take(size)
                .map_err(|_| SnarkjsError::Truncated("a section"))?;
            if kind == 0 || kind > max_type {
                return Err(SnarkjsError::UnknownSection(kind));
            }
            if by_type.insert(kind, content).is_some() {
                return Err(SnarkjsError::DuplicateSection(kind));
            }
        }
        r.finish()?;
        Ok(Sections { by_type })
    }

    /// A section's reader, or an error naming what it holds.
    pub(crate) fn section(&self, kind: u32, what: &'static str) -> Result<Le<'a>, SnarkjsError> {
        self.by_type
            .get(&kind)
            .map(|bytes| Le::new(bytes, what))
            .ok_or(SnarkjsError::MissingSection(what))
    }
}

fn magic_name(magic: &[u8; 4]) -> &'static str {
    match magic {
        b"zkey" => "zkey",
        b"r1cs" => "r1cs",
        _ => "iden3 binary",
    }
}

/// A little-endian cursor over one section; `what` names it in errors.
pub(crate) struct Le<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Le<'a> {
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Le { bytes, what }
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], SnarkjsError> {
        if self.bytes.len() < n {
            return Err(SnarkjsError::Truncated(self.what));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    pub(crate) fn array<const N: usize>(&mut self) -> Result<&'a [u8; N], SnarkjsError> {
        self.take(N)?
            .try_into()
            .map_err(|_| SnarkjsError::Truncated(self.what))
    }
    pub(crate) fn u8(&mut self) -> Result<u8, SnarkjsError> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32, SnarkjsError> {
        Ok(u32::from_le_bytes(*self.array::<4>()?))
    }
    pub(crate) fn u64(&mut self) -> Result<u64, SnarkjsError> {
        Ok(u64::from_le_bytes(*self.array::<8>()?))
    }
    /// Bytes left in the section.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len()
    }
    /// Refuses unread bytes: every section has an exact size.
    pub(crate) fn finish(self) -> Result<(), SnarkjsError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(SnarkjsError::TrailingBytes(self.what))
        }
    }
}

/// Writes an iden3 container from `(type, content)` sections.
pub(crate) fn write(magic: &[u8; 4], sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let total: usize = sections.iter().map(|(_, c)| 12 + c.len()).sum();
    let mut out = Vec::with_capacity(12 + total);
    out.extend_from_slice(magic);
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for (kind, content) in sections {
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(content.len() as u64).to_le_bytes());
        out.extend_from_slice(content);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_round_trip_and_refuse_damage() {
        let bytes = write(b"zkey", &[(1, vec![1, 0, 0, 0]), (3, vec![9; 5])]);
        let sections = Sections::read(&bytes, b"zkey", 10).expect("read");
        assert_eq!(
            sections
                .section(1, "header")
                .expect("1")
                .u32()
                .expect("u32"),
            1
        );
        assert_eq!(sections.section(3, "ic").expect("3").remaining(), 5);
        assert!(matches!(
            sections.section(2, "x"),
            Err(SnarkjsError::MissingSection("x"))
        ));
        for cut in 0..bytes.len() {
            assert!(
                Sections::read(&bytes[..cut], b"zkey", 10).is_err(),
                "cut {cut}"
            );
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(Sections::read(&trailing, b"zkey", 10).is_err());
        assert!(matches!(
            Sections::read(&bytes, b"r1cs", 10),
            Err(SnarkjsError::BadMagic(_))
        ));
        assert!(matches!(
            Sections::read(&bytes, b"zkey", 2),
            Err(SnarkjsError::UnknownSection(3))
        ));
        let dup = write(b"zkey", &[(1, vec![]), (1, vec![])]);
        assert!(matches!(
            Sections::read(&dup, b"zkey", 10),
            Err(SnarkjsError::DuplicateSection(1))
        ));
    }
}
