//! Dynamic shell completion (`source <(COMPLETE=bash gmm)`): group titles
//! and member names read from the store, where that is cheap. The store is
//! `$GMM_DIR` or the default one (a `--dir` typed on the same command line is
//! not seen by the shell's completion call). Any failure completes nothing:
//! completion must never print an error into the user's prompt.

use std::ffi::OsStr;

use clap_complete::engine::CompletionCandidate;
use gmm::repo::resolve;
use gmm::store::paths;
use gmm::store::Store;

fn store() -> Option<Store> {
    let dir = paths::store_dir(None, std::env::var_os("GMM_DIR").map(Into::into))?;
    Store::open_read_only(&dir).ok()
}

fn matching(current: &OsStr, names: impl Iterator<Item = String>) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy().to_lowercase();
    let mut names: Vec<String> = names
        .filter(|n| !n.is_empty() && n.to_lowercase().starts_with(&current))
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().map(CompletionCandidate::new).collect()
}

/// The titles of the store's groups.
pub fn groups(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(store) = store() else {
        return Vec::new();
    };
    let Ok(groups) = store.groups() else {
        return Vec::new();
    };
    let titles = groups.into_iter().filter_map(|g| {
        let record = store.group_record(&g).ok()??;
        Some(record.view.title)
    });
    matching(current, titles)
}

/// The names of every key the store knows (any group).
pub fn members(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(store) = store() else {
        return Vec::new();
    };
    let Ok(known) = resolve::known_keys(&store) else {
        return Vec::new();
    };
    matching(current, known.into_values())
}
