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

/// `$CARGO_TARGET_DIR`, else the cache's `target/`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| cache().join("target"))
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
