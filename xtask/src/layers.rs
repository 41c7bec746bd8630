//! `cargo xtask layers`: the crate's layers, kept by a check that fails on
//! a `use` (or path) that reaches up.
//!
//! Each top-level module of `src/` has a rank; a module may name modules of
//! its own rank or below, never above. The edges (`app`, `http`) may not
//! reach `store` either: they go through the domain. Comments are ignored;
//! `lib.rs` and `main.rs` wire everything and are not checked.

use std::{fs, path::Path};

/// The layers, lowest first. Modules on one line share a rank.
const LAYERS: &[&[&str]] = &[
    &["model", "error"],
    &["secrets", "store"],
    &["hub"],
    &["cluster"],
    &["ingest"],
    &["config", "auth", "domain", "demo"],
    &["app"],
    &["http"],
    &["server"],
];

/// Modules that must not name `store` (they ask the domain).
const EDGES: &[&str] = &["app", "http"];

/// Files of an edge that may still name `store`, with why; each is a debt
/// to pay, not a pattern to follow.
const EDGE_EXCEPTIONS: &[(&str, &str)] = &[("src/http/error.rs", "maps the store's error type to the API error, once")];

/// A forbidden reference: where, and what it names.
#[derive(Debug, PartialEq)]
struct Violation {
    file: String,
    line: usize,
    from: String,
    to: String,
}

/// Checks every file under `root/src`; the error lists each violation.
pub fn check(root: &Path) -> crate::Result {
    let mut violations = Vec::new();
    let mut files = Vec::new();
    collect(&root.join("src"), &mut files).map_err(|e| format!("reading src/: {e}"))?;
    files.sort();
    for path in files {
        let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let text = fs::read_to_string(&path).map_err(|e| format!("{relative}: {e}"))?;
        violations.extend(violations_in(&relative, &text));
    }
    if violations.is_empty() {
        println!("layers: every module names only its own layer or lower ones");
        return Ok(());
    }
    for v in &violations {
        eprintln!("{}:{}: `{}` reaches up to `{}`", v.file, v.line, v.from, v.to);
    }
    Err(format!("{} references break the layers (see xtask/src/layers.rs)", violations.len()))
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The violations in one file, `file` being its path from the repository root.
fn violations_in(file: &str, text: &str) -> Vec<Violation> {
    let Some(from) = file.strip_prefix("src/").map(|p| p.split('/').next().unwrap_or(p).trim_end_matches(".rs")) else {
        return Vec::new();
    };
    let Some(own) = rank(from) else { return Vec::new() };
    let edge = EDGES.contains(&from) && !EDGE_EXCEPTIONS.iter().any(|(f, _)| *f == file);
    let code = strip_comments(text);
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let line = code[..at].matches('\n').count() + 1;
        for to in top_names(&code[at + "crate::".len()..]) {
            let up = rank(&to).is_some_and(|r| r > own);
            if to != from && (up || (edge && to == "store")) {
                found.push(Violation { file: file.to_owned(), line, from: from.to_owned(), to });
            }
        }
    }
    found
}

/// The code with `//` comments (doc comments included) blanked out, lines kept.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level module names a path after `crate::` starts with: one for
/// `store::x`, each branch's first name for `{store::x, model::{A, B}}`.
fn top_names(rest: &str) -> Vec<String> {
    let ident = |s: &str| s.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let Some(inner) = rest.strip_prefix('{') else { return vec![ident(rest)] };
    let (mut depth, mut names, mut start) = (0usize, Vec::new(), 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                names.push(ident(&inner[start..i]));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                names.push(ident(&inner[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    names.into_iter().filter(|n: &String| !n.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(file: &str, text: &str) -> Vec<(usize, String)> {
        violations_in(file, text).into_iter().map(|v| (v.line, v.to)).collect()
    }

    #[test]
    fn a_lower_layer_may_not_name_a_higher_one() {
        let text = "use crate::{\n    model::Tick,\n    domain::{Core, feeds},\n};\nfn f() { crate::server::start(); }";
        assert_eq!(names("src/store/batch.rs", text), [(1, "domain".to_owned()), (5, "server".to_owned())]);
    }

    #[test]
    fn the_same_layer_and_lower_ones_are_fine() {
        let text = "use crate::{model::{A, B}, store, hub::Hub};\nuse crate::ingest::Ingest;";
        assert!(names("src/domain/feeds.rs", text).is_empty());
        assert!(names("src/auth/users.rs", "use crate::domain::Core;").is_empty());
    }

    #[test]
    fn edges_go_through_the_domain_not_the_store() {
        assert_eq!(names("src/http/feeds.rs", "let x = crate::store::feeds::list(db);"), [(1, "store".to_owned())]);
        assert_eq!(
            names("src/app/api/mod.rs", "use crate::{error::AppError, store::users};"),
            [(1, "store".to_owned())]
        );
        assert!(names("src/http/error.rs", "use crate::store::StoreError;").is_empty());
        assert!(names("src/http/mod.rs", "use crate::{app, domain};").is_empty());
        assert_eq!(names("src/app/mod.rs", "crate::http::security::x();"), [(1, "http".to_owned())]);
    }

    #[test]
    fn comments_do_not_count() {
        assert!(
            names("src/model/feed.rs", "/// Like `crate::server::AppState`.\n// crate::http\nfn f() {}").is_empty()
        );
    }

    #[test]
    fn the_crate_keeps_its_layers() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace");
        check(root).expect("no module reaches up");
    }
}
