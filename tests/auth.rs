//! Sign-in hardening, sessions, password changes and user management, the
//! security headers, the host allowlist and server-function access, against
//! the real server.

mod common;

use common::{ADMIN_PASSWORD, TestApp, assert_error, spawn_app, spawn_app_with};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn login(app: &TestApp, client: &Client, username: &str, password: &str) -> reqwest::Response {
    client
        .post(app.url("/api/v1/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn me(app: &TestApp, client: &Client) -> StatusCode {
    client.get(app.url("/api/v1/me")).send().await.unwrap().status()
}

async fn audit_actions(app: &TestApp, target: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log WHERE target = $1 ORDER BY id")
        .bind(target)
        .fetch_all(app.db())
        .await
        .unwrap()
}

async fn admin_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin'").fetch_one(app.db()).await.unwrap()
}

// ---- 1. sign-in: the same work for unknown users, bounded work overall ----

#[tokio::test]
async fn an_unknown_user_costs_the_same_password_check_as_a_wrong_password() {
    let app = spawn_app().await;
    let client = app.client();
    let checks = || app.state().core.passwords.verifications();

    let before = checks();
    let unknown = login(&app, &client, "nobody-by-this-name", "some password").await;
    let unknown = assert_error(unknown, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(checks(), before + 1, "the unknown user's password was verified (against the dummy hash)");

    let wrong = login(&app, &client, "admin", "not the password").await;
    let wrong = assert_error(wrong, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(checks(), before + 2);
    assert_eq!(unknown, wrong, "the same answer for both");

    // Names longer than any user can have are refused at once, the same way,
    // without a lookup, a hash or a limiter key.
    let huge = login(&app, &client, &"x".repeat(100_000), "pw").await;
    assert_eq!(assert_error(huge, StatusCode::UNAUTHORIZED, "unauthorized").await, unknown);
    assert_eq!(checks(), before + 2, "no argon2 run for an impossible name");
    app.stop().await;
}

#[tokio::test]
async fn a_flood_of_sign_ins_is_answered_503_beyond_the_password_check_queue() {
    // One check at a time, two waiting: the rest must be refused at once
    // instead of piling up argon2 runs (19 MiB each).
    let app = spawn_app_with(|c| {
        c.password_concurrency = 1;
        c.password_queue = 2;
    })
    .await;
    let attempts = (0..24u8).map(|i| {
        // Distinct addresses and names, so the sign-in limits do not answer first.
        let client = Client::builder().local_address(std::net::IpAddr::from([127, 0, 1, i + 1])).build().unwrap();
        let url = app.url("/api/v1/login");
        async move {
            client.post(url).json(&json!({"username": format!("flood-{i}"), "password": "guess"})).send().await.unwrap()
        }
    });
    let responses = futures::future::join_all(attempts).await;
    let mut refused = 0;
    for res in responses {
        match res.status() {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                let body = assert_error(res, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
                assert!(body["error"]["message"].as_str().unwrap().contains("try again"), "{body}");
                refused += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(refused > 0, "no sign-in was refused although at most 3 could be in flight");
    assert!(app.state().core.passwords.verifications() <= 24 - refused, "refused attempts cost no password check");
    // Once the flood is over, sign-in works again.
    assert_eq!(login(&app, &app.client(), "admin", ADMIN_PASSWORD).await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn one_address_cannot_guess_many_names_and_many_cannot_share_one_name() {
    let app = spawn_app().await;
    let client = app.client();
    // Different usernames from one address share the address's bucket.
    let mut limited = false;
    for i in 0..12 {
        let res = login(&app, &client, &format!("name-{i}"), "guess").await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "12 failures for 12 names from one address are throttled");
    // Many addresses against one name run out of the name's bucket.
    let mut statuses = Vec::new();
    for i in 0..40u8 {
        let client = Client::builder().local_address(std::net::IpAddr::from([127, 0, 2, i + 1])).build().unwrap();
        statuses.push(login(&app, &client, "admin", "guess").await.status());
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    app.stop().await;
}

// ---- 2. expired sessions are purged ----

#[tokio::test]
async fn expired_sessions_are_deleted_in_the_background() {
    let app = spawn_app_with(|c| c.session_purge_every = Duration::from_millis(100)).await;
    for (id, expiry) in [("fbtest-expired", "now() - interval '1 hour'"), ("fbtest-live", "now() + interval '1 hour'")]
    {
        sqlx::query(&format!(
            "INSERT INTO tower_sessions.session (id, data, expiry_date) VALUES ($1, '\\x80'::bytea, {expiry})"
        ))
        .bind(id)
        .execute(app.db())
        .await
        .unwrap();
    }
    let db = app.db().clone();
    let exists = move |id: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM tower_sessions.session WHERE id = $1)")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    app.wait_for("the expired session to be deleted", || {
        let gone = exists("fbtest-expired");
        async move { (!gone.await).then_some(()) }
    })
    .await;
    assert!(exists("fbtest-live").await, "a live session stays");
    app.stop().await;
}

// ---- 4. there is always an admin, even under concurrent changes ----

#[tokio::test]
async fn concurrent_demotions_and_deletions_never_leave_zero_admins() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let alice = app.user("alice", "admin").await;
    let put_role = |client: &Client, who: &str| {
        client.put(app.url(&format!("/api/v1/users/{who}"))).json(&json!({"role": "viewer"})).send()
    };
    for round in 0..8 {
        sqlx::query("UPDATE users SET role = 'admin'").execute(app.db()).await.unwrap();
        // Each demotes the other at the same time: only one may win.
        let (a, b) = tokio::join!(put_role(&admin, "alice"), put_role(&alice, "admin"));
        let statuses = [a.unwrap().status(), b.unwrap().status()];
        let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(won, 1, "round {round}: {statuses:?}");
        assert!(
            statuses.iter().all(|s| [StatusCode::OK, StatusCode::CONFLICT, StatusCode::FORBIDDEN].contains(s)),
            "round {round}: {statuses:?}"
        );
        assert_eq!(admin_count(&app).await, 1, "round {round}");
    }

    // The same rule for deleting: the root admin deletes alice while
    // demoting itself; one of the two must be refused.
    for round in 0..8 {
        let carol = format!("carol{round}");
        sqlx::query("UPDATE users SET role = 'admin' WHERE username = 'admin'").execute(app.db()).await.unwrap();
        let created = admin
            .post(app.url("/api/v1/users"))
            .json(&json!({"username": carol, "password": "password-123", "role": "admin"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        sqlx::query("DELETE FROM users WHERE role = 'admin' AND username NOT IN ('admin', $1)")
            .bind(&carol)
            .execute(app.db())
            .await
            .unwrap();
        let delete = admin.delete(app.url(&format!("/api/v1/users/{carol}"))).send();
        let (deleted, demoted) = tokio::join!(delete, put_role(&admin, "admin"));
        let statuses = [deleted.unwrap().status(), demoted.unwrap().status()];
        let won = statuses.iter().filter(|s| s.is_success()).count();
        assert_eq!(won, 1, "round {round}: {statuses:?}");
        assert_eq!(admin_count(&app).await, 1, "round {round}");
    }
    app.stop().await;
}

// ---- 5. passwords and user management ----

#[tokio::test]
async fn users_change_their_own_password_and_their_other_sessions_end() {
    let app = spawn_app().await;
    let here = app.user("pat", "viewer").await;
    let elsewhere = app.signed_in("pat", "password-123").await;
    let change = |body: Value| here.put(app.url("/api/v1/me/password")).json(&body).send();

    let wrong = change(json!({"current": "not it", "new": "a new password"})).await.unwrap();
    let body = assert_error(wrong, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert_eq!(body["error"]["fields"][0]["field"], "current");
    let short = change(json!({"current": "password-123", "new": "short"})).await.unwrap();
    let body = assert_error(short, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert_eq!(body["error"]["fields"][0]["field"], "new");
    assert_eq!(me(&app, &elsewhere).await, StatusCode::OK, "failed attempts change nothing");

    let ok = change(json!({"current": "password-123", "new": "a new password"})).await.unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&app, &here).await, StatusCode::OK, "this session stays signed in");
    assert_eq!(me(&app, &elsewhere).await, StatusCode::UNAUTHORIZED, "the other session is signed out");
    assert_eq!(login(&app, &app.client(), "pat", "password-123").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login(&app, &app.client(), "pat", "a new password").await.status(), StatusCode::OK);
    assert_eq!(audit_actions(&app, "user:pat").await, ["user.create", "user.password_change"]);

    let anonymous = app.client().put(app.url("/api/v1/me/password")).json(&json!({"current": "x", "new": "y"}));
    assert_error(anonymous.send().await.unwrap(), StatusCode::UNAUTHORIZED, "unauthorized").await;
    app.stop().await;
}

#[tokio::test]
async fn admins_reset_passwords_and_delete_users_and_those_users_are_signed_out() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let quinn = app.user("quinn", "viewer").await;
    let user_url = app.url("/api/v1/users/quinn");

    // Viewers may do neither.
    let viewer = app.user("rita", "viewer").await;
    let reset = viewer.put(&user_url).json(&json!({"password": "taken over!"})).send().await.unwrap();
    assert_error(reset, StatusCode::FORBIDDEN, "forbidden").await;
    assert_error(viewer.delete(&user_url).send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;

    let nothing = admin.put(&user_url).json(&json!({})).send().await.unwrap();
    assert_error(nothing, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    let short = admin.put(&user_url).json(&json!({"password": "short"})).send().await.unwrap();
    assert_error(short, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert_eq!(me(&app, &quinn).await, StatusCode::OK);

    let reset = admin.put(&user_url).json(&json!({"password": "reset by admin"})).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(reset.json::<Value>().await.unwrap(), json!({"username": "quinn", "role": "viewer"}));
    assert_eq!(me(&app, &quinn).await, StatusCode::UNAUTHORIZED, "a reset signs the user out");
    assert_eq!(me(&app, &admin).await, StatusCode::OK, "the admin stays signed in");
    let quinn = app.signed_in("quinn", "reset by admin").await;

    // Role and password at once.
    let both = admin.put(&user_url).json(&json!({"role": "admin", "password": "another one"})).send().await.unwrap();
    assert_eq!(both.json::<Value>().await.unwrap(), json!({"username": "quinn", "role": "admin"}));
    let quinn_again = app.signed_in("quinn", "another one").await;
    assert_eq!(me(&app, &quinn).await, StatusCode::UNAUTHORIZED);

    let deleted = admin.delete(&user_url).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(me(&app, &quinn_again).await, StatusCode::UNAUTHORIZED, "a deleted user is signed out");
    assert_eq!(login(&app, &app.client(), "quinn", "another one").await.status(), StatusCode::UNAUTHORIZED);
    assert_error(admin.delete(&user_url).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
    let missing = admin.put(&user_url).json(&json!({"password": "whatever it is"})).send().await.unwrap();
    assert_error(missing, StatusCode::NOT_FOUND, "not_found").await;
    let last = admin.delete(app.url("/api/v1/users/admin")).send().await.unwrap();
    assert_error(last, StatusCode::CONFLICT, "conflict").await;
    assert_eq!(
        audit_actions(&app, "user:quinn").await,
        ["user.create", "user.password_reset", "user.role", "user.password_reset", "user.delete"]
    );
    let list: Value = admin.get(app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "rita"]);

    // An admin resetting their own password keeps this session, not others.
    let other_admin_session = app.admin().await;
    let own = admin.put(app.url("/api/v1/users/admin")).json(&json!({"password": "new admin pw"})).send().await;
    assert_eq!(own.unwrap().status(), StatusCode::OK);
    assert_eq!(me(&app, &admin).await, StatusCode::OK);
    assert_eq!(me(&app, &other_admin_session).await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_lists_the_account_endpoints() {
    let app = spawn_app().await;
    let doc: Value = app.client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["paths"]["/api/v1/me/password"].get("put").is_some(), "PUT /api/v1/me/password");
    assert!(doc["paths"]["/api/v1/users/{username}"].get("delete").is_some(), "DELETE /api/v1/users/{{username}}");
    assert!(doc["paths"]["/api/v1/users/{username}"].get("put").is_some());
    app.stop().await;
}

// ---- 6. security headers ----

#[tokio::test]
async fn every_response_carries_the_security_headers_and_pages_a_nonce_policy() {
    let app = spawn_app().await;
    let client = app.client();
    let page = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let header = |res: &reqwest::Response, name: &str| {
        res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned).unwrap_or_default()
    };
    let csp = header(&page, "content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).expect("a nonce in the policy");
    assert!(nonce.len() >= 16, "{nonce}");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert_eq!(header(&page, "referrer-policy"), "same-origin");
    assert_eq!(header(&page, "x-frame-options"), "DENY");

    // Every inline script of the page carries this response's nonce.
    let html = page.text().await.unwrap();
    let scripts: Vec<&str> = html.split("<script").skip(1).map(|s| s.split('>').next().unwrap()).collect();
    assert!(!scripts.is_empty());
    for attrs in &scripts {
        assert!(attrs.contains(&format!("nonce=\"{nonce}\"")), "a script without the nonce: <script{attrs}>");
    }
    let again = client.get(app.url("/")).send().await.unwrap();
    assert!(!header(&again, "content-security-policy").contains(nonce), "a fresh nonce per response");

    for path in ["/api/v1/me", "/healthz", "/api/v1/openapi.json", "/favicon.svg", "/no/such/page"] {
        let res = client.get(app.url(path)).send().await.unwrap();
        let csp = header(&res, "content-security-policy");
        assert!(!csp.is_empty(), "{path} has no Content-Security-Policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&res, "referrer-policy"), "same-origin", "{path}");
    }
    let json = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert!(header(&json, "content-security-policy").starts_with("default-src 'none'"));
    app.stop().await;
}

// ---- 8. server functions honour FEEDBOARD_ANONYMOUS_VIEW=0 ----

#[tokio::test]
async fn the_dashboard_list_server_function_needs_a_sign_in_when_anonymous_viewing_is_off() {
    let app = spawn_app_with(|c| c.anonymous_view = false).await;
    let call = |client: Client| {
        client
            .post(app.url("/api/list_dashboards"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("")
            .send()
    };
    let anonymous = call(app.client()).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized", "{body}");
    let signed_in = call(app.admin().await).await.unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert_eq!(signed_in.json::<Value>().await.unwrap(), json!([]));
    // The REST endpoint says the same.
    let rest = app.client().get(app.url("/api/v1/dashboards")).send().await.unwrap();
    assert_error(rest, StatusCode::UNAUTHORIZED, "unauthorized").await;
    app.stop().await;
}

// ---- 9. only known Host values are served ----

#[tokio::test]
async fn requests_for_unknown_hosts_are_misdirected_and_probes_answer_any_host() {
    let app = spawn_app_with(|c| c.allowed_hosts = vec!["dash.internal".into()]).await;
    let client = app.client();
    let port = app.addr.port();
    let get = |path: &str, host: String| client.get(app.url(path)).header("host", host).send();

    for path in ["/", "/api/v1/dashboards", "/api/v1/ws", "/pkg/feedboard.js"] {
        let res = get(path, format!("rebound.evil.example:{port}")).await.unwrap();
        let body = assert_error(res, StatusCode::MISDIRECTED_REQUEST, "misdirected").await;
        assert!(body["error"]["message"].as_str().unwrap().contains("FEEDBOARD_ALLOWED_HOSTS"), "{body}");
    }
    let login = client
        .post(app.url("/api/v1/login"))
        .header("host", format!("rebound.evil.example:{port}"))
        .header("origin", format!("http://rebound.evil.example:{port}"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_error(login, StatusCode::MISDIRECTED_REQUEST, "misdirected").await;

    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("dash.internal:{port}")] {
        assert_eq!(get("/api/v1/dashboards", host.clone()).await.unwrap().status(), StatusCode::OK, "{host}");
    }
    for probe in ["/healthz", "/readyz", "/metrics"] {
        let res = get(probe, "10.1.2.3:8080".into()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{probe} answers orchestrators on any host");
    }
    app.stop().await;

    // With FEEDBOARD_ALLOWED_ORIGINS, the origins' hosts are served too.
    let app = spawn_app_with(|c| c.allowed_origins = Some(vec!["https://feeds.example.com".into()])).await;
    let client = app.client();
    let ok = client.get(app.url("/api/v1/dashboards")).header("host", "feeds.example.com").send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let other = client.get(app.url("/api/v1/dashboards")).header("host", "dash.internal").send().await.unwrap();
    assert_error(other, StatusCode::MISDIRECTED_REQUEST, "misdirected").await;
    app.stop().await;
}

// ---- 10. test databases do not pile up ----

#[tokio::test]
async fn a_test_database_is_dropped_when_its_app_stops_or_is_dropped() {
    let exists = |name: String| async move {
        let mut admin =
            <sqlx::PgConnection as sqlx::Connection>::connect("postgres://postgres@127.0.0.1:5432/postgres")
                .await
                .unwrap();
        sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut admin)
            .await
            .unwrap()
    };
    let name_of = |app: &TestApp| app.database_url.rsplit('/').next().unwrap().to_owned();

    let app = spawn_app().await;
    let name = name_of(&app);
    assert!(exists(name.clone()).await);
    app.stop().await;
    assert!(!exists(name).await, "stop() drops the database");

    let app = spawn_app().await;
    let name = name_of(&app);
    drop(app);
    assert!(!exists(name).await, "dropping the app (e.g. a failed test) drops the database");

    // Handing the database to a restarted server keeps it until that one stops.
    let app = spawn_app().await;
    let name = name_of(&app);
    let app = app.restart().await;
    assert!(exists(name.clone()).await, "kept across a restart");
    assert_eq!(app.get_json("/api/v1/me").await["username"], "admin");
    app.stop().await;
    assert!(!exists(name).await);
}
