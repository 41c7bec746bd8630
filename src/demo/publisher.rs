//! Publishing demo messages to a broker, reconnecting when it goes away.

use crate::ingest::{
    backoff::Backoff,
    source::{amqp::Broker, mqtt},
};
use lapin::{BasicProperties, options::BasicPublishOptions};
use std::{future::Future, time::Duration};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A message to publish: MQTT topic or AMQP routing key, and payload.
pub type Outbound = (String, Vec<u8>);

/// Where demo messages go.
pub enum Publisher {
    Mqtt { url: String, name: &'static str },
    Amqp { url: String, exchange: &'static str },
}

impl Publisher {
    pub fn mqtt(url: String, name: &'static str) -> Self {
        Publisher::Mqtt { url, name }
    }

    pub fn amqp(url: String, exchange: &'static str) -> Self {
        Publisher::Amqp { url, exchange }
    }

    /// Runs `generate` (which sends messages into a channel) and publishes
    /// what it produces until `shutdown`; reconnects with backoff.
    pub async fn run<G, F>(self, shutdown: CancellationToken, generate: G)
    where
        G: FnOnce(mpsc::Sender<Outbound>) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::channel::<Outbound>(1024);
        let generator = tokio::spawn(generate(tx));
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
        while !shutdown.is_cancelled() {
            let result = tokio::select! {
                r = self.session(&mut rx, &mut backoff) => r,
                _ = shutdown.cancelled() => break,
            };
            match result {
                Ok(()) => break, // the generator stopped
                Err(e) => tracing::debug!(error = %e, "demo publisher reconnecting"),
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff.next_delay()) => {}
                _ = shutdown.cancelled() => break,
            }
        }
        generator.abort();
    }

    async fn session(&self, rx: &mut mpsc::Receiver<Outbound>, backoff: &mut Backoff) -> Result<(), String> {
        match self {
            Publisher::Mqtt { url, name } => {
                let id = format!("feedboard-demo-{name}-{}", uuid::Uuid::new_v4().simple());
                let target = mqtt::Target { url, tls: None, client_id: &id };
                let (client, mut events, _) =
                    mqtt::connect_ephemeral(&target, Default::default()).await.map_err(|e| e.to_string())?;
                let driver = tokio::spawn(async move {
                    loop {
                        if let Err(e) = events.poll().await {
                            return e.to_string();
                        }
                    }
                });
                backoff.reset();
                let result = async {
                    while let Some((topic, payload)) = rx.recv().await {
                        if driver.is_finished() {
                            return Err("connection lost".to_owned());
                        }
                        client.publish(&topic, payload).await.map_err(|e| e.to_string())?;
                    }
                    Ok(())
                }
                .await;
                driver.abort();
                result
            }
            Publisher::Amqp { url, exchange } => {
                let conn = crate::ingest::source::amqp::connect(&Broker::at(url), "feedboard-demo")
                    .await
                    .map_err(|e| e.to_string())?;
                let channel =
                    crate::ingest::source::amqp::ensure_exchange(&conn, exchange).await.map_err(|e| e.to_string())?;
                backoff.reset();
                while let Some((key, payload)) = rx.recv().await {
                    let properties = BasicProperties::default().with_delivery_mode(2);
                    channel
                        .basic_publish(
                            (*exchange).into(),
                            key.as_str().into(),
                            BasicPublishOptions::default(),
                            &payload,
                            properties,
                        )
                        .await
                        .map_err(|e| e.to_string())?;
                }
                Ok(())
            }
        }
    }
}

/// Whether an AMQP broker answers at `url` (within 2 s).
pub async fn amqp_reachable(url: &str) -> bool {
    let broker = Broker::at(url);
    let attempt = crate::ingest::source::amqp::connect(&broker, "feedboard-demo-probe");
    match tokio::time::timeout(Duration::from_secs(2), attempt).await {
        Ok(Ok(conn)) => {
            let _ = conn.close(200, "probe".into()).await;
            true
        }
        _ => false,
    }
}
