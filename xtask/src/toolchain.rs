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

/// Only what this project runs: cargo-leptos never downloads tools (they are
/// on `PATH`); of wasm-bindgen-cli only the `wasm-bindgen` binary, no TLS.
const CARGO_LEPTOS_INSTALL: &[&str] = &["--features", "no_downloads"];
const WASM_BINDGEN_INSTALL: &[&str] = &["--no-default-features", "--bin", "wasm-bindgen"];

/// The tools' manifests ask for fat LTO and one codegen unit, which makes a
/// cold install several times slower on two cores than it needs to be; their
/// speed at run time is dominated by the compilers they drive, not their own
/// code, so they are built with a quick profile.
const QUICK_RELEASE: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256"),
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ("CARGO_PROFILE_RELEASE_INCREMENTAL", "false"),
];

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
    let cargo_leptos = Tool {
        name: "cargo-leptos",
        version: CARGO_LEPTOS.to_owned(),
        probe: &["leptos", "--version"],
        fixes: CARGO_LEPTOS_FIXES,
        install: CARGO_LEPTOS_INSTALL,
    };
    let wasm_bindgen = Tool {
        name: "wasm-bindgen-cli",
        version: locked_version("wasm-bindgen")?,
        probe: &["--version"],
        fixes: WASM_BINDGEN_FIXES,
        install: WASM_BINDGEN_INSTALL,
    };
    // The downloads (npm, Debian packages) mostly wait on the network: they
    // run beside the tool builds, which keep the cores busy.
    std::thread::scope(|scope| {
        let packages = scope.spawn(|| packages(needs));
        let tools = cargo_leptos.ensure().and_then(|()| wasm_bindgen.ensure());
        let packages = packages.join().unwrap_or_else(|_| Err("installing the packages panicked".to_owned()));
        tools.and(packages)
    })
}

/// The npm packages and, for everything, the Debian ones.
fn packages(needs: Needs) -> Result {
    npm_packages()?;
    if needs == Needs::Everything {
        chromium()?;
        // The TLS terminator in front of RabbitMQ for the `amqps` tests.
        apt_install("stunnel4", "/usr/bin/stunnel4")?;
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

/// A tool installed from its crates.io source with a fixed lock file.
struct Tool {
    name: &'static str,
    version: String,
    /// Arguments that make the tool print its version.
    probe: &'static [&'static str],
    /// `(crate, version)` pins applied to its lock file.
    fixes: &'static [(&'static str, &'static str)],
    /// Extra `cargo install` arguments.
    install: &'static [&'static str],
}

impl Tool {
    /// Installs the tool unless `probe` already reports its version. For
    /// `cargo-leptos` the probe runs `cargo leptos …`, else the tool's binary.
    fn ensure(&self) -> Result {
        let binary = if self.name == "cargo-leptos" {
            "cargo".to_owned()
        } else {
            self.name.trim_end_matches("-cli").to_owned()
        };
        let path = std::env::var("PATH").unwrap_or_default();
        let reported = cmd::output(
            Command::new(&binary).args(self.probe).env("PATH", format!("{}:{path}", paths::cargo_bin().display())),
        )
        .unwrap_or_default();
        if reported.split_whitespace().any(|w| w == self.version) {
            return Ok(());
        }
        cmd::step(&format!("install {} {} from crates.io source (a few minutes, once)", self.name, self.version));
        let src = fetch_crate_source(self.name, &self.version)?;
        for (dep, pinned) in self.fixes {
            // Only applies when the lock file holds `dep`; harmless otherwise.
            let _ =
                cmd::output(Command::new("cargo").args(["update", "-p", dep, "--precise", pinned]).current_dir(&src));
        }
        let mut install = Command::new("cargo");
        install.args(["install", "--locked", "--path", "."]).args(self.install).current_dir(&src);
        for (key, value) in QUICK_RELEASE {
            install.env(key, value);
        }
        // A build directory of its own, outside the project's target.
        install.env("CARGO_TARGET_DIR", paths::cache().join("tools-target"));
        cmd::run(&mut install)
    }
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
    apt_install("chromium", "/usr/bin/chromium")
}

/// Debian's HAProxy, the load balancer of `cargo xtask cluster`.
pub fn haproxy() -> Result {
    apt_install("haproxy", "/usr/sbin/haproxy")
}

/// Installs Debian `package` unless `installed` (a file it provides) exists.
fn apt_install(package: &str, installed: &str) -> Result {
    if Path::new(installed).exists() {
        return Ok(());
    }
    cmd::step(&format!("apt-get install {package}"));
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
    cmd::run(&mut sudo(&["apt-get", "install", "-y", "--no-install-recommends", package]))
}
