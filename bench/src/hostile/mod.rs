//! Hostile input: see `run`.

/// Publishes malformed broker messages among valid ones and fuzzes the HTTP
/// API from its OpenAPI document.
pub async fn run(_quick: bool) -> feedboard_bench::Result {
    Err("hostile is not written yet".into())
}
