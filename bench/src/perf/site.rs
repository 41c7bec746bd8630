//! Release wasm size (raw, brotli, and the precompressed copy the server
//! sends; the bundle every page loads, and the chunks of the lazy routes
//! beside it) and server start time.

use feedboard_bench::{Result, report::Report, report::Row};
use std::{path::PathBuf, process::Command, time::Duration};

/// Adds the wasm sizes and `start_time` (spawn → `/readyz` 200).
pub fn measure(report: &mut Report, start_time: Duration) -> Result {
    report.add(Row::new("server start → ready", start_time.as_secs_f64() * 1000.0, "ms"));
    let site = std::env::var_os("LEPTOS_SITE_ROOT").map(PathBuf::from).unwrap_or_else(|| "target/site".into());
    let (wasm, chunks) = wasm_files(&site)?;
    let raw = std::fs::metadata(&wasm).map_err(|e| format!("{}: {e} (build first)", wasm.display()))?.len();
    report.add(Row::new("wasm bundle, raw", raw as f64 / 1024.0, "KiB"));
    report.add(
        Row::new("wasm bundle, brotli", brotli_size(&wasm)? as f64 / 1024.0, "KiB").at_most(400.0 * 1000.0 / 1024.0),
    );
    // What the server sends: the copy the release build wrote beside it.
    if let Ok(sent) = std::fs::metadata(wasm.with_extension("wasm.br")) {
        report.add(Row::new("wasm bundle as sent (precompressed .br)", sent.len() as f64 / 1024.0, "KiB"));
    }
    if !chunks.is_empty() {
        let brotli = chunks.iter().map(|c| brotli_size(c)).sum::<Result<u64>>()?;
        report.add(Row::new(
            format!("lazy route chunks ({}), brotli, all together", chunks.len()),
            brotli as f64 / 1024.0,
            "KiB",
        ));
    }
    Ok(())
}

/// The release build's wasm: `pkg/feedboard.<content hash>.wasm`, and the
/// chunks split off it (loaded only by the lazy routes).
fn wasm_files(site: &std::path::Path) -> Result<(PathBuf, Vec<PathBuf>)> {
    let pkg = site.join("pkg");
    let entries = std::fs::read_dir(&pkg).map_err(|e| format!("{}: {e} (build first)", pkg.display()))?;
    let (main, chunks): (Vec<PathBuf>, Vec<PathBuf>) = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "wasm"))
        .partition(|path| path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("feedboard.")));
    let main =
        main.into_iter().next().ok_or_else(|| format!("no feedboard wasm in {} (build first)", pkg.display()))?;
    Ok((main, chunks))
}

/// Brotli-compressed size at quality 11, by Node's zlib (what a CDN or the
/// server's precompression would send).
fn brotli_size(path: &std::path::Path) -> Result<u64> {
    let script = "const z=require('zlib');const b=require('fs').readFileSync(process.argv[1]);\
                  console.log(z.brotliCompressSync(b,{params:{[z.constants.BROTLI_PARAM_QUALITY]:11}}).length)";
    let out = Command::new("node").args(["-e", script]).arg(path).output().map_err(|e| format!("node: {e}"))?;
    String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|_| "node could not compress the wasm".into())
}
