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
use leptos::{either::EitherOf3, prelude::*};
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
    let feeds = Resource::new(move || editor.changed.get(), |_| list_feeds());
    // Status and counters, fresh every couple of seconds (browser only).
    let live = use_polled(POLL_EVERY, || async { list_feeds().await.ok() });
    let reload = Callback::new(move |()| {
        editor.list_changed();
        live.refresh();
    });
    let on_saved = Callback::new(move |name: String| {
        editor.saved(name);
        live.refresh();
    });
    let row_hooks = RowHooks {
        open: OpenPanels::default(),
        on_edit: Callback::new(move |name| editor.open(Editing::Existing(name))),
        on_refresh: Callback::new(move |()| live.refresh()),
        on_deleted: reload,
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
                match feeds.await {
                    Err(e) => EitherOf3::A(view! { <ErrorAlert error=Signal::stored(Some(e)) /> }),
                    Ok(list) if list.is_empty() => EitherOf3::B(view! {
                        <EmptyState title="No feeds yet">
                            <p>"A feed reads ticks or log lines from an MQTT topic or an AMQP exchange."</p>
                            <p class="mt-1">"Choose “Add feed”, point it at your broker, preview a few live messages, then save."</p>
                            <button type="button" class=format!("{BUTTON_PRIMARY} mt-4") on:click=move |_| editor.open(Editing::New)>
                                "Add your first feed"
                            </button>
                        </EmptyState>
                    }),
                    Ok(list) => EitherOf3::C(view! { <FeedList list live=live.latest hooks=row_hooks /> }),
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
    on_refresh: Callback<()>,
    on_deleted: Callback<()>,
}

/// The rows, each following its feed in the polled `live` list.
#[component]
fn FeedList(list: Vec<Feed>, #[prop(into)] live: Signal<Option<Vec<Feed>>>, hooks: RowHooks) -> impl IntoView {
    let RowHooks { open, on_edit, on_refresh, on_deleted } = hooks;
    view! {
        <ul class="space-y-4" aria-label="Feeds">
            {list.into_iter().map(|feed| {
                let name = feed.spec.name.clone();
                let live = Signal::derive(move || {
                    live.with(|l| l.as_ref().and_then(|l| l.iter().find(|f| f.spec.name == name).cloned()))
                });
                view! { <FeedRow feed live open on_edit on_refresh on_deleted /> }
            }).collect_view()}
        </ul>
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
