//! The bench report: a table on stdout and a JSON file, each figure beside
//! its same-run baseline, the ratio and the target.

use serde_json::{Value, json};
use std::path::Path;

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
    /// The same quantity for the baseline, measured in the same run.
    pub baseline: Option<f64>,
    /// What the figure (or its ratio) must reach, as text, with whether it did.
    pub target: Option<(String, bool)>,
    pub note: String,
}

impl Row {
    /// A figure without baseline or target.
    pub fn new(name: impl Into<String>, value: f64, unit: &'static str) -> Self {
        Row { name: name.into(), value, unit, baseline: None, target: None, note: String::new() }
    }

    /// Sets the baseline figure.
    pub fn baseline(mut self, baseline: f64) -> Self {
        self.baseline = Some(baseline);
        self
    }

    /// `value / baseline`.
    pub fn ratio(&self) -> Option<f64> {
        self.baseline.filter(|b| *b > 0.0).map(|b| self.value / b)
    }

    /// Target: the ratio at least `min`.
    pub fn ratio_at_least(mut self, min: f64) -> Self {
        let met = self.ratio().is_some_and(|r| r >= min);
        self.target = Some((format!("ratio ≥ {min}"), met));
        self
    }

    /// Target: the value at most `max`.
    pub fn at_most(mut self, max: f64) -> Self {
        self.target = Some((format!("≤ {max} {}", self.unit), self.value <= max));
        self
    }

    /// Target: the value at least `min`.
    pub fn at_least(mut self, min: f64) -> Self {
        self.target = Some((format!("≥ {min} {}", self.unit), self.value >= min));
        self
    }

    /// A remark printed beside the figure.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }
}

/// All figures of a run.
#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    /// The run's verdicts in a fixed shape for tools, written beside the
    /// figures as `"summary"` when set.
    pub summary: Option<Value>,
}

impl Report {
    /// Adds a row and prints it at once, so a long run shows progress.
    pub fn add(&mut self, row: Row) {
        println!("  {}", line(&row));
        self.rows.push(row);
    }

    /// Prints the table as Markdown.
    pub fn print(&self, title: &str) {
        println!("\n## {title}\n");
        println!("| figure | value | baseline | ratio | target | |");
        println!("|---|---:|---:|---:|---|---|");
        for r in &self.rows {
            let baseline = r.baseline.map(|b| format!("{} {}", human(b), r.unit)).unwrap_or_default();
            let ratio = r.ratio().map(|x| format!("{x:.2}")).unwrap_or_default();
            let (target, met) = match &r.target {
                Some((t, met)) => (t.as_str(), if *met { "met" } else { "**missed**" }),
                None => ("", ""),
            };
            println!(
                "| {} | {} {} | {baseline} | {ratio} | {target} | {met} {} |",
                r.name,
                human(r.value),
                r.unit,
                r.note
            );
        }
    }

    /// Prints the table under `title` and writes `<out_dir>/<command>.json`.
    pub fn finish(&self, title: &str, command: &str) -> crate::Result {
        self.print(title);
        let path = out_dir().join(format!("{command}.json"));
        self.write_json(&path, run_meta(command)).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("\nJSON: {}", path.display());
        Ok(())
    }

    /// Whether every row with a target met it.
    pub fn all_met(&self) -> bool {
        self.rows.iter().all(|r| r.target.as_ref().is_none_or(|t| t.1))
    }

    /// Writes the figures as JSON to `path`.
    pub fn write_json(&self, path: &Path, meta: Value) -> std::io::Result<()> {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({"name": r.name, "value": r.value, "unit": r.unit, "baseline": r.baseline, "ratio": r.ratio(),
                       "target": r.target.as_ref().map(|t| &t.0), "met": r.target.as_ref().map(|t| t.1), "note": r.note})
            })
            .collect();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut body = json!({"meta": meta, "figures": rows});
        if let Some(summary) = &self.summary {
            body["summary"] = summary.clone();
        }
        std::fs::write(path, serde_json::to_vec_pretty(&body)?)
    }
}

/// Where reports go: `$BENCH_OUT`, else `target/bench` in the project.
pub fn out_dir() -> std::path::PathBuf {
    std::env::var_os("BENCH_OUT").map(Into::into).unwrap_or_else(|| "target/bench".into())
}

/// What every report records about the run.
pub fn run_meta(command: &str) -> serde_json::Value {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    serde_json::json!({"command": command, "date": chrono::Utc::now().to_rfc3339(), "cores": cores})
}

fn line(r: &Row) -> String {
    let mut s = format!("{}: {} {}", r.name, human(r.value), r.unit);
    if let (Some(b), Some(x)) = (r.baseline, r.ratio()) {
        s += &format!(" (baseline {} {}, ratio {x:.2})", human(b), r.unit);
    }
    if let Some((t, met)) = &r.target {
        s += &format!(" [target {t}: {}]", if *met { "met" } else { "MISSED" });
    }
    s
}

/// A figure with sensible precision: 12,345 / 123.4 / 1.23.
fn human(x: f64) -> String {
    if x.abs() >= 1000.0 {
        let digits = format!("{:.0}", x.abs());
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if x < 0.0 { format!("-{out}") } else { out }
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_well_and_targets_are_judged() {
        assert_eq!(human(1234567.0), "1,234,567");
        assert_eq!(human(123.45), "123.5");
        assert_eq!(human(1.234), "1.23");
        let row = Row::new("x", 80.0, "msg/s").baseline(100.0).ratio_at_least(0.8);
        assert_eq!(row.target.as_ref().map(|t| t.1), Some(true));
        assert!(!Row::new("p99", 60.0, "ms").at_most(50.0).target.unwrap().1);
    }
}
