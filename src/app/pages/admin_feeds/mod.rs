//! `/admin/feeds`: every feed with its live status, and the forms to add,
//! change, preview, switch off and delete feeds (admins only).

mod draft;
mod form;
mod preview;
mod rejected;
mod reparse;
mod retention;
mod retention_field;
mod row;
mod status;
mod storage;
mod tls_fields;

use crate::{
    app::{
        api::feeds::{get_feed_spec, list_feeds},
        components::{
            editing::{Editing, EditorState, FormPanel, NewItemButton},
            guard::RequireAdmin,
            poll::use_polled,
            ui::{BUTTON_PRIMARY, EmptyState, ErrorAlert, Loading, PageHeader},
        },
    },
    model::Feed,
};
use form::FeedForm;
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use row::{FeedRow, OpenPanels};
use std::time::Duration;

/// How often the list asks for fresh status while it is on screen.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// The feeds page (admins only).
#[component]
pub fn AdminFeedsPage() -> impl IntoView {
    view! {
        <Title text="Feeds" />
        <RequireAdmin>
            <FeedsAdmin />
        </RequireAdmin>
    }
}

#[component]
fn FeedsAdmin() -> impl IntoView {
    let editor = EditorState::default();
    // The list as the server renders it; the browser then follows `live`.
    let first = Resource::new(|| (), |()| list_feeds());
    // Feeds with their status and counters, fresh every couple of seconds
    // and at once after a change (browser only).
    let live = use_polled(POLL_EVERY, || async { list_feeds().await.ok() });
    let on_saved = Callback::new(move |name: String| {
        editor.saved(name);
        live.refresh();
    });
    let row_hooks = RowHooks {
        open: OpenPanels::default(),
        on_edit: Callback::new(move |name| editor.open(Editing::Existing(name))),
        on_changed: Callback::new(move |()| live.refresh()),
    };
    view! {
        <PageHeader title="Feeds" subtitle="Where messages come from, and how each feed is doing right now.">
            <NewItemButton state=editor label="Add feed" />
        </PageHeader>
        {move || editor.saved.get().map(|name| view! {
            <p role="status" class="mb-4 text-sm text-emerald-700 dark:text-emerald-400">{format!("Saved feed {name}.")}</p>
        })}
        {move || match editor.editing.get() {
            Editing::Closed => None,
            e => Some(view! { <EditorCard editor=e on_saved on_close=Callback::new(move |()| editor.close()) /> }),
        }}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match first.await {
                    Err(e) => Either::Left(view! { <ErrorAlert error=Signal::stored(Some(e)) /> }),
                    Ok(first) => Either::Right(view! {
                        <FeedList first live=live.latest hooks=row_hooks on_add=Callback::new(move |()| editor.open(Editing::New)) />
                    }),
                }
            })}
        </Transition>
    }
}

/// What each row can ask of the page.
#[derive(Clone, Copy)]
struct RowHooks {
    open: OpenPanels,
    on_edit: Callback<String>,
    /// A row's feed changed (switched, deleted): poll the list now.
    on_changed: Callback<()>,
}

/// The rows of the polled `live` list (`first` until its first answer),
/// keyed by name: a change updates rows in place, so open panels, pending
/// switches and focus stay, and a new or deleted feed adds or removes its
/// row alone.
#[component]
fn FeedList(
    first: Vec<Feed>,
    #[prop(into)] live: Signal<Option<Vec<Feed>>>,
    hooks: RowHooks,
    on_add: Callback<()>,
) -> impl IntoView {
    let RowHooks { open, on_edit, on_changed } = hooks;
    let feeds = Signal::derive(move || live.get().unwrap_or_else(|| first.clone()));
    let empty = move || {
        view! {
            <EmptyState title="No feeds yet">
                <p>"A feed reads ticks or log lines from an MQTT topic or an AMQP exchange."</p>
                <p class="mt-1">"Choose “Add feed”, point it at your broker, preview a few live messages, then save."</p>
                <button type="button" class=format!("{BUTTON_PRIMARY} mt-4") on:click=move |_| on_add.run(())>
                    "Add your first feed"
                </button>
            </EmptyState>
        }
    };
    view! {
        <Show when=move || feeds.with(|f| !f.is_empty()) fallback=empty>
            <ul class="space-y-4" aria-label="Feeds">
                <For each=move || feeds.get() key=|feed| feed.spec.name.clone() children=move |feed| {
                    let name = feed.spec.name.clone();
                    let live = Signal::derive(move || feeds.with(|list| list.iter().find(|f| f.spec.name == name).cloned()));
                    view! { <FeedRow feed live open on_edit on_changed /> }
                } />
            </ul>
        </Show>
    }
}

/// The form for a new feed, or for an existing one once loaded.
#[component]
fn EditorCard(editor: Editing, on_saved: Callback<String>, on_close: Callback<()>) -> impl IntoView {
    match editor {
        Editing::Existing(name) => {
            let spec = Resource::new(move || name.clone(), get_feed_spec);
            view! {
                <FormPanel title="Edit feed">
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            spec.await.map(|spec| view! { <FeedForm original=Some(spec) on_saved on_cancel=on_close /> })
                        })}
                    </Suspense>
                </FormPanel>
            }
            .into_any()
        }
        _ => view! {
            <FormPanel title="New feed">
                <FeedForm original=None on_saved on_cancel=on_close />
            </FormPanel>
        }
        .into_any(),
    }
}
