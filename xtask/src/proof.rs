//! The proof suite: `bench`, `chaos`, `hostile`, `cluster` and `soak` build the
//! release server and `feedboard-bench`, then run the given command of the
//! latter from the project root (it starts its own server processes).
//! `hostile` also needs schemathesis, installed from PyPI into a venv in the
//! cache; `cluster` needs HAProxy, installed from Debian.

use crate::{Result, build, cmd, paths, services, toolchain};
use std::{path::PathBuf, process::Command};

/// `output-name` of `[package.metadata.leptos]` in `Cargo.toml`.
const LEPTOS_OUTPUT_NAME: &str = "feedboard";

/// The schemathesis release the API fuzzing was written against.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Runs `feedboard-bench <command>` (with `--quick` if asked).
pub fn run(command: &str, quick: bool) -> Result {
    toolchain::setup(toolchain::Needs::Everything)?;
    if command == "cluster" {
        toolchain::haproxy()?;
    }
    services::ensure()?;
    build()?;
    cmd::step("build the proof suite (release)");
    // With the output name cargo-leptos gives the server build: leptos reads
    // it at compile time, and without it each build undid the other's
    // leptos crates (and everything above them) in the shared target dir.
    cmd::run(
        cmd::cargo_env(Command::new("cargo"))
            .args(["build", "--release", "-p", "feedboard-bench"])
            .env("LEPTOS_OUTPUT_NAME", LEPTOS_OUTPUT_NAME),
    )?;
    cmd::step(&format!("feedboard-bench {command}"));
    let bench = paths::target_dir().join("release/feedboard-bench");
    let mut run = cmd::cargo_env(Command::new(bench));
    if command == "hostile" {
        run.env("SCHEMATHESIS", schemathesis()?);
    }
    cmd::run(
        run.arg(command)
            .args(quick.then_some("--quick"))
            .env("FEEDBOARD_BIN", paths::server_binary())
            .env("LEPTOS_SITE_ROOT", paths::site_root())
            .env("BENCH_OUT", paths::root().join("target/bench")),
    )
}

/// The schemathesis command, installed into `<cache>/venv` when missing.
fn schemathesis() -> Result<PathBuf> {
    let venv = paths::cache().join("venv");
    let exe = venv.join("bin/schemathesis");
    if exe.exists() {
        return Ok(exe);
    }
    cmd::step(&format!("install {SCHEMATHESIS} from PyPI into {}", venv.display()));
    cmd::run(Command::new("python3").arg("-m").arg("venv").arg(&venv))
        .map_err(|e| format!("{e} (install python3-venv with apt-get)"))?;
    cmd::run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", SCHEMATHESIS]))?;
    Ok(exe)
}
