//! Identity files (DESIGN §4): the secret `(k, t)` as canonical decimals in
//! a JSON file readable by its owner only (mode 0600). Whoever holds the
//! file can query as this member, so it never leaves the requester.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use zkcity_circuits::Identity;

use super::error::AnonError;

const KIND: &str = "zkcity-identity";

#[derive(Serialize, Deserialize)]
struct IdentityFile {
    kind: String,
    v: u32,
    #[serde(flatten)]
    identity: Identity,
}

/// Creates a fresh identity in a new file (refuses to overwrite one).
pub fn create(path: &Path) -> Result<Identity, AnonError> {
    let identity = Identity::random(&mut rand::rngs::OsRng);
    let body = IdentityFile {
        kind: KIND.into(),
        v: 1,
        identity: identity.clone(),
    };
    let text = serde_json::to_string_pretty(&body).map_err(|e| AnonError::bad_file(path, e))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| AnonError::io(path, e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| AnonError::io(path, e))?;
    Ok(identity)
}

/// Reads an identity file, rejecting non-canonical values.
pub fn load(path: &Path) -> Result<Identity, AnonError> {
    let text = std::fs::read_to_string(path).map_err(|e| AnonError::io(path, e))?;
    let file: IdentityFile = serde_json::from_str(&text)
        .map_err(|e| AnonError::bad_file(path, format!("not an identity file: {e}")))?;
    if file.kind != KIND || file.v != 1 {
        return Err(AnonError::bad_file(
            path,
            "not a version 1 zkcity identity file",
        ));
    }
    Ok(file.identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_owner_only_mode() -> Result<(), Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("zkcity-id-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("me.json");
        let _ = std::fs::remove_file(&path);
        let id = create(&path)?;
        assert_eq!(load(&path)?, id);
        assert!(create(&path).is_err(), "never overwrites an identity");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path)?.permissions().mode() & 0o777,
                0o600
            );
        }
        Ok(())
    }
}
