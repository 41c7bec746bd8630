//! The alert engine: evaluates every enabled rule from committed data, on
//! every node, with no browser open.
//!
//! A rule is evaluated when its feed commits (the bus's `commit` event) and
//! on a one-second clock (time-based conditions, and anything a missed
//! notification left behind). One evaluation is one transaction: lock the
//! rule (`SKIP LOCKED`: another node at it means nothing to do here), read
//! the feed's rows after the rule's watermark, run [`Memory`], and store
//! the firings with the new memory and watermark. A crash before commit
//! leaves everything as it was, so the same rows are evaluated again and
//! each crossing fires exactly once.
//!
//! [`announce_firings`] tells this node's viewers about every firing (the
//! firing's trigger notifies all nodes at commit); a task of its own, so a
//! long evaluation round never holds an announcement back, and coalescing
//! commit events never swallows one.

use super::evaluate::{Memory, Observation, Trigger};
use crate::{
    cluster::Event,
    domain::Core,
    model::{AlertRule, LogLevel},
    store::{
        self, StoreError,
        alerts::{Claim, NewFiring},
    },
};
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// How often every rule is evaluated, whatever was committed.
pub const CLOCK: Duration = Duration::from_secs(1);
/// Rows one evaluation reads; a rule further behind takes several.
const BATCH: i64 = 5000;

/// Runs until shutdown.
pub async fn run(core: Core) {
    let mut events = core.bus.subscribe();
    let mut clock = tokio::time::interval(CLOCK);
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let feeds = tokio::select! {
            _ = core.shutdown.cancelled() => return,
            _ = clock.tick() => None,
            event = events.recv() => match event {
                Ok(event) => match &*event {
                    Event::Commit { feed, .. } => {
                        let mut feeds = vec![*feed];
                        // Whatever else is waiting, in the same round.
                        while let Ok(event) = events.try_recv() {
                            if let Event::Commit { feed, .. } = &*event
                                && !feeds.contains(feed)
                            {
                                feeds.push(*feed);
                            }
                        }
                        Some(feeds)
                    }
                    _ => continue,
                },
                Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => return,
            },
        };
        if let Err(e) = evaluate_rules(&core, feeds.as_deref(), Utc::now()).await {
            metrics::counter!("feedboard_alert_errors_total").increment(1);
            tracing::warn!(error = %e, "alert evaluation failed; the next round carries on");
        }
    }
}

/// Evaluates the enabled rules of `feeds` (of every feed: `None`) at `now`,
/// each until it has caught up with its feed.
pub async fn evaluate_rules(core: &Core, feeds: Option<&[i64]>, now: DateTime<Utc>) -> Result<(), StoreError> {
    for (id, _) in store::alerts::enabled(&core.ingest_db, feeds).await? {
        while evaluate(core, id, now).await? == Progress::Behind {}
    }
    Ok(())
}

/// Whether an evaluation reached the feed's newest row.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    CaughtUp,
    Behind,
}

/// One evaluation of rule `id` at `now`, in one transaction.
pub async fn evaluate(core: &Core, id: i64, now: DateTime<Utc>) -> Result<Progress, StoreError> {
    let mut tx = core.ingest_db.begin().await?;
    let Some(claim) = store::alerts::claim(&mut tx, id).await? else { return Ok(Progress::CaughtUp) };
    let rule = &claim.rule.0;
    let mut memory: Memory = serde_json::from_value(claim.memory.0.clone()).unwrap_or_else(|e| {
        tracing::warn!(alert = id, error = %e, "unreadable alert memory; starting afresh");
        Memory::starting(now)
    });
    let head = store::history::last_seq(&mut *tx, claim.feed_id).await?;
    let mut triggers = Vec::new();
    let (watermark, progress) = read_new_rows(&mut tx, &claim, head, &mut memory, &mut triggers, now).await?;
    triggers.extend(memory.on_clock(rule, now));
    let silenced = claim.silenced_until.is_some_and(|until| until > now);
    let mut fired_at = None;
    if !silenced {
        for trigger in &triggers {
            store::alerts::insert_firing(&mut tx, &firing(&claim, trigger, now)).await?;
            metrics::counter!("feedboard_alert_firings_total").increment(1);
            fired_at = Some(now);
        }
    }
    let memory_json = serde_json::to_value(&memory).unwrap_or_default();
    store::alerts::save(&mut tx, id, watermark, &memory_json, memory.firing, fired_at).await?;
    tx.commit().await?;
    Ok(progress)
}

/// Runs the rule over the rows after its watermark (up to [`BATCH`]); the
/// new watermark.
async fn read_new_rows(
    tx: &mut sqlx::PgConnection,
    claim: &Claim,
    head: i64,
    memory: &mut Memory,
    triggers: &mut Vec<Trigger>,
    now: DateTime<Utc>,
) -> Result<(i64, Progress), StoreError> {
    let (rule, after) = (&claim.rule.0, claim.watermark);
    if head <= after {
        return Ok((after, Progress::CaughtUp));
    }
    let seqs: Vec<i64> = match rule {
        AlertRule::PriceAbove { symbol, .. }
        | AlertRule::PriceBelow { symbol, .. }
        | AlertRule::ChangePct { symbol, .. } => {
            let rows = store::alerts::ticks_after(tx, claim.feed_id, symbol, after, head, BATCH).await?;
            for &(seq, ts, price) in &rows {
                triggers.extend(memory.observe(rule, &Observation::Tick { seq, ts, price }));
            }
            rows.iter().map(|r| r.0).collect()
        }
        AlertRule::LogRate { .. } => {
            let least = rule.min_level().unwrap_or(LogLevel::Trace);
            let levels: Vec<&str> = LogLevel::ALL.iter().filter(|l| **l >= least).map(|l| l.as_str()).collect();
            let rows = store::alerts::logs_after(tx, claim.feed_id, &levels, after, head, BATCH).await?;
            for line in &rows {
                let level = LogLevel::parse(&line.level).unwrap_or(least);
                let observation = Observation::Log {
                    seq: line.seq,
                    ts: line.ts,
                    received_at: line.received_at,
                    level,
                    message: &line.message,
                };
                triggers.extend(memory.observe(rule, &observation));
            }
            rows.iter().map(|r| r.seq).collect()
        }
        AlertRule::NoData { .. } => {
            memory.saw_data(rule, head, now);
            Vec::new()
        }
    };
    Ok(match seqs.last() {
        Some(last) if seqs.len() as i64 == BATCH => (*last, Progress::Behind),
        _ => (head, Progress::CaughtUp),
    })
}

fn firing<'a>(claim: &'a Claim, trigger: &'a Trigger, now: DateTime<Utc>) -> NewFiring<'a> {
    NewFiring {
        rule_id: claim.id,
        feed_id: claim.feed_id,
        fired_at: now,
        ts: trigger.ts,
        seq_from: trigger.seq_from,
        seq_to: trigger.seq_to,
        value: trigger.value,
        symbol: claim.rule.0.symbol(),
        message: &trigger.message,
        webhook_url: claim.webhook_url.as_deref(),
    }
}

/// Announces every committed firing to this node's viewers of its feed,
/// until shutdown.
pub async fn announce_firings(core: Core) {
    let mut events = core.bus.subscribe();
    loop {
        tokio::select! {
            _ = core.shutdown.cancelled() => return,
            event = events.recv() => match event {
                Ok(event) => {
                    if let Event::Alert { feed, id } = &*event {
                        announce(&core, *feed, *id).await;
                    }
                }
                // Missed ones are in the bell's list (`/api/v1/firings`).
                Err(RecvError::Lagged(missed)) => tracing::warn!(missed, "alert announcements lagged behind the bus"),
                Err(RecvError::Closed) => return,
            },
        }
    }
}

/// Tells this node's viewers of `feed_id` about firing `id`.
async fn announce(core: &Core, feed_id: i64, id: i64) {
    if core.hub.followed_head(feed_id).is_none() {
        return;
    }
    match store::alerts::firing_by_id(&core.db, id).await {
        Ok(Some(firing)) => core.hub.publish_alert(feed_id, &firing),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, firing = id, "cannot read a firing to announce it"),
    }
}
