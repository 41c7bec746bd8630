//! Timing the same request, or the same database step, on both histories:
//! one after the other, small then large, so whatever else the machine is
//! doing falls on both alike.

use feedboard_bench::{
    Result, context,
    report::Row,
    server::{ADMIN_PASSWORD, Server},
    stats::Samples,
};
use std::time::{Duration, Instant};

/// Timings of one probe on one history.
#[derive(Default)]
pub struct Timing {
    pub samples: Samples,
    /// Items in the last answer (candles, symbols, log lines, rows).
    pub items: u64,
}

impl Timing {
    pub fn push(&mut self, took: Duration, items: u64) {
        self.samples.push(took.as_micros() as u64);
        self.items = items;
    }

    pub fn median(&mut self) -> f64 {
        self.samples.percentile_ms(50.0)
    }

    pub fn p95(&mut self) -> f64 {
        self.samples.percentile_ms(95.0)
    }
}

/// A signed-in HTTP client of one server.
pub struct Site {
    base: String,
    http: reqwest::Client,
}

impl Site {
    pub async fn sign_in(server: &Server) -> Result<Self> {
        let http = reqwest::Client::builder().cookie_store(true).build().map_err(|e| e.to_string())?;
        let base = server.url();
        let login = serde_json::json!({"username": "admin", "password": ADMIN_PASSWORD});
        let res = http.post(format!("{base}/api/v1/login")).json(&login).send().await.map_err(context("login"))?;
        if !res.status().is_success() {
            return Err(format!("login answered {}", res.status()));
        }
        Ok(Site { base, http })
    }

    /// `GET path`: how long until the whole body was in, and its `items`.
    pub async fn get(&self, path: &str) -> Result<(Duration, u64)> {
        let started = Instant::now();
        let res = self.http.get(format!("{}{path}", self.base)).send().await.map_err(context("history API"))?;
        let status = res.status();
        let body = res.bytes().await.map_err(context("history API body"))?;
        let took = started.elapsed();
        if !status.is_success() {
            return Err(format!("GET {path} answered {status}: {}", String::from_utf8_lossy(&body)));
        }
        let json: serde_json::Value = serde_json::from_slice(&body).map_err(context("history API JSON"))?;
        Ok((took, json["items"].as_array().map_or(0, |a| a.len() as u64)))
    }
}

/// `GET path` on both sites, `warmup` times untimed then `n` times each,
/// alternating.
pub async fn http(sites: [&Site; 2], path: &str, warmup: usize, n: usize) -> Result<[Timing; 2]> {
    for _ in 0..warmup {
        for site in sites {
            site.get(path).await?;
        }
    }
    let mut out = [Timing::default(), Timing::default()];
    for _ in 0..n {
        for (site, timing) in sites.iter().zip(&mut out) {
            let (took, items) = site.get(path).await?;
            timing.push(took, items);
        }
    }
    Ok(out)
}

/// A row for a cost: the large history's median in ms against the small
/// one's, judged on the ratio (at most `max`), the p95s in the note.
pub fn cost_row(name: &str, [small, large]: &mut [Timing; 2], max: f64, note: &str) -> Row {
    let (s95, l95) = (small.p95(), large.p95());
    let row = Row::new(name, large.median(), "ms")
        .baseline(small.median())
        .note(format!("p95 {l95:.2} vs {s95:.2} ms ({:.2}); {note}", if s95 > 0.0 { l95 / s95 } else { 0.0 }));
    ratio_at_most(row, max)
}

/// Target: the ratio (value ÷ baseline) at most `max`.
pub fn ratio_at_most(mut row: Row, max: f64) -> Row {
    let met = row.ratio().is_some_and(|r| r <= max);
    row.target = Some((format!("ratio ≤ {max}"), met));
    row
}
