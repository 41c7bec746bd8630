//! The two feeds of the failover run, an MQTT ticks feed and an AMQP logs
//! feed, created through the load balancer.

use feedboard_bench::{
    Result,
    api::{Api, amqp_feed, mqtt_feed},
    broker,
    chaos::verify::Kind,
};

/// The feeds and where they are published.
pub struct ProofFeeds {
    /// Feed names, in the order of [`ProofFeeds::KINDS`].
    pub names: [String; 2],
    pub topic: String,
    pub exchange: String,
    pub key: String,
    /// Creation (POST through the balancer) → the slower feed `connected`
    /// on whichever node took it.
    pub connected_in: std::time::Duration,
}

impl ProofFeeds {
    /// Feed 0 carries ticks (MQTT), feed 1 log lines (AMQP).
    pub const KINDS: [Kind; 2] = [Kind::Ticks, Kind::Logs];

    /// Creates both feeds through `api`, each waited for until it is connected.
    pub async fn create(api: &Api) -> Result<Self> {
        let run = &uuid::Uuid::new_v4().simple().to_string()[..6];
        let feeds = ProofFeeds {
            names: [format!("cluster-{run}-ticks"), format!("cluster-{run}-logs")],
            topic: format!("cluster/{run}/ticks"),
            exchange: format!("cluster.{run}"),
            key: "cluster.logs".into(),
            connected_in: std::time::Duration::ZERO,
        };
        let mut feeds = feeds;
        let started = std::time::Instant::now();
        api.create_feed(mqtt_feed(&feeds.names[0], "ticks", &feeds.topic)).await?;
        let ticks_in = started.elapsed();
        let started = std::time::Instant::now();
        api.create_feed(amqp_feed(&feeds.names[1], "logs", &feeds.exchange, &feeds.key)).await?;
        feeds.connected_in = ticks_in.max(started.elapsed());
        Ok(feeds)
    }

    /// The stream's `feeds=` parameter.
    pub fn stream_param(&self) -> String {
        self.names.join(",")
    }

    /// The feed (index) whose live events carry `event` (`tick`, `log`).
    pub fn by_event(event: &str) -> Option<usize> {
        match event {
            "tick" => Some(0),
            "log" => Some(1),
            _ => None,
        }
    }

    /// Deletes the AMQP queue feedboard declared for the logs feed.
    pub async fn remove_queue(&self) {
        broker::amqp_delete_queues(&[&format!("feedboard.{}", self.names[1])]).await;
    }
}
