//! The feedboard server binary.

use feedboard::{config::Config, server};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| default_filter()))
        .init();

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("feedboard: {e}");
            std::process::exit(2);
        }
    };
    let running = match server::start(config).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("feedboard: {e}");
            std::process::exit(1);
        }
    };
    if let Some(password) = &running.generated_admin_password {
        println!(
            "\n  First admin created. Sign in as `admin` with password: {password}\n  (shown only now; set FEEDBOARD_ADMIN_PASSWORD to choose it)\n"
        );
    }
    println!("feedboard is serving http://{}", running.addr);

    shutdown_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler cannot fail at start-up");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// The log filter without `RUST_LOG`. lapin logs every channel the broker
/// closes at ERROR, even the expected ones (probing whether an exchange
/// exists closes the probe's channel with a 404); each such close also
/// comes back as the operation's own error, which feedboard handles and
/// reports itself, so lapin's line is noise.
fn default_filter() -> EnvFilter {
    EnvFilter::new("info,sqlx=warn,rumqttd::server::broker=off,lapin::channel=off")
}
