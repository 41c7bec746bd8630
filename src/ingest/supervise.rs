//! Restarting what fails: a feed's pipeline that ends with an error or a
//! panic is started again after a backoff, with the reason on the feed's
//! status, until the feed is stopped.

use super::backoff::Backoff;
use std::future::Future;
use tokio_util::sync::CancellationToken;

/// How one run of a feed's pipeline ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Run {
    /// Stopped on request.
    Stopped,
    /// The feed's lease passed to another process.
    Fenced,
    /// Failed (an error or a panic); worth starting again.
    Failed(String),
}

/// Starts `run` again after each failure (telling `failed` why, then
/// waiting with `backoff`) until it ends otherwise or `stop` fires.
pub async fn restart_on_failure<F, Fut>(
    mut run: F,
    mut backoff: Backoff,
    stop: &CancellationToken,
    mut failed: impl FnMut(&str),
) -> Run
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Run>,
{
    loop {
        match run().await {
            Run::Failed(reason) => {
                tracing::error!(reason = %reason, "feed pipeline failed; restarting");
                failed(&reason);
                tokio::select! {
                    _ = tokio::time::sleep(backoff.next_delay()) => {}
                    _ = stop.cancelled() => return Run::Stopped,
                }
            }
            ended => return ended,
        }
    }
}

/// Why a task ended abnormally, from its join error (the panic message).
pub fn panic_reason(what: &str, e: tokio::task::JoinError) -> String {
    if !e.is_panic() {
        return format!("{what} was cancelled");
    }
    let payload = e.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("{what} panicked: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn failures_restart_until_the_run_ends() {
        let mut runs = 0;
        let mut reasons = Vec::new();
        let stop = CancellationToken::new();
        let backoff = Backoff::new(Duration::from_millis(10), Duration::from_millis(40));
        let ended = restart_on_failure(
            || {
                runs += 1;
                let n = runs;
                async move {
                    // The writer panics twice, then the feed is stopped.
                    let task = tokio::spawn(async move {
                        assert!(n > 2, "writer panicked on run {n}");
                    });
                    match task.await {
                        Ok(()) => Run::Stopped,
                        Err(e) => Run::Failed(panic_reason("the writer", e)),
                    }
                }
            },
            backoff,
            &stop,
            |reason| reasons.push(reason.to_owned()),
        )
        .await;
        assert_eq!(ended, Run::Stopped);
        assert_eq!(runs, 3);
        assert_eq!(reasons.len(), 2);
        assert!(reasons[0].starts_with("the writer panicked: writer panicked on run 1"), "{reasons:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_during_the_backoff_ends_it() {
        let stop = CancellationToken::new();
        stop.cancel();
        let ended = restart_on_failure(
            || async { Run::Failed("broken".into()) },
            Backoff::new(Duration::from_secs(60), Duration::from_secs(60)),
            &stop,
            |_| {},
        )
        .await;
        assert_eq!(ended, Run::Stopped);
    }

    #[tokio::test]
    async fn fenced_runs_are_not_restarted() {
        let stop = CancellationToken::new();
        let mut runs = 0;
        let ended = restart_on_failure(
            || {
                runs += 1;
                async { Run::Fenced }
            },
            Backoff::default(),
            &stop,
            |_| {},
        )
        .await;
        assert_eq!((ended, runs), (Run::Fenced, 1));
    }
}
