//! API fuzzing: schemathesis (from PyPI) generates requests from
//! `GET /api/v1/openapi.json` and checks every response; none may be a 5xx.
//! It runs twice: signed in as the admin (session cookie, allowed
//! `Origin`) and anonymous.

use feedboard_bench::{
    Result, context,
    report::{Report, Row, out_dir},
    server::{ADMIN_PASSWORD, Server},
};
use std::path::{Path, PathBuf};
use tokio::process::Command;

/// Checks that must pass: no 5xx, and responses that match the document.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// Operations the fuzzer leaves alone: endless streams, and the logout that
/// would end its own session halfway.
const EXCLUDED: [&str; 3] = ["/api/v1/stream", "/api/v1/ws", "/api/v1/logout"];

/// What one schemathesis run found.
#[derive(Debug, Default)]
struct Findings {
    operations: usize,
    /// Operations with at least one 5xx answer.
    server_errors: Vec<String>,
    /// Other failed checks, one line each (operation: first line of the failure).
    other: Vec<String>,
}

/// Fuzzes the API as admin and as an anonymous client with `examples`
/// generated cases per operation; adds a row for each.
pub async fn measure(report: &mut Report, server: &Server, examples: u32) -> Result {
    let exe = std::env::var_os("SCHEMATHESIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root/.cache/feedboard/venv/bin/schemathesis"));
    if !exe.exists() {
        return Err(format!("{} not found: run `cargo xtask hostile`, which installs it", exe.display()));
    }
    let cookie = session_cookie(&server.url()).await?;
    for (who, cookie) in [("admin", Some(cookie.as_str())), ("anonymous", None)] {
        let junit = out_dir().join(format!("schemathesis-{who}.xml"));
        let found = run(&exe, &server.url(), cookie, examples, &junit).await?;
        let note = format!(
            "{} operations × ≤{examples} cases; {}; other check failures: {}{}",
            found.operations,
            if found.server_errors.is_empty() { "no 5xx".to_owned() } else { found.server_errors.join(", ") },
            found.other.len(),
            if found.other.is_empty() { String::new() } else { format!(" ({})", found.other.join(" | ")) },
        );
        report.add(
            Row::new(
                format!("API fuzzing as {who}: operations answering 5xx"),
                found.server_errors.len() as f64,
                "ops",
            )
            .at_most(0.0)
            .note(note),
        );
    }
    Ok(())
}

/// Signs in as the admin and returns the `Cookie` header value.
async fn session_cookie(base: &str) -> Result<String> {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .map_err(context("sign in"))?;
    let cookies: Vec<String> = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    if cookies.is_empty() {
        return Err(format!("sign-in answered {} without a session cookie", res.status()));
    }
    Ok(cookies.join("; "))
}

async fn run(exe: &Path, base: &str, cookie: Option<&str>, examples: u32, junit: &Path) -> Result<Findings> {
    let mut command = Command::new(exe);
    command
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args(["--url", base, "--checks", CHECKS, "--max-examples", &examples.to_string()])
        .args([
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
            "--request-timeout",
            "10",
            "--seed",
            "26112026",
        ])
        .args(["--suppress-health-check", "all", "--report", "junit", "--report-junit-path"])
        .arg(junit)
        .args(["--header", &format!("Origin: {base}")])
        .env("NO_COLOR", "1");
    for path in EXCLUDED {
        command.args(["--exclude-path", path]);
    }
    if let Some(cookie) = cookie {
        command.args(["--header", &format!("Cookie: {cookie}")]);
    }
    let output = command.output().await.map_err(context("run schemathesis"))?;
    let log = out_dir().join(junit.with_extension("log").file_name().unwrap_or_default());
    let _ = std::fs::write(&log, [output.stdout.as_slice(), &output.stderr].concat());
    let xml = std::fs::read_to_string(junit)
        .map_err(|e| format!("schemathesis wrote no report ({e}); its output is in {}", log.display()))?;
    Ok(parse_junit(&xml))
}

/// Reads the JUnit report: one `testcase` per operation, `failure` elements
/// naming the checks that failed.
fn parse_junit(xml: &str) -> Findings {
    let mut found = Findings::default();
    for case in xml.split("<testcase").skip(1) {
        found.operations += 1;
        let name = attribute(case, "name").unwrap_or_default();
        for failure in case.split("<failure").skip(1) {
            let text = failure.split("</failure>").next().unwrap_or_default();
            let first = text.split_once('>').map_or(text, |(_, body)| body).trim();
            if text.contains("Server error") {
                found.server_errors.push(name.clone());
            } else {
                let summary = first.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
                found.other.push(format!("{name}: {}", unescape(summary)));
            }
        }
    }
    found.server_errors.dedup();
    found
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#10;", " ").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_operations_and_failures() {
        let xml = r#"<testsuite><testcase name="GET /api/v1/feeds" time="1"/>
            <testcase name="POST /api/v1/feeds"><failure type="failure" message="x">1. Server error

[500] Internal</failure></testcase>
            <testcase name="PUT /api/v1/feeds/{name}"><failure type="failure">1. Undocumented HTTP status code

Received: 405</failure></testcase></testsuite>"#;
        let found = parse_junit(xml);
        assert_eq!(found.operations, 3);
        assert_eq!(found.server_errors, vec!["POST /api/v1/feeds"]);
        assert_eq!(found.other, vec!["PUT /api/v1/feeds/{name}: 1. Undocumented HTTP status code"]);
    }
}
