//! C2SP tlog-tiles coordinates (DESIGN §6 amendment "Tiles"): which stored
//! nodes or entries a tile path names. Pure; the server reads the rows.
//!
//! - `tile/<L>/<N>[.p/<W>]`: the hashes at Merkle level `8·L`, indexes
//!   `N·256 … N·256 + W - 1` (`W` = 256 for a full tile) — exactly the
//!   stored [`crate::NodeId`] rows `{ level: 8L, index }`;
//! - `tile/entries/<N>[.p/<W>]`: entries `N·256 … N·256 + W - 1`, each as a
//!   big-endian u16 length and the DESIGN §6 entry bytes.
//!
//! `N` is written in 3-digit groups, all but the last prefixed with `x`
//! (`1234067` → `x001/x234/067`); only the canonical spelling is accepted.

/// Hashes in a full tile, entries in a full bundle.
pub const TILE_WIDTH: u64 = 256;
/// Merkle levels a tile spans.
pub const TILE_HEIGHT: u8 = 8;

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileRef {
    /// Tile level `L`, or `None` for an entry bundle.
    pub level: Option<u8>,
    /// Tile index `N` within its level.
    pub index: u64,
    /// Width `W` (256 for a full tile).
    pub width: u64,
}

impl TileRef {
    /// Parses the part of the path after `tile/`; `None` if not canonical.
    pub fn parse(path: &str) -> Option<TileRef> {
        let (head, rest) = path.split_once('/')?;
        let level = match head {
            "entries" => None,
            l => Some(parse_level(l)?),
        };
        let (n_part, width) = match rest.split_once(".p/") {
            Some((n, w)) => (n, parse_width(w)?),
            None => (rest, TILE_WIDTH),
        };
        let index = parse_index(n_part)?;
        Some(TileRef {
            level,
            index,
            width,
        })
    }

    /// Whether this is a partial tile (`.p/<W>`).
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// First position covered at its level (node index, or entry index),
    /// `None` on overflow.
    pub fn first(&self) -> Option<u64> {
        self.index.checked_mul(TILE_WIDTH)
    }

    /// Merkle level of the tile's hashes (`8·L`), `None` for a bundle or a
    /// level no tree of u64 entries reaches.
    pub fn merkle_level(&self) -> Option<u8> {
        let l = self.level?;
        (l < 8).then(|| l * TILE_HEIGHT)
    }

    /// The path after `tile/`, canonical.
    pub fn path(&self) -> String {
        let level = self.level.map_or("entries".to_owned(), |l| l.to_string());
        let mut out = format!("{level}/{}", encode_index(self.index));
        if self.is_partial() {
            out.push_str(&format!(".p/{}", self.width));
        }
        out
    }
}

fn parse_level(s: &str) -> Option<u8> {
    let n = crate::witness::canonical_u64(s)?;
    (n <= 63).then_some(n as u8)
}

fn parse_width(s: &str) -> Option<u64> {
    let w = crate::witness::canonical_u64(s)?;
    (1..TILE_WIDTH).contains(&w).then_some(w)
}

fn parse_index(s: &str) -> Option<u64> {
    let groups: Vec<&str> = s.split('/').collect();
    let (last, leading) = groups.split_last()?;
    let mut n: u64 = 0;
    for (i, g) in groups.iter().enumerate() {
        let digits = if i < leading.len() {
            g.strip_prefix('x')?
        } else {
            last
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let d: u64 = digits.parse().ok()?;
        n = n.checked_mul(1000)?.checked_add(d)?;
    }
    (encode_index(n) == s).then_some(n)
}

/// `1234067` → `x001/x234/067`.
pub fn encode_index(mut n: u64) -> String {
    let mut out = format!("{:03}", n % 1000);
    while n >= 1000 {
        n /= 1000;
        out = format!("x{:03}/{out}", n % 1000);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_canonical_paths_only() {
        let t = |level, index, width| TileRef {
            level,
            index,
            width,
        };
        assert_eq!(TileRef::parse("0/000"), Some(t(Some(0), 0, 256)));
        assert_eq!(
            TileRef::parse("2/x001/x234/067.p/8"),
            Some(t(Some(2), 1_234_067, 8))
        );
        assert_eq!(TileRef::parse("entries/012.p/255"), Some(t(None, 12, 255)));
        assert_eq!(TileRef::parse("entries/x001/000"), Some(t(None, 1000, 256)));
        for bad in [
            "0/0",
            "0/x000/001",
            "00/000",
            "64/000",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/07",
            "0/001/002",
            "0/x1/002",
            "entries/",
            "0/abc",
            "data/000",
            "0/000/",
            "-1/000",
            "0/x018/x446/x744/x073/x709/x551/x616/000",
        ] {
            assert_eq!(TileRef::parse(bad), None, "{bad}");
        }
        for p in ["1/x001/x234/067.p/3", "entries/999", "7/x001/000"] {
            assert_eq!(TileRef::parse(p).map(|t| t.path()), Some(p.to_owned()));
        }
        assert_eq!(
            TileRef::parse("3/000").and_then(|t| t.merkle_level()),
            Some(24)
        );
        assert_eq!(TileRef::parse("8/000").and_then(|t| t.merkle_level()), None);
    }
}
