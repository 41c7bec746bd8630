//! Webhook delivery: every firing of a rule with a `webhook_url` is POSTed
//! there as JSON, at least once, with retries and the same
//! `Idempotency-Key` each time (so the receiver can keep it exactly once).
//!
//! Deliveries wait in `alert_deliveries`, written with the firing. Any node
//! takes due ones for one attempt (`SKIP LOCKED`, held for a lease so a node
//! that dies mid-attempt does not lose them).

use crate::{
    domain::Core,
    model::{Backoff, Firing},
    store::{self, StoreError, alerts::Delivery},
};
use chrono::{TimeDelta, Utc};
use std::time::Duration;

/// How often due deliveries are looked for.
const POLL: Duration = Duration::from_millis(500);
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a taken delivery is held before another node may retry it.
const LEASE: TimeDelta = TimeDelta::seconds(60);
/// Attempts before a delivery is given up (about an hour of retries).
pub const MAX_ATTEMPTS: i32 = 15;
/// Deliveries taken per round.
const ROUND: i64 = 16;

/// The idempotency key of a firing: the same on every attempt.
pub fn idempotency_key(firing: &Firing) -> String {
    format!("feedboard-alert-{}-firing-{}", firing.alert, firing.id)
}

/// The delay after failed attempt number `attempts` (1 s, 2 s, 4 s, … up
/// to 5 minutes).
pub fn retry_delay(attempts: i32) -> Duration {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(300));
    let mut delay = Duration::ZERO;
    for _ in 0..attempts.max(1) {
        delay = backoff.next_delay(0.5);
    }
    delay
}

/// Delivers until shutdown.
pub async fn run(core: Core) {
    let client = match reqwest::Client::builder().timeout(ATTEMPT_TIMEOUT).build() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook client; alert webhooks are off");
            return;
        }
    };
    let mut poll = tokio::time::interval(POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = core.shutdown.cancelled() => return,
            _ = poll.tick() => {}
        }
        if let Err(e) = round(&core, &client).await {
            tracing::warn!(error = %e, "alert webhooks: database unavailable; retrying");
        }
    }
}

/// Attempts every due delivery once.
async fn round(core: &Core, client: &reqwest::Client) -> Result<(), StoreError> {
    let db = &core.ingest_db;
    for delivery in store::alerts::take_deliveries(db, LEASE, ROUND).await? {
        let Some(firing) = store::alerts::firing_by_id(db, delivery.firing_id).await? else { continue };
        match post(client, &delivery, &firing).await {
            Ok(()) => {
                metrics::counter!("feedboard_alert_webhooks_total", "outcome" => "delivered").increment(1);
                store::alerts::delivered(db, delivery.firing_id).await?;
            }
            Err(error) => {
                metrics::counter!("feedboard_alert_webhooks_total", "outcome" => "failed").increment(1);
                let retry_at = (delivery.attempts < MAX_ATTEMPTS)
                    .then(|| Utc::now() + TimeDelta::from_std(retry_delay(delivery.attempts)).unwrap_or(LEASE));
                tracing::warn!(firing = firing.id, url = %delivery.url, attempts = delivery.attempts, %error,
                    "alert webhook failed{}", if retry_at.is_some() { "; retrying" } else { "; giving up" });
                store::alerts::attempt_failed(db, delivery.firing_id, &error, retry_at).await?;
            }
        }
    }
    Ok(())
}

async fn post(client: &reqwest::Client, delivery: &Delivery, firing: &Firing) -> Result<(), String> {
    let response = client
        .post(&delivery.url)
        .header("Idempotency-Key", idempotency_key(firing))
        .header("User-Agent", concat!("feedboard/", env!("CARGO_PKG_VERSION")))
        .json(firing)
        .send()
        .await
        .map_err(|e| format!("cannot reach the webhook: {e}"))?;
    let status = response.status();
    if status.is_success() { Ok(()) } else { Err(format!("the webhook answered {status}")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_five_minutes() {
        let delays: Vec<u64> = (1..=11).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    }
}
