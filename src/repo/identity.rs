//! The store's own identity (SPEC §1): created by `gmm init`, kept beside the
//! database as `identity.key` (mode 0600) and `identity.pub`.

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use crate::error::Error;
use crate::error::Result;
use crate::model::event::check_name;
use crate::model::event::PublicKey;
use crate::model::keys;
use crate::model::keys::SecretKey;
use crate::store::Store;
use crate::store::StoreError;
use crate::store::IDENTITY_KEY;
use crate::store::IDENTITY_PUB;

/// What `init` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitOutcome {
    Created,
    AlreadyThere,
}

/// Creates a store at `dir` with a new identity, or with `import` as its
/// identity, going by `name` locally. An existing store is left as it is
/// (like `git init`), unless an imported key differs from its identity; a
/// `name` given for it renames its identity locally.
pub fn init(
    dir: &Path,
    import: Option<SecretKey>,
    name: Option<&str>,
) -> Result<(PublicKey, InitOutcome)> {
    if let Some(name) = name {
        check_name(name).map_err(|e| Error::BadArgument(e.to_string()))?;
    }
    if Store::exists(dir) {
        let store = match name {
            // Naming (or renaming) an existing store writes to it.
            Some(_) => Store::open(dir)?,
            None => Store::open_read_only(dir)?,
        };
        let existing = store.identity()?;
        if let Some(key) = import {
            if key.public() != existing {
                return Err(Error::OtherIdentity {
                    path: dir.to_owned(),
                    existing: existing.short(),
                });
            }
        }
        if let Some(name) = name {
            store.set_self_name(name)?;
        }
        return Ok((existing, InitOutcome::AlreadyThere));
    }
    let io = |e: std::io::Error| StoreError::Io {
        path: dir.to_owned(),
        message: e.to_string(),
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io)?;
    let key_path = dir.join(IDENTITY_KEY);
    // A key left by an init that was interrupted before the database existed
    // is reused rather than replaced: it may already have been shared.
    let key = match import {
        Some(key) => {
            key.save(&key_path, true)?;
            key
        }
        None if key_path.exists() => SecretKey::load(&key_path)?,
        None => {
            let key = SecretKey::generate();
            key.save(&key_path, false)?;
            key
        }
    };
    keys::save_public(&key.public(), &dir.join(IDENTITY_PUB), true)?;
    let store = Store::create(dir, key.public())?;
    if let Some(name) = name {
        store.set_self_name(name)?;
    }
    Ok((key.public(), InitOutcome::Created))
}

/// Loads the store's secret key, refusing a permissive file and one that does
/// not match the identity the store recorded.
pub fn load_signer(store: &Store) -> Result<SecretKey> {
    let key = SecretKey::load(&store.identity_key_path())?;
    let expected = store.identity()?;
    if key.public() != expected {
        return Err(Error::IdentityMismatch {
            path: store.identity_key_path(),
            found: key.public().short(),
            expected: expected.short(),
        });
    }
    Ok(key)
}
