//! Probes, OpenAPI, sign-in, users and roles against the real server.

mod common;

use common::{ADMIN_PASSWORD, assert_error, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn probes_answer() {
    let app = spawn_app().await;
    let client = app.client();

    let health = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["ready"], true);
    assert_eq!(body["dependencies"][0]["name"], "postgres");
    assert_eq!(body["dependencies"][0]["ok"], true);

    let metrics = client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("feedboard_uptime_seconds"), "{text}");
    app.stop().await;
}

/// The release build's site and its list of content hashes (`hash.txt`
/// beside the server binary `FEEDBOARD_BIN`; `cargo xtask test` sets both
/// variables after building).
fn release_site() -> (std::path::PathBuf, std::path::PathBuf, std::collections::HashMap<String, String>) {
    let site = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let bin = std::env::var("FEEDBOARD_BIN").expect("FEEDBOARD_BIN: the release server (cargo xtask build)");
    let hash_file = std::path::Path::new(&bin).with_file_name("hash.txt");
    let text = std::fs::read_to_string(&hash_file)
        .unwrap_or_else(|e| panic!("{}: {e} (build the site first: cargo xtask build)", hash_file.display()));
    let hashes = text
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(ext, hash)| (ext.trim().to_owned(), hash.trim().to_owned()))
        .collect();
    (site.into(), hash_file, hashes)
}

#[tokio::test]
async fn site_files_are_named_by_content_cached_for_good_and_sent_precompressed() {
    let (site, hash_file, hashes) = release_site();
    let name = |ext: &str| format!("feedboard.{}.{ext}", hashes[ext]);
    let file = |name: &str| {
        let path = site.join("pkg").join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let app = spawn_app_with(|c| c.hash_file = hash_file.display().to_string()).await;
    let client = app.client();

    let page = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    for ext in ["js", "wasm", "css"] {
        assert!(page.contains(&format!("/pkg/{}", name(ext))), "the page links the hashed {ext}: {page}");
    }
    let wasm = name("wasm");
    for (accept, encoding, sent) in [
        ("br, gzip", Some("br"), file(&format!("{wasm}.br"))),
        ("gzip", Some("gzip"), file(&format!("{wasm}.gz"))),
        ("identity", None, file(&wasm)),
    ] {
        let answer =
            client.get(app.url(&format!("/pkg/{wasm}"))).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{accept}");
        let header = answer.headers().get("content-encoding").map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header.as_deref(), encoding, "{accept}");
        assert_eq!(answer.headers()["content-type"], "application/wasm", "{accept}");
        assert_eq!(answer.headers()["cache-control"], "public, max-age=31536000, immutable", "{accept}");
        assert!(answer.bytes().await.unwrap() == sent, "{accept}: the body is the file written at build time");
    }

    // The lazy routes' chunks (`cargo leptos build --split`) and their
    // loader are named by content too.
    let pkg = std::fs::read_dir(site.join("pkg")).unwrap();
    let chunks: Vec<String> = pkg
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| (n.ends_with(".wasm") && !n.starts_with("feedboard.")) || n.starts_with("__wasm_split."))
        .filter(|n| !n.ends_with(".br") && !n.ends_with(".gz"))
        .collect();
    assert!(
        chunks.iter().any(|n| n.starts_with("split___admin_users_view")),
        "the admin pages are split off: {chunks:?}"
    );
    for chunk in &chunks {
        let answer = client.get(app.url(&format!("/pkg/{chunk}"))).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{chunk}");
        assert_eq!(answer.headers()["cache-control"], "public, max-age=31536000, immutable", "{chunk}");
    }

    // A file that keeps its name across builds is revalidated on every use.
    let icon = client.get(app.url("/favicon.svg")).send().await.unwrap();
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()["cache-control"], "no-cache");
    let modified = icon.headers()["last-modified"].clone();
    let again = client.get(app.url("/favicon.svg")).header("if-modified-since", modified).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "unchanged: nothing sent again");
    assert_eq!(again.headers()["cache-control"], "no-cache");

    let missing = client.get(app.url("/pkg/feedboard.AAAAAAAAAAAAAAAAAAAAAA.wasm")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND, "an old build's file");
    assert!(missing.headers().get("cache-control").is_none_or(|v| v != "public, max-age=31536000, immutable"));
    app.stop().await;
}

#[tokio::test]
async fn metrics_follow_the_prometheus_conventions() {
    let app = spawn_app().await;
    let client = app.client();
    let feed = format!("no-such-feed-{}", uuid::Uuid::new_v4().simple());
    let answer =
        client.get(app.url(&format!("/api/v1/feeds/{feed}"))).header("x-request-id", "probe-42").send().await.unwrap();
    assert_eq!(answer.headers()["x-request-id"], "probe-42", "a client's request id is echoed");
    let answer = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert!(!answer.headers()["x-request-id"].is_empty(), "every response carries a request id");

    let text = client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let request_counts: Vec<&str> = text.lines().filter(|l| l.starts_with("feedboard_http_requests_total{")).collect();
    assert!(
        request_counts.iter().any(|l| l.contains(r#"route="/api/v1/feeds/{name}""#) && l.contains(r#"method="GET""#)),
        "requests are counted by route template: {request_counts:?}"
    );
    assert!(request_counts.iter().any(|l| l.contains(r#"route="/api/v1/me""#) && l.contains(r#"status="401""#)));
    assert!(!text.contains(&feed), "raw URLs never become labels");
    assert!(text.contains("# TYPE feedboard_http_request_duration_seconds histogram"), "{text}");
    assert!(text.contains("feedboard_http_request_duration_seconds_bucket{"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("process_start_time_seconds ")), "{text}");
    assert!(text.contains("# HELP feedboard_http_requests_total "), "{text}");
    for line in text.lines().filter(|l| l.starts_with("# TYPE feedboard_")) {
        let name = line.split(' ').nth(2).unwrap();
        assert!(text.contains(&format!("# HELP {name} ")), "{name} has no HELP line");
    }
    app.stop().await;
}

#[tokio::test]
async fn openapi_document_lists_the_endpoints() {
    let app = spawn_app().await;
    let doc: Value = app.client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/login", "/api/v1/logout", "/api/v1/me", "/api/v1/users", "/healthz", "/readyz"] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing from the OpenAPI document");
    }
    app.stop().await;
}

#[tokio::test]
async fn sign_in_me_and_sign_out() {
    let app = spawn_app().await;
    let client = app.client();
    let login = |password: &str| {
        client.post(app.url("/api/v1/login")).json(&json!({"username": "admin", "password": password})).send()
    };

    assert_error(login("wrong").await.unwrap(), StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(client.get(app.url("/api/v1/me")).send().await.unwrap(), StatusCode::UNAUTHORIZED, "unauthorized")
        .await;

    let ok = login(ADMIN_PASSWORD).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let cookie = ok.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(ok.json::<Value>().await.unwrap(), json!({"username": "admin", "role": "admin"}));

    let me: Value = client.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me, json!({"username": "admin", "role": "admin"}));

    let out = client.post(app.url("/api/v1/logout")).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(client.get(app.url("/api/v1/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn admins_manage_users_and_viewers_cannot() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let users = app.url("/api/v1/users");

    let created = admin
        .post(&users)
        .json(&json!({"username": "alice", "password": "password-123", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.json::<Value>().await.unwrap(), json!({"username": "alice", "role": "viewer"}));

    let again = admin
        .post(&users)
        .json(&json!({"username": "alice", "password": "password-123", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_error(again, StatusCode::CONFLICT, "conflict").await;

    let invalid = admin
        .post(&users)
        .json(&json!({"username": "a b", "password": "short", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    let body = assert_error(invalid, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["username", "password"]);

    let bad_role =
        admin.post(&users).json(&json!({"username": "bob", "password": "password-123", "role": "root"})).send().await;
    assert_error(bad_role.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    let malformed =
        admin.post(&users).header("content-type", "application/json").body("{not json").send().await.unwrap();
    assert_error(malformed, StatusCode::BAD_REQUEST, "bad_request").await;

    let list: Value = admin.get(&users).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "alice"]);

    let alice = app.signed_in("alice", "password-123").await;
    assert_error(alice.get(&users).send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;
    let escalate = alice.put(app.url("/api/v1/users/alice")).json(&json!({"role": "admin"})).send().await.unwrap();
    assert_error(escalate, StatusCode::FORBIDDEN, "forbidden").await;
    assert_error(app.client().get(&users).send().await.unwrap(), StatusCode::UNAUTHORIZED, "unauthorized").await;

    let promoted = admin.put(app.url("/api/v1/users/alice")).json(&json!({"role": "admin"})).send().await.unwrap();
    assert_eq!(promoted.json::<Value>().await.unwrap()["role"], "admin");
    assert_eq!(alice.get(&users).send().await.unwrap().status(), StatusCode::OK, "role change applies at once");

    let demote_self = admin.put(app.url("/api/v1/users/admin")).json(&json!({"role": "viewer"})).send().await.unwrap();
    assert_eq!(demote_self.status(), StatusCode::OK, "another admin (alice) remains");
    let last = alice.put(app.url("/api/v1/users/alice")).json(&json!({"role": "viewer"})).send().await.unwrap();
    assert_error(last, StatusCode::CONFLICT, "conflict").await;
    app.stop().await;
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited() {
    let app = spawn_app().await;
    let client = app.client();
    let attempt = |password: &'static str| {
        client.post(app.url("/api/v1/login")).json(&json!({"username": "admin", "password": password})).send()
    };
    for _ in 0..15 {
        assert_eq!(attempt(ADMIN_PASSWORD).await.unwrap().status(), StatusCode::OK, "successes are not throttled");
    }
    let started = std::time::Instant::now();
    let mut refused = 0;
    for _ in 0..20 {
        match attempt("guess").await.unwrap().status() {
            StatusCode::UNAUTHORIZED => refused += 1,
            StatusCode::TOO_MANY_REQUESTS => break,
            other => panic!("unexpected {other}"),
        }
    }
    // A burst of 10, plus one attempt per 3 s that passed meanwhile.
    let allowed = 10 + (started.elapsed().as_secs() / 3) as usize + 1;
    assert!(refused >= 10 && refused <= allowed, "{refused} wrong passwords checked before throttling");
    let right = attempt(ADMIN_PASSWORD).await.unwrap();
    let body = assert_error(right, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("try again in"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn writes_from_foreign_origins_are_refused() {
    let app = spawn_app().await;
    let client = app.client();
    let foreign = client
        .post(app.url("/api/v1/login"))
        .header("origin", "https://evil.example")
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_error(foreign, StatusCode::FORBIDDEN, "forbidden").await;
    let own = client
        .post(app.url("/api/v1/login"))
        .header("origin", format!("http://{}", app.addr))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn unknown_api_paths_answer_json_404_and_pages_render() {
    let app = spawn_app().await;
    let client = app.client();
    assert_error(client.get(app.url("/api/v1/nope")).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.unwrap().contains("Dashboards"));
    let missing = client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}
