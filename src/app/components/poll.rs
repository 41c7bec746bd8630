//! Periodic refresh in the browser, tied to a component's lifetime.

use leptos::{prelude::*, task::spawn_local};
use std::{future::Future, time::Duration};

/// A counter that goes up every `period` in the browser, from when the
/// calling component mounts until it unmounts. It never changes during
/// server rendering.
pub fn use_ticks(period: Duration) -> ReadSignal<u64> {
    let (ticks, set_ticks) = signal(0u64);
    // Effects run only in the browser; the cleanup runs on unmount.
    Effect::new(move |_| match set_interval_with_handle(move || set_ticks.update(|t| *t += 1), period) {
        Ok(handle) => on_cleanup(move || handle.clear()),
        Err(e) => leptos::logging::warn!("cannot start a timer: {e:?}"),
    });
    ticks
}

/// The latest answer of a polled fetch, and a way to ask again at once.
pub struct Polled<T: Send + Sync + 'static> {
    /// `None` until the first answer (and always during server rendering,
    /// so reading it never holds up or changes what the server renders).
    pub latest: ReadSignal<Option<T>>,
    refresh: Trigger,
}

impl<T: Send + Sync + 'static> Clone for Polled<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Polled<T> {}

impl<T: Send + Sync + 'static> Polled<T> {
    /// Fetches again now instead of at the next period.
    pub fn refresh(&self) {
        self.refresh.notify();
    }
}

/// Runs `fetch` in the browser on mount, every `period` and on
/// [`Polled::refresh`], until the component unmounts. `fetch` answers
/// `None` to keep the previous value (e.g. on a failed request); an answer
/// that arrives after a newer one is dropped.
pub fn use_polled<T, Fut>(period: Duration, fetch: impl Fn() -> Fut + 'static) -> Polled<T>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = Option<T>> + 'static,
{
    let ticks = use_ticks(period);
    let refresh = Trigger::new();
    let (latest, set_latest) = signal(None);
    let (asked, applied) = (StoredValue::new(0u64), StoredValue::new(0u64));
    Effect::new(move |_| {
        ticks.track();
        refresh.track();
        let n = asked.get_value() + 1;
        asked.set_value(n);
        let answer = fetch();
        spawn_local(async move {
            if let Some(value) = answer.await
                && applied.try_get_value().is_some_and(|last| last < n)
            {
                applied.set_value(n);
                set_latest.try_set(Some(value));
            }
        });
    });
    Polled { latest, refresh }
}
