//! Periodic refresh in the browser, tied to a component's lifetime.

use leptos::prelude::*;
use std::time::Duration;

/// A counter that goes up every `period` in the browser, from when the
/// calling component mounts until it unmounts. It never changes during
/// server rendering. Read it in a resource's source to refetch periodically.
pub fn use_ticks(period: Duration) -> ReadSignal<u64> {
    let (ticks, set_ticks) = signal(0u64);
    // Effects run only in the browser; the cleanup runs on unmount.
    Effect::new(move |_| match set_interval_with_handle(move || set_ticks.update(|t| *t += 1), period) {
        Ok(handle) => on_cleanup(move || handle.clear()),
        Err(e) => leptos::logging::warn!("cannot start a timer: {e:?}"),
    });
    ticks
}
