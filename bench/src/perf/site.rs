//! Release wasm size (raw, brotli, and the precompressed copy the server
//! sends) and server start time.

use feedboard_bench::{Result, report::Report, report::Row};
use std::{path::PathBuf, process::Command, time::Duration};

/// Adds the wasm sizes and `start_time` (spawn → `/readyz` 200).
pub fn measure(report: &mut Report, start_time: Duration) -> Result {
    report.add(Row::new("server start → ready", start_time.as_secs_f64() * 1000.0, "ms"));
    let site = std::env::var_os("LEPTOS_SITE_ROOT").map(PathBuf::from).unwrap_or_else(|| "target/site".into());
    let wasm = wasm_file(&site)?;
    let raw = std::fs::metadata(&wasm).map_err(|e| format!("{}: {e} (build first)", wasm.display()))?.len();
    report.add(Row::new("wasm bundle, raw", raw as f64 / 1024.0, "KiB"));
    report.add(
        Row::new("wasm bundle, brotli", brotli_size(&wasm)? as f64 / 1024.0, "KiB").at_most(400.0 * 1000.0 / 1024.0),
    );
    // What the server sends: the copy the release build wrote beside it.
    if let Ok(sent) = std::fs::metadata(wasm.with_extension("wasm.br")) {
        report.add(Row::new("wasm bundle as sent (precompressed .br)", sent.len() as f64 / 1024.0, "KiB"));
    }
    Ok(())
}

/// The release build's wasm: `pkg/feedboard.<content hash>.wasm`.
fn wasm_file(site: &std::path::Path) -> Result<PathBuf> {
    let pkg = site.join("pkg");
    let entries = std::fs::read_dir(&pkg).map_err(|e| format!("{}: {e} (build first)", pkg.display()))?;
    entries
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("feedboard.") && name.ends_with(".wasm")
        })
        .ok_or_else(|| format!("no feedboard wasm in {} (build first)", pkg.display()))
}

/// Brotli-compressed size at quality 11, by Node's zlib (what a CDN or the
/// server's precompression would send).
fn brotli_size(path: &std::path::Path) -> Result<u64> {
    let script = "const z=require('zlib');const b=require('fs').readFileSync(process.argv[1]);\
                  console.log(z.brotliCompressSync(b,{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length)";
    let out = Command::new("node").args(["-e", script]).arg(path).output().map_err(|e| format!("node: {e}"))?;
    String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|_| "node could not compress the wasm".into())
}
