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

/// `$CARGO_TARGET_DIR`, else the cache's `target/`, shared by every clone
/// on the machine (a fresh clone builds warm); see [`claim_target_dir`].
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| cache().join("target"))
}

/// Makes the target dir this clone's before anything is built into it.
///
/// Cargo names a workspace's own source files relative to the workspace,
/// so two clones building into one target dir look alike to it: a build in
/// one clone could take the binaries and the wasm the other clone built
/// last as fresh (seen: every server function answered 405, the server
/// and the wasm coming from different clones). So when another clone (or
/// a build from before this check) used the dir last, the build records of
/// the workspace's own crates are dropped and cargo builds them again from
/// this clone's files; the dependencies stay built. One build at a time
/// per target dir.
pub fn claim_target_dir() -> Result<(), String> {
    let target = target_dir();
    let marker = target.join(".feedboard-clone");
    let me = root().display().to_string();
    if std::fs::read_to_string(&marker).is_ok_and(|owner| owner == me) {
        return Ok(());
    }
    let dropped = forget_workspace_builds(&target);
    if dropped > 0 {
        eprintln!(
            "(build cache {}: last used by another clone, so this clone's crates are built again)",
            target.display()
        );
    }
    std::fs::create_dir_all(&target)
        .and_then(|_| std::fs::write(&marker, &me))
        .map_err(|e| format!("{}: {e}", marker.display()))
}

/// Removes the fingerprints of the workspace's crates (`feedboard*`,
/// `xtask`) from every `.fingerprint` folder under `target` (one per
/// profile and target triple, cargo-leptos' `front/` included); returns how
/// many went.
fn forget_workspace_builds(target: &std::path::Path) -> usize {
    let mut dropped = 0;
    let mut folders = vec![(target.to_path_buf(), 0)];
    while let Some((dir, depth)) = folders.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if name == ".fingerprint" {
                for unit in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                    let unit_name = unit.file_name().to_string_lossy().into_owned();
                    if (unit_name.starts_with("feedboard-") || unit_name.starts_with("xtask-"))
                        && std::fs::remove_dir_all(unit.path()).is_ok()
                    {
                        dropped += 1;
                    }
                }
            } else if depth < 3 && !matches!(name.as_str(), "deps" | "build" | "incremental" | "site") {
                folders.push((path, depth + 1));
            }
        }
    }
    dropped
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
    use super::forget_workspace_builds;
    use std::fs;

    #[test]
    fn only_the_workspace_crates_are_forgotten_in_every_profile() {
        let target = std::env::temp_dir().join(format!("xtask-forget-{}", std::process::id()));
        let units = [
            ("release/.fingerprint/feedboard-0a1b", true),
            ("debug/.fingerprint/feedboard-model-2c3d", true),
            ("debug/.fingerprint/xtask-4e5f", true),
            ("front/wasm32-unknown-unknown/wasm-release/.fingerprint/feedboard-6a7b", true),
            ("release/.fingerprint/tokio-8c9d", false),
            ("debug/.fingerprint/leptos-0e1f", false),
        ];
        for (unit, _) in units {
            fs::create_dir_all(target.join(unit)).unwrap();
        }
        assert_eq!(forget_workspace_builds(&target), 4);
        for (unit, forgotten) in units {
            assert_eq!(!target.join(unit).exists(), forgotten, "{unit}");
        }
        fs::remove_dir_all(&target).unwrap();
    }
}
