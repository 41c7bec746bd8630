//! Where things live: the project, the shared build cache, tools.

use std::path::PathBuf;

/// The project root (the folder holding `xtask/`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives inside the project").to_path_buf()
}

/// Cache kept outside the clone so fresh clones build warm:
/// `$FEEDBOARD_CACHE`, else `~/.cache/feedboard`.
pub fn cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("FEEDBOARD_CACHE") {
        return dir.into();
    }
    home().join(".cache/feedboard")
}

/// `$CARGO_TARGET_DIR`, else this clone's folder under the cache's `target/`.
///
/// One folder per clone, not one for all: cargo's fingerprints of a
/// workspace's own crates name their files relative to the workspace, so two
/// clones sharing a target dir look alike to cargo, and a build in one clone
/// can keep the other clone's binaries and wasm as "fresh".
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache().join("target").join(clone_key(&root())))
}

/// A folder name for the clone at `root`: its path made readable, plus a
/// hash of the exact path so that no two paths share a folder.
fn clone_key(root: &std::path::Path) -> String {
    let path = root.to_string_lossy();
    let readable: String =
        path.trim_matches('/').chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    // FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
    let hash = path.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{readable}-{:08x}", hash as u32)
}

/// The compiled site (wasm, js, css, assets) that the server serves;
/// cargo-leptos writes it inside the project whatever the target dir.
pub fn site_root() -> PathBuf {
    root().join("target/site")
}

/// The release server binary.
pub fn server_binary() -> PathBuf {
    target_dir().join("release/feedboard")
}

/// `~/.cargo/bin` (or `$CARGO_HOME/bin`).
pub fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME").map(PathBuf::from).unwrap_or_else(|| home().join(".cargo")).join("bin")
}

/// The project's npm tools.
pub fn node_bin() -> PathBuf {
    root().join("node_modules/.bin")
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/root"))
}

#[cfg(test)]
mod tests {
    use super::clone_key;
    use std::path::Path;

    #[test]
    fn each_clone_path_gets_its_own_readable_folder() {
        assert!(clone_key(Path::new("/work/main")).starts_with("work-main-"));
        assert_ne!(clone_key(Path::new("/a/b")), clone_key(Path::new("/a-b")));
        assert_eq!(clone_key(Path::new("/tmp/ci")), clone_key(Path::new("/tmp/ci")));
    }
}
