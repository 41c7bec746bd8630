//! Running commands with the project's environment.

use crate::{Result, paths};
use std::process::{Command, Stdio};

/// Prints a step heading.
pub fn step(what: &str) {
    println!("\n==> {what}");
}

/// Adds the shared target dir and the tool paths to `cmd`.
pub fn cargo_env(mut cmd: Command) -> Command {
    for (name, value) in env() {
        cmd.env(name, value);
    }
    cmd.current_dir(paths::root());
    cmd
}

/// The same environment as shell `export` lines.
pub fn exports() -> String {
    env().iter().map(|(name, value)| format!("export {name}='{value}'\n")).collect()
}

/// What every command of the project runs with: the shared target dir and
/// the project's tools first on `PATH` (a different `PATH` makes cargo
/// rebuild crates whose build scripts watch it).
fn env() -> [(&'static str, String); 3] {
    let path = std::env::var("PATH").unwrap_or_default();
    let tools = format!("{}:{}", paths::node_bin().display(), paths::cargo_bin().display());
    let path = if path.starts_with(&tools) { path } else { format!("{tools}:{path}") };
    [
        ("CARGO_TARGET_DIR", paths::target_dir().display().to_string()),
        ("PATH", path),
        ("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1".into()),
    ]
}

/// Runs `cargo <args>` in the project with the shared target dir.
pub fn cargo(args: &[&str]) -> Result {
    run(cargo_env(Command::new("cargo")).args(args))
}

/// Runs `cmd`, failing with its command line when it fails.
pub fn run(cmd: &mut Command) -> Result {
    let status = cmd.status().map_err(|e| format!("cannot start {}: {e}", describe(cmd)))?;
    if status.success() { Ok(()) } else { Err(format!("{} failed ({status})", describe(cmd))) }
}

/// Runs `cmd` quietly and returns its stdout, or `None` if it fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Replaces this process with `cmd` (so Ctrl-C reaches it directly).
pub fn exec(mut cmd: Command) -> Result {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(format!("cannot start {}: {err}", describe(&cmd)))
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}
