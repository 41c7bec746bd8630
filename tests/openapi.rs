//! The OpenAPI document lists every REST route the router serves, and
//! nothing it does not.
//!
//! The router's paths come from the router itself (the paths axum's
//! `Debug` shows for the whole application router, as `http::router`
//! builds it), so a route added anywhere without documentation fails here.
//! Not part of the REST contract, so left out: Leptos pages and server
//! functions (`/api/<function>`, outside `/api/v1`), static assets (the
//! fallback), and the `/api/v1/{*rest}` catch-all that answers unknown
//! endpoints with a JSON 404.

mod common;

use common::spawn_app;
use feedboard::http;
use serde_json::Value;
use std::collections::BTreeSet;

/// The probes, outside `/api/v1` but part of the contract (API.md).
const PROBES: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Every quoted path in the router's `Debug` output.
fn router_paths(router: &impl std::fmt::Debug) -> BTreeSet<String> {
    let text = format!("{router:?}");
    text.split('"').filter(|s| s.starts_with('/')).map(str::to_owned).collect()
}

/// The paths of the REST contract: `/api/v1/…` and the probes.
fn contract(paths: &BTreeSet<String>) -> BTreeSet<String> {
    paths
        .iter()
        .filter(|p| (p.starts_with("/api/v1/") && p.as_str() != http::api::CATCH_ALL) || PROBES.contains(&p.as_str()))
        .cloned()
        .collect()
}

#[tokio::test]
async fn every_rest_route_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let sessions = tower_sessions_sqlx_store::PostgresStore::new(app.db().clone());
    let all = router_paths(&http::router(app.state().clone(), sessions));
    // The scan must see the router's paths, or it would pass on nothing.
    for known in ["/api/v1/login", "/api/v1/feeds/{name}", "/api/v1/ws", "/healthz", http::api::CATCH_ALL] {
        assert!(all.contains(known), "{known} not found in the router's paths: {all:?}");
    }
    let served = contract(&all);

    let doc: Value = app.client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let documented: BTreeSet<String> = doc["paths"].as_object().expect("paths").keys().cloned().collect();

    let missing: Vec<_> = served.difference(&documented).collect();
    assert!(missing.is_empty(), "routes served but not in the OpenAPI document: {missing:?}");
    let stale: Vec<_> = documented.difference(&served).collect();
    assert!(stale.is_empty(), "paths in the OpenAPI document that no route serves: {stale:?}");
    app.stop().await;
}

#[tokio::test]
async fn operations_declare_their_methods_and_parameters() {
    let app = spawn_app().await;
    let doc: Value = app.client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/feeds", "post"),
        ("/api/v1/feeds/{name}", "delete"),
        ("/api/v1/dashboards/{slug}", "put"),
        ("/api/v1/stream", "get"),
        ("/api/v1/openapi.json", "get"),
    ] {
        assert!(paths[path].get(method).is_some(), "{method} {path} is not documented");
    }
    // Each `{name}` of a path is a path parameter of each of its
    // operations, and query parameters are not mistaken for path ones.
    for (path, item) in paths {
        let templated: BTreeSet<&str> = path.split('{').skip(1).filter_map(|rest| rest.split('}').next()).collect();
        for (method, operation) in item.as_object().unwrap() {
            let declared: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(declared, templated, "path parameters of {method} {path}");
        }
    }
    // Every operation documents the error envelope for any status it does
    // not list (schemathesis found 400s for malformed bodies undocumented).
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let default = &operation["responses"]["default"]["content"]["application/json"]["schema"]["$ref"];
            assert_eq!(default, "#/components/schemas/ErrorBody", "default response of {method} {path}");
        }
    }
    let stream = &paths["/api/v1/stream"]["get"]["parameters"];
    assert!(stream.as_array().unwrap().iter().any(|p| p["name"] == "feeds" && p["in"] == "query"), "{stream}");
    app.stop().await;
}
