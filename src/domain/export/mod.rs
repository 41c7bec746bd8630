//! Exports: every matching row of a feed's history as one CSV or NDJSON
//! file (`format=csv|ndjson` on the history endpoints).
//!
//! Ticks and log lines are streamed: a task of the export's own reads the
//! rows from Postgres as a row stream ([`store::export`]), encodes them
//! ([`encode`]) into chunks of about 64 KiB and hands them to the response
//! through a queue of four, so a slow client slows the read down instead of
//! filling memory. At most [`Exports`] of them run at once per node; one
//! more gets `503` before anything is read. Candles are the (bounded) rows
//! of [`history::candles`], encoded at once, and so are level counts.
//!
//! Errors before the first byte are ordinary API errors. After it, the body
//! ends with an error: the server breaks the connection off without the
//! closing chunk, so the client sees an incomplete download, never a
//! shorter file that looks whole.

pub mod encode;

pub use encode::Format;

use super::history::{self, CandleParams, LevelParams, LogParams, TickParams, check_time};
use crate::{
    domain::Core,
    error::{AppError, ErrorCode},
    model::FeedKind,
    store::{
        self, StoreError,
        export::{Ended, RowSink},
    },
};
use bytes::Bytes;
use encode::Row;
use futures::{
    StreamExt,
    future::ready,
    stream::{self, BoxStream},
};
use std::{future::Future, marker::PhantomData, sync::Arc, time::Duration};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

/// The longest an export's query may run; a longer one is cancelled and
/// its download broken off.
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Encoded rows gathered before they are handed to the client.
const CHUNK: usize = 64 * 1024;
/// Chunks an export may have waiting for its client.
const QUEUE: usize = 4;

/// The exports streaming on this node, bounded; cheap to clone.
#[derive(Clone, Debug)]
pub struct Exports {
    permits: Arc<Semaphore>,
    size: usize,
}

impl Exports {
    /// At most `n` (at least 1) exports at once.
    pub fn new(n: usize) -> Self {
        let size = n.max(1);
        Exports { permits: Arc::new(Semaphore::new(size)), size }
    }

    /// The bound for a request pool of `db_pool` connections: each export
    /// holds one for its length, so a quarter of them, 1 to 4.
    pub fn for_pool(db_pool: u32) -> Self {
        Exports::new((db_pool as usize / 4).clamp(1, 4))
    }

    /// How many may run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Exports streaming right now.
    pub fn running(&self) -> usize {
        self.size - self.permits.available_permits()
    }

    fn try_start(&self) -> Result<OwnedSemaphorePermit, AppError> {
        self.permits.clone().try_acquire_owned().map_err(|_| {
            metrics::counter!("feedboard_exports_total", "outcome" => "refused").increment(1);
            AppError::new(
                ErrorCode::Unavailable,
                format!(
                    "this server is running as many exports as it allows at once ({}); try again when one is done",
                    self.size
                ),
            )
        })
    }
}

/// An export, ready to send.
pub struct Export {
    pub format: Format,
    /// `<feed>-<ticks|logs|candles|levels>.<csv|ndjson>`.
    pub filename: String,
    /// The file, in chunks of whole rows; an `Err` means it broke off.
    pub body: BoxStream<'static, Result<Bytes, Broken>>,
}

/// The end of an export that did not finish (the server log says why).
#[derive(Debug, thiserror::Error)]
#[error("the export broke off before its end")]
pub struct Broken;

/// Every tick of `feed` matching `p` (its `limit` is ignored), in `seq` order.
pub async fn ticks(core: &Core, feed: &str, p: TickParams, format: Format) -> Result<Export, AppError> {
    let row = history::feed_of_kind(core, feed, FeedKind::Ticks).await?;
    let q = store::export::Ticks {
        feed_id: row.id,
        symbol: p.symbol,
        from: check_time("from", p.from)?,
        to: check_time("to", p.to)?,
        after_seq: p.after_seq,
    };
    let db = core.db.clone();
    run(core, format, filename(feed, "ticks", format), move |mut sink| async move {
        let ended = store::export::ticks(&db, EXPORT_TIMEOUT, &q, &mut sink).await;
        (sink, ended)
    })
    .await
}

/// Every log line of `feed` matching `p` (its `limit` is ignored), in `seq`
/// order, oldest first, whatever the cursor.
pub async fn logs(core: &Core, feed: &str, p: LogParams, format: Format) -> Result<Export, AppError> {
    let row = history::feed_of_kind(core, feed, FeedKind::Logs).await?;
    let q = store::export::Logs {
        feed_id: row.id,
        levels: history::parse_levels(p.level.as_deref())?,
        source: p.source.filter(|s| !s.is_empty()),
        text: p.q.filter(|q| !q.trim().is_empty()),
        before_seq: p.before_seq,
        after_seq: p.after_seq,
        from: check_time("from", p.from)?,
        to: check_time("to", p.to)?,
    };
    let db = core.db.clone();
    run(core, format, filename(feed, "logs", format), move |mut sink| async move {
        let ended = store::export::logs(&db, EXPORT_TIMEOUT, &q, &mut sink).await;
        (sink, ended)
    })
    .await
}

/// The candles [`history::candles`] gives for `p` (at most 10,000), oldest first.
pub async fn candles(core: &Core, feed: &str, p: CandleParams, format: Format) -> Result<Export, AppError> {
    let page = history::candles(core, feed, p).await?;
    Ok(whole(feed, "candles", format, &page.items))
}

/// The level counts of `GET /api/v1/feeds/{name}/levels` as a file (at
/// most [`history::MOST_LEVEL_BUCKETS`] buckets, so written at once).
pub async fn level_counts(core: &Core, feed: &str, p: LevelParams, format: Format) -> Result<Export, AppError> {
    let page = history::level_counts(core, feed, p).await?;
    Ok(whole(feed, "levels", format, &page.items))
}

/// An export of rows already read, in one piece.
fn whole<R: Row>(feed: &str, what: &str, format: Format, rows: &[R]) -> Export {
    let mut out = Vec::new();
    encode::header::<R>(format, &mut out);
    for row in rows {
        encode::row(format, row, &mut out);
    }
    let body = stream::once(ready(Ok(Bytes::from(out)))).boxed();
    Export { format, filename: filename(feed, what, format), body }
}

fn filename(feed: &str, what: &str, format: Format) -> String {
    format!("{feed}-{what}.{}", format.extension())
}

/// Starts an export of `R` rows: takes a slot, runs `read` (which pushes
/// the rows into the sink it is given, and gives it back) on a task of its
/// own, and returns once the first bytes are ready, or with the error that
/// came before them.
async fn run<R, F>(
    core: &Core,
    format: Format,
    filename: String,
    read: impl FnOnce(Chunker<R>) -> F,
) -> Result<Export, AppError>
where
    R: Row,
    F: Future<Output = (Chunker<R>, Result<Ended, StoreError>)> + Send + 'static,
{
    let permit = core.exports.try_start()?;
    let (chunks, mut queue) = mpsc::channel(QUEUE);
    let (done, outcome) = oneshot::channel();
    let mut buf = Vec::with_capacity(CHUNK + CHUNK / 8);
    encode::header::<R>(format, &mut buf);
    let sink = Chunker {
        format,
        buf,
        rows: 0,
        sent: false,
        chunks,
        shutdown: core.shutdown.clone(),
        _permit: permit,
        _rows: PhantomData,
    };
    let reading = read(sink);
    let what = filename.clone();
    tokio::spawn(async move {
        let (sink, ended) = reading.await;
        let _ = done.send(sink.finish(ended, &what).await);
    });
    let Some(first) = queue.recv().await else {
        // Nothing was sent: a complete export of nothing, or an error.
        return match outcome.await {
            Ok(Ok(())) => Ok(Export { format, filename, body: stream::empty().boxed() }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(AppError::internal()),
        };
    };
    let end =
        stream::once(outcome).filter_map(|o| ready(if matches!(o, Ok(Ok(()))) { None } else { Some(Err(Broken)) }));
    let body = stream::once(ready(Ok(first))).chain(ReceiverStream::new(queue).map(Ok)).chain(end).boxed();
    Ok(Export { format, filename, body })
}

/// The rows of one export on their way to the client: encoded into a
/// buffer, sent in chunks through a bounded queue. Holds the export's slot.
struct Chunker<R> {
    format: Format,
    buf: Vec<u8>,
    rows: u64,
    /// Whether a chunk has gone out (the first goes with the first row, so
    /// the response starts at once).
    sent: bool,
    chunks: mpsc::Sender<Bytes>,
    shutdown: CancellationToken,
    _permit: OwnedSemaphorePermit,
    _rows: PhantomData<fn(R)>,
}

impl<R: Row> RowSink<R> for Chunker<R> {
    async fn push(&mut self, row: R) -> bool {
        encode::row(self.format, &row, &mut self.buf);
        self.rows += 1;
        if self.sent && self.buf.len() < CHUNK {
            return true;
        }
        self.flush().await
    }
}

impl<R: Row> Chunker<R> {
    /// Sends what is buffered; `false` when the client is gone or the
    /// server is stopping.
    async fn flush(&mut self) -> bool {
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + CHUNK / 8)));
        self.sent = true;
        tokio::select! {
            sent = self.chunks.send(chunk) => sent.is_ok(),
            _ = self.shutdown.cancelled() => false,
        }
    }

    /// Sends the rest after the last row and says how the export ended:
    /// the error for a client that got nothing yet, or (logged) why it
    /// broke off.
    async fn finish(mut self, ended: Result<Ended, StoreError>, what: &str) -> Result<(), AppError> {
        let outcome = match ended {
            Ok(Ended::Complete { rows }) if self.buf.is_empty() || self.flush().await => {
                tracing::debug!(export = what, rows, "export complete");
                Ok(())
            }
            Ok(_) => {
                tracing::info!(
                    export = what,
                    rows = self.rows,
                    "export stopped: the client left or the server is stopping"
                );
                Err(AppError::new(ErrorCode::Unavailable, "the server is stopping; try again in a moment"))
            }
            Err(e) if !self.sent => Err(error_before_start(e)),
            Err(e) => {
                tracing::warn!(export = what, rows = self.rows, error = %e, "export broke off");
                Err(AppError::internal())
            }
        };
        let label = if outcome.is_ok() { "complete" } else { "broken" };
        metrics::counter!("feedboard_exports_total", "outcome" => label).increment(1);
        metrics::counter!("feedboard_export_rows_total").increment(self.rows);
        outcome
    }
}

/// The API error for an export that failed before sending anything.
fn error_before_start(e: StoreError) -> AppError {
    match &e {
        StoreError::Db(db) if store::is_timeout(db) => AppError::new(
            ErrorCode::Unavailable,
            format!(
                "the export took longer than the server allows ({} minutes) and was cancelled; narrow it",
                EXPORT_TIMEOUT.as_secs() / 60
            ),
        ),
        _ => AppError::from(e),
    }
}
