//! Project automation: `cargo xtask <command>`.
//!
//! `run` sets everything up and serves feedboard with the live demo;
//! `test` sets everything up and runs every check and test layer. Both work
//! on a fresh machine: missing tools are installed from crates.io, npm and
//! Debian only.

mod cmd;
mod e2e;
mod layers;
mod paths;
mod proof;
mod services;
mod toolchain;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run      set up, build (release) and serve feedboard with the live demo
  test     set up, then fmt, clippy, unit + integration tests, Playwright e2e
  setup    install the tool chain only (wasm target, cargo-leptos,
           wasm-bindgen, npm packages, Chromium)
  build    release build of the site (server + wasm + css)
  e2e      build, then run only the Playwright suite (further arguments go to
           Playwright: `cargo xtask e2e export.spec.ts` runs one spec)
  layers   check that no module of src/ reaches up to a higher layer
  env      print the shell exports that make a hand-run `cargo` share this
           clone's build cache and tools: eval \"$(cargo xtask env)\"
  bench    performance figures beside same-run baselines (--quick: smoke run)
  chaos    broker/Postgres restarts, kill -9, reconnect storms: lost/dup/gaps
  hostile  malformed broker messages and OpenAPI-driven HTTP fuzzing
  cluster  3 nodes behind HAProxy: kill -9 and SIGTERM under load (lost/dup/gaps,
           takeover, every viewer gets every message), fan-out 1 vs 2 nodes
  soak     the demo for an hour with 10-minute retention: the database size
           must level off (--quick: 4 minutes, 1-minute retention)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let builds = !matches!(args.first().map(String::as_str), None | Some("layers"));
    if builds && let Err(e) = paths::claim_target_dir() {
        eprintln!("\nxtask: {e}");
        return ExitCode::FAILURE;
    }
    let result = match args.first().map(String::as_str) {
        Some("run") => run(),
        Some("test") => test(),
        Some("setup") => toolchain::setup(toolchain::Needs::Everything),
        Some("layers") => layers::check(&paths::root()),
        Some("env") => {
            print!("{}", cmd::exports());
            Ok(())
        }
        Some("build") => toolchain::setup(toolchain::Needs::Build).and_then(|_| build()),
        Some("e2e") => toolchain::setup(toolchain::Needs::Everything)
            .and_then(|_| services::ensure())
            .and_then(|_| build())
            .and_then(|_| e2e::run(&args[1..])),
        Some(command @ ("bench" | "chaos" | "hostile" | "cluster" | "soak")) => {
            proof::run(if command == "bench" { "perf" } else { command }, quick)
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Result of an xtask step; the message says what failed and how to fix it.
pub type Result<T = ()> = std::result::Result<T, String>;

fn run() -> Result {
    toolchain::setup(toolchain::Needs::Build)?;
    services::ensure_postgres()?;
    build()?;
    let site = paths::site_root();
    let mut server = cmd::cargo_env(std::process::Command::new(paths::server_binary()));
    server.env("LEPTOS_SITE_ROOT", &site).current_dir(paths::root());
    if std::env::var_os("FEEDBOARD_DEMO").is_none() {
        server.env("FEEDBOARD_DEMO", "1");
    }
    cmd::step("serve feedboard (Ctrl-C stops it)");
    cmd::exec(server)
}

fn test() -> Result {
    let started = std::time::Instant::now();
    toolchain::setup(toolchain::Needs::Everything)?;
    services::ensure()?;
    cmd::step("cargo fmt --check");
    cmd::cargo(&["fmt", "--all", "--check"])?;
    cmd::step("layers");
    layers::check(&paths::root())?;
    cmd::step("clippy (server, browser, proof suite, xtask)");
    cmd::cargo(&["clippy", "--features", "ssr,embedded-broker", "--all-targets", "--", "-D", "warnings"])?;
    cmd::cargo(&[
        "clippy",
        "-p",
        "feedboard-bench",
        "-p",
        "feedboard-testkit",
        "-p",
        "feedboard-model",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    cmd::cargo(&[
        "clippy",
        "--lib",
        "--no-default-features",
        "--features",
        "hydrate",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ])?;
    cmd::cargo(&["clippy", "-p", "xtask", "--all-targets", "--", "-D", "warnings"])?;
    // The release server first: the fault test drives it as a process.
    build()?;
    cmd::step("the MQTT 3.1.1 + WebSocket test broker (testkit)");
    cmd::cargo(&["build", "-p", "feedboard-testkit", "--bin", "feedboard-test-broker"])?;
    cmd::step("unit and integration tests (real Postgres, Mosquitto, RabbitMQ)");
    cmd::run(
        cmd::cargo_env(std::process::Command::new("cargo"))
            .args(["test", "--workspace", "--features", "ssr,embedded-broker"])
            .env("FEEDBOARD_BIN", paths::server_binary())
            .env("LEPTOS_SITE_ROOT", paths::site_root()),
    )?;
    e2e::run(&[])?;
    println!("\nall checks passed in {:.0?}", started.elapsed());
    Ok(())
}

/// Release build of the server, the wasm bundle (the lazy routes split
/// off into their own chunks) and the stylesheet, with brotli and gzip
/// copies of the site's files for the server to send as they are.
pub fn build() -> Result {
    vendor_assets()?;
    cmd::step("cargo leptos build --release --precompress --split");
    cmd::run(cmd::cargo_env(std::process::Command::new("cargo")).args([
        "leptos",
        "build",
        "--release",
        "--precompress",
        "--split",
    ]))
}

/// Copies browser libraries from `node_modules` into `public/vendor/` (not
/// committed; cargo-leptos copies `public/` into the site).
fn vendor_assets() -> Result {
    let root = paths::root();
    let vendor = root.join("public/vendor");
    std::fs::create_dir_all(&vendor).map_err(|e| format!("{}: {e}", vendor.display()))?;
    let chart = root.join("node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js");
    std::fs::copy(&chart, vendor.join("lightweight-charts.js"))
        .map(|_| ())
        .map_err(|e| format!("{}: {e} (run `cargo xtask setup`)", chart.display()))
}
