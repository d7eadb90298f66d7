//! Where the store lives (SPEC §5): `--dir`, else `$GMM_DIR`, else the XDG
//! data directory (`$XDG_DATA_HOME/gmm`, by default `~/.local/share/gmm`).

use std::path::PathBuf;

/// The store folder for an optional `--dir` and the given `GMM_DIR` value.
/// `None` only when no home directory can be found.
pub fn store_dir(flag: Option<PathBuf>, gmm_dir: Option<PathBuf>) -> Option<PathBuf> {
    flag.or(gmm_dir.filter(|p| !p.as_os_str().is_empty()))
        .or_else(|| dirs::data_dir().map(|d| d.join("gmm")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_env_beats_xdg() {
        let a = PathBuf::from("/a");
        let b = PathBuf::from("/b");
        assert_eq!(store_dir(Some(a.clone()), Some(b.clone())), Some(a));
        assert_eq!(store_dir(None, Some(b.clone())), Some(b));
        let empty = Some(PathBuf::new());
        assert_ne!(store_dir(None, empty), Some(PathBuf::new()));
    }
}
