//! wsbench's command line.

/// Command-line options.
pub struct Options {
    /// `host:port` of the server.
    pub host: String,
    /// The admin's password (to create the senders).
    pub password: String,
    /// Anonymous viewers in the room.
    pub clients: usize,
    /// Signed-in users who each say one message a second.
    pub senders: usize,
    /// How long each phase lasts.
    pub seconds: u64,
}

/// The one-line usage text.
fn usage() -> String {
    "usage: wsbench --url http://127.0.0.1:PORT --password ADMIN_PASSWORD [--clients 1000] [--senders 4] \
     [--seconds 20]"
        .into()
}

impl Options {
    /// Reads the options from the command line's arguments.
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut o = Options { host: String::new(), password: String::new(), clients: 1000, senders: 4, seconds: 20 };
        while let Some(flag) = args.next() {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{}", usage()))?;
            let number = || value.parse::<u64>().map_err(|_| format!("{flag}: {value:?} is not a number"));
            match flag.as_str() {
                "--url" => o.host = loopback_host(&value)?,
                "--password" => o.password = value.clone(),
                "--clients" => o.clients = number()?.clamp(1, 20_000) as usize,
                "--senders" => o.senders = number()?.clamp(1, 50) as usize,
                "--seconds" => o.seconds = number()?.clamp(1, 300),
                _ => return Err(format!("unknown option {flag}\n{}", usage())),
            }
        }
        if o.host.is_empty() || o.password.is_empty() {
            return Err(usage());
        }
        Ok(o)
    }
}

/// `host:port` of a loopback `http://` URL; anything else is refused.
fn loopback_host(url: &str) -> Result<String, String> {
    let host = url.strip_prefix("http://").ok_or("--url must start with http://")?.trim_end_matches('/');
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    if !matches!(name, "127.0.0.1" | "localhost" | "[::1]") {
        return Err(format!("{url} is not a loopback address; wsbench only talks to this machine"));
    }
    Ok(if host.contains(':') { host.to_owned() } else { format!("{host}:80") })
}
