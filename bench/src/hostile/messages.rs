//! Malformed broker messages among valid ones, over MQTT and AMQP, into a
//! ticks and a logs feed each: the server must stay up, count every
//! malformed one as rejected, store every valid one, and keep hostile text
//! exactly as sent.

use super::payloads::{self, XSS};
use feedboard_bench::{
    Result,
    api::{Api, amqp_feed, mqtt_feed},
    broker,
    chaos::verify::{self, Count, Kind},
    context,
    report::{Report, Row},
    server::Server,
};
use sqlx::PgPool;
use std::time::Duration;

/// Sends `malformed` malformed messages in all (a quarter to each feed),
/// each followed by a valid one, and adds the rows.
pub async fn measure(report: &mut Report, server: &mut Server, malformed: u64) -> Result {
    let api = server.admin().await?;
    let db = PgPool::connect(&server.database_url()).await.map_err(context("bench database"))?;
    let run = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let per_feed = malformed / 4;
    let mut count = Count::default();
    let mut rejected = (0u64, 0u64);
    for (protocol, kind) in [("mqtt", Kind::Ticks), ("mqtt", Kind::Logs), ("amqp", Kind::Ticks), ("amqp", Kind::Logs)] {
        let feed = format!("hostile-{run}-{protocol}-{}", kind.as_str());
        // Even k: malformed k/2; odd k: valid k/2.
        let payload = move |k: u64| {
            if k.is_multiple_of(2) { payloads::malformed(kind, k / 2) } else { payloads::valid(kind, k / 2) }
        };
        if protocol == "mqtt" {
            let topic = format!("hostile/{run}/{}", kind.as_str());
            api.create_feed(mqtt_feed(&feed, kind.as_str(), &topic)).await?;
            broker::mqtt_publish(&topic, 2 * per_feed, None, payload).await?;
        } else {
            let exchange = format!("hostile.{run}");
            let key = format!("hostile.{}", kind.as_str());
            api.create_feed(amqp_feed(&feed, kind.as_str(), &exchange, &key)).await?;
            broker::amqp_publish(&exchange, &key, 2 * per_feed, payload).await?;
        }
        let (stored, refused) = settle(&api, &feed, per_feed).await?;
        println!("  {feed}: {stored} stored, {refused} rejected");
        count.add(&verify::count(&db, &api, &feed, kind, per_feed).await?);
        rejected.0 += refused;
        rejected.1 += rejected_rows(&db, &feed).await?;
        if kind == Kind::Ticks {
            check_verbatim(&api, &feed).await?;
        }
        if protocol == "amqp" {
            broker::amqp_delete_queues(&[&format!("feedboard.{feed}")]).await;
        }
    }
    let alive = server.is_running() && server.healthy().await;
    let panics = server.log_mentions("panicked at")?;
    let total = 4 * per_feed;
    report.add(
        Row::new("malformed broker messages → crashes", f64::from(u8::from(!alive)) + panics as f64, "crashes")
            .at_most(0.0)
            .note(format!("same process alive, /healthz 200: {alive}; panics in the server log: {panics}")),
    );
    report.add(
        Row::new("malformed messages counted as rejected", rejected.0 as f64, "msgs")
            .baseline(total as f64)
            .ratio_at_least(1.0)
            .note(format!("status.rejected summed; {} rows in rejected_messages; over MQTT and AMQP", rejected.1)),
    );
    let exact = rejected.0 == total && rejected.1 == total;
    report.add(
        Row::new(
            "rejected count ≠ malformed count",
            (rejected.0.abs_diff(total) + rejected.1.abs_diff(total)) as f64,
            "msgs",
        )
        .at_most(0.0)
        .note(if exact { "exact".to_owned() } else { format!("expected {total} each") }),
    );
    report.add(Row::new("valid messages among them: lost", count.lost as f64, "msgs").at_most(0.0).note(format!(
        "{}/{} stored; 1 in 4 carries markup / control characters / odd Unicode",
        count.stored, count.sent
    )));
    report.add(
        Row::new(
            "valid messages: duplicated + gaps + history mismatches",
            (count.duplicated + count.gaps + count.api_mismatches) as f64,
            "msgs",
        )
        .at_most(0.0)
        .note(format!("markup such as {} came back verbatim from the history API", XSS[0])),
    );
    db.close().await;
    Ok(())
}

/// Waits until the feed's status counts `n` stored and `n` rejected (or
/// stops moving for 30 s); returns both counters.
async fn settle(api: &Api, feed: &str, n: u64) -> Result<(u64, u64)> {
    let (mut last, mut quiet) = ((0, 0), 0);
    loop {
        let status = api.status(feed).await?;
        let now = (status["stored"].as_u64().unwrap_or(0), status["rejected"].as_u64().unwrap_or(0));
        if (now.0 >= n && now.1 >= n) || quiet >= 300 {
            return Ok(now);
        }
        quiet = if now == last { quiet + 1 } else { 0 };
        last = now;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn rejected_rows(db: &PgPool, feed: &str) -> Result<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM rejected_messages r JOIN feeds f ON f.id = r.feed_id WHERE f.name = $1",
    )
    .bind(feed)
    .fetch_one(db)
    .await
    .map_err(context("count rejected rows"))?;
    Ok(n as u64)
}

/// The first hostile tick (markup in its symbol) comes back from the
/// history API exactly as it was sent.
async fn check_verbatim(api: &Api, feed: &str) -> Result {
    let page = api.get(&format!("/api/v1/feeds/{feed}/ticks?after_seq=0&limit=10")).await?;
    let first = page["items"].as_array().and_then(|items| items.iter().find(|t| t["size"] == 0.0));
    let symbol = first.and_then(|t| t["symbol"].as_str());
    if symbol == Some(payloads::hostile_text(0)) {
        Ok(())
    } else {
        Err(format!("{feed}: the markup symbol came back as {symbol:?}, not {:?}", payloads::hostile_text(0)))
    }
}
