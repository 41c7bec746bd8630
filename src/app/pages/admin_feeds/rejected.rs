//! A feed's latest rejected payloads, each with the reason, shown as text,
//! below the offer to re-ingest those its mapping accepts now.

use super::reparse::ReparseOffer;
use crate::{
    app::{
        api::feeds::{REJECTED_SHOWN, rejected_messages},
        components::ui::{BUTTON_SECONDARY, ErrorAlert, Loading},
    },
    model::{Rejected, time},
};
use leptos::{either::EitherOf3, prelude::*};

/// The rejected payloads of feed `name`, newest first, with a refresh button.
#[component]
pub fn RejectedList(name: String, #[prop(into)] id: String) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let feed = name.clone();
    let items = Resource::new(move || (feed.clone(), reload.get()), |(feed, _)| rejected_messages(feed));
    let offer_for = name.clone();
    view! {
        <section id=id class="mt-3 rounded-md bg-slate-50 p-3 dark:bg-slate-950" data-testid="rejected"
            aria-label=format!("Rejected payloads of {name}")>
            <div class="mb-2 flex flex-wrap items-center justify-between gap-2">
                <h4 class="text-sm font-medium">{format!("Latest rejected payloads (up to {REJECTED_SHOWN})")}</h4>
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| reload.update(|n| *n += 1)>"Refresh"</button>
            </div>
            <ReparseOffer name=offer_for reload />
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match items.await {
                        Err(e) => EitherOf3::A(view! { <ErrorAlert error=Signal::stored(Some(e)) /> }),
                        Ok(list) if list.is_empty() => EitherOf3::B(view! {
                            <p class="text-sm text-slate-600 dark:text-slate-400">"Nothing rejected so far."</p>
                        }),
                        Ok(list) => EitherOf3::C(view! {
                            <ol class="space-y-2">{list.into_iter().map(|r| view! { <Item rejected=r /> }).collect_view()}</ol>
                        }),
                    }
                })}
            </Transition>
        </section>
    }
}

/// One rejected payload: when, why, and what it was.
#[component]
fn Item(rejected: Rejected) -> impl IntoView {
    let at = time::format(&rejected.received_at);
    view! {
        <li class="rounded border border-slate-200 bg-white p-2 text-sm dark:border-slate-800 dark:bg-slate-900" data-testid="rejected-item">
            <p class="flex flex-wrap gap-x-3">
                <time datetime=at.clone() class="text-xs text-slate-500 dark:text-slate-400">{at.clone()}</time>
                <span class="font-medium text-rose-700 dark:text-rose-300" data-testid="rejected-reason">{rejected.reason}</span>
            </p>
            <pre class="mt-1 max-h-40 overflow-auto whitespace-pre-wrap break-all font-mono text-xs">{rejected.payload}</pre>
        </li>
    }
}
