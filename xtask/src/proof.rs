//! The proof suite: `bench`, `chaos` and `hostile` build the release server
//! and `feedboard-bench`, then run the given command of the latter from the
//! project root (it starts its own server processes).

use crate::{Result, build, cmd, paths, services, toolchain};
use std::process::Command;

/// Runs `feedboard-bench <command>` (with `--quick` if asked).
pub fn run(command: &str, quick: bool) -> Result {
    toolchain::setup(toolchain::Needs::Everything)?;
    services::ensure()?;
    build()?;
    cmd::step("build the proof suite (release)");
    cmd::cargo(&["build", "--release", "-p", "feedboard-bench"])?;
    cmd::step(&format!("feedboard-bench {command}"));
    let bench = paths::target_dir().join("release/feedboard-bench");
    cmd::run(
        cmd::cargo_env(Command::new(bench))
            .arg(command)
            .args(quick.then_some("--quick"))
            .env("FEEDBOARD_BIN", paths::server_binary())
            .env("LEPTOS_SITE_ROOT", paths::site_root())
            .env("BENCH_OUT", paths::root().join("target/bench")),
    )
}
