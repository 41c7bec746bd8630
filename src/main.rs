//! The feedboard server binary.

use feedboard::{config::Config, server};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,rumqttd::server::broker=off")),
        )
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
