//! One run of a feed's pipeline: source → writer → finisher, and the order
//! they stop in. On a stop (or when a part fails) the source stops
//! consuming, the intake closes, the writer stores what it holds and the
//! finisher acknowledges it over the still-open connection (within the
//! drain limit); only then does the source leave its broker.

use super::{
    Settings,
    budget::Budget,
    finisher::Finisher,
    source::{self, Ending, Intake, SourceContext, Stopping, ending::Handover},
    status::FeedMonitor,
    supervise::{Run, panic_reason},
    writer::{Exit, Limits, PgBatches, Rules, Writer},
};
use crate::{hub::Hub, model::Source, store::feeds::FeedRow};
use sqlx::PgPool;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What a feed's pipeline is made of.
#[derive(Clone)]
pub struct Pipeline {
    pub row: FeedRow,
    /// The feed's source with its secrets.
    pub broker: Source,
    pub db: PgPool,
    pub hub: Hub,
    pub monitor: Arc<FeedMonitor>,
    pub settings: Settings,
    pub client_id: String,
    /// The lease token every batch is fenced with.
    pub fence: i64,
    pub handover: Arc<Mutex<Option<Handover>>>,
}

impl Pipeline {
    /// Runs until `stop` (a request from outside, with its ending) or `lost`
    /// (the lease taken over) fires, or a part fails.
    pub async fn run(&self, stop: &Stopping, lost: &CancellationToken) -> Run {
        let settings = self.settings;
        let capacity = usize::from(settings.mqtt_receive_maximum.max(settings.amqp_prefetch)) + 64;
        let (tx, rx) = mpsc::channel(capacity);
        let intake = Intake::new(tx);
        let (done_tx, done_rx) = mpsc::channel(2);
        let abandon = CancellationToken::new();
        let spec = &self.row.spec;
        let writer = Writer {
            store: PgBatches {
                db: self.db.clone(),
                feed_id: self.row.id,
                fence: Some(self.fence),
                id_window: settings.id_window,
            },
            feed_name: spec.name.clone(),
            rules: Rules {
                kind: spec.kind,
                mapping: spec.mapping.clone(),
                max_payload: settings.max_payload,
                panic_on: settings.panic_on_payload,
            },
            limits: Limits { batch_max: settings.batch_max, batch_bytes: settings.batch_bytes },
            monitor: self.monitor.clone(),
            abandon: abandon.clone(),
        };
        let finisher = Finisher {
            feed_id: self.row.id,
            feed_name: spec.name.clone(),
            hub: self.hub.clone(),
            monitor: self.monitor.clone(),
        };
        let inner = Stopping::default();
        let ctx = SourceContext {
            feed_id: self.row.id,
            feed_name: spec.name.clone(),
            client_id: self.client_id.clone(),
            intake: intake.clone(),
            monitor: self.monitor.clone(),
            settings,
            budget: Budget::new(settings.inflight_bytes),
            handover: self.handover.clone(),
        };
        let mut writing = tokio::spawn(writer.run(rx, done_tx));
        let finishing = tokio::spawn(finisher.run(done_rx));
        let mut consuming = tokio::spawn(source::run(self.broker.clone(), ctx, inner.clone()));

        let mut failure = None;
        let mut source_ended = false;
        let early_exit = tokio::select! {
            // `lost` also fires on a stop: the stop, with its ending, comes first.
            biased;
            _ = stop.requested() => {
                inner.stop(stop.ending());
                None
            }
            _ = lost.cancelled() => None,
            exit = &mut writing => Some(exit),
            ended = &mut consuming => {
                source_ended = true;
                failure = Some(match ended {
                    Ok(()) => "the broker session ended by itself".to_owned(),
                    Err(e) => panic_reason("the broker session", e),
                });
                None
            }
        };
        inner.stop(Ending::Shutdown); // a no-op when a reason was given above
        intake.close();
        let exit = match early_exit {
            Some(exit) => exit,
            None => match tokio::time::timeout(settings.drain_limit, &mut writing).await {
                Ok(exit) => exit,
                Err(_) => {
                    tracing::warn!(feed = %spec.name, "drain limit reached; the held batch is left to the broker");
                    abandon.cancel();
                    writing.await
                }
            },
        };
        if let Err(e) = finishing.await {
            failure.get_or_insert(panic_reason("acknowledging", e));
        }
        inner.set_drained();
        if !source_ended && let Err(e) = consuming.await {
            failure.get_or_insert(panic_reason("the broker session", e));
        }
        match (exit, failure) {
            (Err(e), _) => Run::Failed(panic_reason("the writer", e)),
            (Ok(Exit::Fenced), _) => Run::Fenced,
            (Ok(_), Some(failure)) => Run::Failed(failure),
            (Ok(Exit::Abandoned), None) if !stop.is_requested() && !lost.is_cancelled() => {
                Run::Failed("the writer stopped".into())
            }
            (Ok(_), None) => Run::Stopped,
        }
    }
}
