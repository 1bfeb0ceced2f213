//! The log as C2SP tlog-tiles, read over HTTP by an independent
//! implementation (Cloudflare azul's `tlog_tiles`, its checkpoint signature
//! by `signed_note`): a log of a few thousand entries, its checkpoint, the
//! tree hash and inclusion proofs from tiles alone, and every entry bundle's
//! bytes against DESIGN §6 and the NDJSON export.

use std::collections::HashMap;
use std::sync::Mutex;

use signed_note::{Note, StandardVerifier, VerifierList};
use tlog_tiles::{
    check_record, prove_record, record_hash, tree_hash, Tile, TileHashReader, TileReader,
};
use zkcity_audit::Entry;
use zkcity_tests::audit::{self as a, temp_dir};
use zkcity_tests::witness::grow;

/// Entries in the test log: 11 full bundles, a partial one, and a full
/// level-1 tile's worth of level-0 tiles is not needed (2,900 < 65,536).
const ENTRIES: u64 = 2_900;

/// Fetches tiles over HTTP for `tlog_tiles` (whose trait is synchronous).
struct HttpTiles {
    base: String,
    client: reqwest::Client,
    rt: tokio::runtime::Handle,
    fetched: Mutex<HashMap<String, Vec<u8>>>,
}

impl HttpTiles {
    /// `tile/8/L/N[.p/W]` (Go's layout, height in the path) → C2SP's `tile/L/N[.p/W]`.
    fn url(&self, tile: &Tile) -> String {
        let path =
            tile.path()
                .replacen("tile/8/", "tile/", 1)
                .replacen("tile/data/", "tile/entries/", 1);
        format!("{}/{path}", self.base)
    }

    fn get(&self, url: &str) -> anyhow::Result<Vec<u8>> {
        let (client, owned) = (self.client.clone(), url.to_owned());
        let bytes = tokio::task::block_in_place(|| {
            self.rt.block_on(async move {
                let resp = client.get(&owned).send().await?.error_for_status()?;
                anyhow::Ok(resp.bytes().await?.to_vec())
            })
        })?;
        if let Ok(mut m) = self.fetched.lock() {
            m.insert(url.to_owned(), bytes.clone());
        }
        Ok(bytes)
    }
}

impl TileReader for HttpTiles {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| {
                self.get(&self.url(t))
                    .map_err(|_| tlog_tiles::Error::InvalidTile)
            })
            .collect()
    }

    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

/// Splits an entry bundle into its u16-length-prefixed entries.
fn bundle_entries(mut bytes: &[u8]) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        anyhow::ensure!(bytes.len() >= 2, "truncated length prefix");
        let len = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
        anyhow::ensure!(bytes.len() >= 2 + len, "truncated entry");
        out.push(bytes[2..2 + len].to_vec());
        bytes = &bytes[2 + len..];
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tiles_of_a_few_thousand_entries_verify_with_tlog_tiles() -> anyhow::Result<()> {
    let dir = temp_dir("tiles")?;
    let app = a::spawn(&dir).await?;
    grow(&app.address, 1, ENTRIES, 32).await?;
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", app.address)).send();

    // The checkpoint: the log's signature by signed_note, the body by tlog_tiles.
    let resp = get("/checkpoint").await?;
    assert_eq!(resp.headers()["cache-control"], "public, max-age=2");
    let note_text = resp.text().await?;
    let verifier = StandardVerifier::new(&a::log_key(&dir)?)?;
    let note = Note::from_bytes(note_text.as_bytes())?;
    let (verified, _) = note.verify(&VerifierList::new(vec![Box::new(verifier)]))?;
    assert_eq!(verified.len(), 1);
    let cp = tlog_tiles::Checkpoint::from_bytes(note.text())
        .map_err(|e| anyhow::anyhow!("checkpoint body: {e}"))?;
    assert_eq!(cp.size(), ENTRIES);

    // Tree hash and inclusion proofs from tiles alone (TileHashReader checks
    // every tile it reads against the checkpoint's root).
    let tiles = HttpTiles {
        base: app.address.clone(),
        client: http.clone(),
        rt: tokio::runtime::Handle::current(),
        fetched: Mutex::new(HashMap::new()),
    };
    let reader = TileHashReader::new(cp.size(), *cp.hash(), &tiles);
    assert_eq!(tree_hash(cp.size(), &reader)?, *cp.hash());

    // Every entry bundle: DESIGN §6 bytes, equal to the export's, each
    // hashing to its leaf; inclusion proofs of a sample from the tiles.
    let export = app
        .client
        .get(format!("{}/audit/export?to={ENTRIES}", app.address))
        .send()
        .await?
        .text()
        .await?;
    let exported: Vec<String> = export
        .lines()
        .map(|l| {
            Ok(serde_json::from_str::<serde_json::Value>(l)?["bytes"]
                .as_str()
                .unwrap_or_default()
                .to_owned())
        })
        .collect::<anyhow::Result<_>>()?;
    let mut index = 0u64;
    for n in 0..ENTRIES.div_ceil(256) {
        let width = (ENTRIES - n * 256).min(256);
        let mut path = format!("/tile/entries/{}", zkcity_audit::tiles::encode_index(n));
        if width < 256 {
            path.push_str(&format!(".p/{width}"));
        }
        let resp = get(&path).await?;
        assert_eq!(resp.status(), 200, "{path}");
        let cache = resp.headers()["cache-control"].to_str()?.to_owned();
        assert_eq!(cache.contains("immutable"), width == 256, "{path}: {cache}");
        let entries = bundle_entries(&resp.bytes().await?)?;
        assert_eq!(entries.len() as u64, width, "{path}");
        for bytes in entries {
            let entry = Entry::from_bytes(&bytes)?;
            assert_eq!(entry.index, index);
            assert_eq!(entry.to_bytes(), bytes, "canonical DESIGN §6 bytes");
            assert_eq!(hex::encode(&bytes), exported[index as usize]);
            if index.is_multiple_of(97) || index == ENTRIES - 1 {
                let proof = prove_record(cp.size(), index, &reader)?;
                check_record(&proof, cp.size(), *cp.hash(), index, record_hash(&bytes))?;
                let mut wrong = bytes.clone();
                wrong[20] ^= 1;
                assert!(
                    check_record(&proof, cp.size(), *cp.hash(), index, record_hash(&wrong))
                        .is_err()
                );
            }
            index += 1;
        }
    }
    assert_eq!(index, ENTRIES);

    // Tiles the tree has not filled, and non-canonical paths, are 404.
    let full = ENTRIES / 256;
    for path in [
        format!("/tile/0/{:03}", full),
        format!("/tile/entries/{:03}", full),
        format!("/tile/0/{:03}.p/255", full),
        "/tile/0/000.p/0".to_owned(),
        "/tile/0/x000/000".to_owned(),
        "/tile/1/001".to_owned(),
        "/tile/8/000.p/1".to_owned(),
        "/tile/data/000".to_owned(),
    ] {
        assert_eq!(get(&path).await?.status(), 404, "{path}");
    }
    assert_eq!(get("/tile/1/000.p/11").await?.bytes().await?.len(), 11 * 32);
    let fetched = tiles.fetched.lock().map(|m| m.len()).unwrap_or(0);
    assert!(fetched >= 3, "the proofs read tiles over HTTP ({fetched})");
    Ok(())
}
