//! Just enough HTTP/1.1 to set a benchmark up: sign in, create the room and
//! the sender accounts. Loopback only, one request per connection.

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// A response: status code, the session cookie if one was set, the body.
pub struct Reply {
    pub status: u16,
    pub cookie: Option<String>,
    pub body: String,
}

/// POSTs `json` to `path` on `host` (`127.0.0.1:3000`) with `cookie`.
pub async fn post(host: &str, path: &str, json: &str, cookie: Option<&str>) -> Result<Reply, String> {
    let mut stream = TcpStream::connect(host).await.map_err(|e| format!("cannot connect to {host}: {e}"))?;
    let cookie = cookie.map(|c| format!("Cookie: {c}\r\n")).unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         {cookie}Connection: close\r\n\r\n{json}",
        json.len()
    );
    stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no HTTP status line")?;
    let cookie = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .and_then(|(_, value)| value.trim().split(';').next().map(str::to_owned));
    Ok(Reply { status, cookie, body: body.to_owned() })
}

/// Signs in and returns the session cookie.
pub async fn login(host: &str, username: &str, password: &str) -> Result<String, String> {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    let reply = post(host, "/api/v1/login", &body, None).await?;
    match (reply.status, reply.cookie) {
        (200, Some(cookie)) => Ok(cookie),
        (status, _) => Err(format!("sign-in as {username} failed ({status}): {}", reply.body)),
    }
}

/// POSTs as admin and accepts 201 (created) or 409 (already there).
pub async fn ensure(host: &str, admin: &str, path: &str, json: serde_json::Value) -> Result<(), String> {
    let reply = post(host, path, &json.to_string(), Some(admin)).await?;
    match reply.status {
        201 | 409 => Ok(()),
        status => Err(format!("POST {path} failed ({status}): {}", reply.body)),
    }
}
