//! The offer above a feed's rejected payloads: how many of them its
//! current mapping would accept now, and the one click that stores them.

use crate::{
    app::{
        api::feeds::reparse_rejected,
        components::ui::{BUTTON_PRIMARY, ErrorAlert},
    },
    error::AppError,
    model::Reparse,
};
use leptos::{either::EitherOf3, prelude::*};

/// "N rejected messages would parse with this mapping — re-ingest" for feed
/// `name`; `reload` is bumped after a re-ingest (and re-counts when bumped).
#[component]
pub fn ReparseOffer(name: String, reload: RwSignal<u32>) -> impl IntoView {
    let feed = StoredValue::new(name);
    let error = RwSignal::new(None::<AppError>);
    let done = RwSignal::new(None::<Reparse>);
    let count = Resource::new(move || (feed.get_value(), reload.get()), |(feed, _)| reparse_rejected(feed, true));
    let reingest = Action::new(move |(): &()| async move {
        match reparse_rejected(feed.get_value(), false).await {
            Ok(outcome) => {
                done.set(Some(outcome));
                reload.update(|n| *n += 1);
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let pending = reingest.pending();
    view! {
        <div data-testid="reparse" aria-live="polite" class="mb-2 space-y-2">
            {move || done.get().map(|d| view! {
                <p class="text-sm text-emerald-700 dark:text-emerald-300" data-testid="reparse-done">{stored_text(&d)}</p>
            })}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match count.await {
                        Err(e) => EitherOf3::A(view! { <ErrorAlert error=Signal::stored(Some(e)) /> }),
                        Ok(Reparse { would_accept: Some(n), .. }) if n > 0 => EitherOf3::B(view! {
                            <div class="flex flex-wrap items-center gap-3 rounded-md border border-sky-200 bg-sky-50 p-3 text-sm dark:border-sky-900 dark:bg-sky-950">
                                <p class="flex-1" data-testid="reparse-offer">{offer_text(n)}</p>
                                <button type="button" class=BUTTON_PRIMARY disabled=pending
                                    on:click=move |_| { reingest.dispatch(()); }>
                                    {move || if pending.get() { "Re-ingesting…".to_owned() } else { format!("Re-ingest {n}") }}
                                </button>
                            </div>
                        }),
                        Ok(_) => EitherOf3::C(()),
                    }
                })}
            </Transition>
            <ErrorAlert error />
        </div>
    }
}

/// "1 message", "3 messages", with `kind` before the noun when given.
fn messages(n: u64, kind: &str) -> String {
    let noun = if n == 1 { "message" } else { "messages" };
    format!("{n} {kind}{noun}")
}

fn offer_text(n: u64) -> String {
    format!("{} would parse with this feed's current mapping.", messages(n, "rejected "))
}

fn stored_text(d: &Reparse) -> String {
    let stored = messages(d.accepted.unwrap_or(0), "");
    match d.still_rejected {
        0 => format!("Stored {stored}; none left rejected."),
        left => format!("Stored {stored}; {left} still fail."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_count_right() {
        assert_eq!(offer_text(1), "1 rejected message would parse with this feed's current mapping.");
        assert_eq!(offer_text(142), "142 rejected messages would parse with this feed's current mapping.");
        let done = Reparse { accepted: Some(1000), ..Reparse::default() };
        assert_eq!(stored_text(&done), "Stored 1000 messages; none left rejected.");
        let some = Reparse { accepted: Some(1), still_rejected: 3, ..Reparse::default() };
        assert_eq!(stored_text(&some), "Stored 1 message; 3 still fail.");
    }
}
