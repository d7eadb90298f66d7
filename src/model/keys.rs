//! Identities and key files (SPEC §1, §2).
//!
//! Key files follow minisign's shape: an `untrusted comment:` line, then one
//! line of base64 holding a versioned, algorithm-tagged payload:
//!
//! ```text
//! public:  "gmm" 0x01 "Ed" 'P' public-key(32)                 = 39 bytes
//! secret:  "gmm" 0x01 "Ed" 'S' seed(32) public-key(32)         = 71 bytes
//! ```
//!
//! The secret file repeats the public key so a damaged seed is caught on load.
//! Secret files are created with mode 0600, never overwritten without `force`,
//! and refused on load when group or others can read them (as ssh does).

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::Signer;
use ed25519_dalek::SigningKey;

use crate::model::ids::PublicKey;

const MAGIC: &[u8; 3] = b"gmm";
const KEY_FORMAT_VERSION: u8 = 1;
const ALGORITHM: &[u8; 2] = b"Ed";
const PUBLIC_TAG: u8 = b'P';
const SECRET_TAG: u8 = b'S';

/// Errors reading or writing key files.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key file {path} is readable by group or others (mode {mode:03o})")]
    Permissions { path: PathBuf, mode: u32 },
    #[error("key file {path} is not a gmm key file: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("key file {path} already exists")]
    Exists { path: PathBuf },
    #[error("cannot read key file {path}: {source}")]
    Missing {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A secret signing key with its public key. A clone is wiped on drop
/// like the original (ed25519-dalek's `SigningKey` zeroizes itself); clones
/// exist only to sign on other threads ([`crate::repo::sign_ahead`]).
#[derive(Clone)]
pub struct SecretKey {
    signing: SigningKey,
}

impl SecretKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> SecretKey {
        let mut seed = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
        SecretKey::from_seed(seed)
    }

    /// The key whose ed25519 seed is `seed` (fixtures and tests use fixed seeds).
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key().to_bytes())
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// The secret key file's text.
    pub fn to_file_text(&self) -> String {
        let mut payload = header(SECRET_TAG).to_vec();
        payload.extend_from_slice(&self.signing.to_bytes());
        payload.extend_from_slice(&self.public().0);
        format!(
            "untrusted comment: gmm secret key {}\n{}\n",
            self.public(),
            BASE64.encode(payload)
        )
    }

    /// Reads a secret key file, refusing one that group or others can read.
    pub fn load(path: &Path) -> Result<SecretKey, KeyError> {
        let meta = fs::metadata(path).map_err(|source| KeyError::Missing {
            path: path.to_owned(),
            source,
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Permissions {
                path: path.to_owned(),
                mode,
            });
        }
        let text = read_text(path)?;
        SecretKey::from_file_text(&text).map_err(|reason| format_error(path, &reason))
    }

    /// Decodes the text of a secret key file; the error is the reason it is
    /// not one. Pure, so that fuzzing reaches it without files.
    pub fn from_file_text(text: &str) -> Result<SecretKey, String> {
        let payload = parse_payload(text, SECRET_TAG, 32 + 32)?;
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&payload[..32]);
        let key = SecretKey::from_seed(seed);
        if key.public().0[..] != payload[32..] {
            return Err("the seed does not match the public key".to_string());
        }
        Ok(key)
    }

    /// Writes the secret key file with mode 0600 (and its `.pub` beside it when
    /// `public_path` is given). Refuses to overwrite either unless `force`.
    pub fn save(&self, path: &Path, force: bool) -> Result<(), KeyError> {
        write_file(path, self.to_file_text().as_bytes(), 0o600, force)
    }
}

/// The public key file's text.
pub fn public_file_text(key: &PublicKey) -> String {
    let mut payload = header(PUBLIC_TAG).to_vec();
    payload.extend_from_slice(&key.0);
    format!(
        "untrusted comment: gmm public key {key}\n{}\n",
        BASE64.encode(payload)
    )
}

/// Writes a public key file (mode 0644), refusing to overwrite unless `force`.
pub fn save_public(key: &PublicKey, path: &Path, force: bool) -> Result<(), KeyError> {
    write_file(path, public_file_text(key).as_bytes(), 0o644, force)
}

/// Reads a public key file.
pub fn load_public(path: &Path) -> Result<PublicKey, KeyError> {
    let text = read_text(path)?;
    public_from_file_text(&text).map_err(|reason| format_error(path, &reason))
}

/// Decodes the text of a public key file; the error is the reason it is not one.
pub fn public_from_file_text(text: &str) -> Result<PublicKey, String> {
    let payload = parse_payload(text, PUBLIC_TAG, 32)?;
    let mut key = [0u8; 32];
    key.copy_from_slice(&payload);
    Ok(PublicKey(key))
}

fn header(tag: u8) -> [u8; 7] {
    [
        MAGIC[0],
        MAGIC[1],
        MAGIC[2],
        KEY_FORMAT_VERSION,
        ALGORITHM[0],
        ALGORITHM[1],
        tag,
    ]
}

fn format_error(path: &Path, reason: &str) -> KeyError {
    KeyError::Format {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

fn read_text(path: &Path) -> Result<String, KeyError> {
    fs::read_to_string(path).map_err(|source| KeyError::Missing {
        path: path.to_owned(),
        source,
    })
}

/// Decodes a key file's text and returns the bytes after its 7-byte header.
fn parse_payload(text: &str, tag: u8, len: usize) -> Result<Vec<u8>, String> {
    let mut lines = text.lines();
    match lines.next() {
        Some(line) if line.starts_with("untrusted comment:") => {}
        _ => return Err("the first line is not `untrusted comment: …`".to_string()),
    }
    let body = lines.next().ok_or("the base64 line is missing")?;
    let payload = BASE64
        .decode(body.trim())
        .map_err(|_| "the second line is not base64")?;
    let want = header(tag);
    if payload.len() < 7 || payload[..3] != want[..3] {
        return Err("no gmm key header".to_string());
    }
    if payload[3] != KEY_FORMAT_VERSION {
        return Err(format!("unknown key format version {}", payload[3]));
    }
    if payload[4..6] != want[4..6] {
        return Err("not an Ed25519 key".to_string());
    }
    if payload[6] != tag {
        let kind = if tag == SECRET_TAG {
            "secret"
        } else {
            "public"
        };
        return Err(format!("not a {kind} key"));
    }
    if payload.len() != 7 + len {
        return Err("wrong payload length".to_string());
    }
    Ok(payload[7..].to_vec())
}

fn write_file(path: &Path, bytes: &[u8], mode: u32, force: bool) -> Result<(), KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    if !force && path.exists() {
        return Err(KeyError::Exists {
            path: path.to_owned(),
        });
    }
    // Write a sibling temp file with the final mode, then rename: the secret is
    // never readable by others, and an interrupted write never leaves half a key.
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = dir.unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("key"),
        std::process::id()
    ));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io)?;
    let result = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| fs::set_permissions(&tmp, fs::Permissions::from_mode(mode)))
        .and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed key for a label: seed = blake3(label).
    fn labelled_key(label: &str) -> crate::model::keys::SecretKey {
        crate::model::keys::SecretKey::from_seed(*blake3::hash(label.as_bytes()).as_bytes())
    }

    #[test]
    fn key_files_round_trip_and_refuse_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.key");
        let key = labelled_key("alice");
        key.save(&path, false).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(SecretKey::load(&path).unwrap().public(), key.public());
        assert!(matches!(
            key.save(&path, false),
            Err(KeyError::Exists { .. })
        ));
        key.save(&path, true).unwrap();

        let pub_path = dir.path().join("a.pub");
        save_public(&key.public(), &pub_path, false).unwrap();
        assert_eq!(load_public(&pub_path).unwrap(), key.public());
        // A public file is not a secret file, and the reverse.
        assert!(matches!(
            SecretKey::load(&pub_path),
            Err(KeyError::Permissions { .. })
        ));
        assert!(matches!(load_public(&path), Err(KeyError::Format { .. })));
    }

    #[test]
    fn permissive_secret_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.key");
        labelled_key("a").save(&path, false).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(
            SecretKey::load(&path),
            Err(KeyError::Permissions { mode: 0o640, .. })
        ));
    }
}
