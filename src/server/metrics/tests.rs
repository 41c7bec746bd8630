use super::*;
use std::{collections::BTreeMap, path::Path};

/// Every `metrics::{counter,gauge,histogram}!("name"…)` in `src/`, by name.
fn emitted() -> BTreeMap<String, Kind> {
    let mut found = BTreeMap::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("server/metrics/tests.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (macro_name, kind) in [("counter!(", Counter), ("gauge!(", Gauge), ("histogram!(", Histogram)] {
                    for (at, _) in text.match_indices(macro_name) {
                        let rest = text[at + macro_name.len()..].trim_start();
                        let Some(literal) = rest.strip_prefix('"') else { continue };
                        let name = &literal[..literal.find('"').unwrap()];
                        if let Some(before) = found.insert(name.to_owned(), kind) {
                            assert_eq!(before, kind, "{name} is recorded as two kinds ({})", path.display());
                        }
                    }
                }
            }
        }
    }
    found
}

#[test]
fn every_series_recorded_in_the_source_is_described() {
    let emitted = emitted();
    assert!(emitted.contains_key("feedboard_http_requests_total"), "the source scan found nothing: {emitted:?}");
    for (name, kind) in &emitted {
        let series = SERIES.iter().find(|s| s.name == name);
        let series = series.unwrap_or_else(|| panic!("{name} is recorded but missing from SERIES"));
        assert_eq!(series.kind, *kind, "{name} is a {kind:?} in the source");
    }
    for s in SERIES {
        assert!(emitted.contains_key(s.name), "{} is in SERIES but nothing records it", s.name);
    }
}

#[test]
fn the_readme_table_lists_exactly_the_series() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let rows: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|name| name.starts_with("feedboard_") || name.starts_with("process_"))
        .collect();
    for s in SERIES {
        assert!(rows.contains(&s.name), "{} is missing from the README's metrics table", s.name);
    }
    for row in rows {
        assert!(SERIES.iter().any(|s| s.name == row), "the README lists {row}, which SERIES does not");
    }
}

#[test]
fn names_follow_the_prometheus_conventions() {
    for s in SERIES {
        assert!(s.name.starts_with("feedboard_") || s.name.starts_with("process_"), "{}", s.name);
        assert!(!s.help.is_empty(), "{} has no HELP text", s.name);
        match s.kind {
            Kind::Counter => assert!(s.name.ends_with("_total"), "counter {} must end in _total", s.name),
            Kind::Gauge | Kind::Histogram => assert!(!s.name.ends_with("_total"), "{} is not a counter", s.name),
        }
        // Histograms carry their base unit, which picks their buckets.
        if s.kind == Kind::Histogram {
            assert!(
                s.name.ends_with("_seconds") || s.name.ends_with("_messages"),
                "histogram {} must end in its unit (_seconds, _messages)",
                s.name
            );
        }
    }
}

#[test]
fn histograms_render_buckets_and_help() {
    let recorder = builder().build_recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || {
        describe_all();
        metrics::histogram!("feedboard_commit_seconds").record(0.003);
        metrics::histogram!("feedboard_batch_size_messages").record(40.0);
        metrics::counter!("feedboard_export_rows_total").increment(2);
    });
    let text = handle.render();
    assert!(text.contains("# TYPE feedboard_commit_seconds histogram"), "{text}");
    assert!(text.contains("feedboard_commit_seconds_bucket{le=\"0.005\"} 1"), "{text}");
    assert!(text.contains("feedboard_batch_size_messages_bucket{le=\"50\"} 1"), "{text}");
    assert!(text.contains("# HELP feedboard_commit_seconds Time to commit one ingest batch."), "{text}");
    assert!(text.contains("# HELP feedboard_export_rows_total "), "{text}");
}
