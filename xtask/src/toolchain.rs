//! Installs the tool chain from crates.io, npm and Debian only (see the
//! README, "Tool chain"). Every step checks first and skips what is there.

use crate::{Result, cmd, paths};
use std::{fs, path::Path, process::Command};

/// cargo-leptos release pinned by this project.
const CARGO_LEPTOS: &str = "0.3.11";

/// Lock-file fixes needed to build a tool on rustc 1.95: `(crate, version)`
/// pinned with `cargo update --precise` before `cargo install --locked`.
const CARGO_LEPTOS_FIXES: &[(&str, &str)] = &[("cargo-util-schemas", "0.14.1")];
const WASM_BINDGEN_FIXES: &[(&str, &str)] = &[("webpki-roots", "1.0.10")];

/// How much of the tool chain a command needs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Enough to build and serve the site.
    Build,
    /// Also the browser for end-to-end tests.
    Everything,
}

/// Installs whatever is missing.
pub fn setup(needs: Needs) -> Result {
    wasm_target()?;
    crate_tool("cargo-leptos", CARGO_LEPTOS, &["leptos", "--version"], CARGO_LEPTOS_FIXES)?;
    let wasm_bindgen = locked_version("wasm-bindgen")?;
    crate_tool("wasm-bindgen-cli", &wasm_bindgen, &["--version"], WASM_BINDGEN_FIXES)?;
    npm_packages()?;
    if needs == Needs::Everything {
        chromium()?;
    }
    Ok(())
}

fn wasm_target() -> Result {
    let installed = cmd::output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    cmd::step("rustup target add wasm32-unknown-unknown");
    cmd::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// Installs crate `name` at `version` unless `probe` already reports it.
/// For `cargo-leptos` the probe runs `cargo leptos …`, else the crate's binary.
fn crate_tool(name: &str, version: &str, probe: &[&str], fixes: &[(&str, &str)]) -> Result {
    let binary = if name == "cargo-leptos" { "cargo".to_owned() } else { name.trim_end_matches("-cli").to_owned() };
    let path = std::env::var("PATH").unwrap_or_default();
    let reported =
        cmd::output(Command::new(&binary).args(probe).env("PATH", format!("{}:{path}", paths::cargo_bin().display())))
            .unwrap_or_default();
    if reported.split_whitespace().any(|w| w == version) {
        return Ok(());
    }
    cmd::step(&format!("install {name} {version} from crates.io source (several minutes, once)"));
    let src = fetch_crate_source(name, version)?;
    for (dep, pinned) in fixes {
        // Only applies when the lock file holds `dep`; harmless otherwise.
        let _ = cmd::output(Command::new("cargo").args(["update", "-p", dep, "--precise", pinned]).current_dir(&src));
    }
    cmd::run(Command::new("cargo").args(["install", "--locked", "--path", "."]).current_dir(&src))
}

/// Downloads and unpacks `name-version.crate` from crates.io into the cache.
fn fetch_crate_source(name: &str, version: &str) -> Result<std::path::PathBuf> {
    let dir = paths::cache().join("src");
    let src = dir.join(format!("{name}-{version}"));
    if src.join("Cargo.toml").exists() {
        return Ok(src);
    }
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let archive = dir.join(format!("{name}-{version}.crate"));
    let url = format!("https://static.crates.io/crates/{name}/{name}-{version}.crate");
    cmd::run(Command::new("curl").args(["-sSfL", "--retry", "3", "-o"]).arg(&archive).arg(&url))?;
    cmd::run(Command::new("tar").arg("xzf").arg(&archive).arg("-C").arg(&dir))?;
    Ok(src)
}

/// The version of `package` in the project's Cargo.lock.
pub fn locked_version(package: &str) -> Result<String> {
    let lock = fs::read_to_string(paths::root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"")
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// `npm ci` when `node_modules` is missing or older than `package-lock.json`.
fn npm_packages() -> Result {
    let root = paths::root();
    let stamp = root.join("node_modules/.package-lock.json");
    if is_newer(&stamp, &root.join("package-lock.json")) {
        return Ok(());
    }
    cmd::step("npm ci (Tailwind, wasm-opt, Playwright, lightweight-charts)");
    cmd::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .current_dir(&root),
    )
}

fn is_newer(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(a), modified(b)), (Some(a), Some(b)) if a >= b)
}

/// Debian's Chromium for Playwright (never a downloaded browser).
fn chromium() -> Result {
    if Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    cmd::step("apt-get install chromium");
    let sudo = |args: &[&str]| {
        let is_root = cmd::output(Command::new("id").arg("-u")).is_some_and(|u| u.trim() == "0");
        let mut c = if is_root { Command::new(args[0]) } else { Command::new("sudo") };
        if !is_root {
            c.arg(args[0]);
        }
        c.args(&args[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    cmd::run(&mut sudo(&["apt-get", "update"]))?;
    cmd::run(&mut sudo(&["apt-get", "install", "-y", "--no-install-recommends", "chromium"]))
}
