//! `/d/{slug}`: a dashboard's widgets, live over one SSE connection.

use crate::{
    app::{
        api,
        components::{
            alerts::{AlertBell, AlertsProvider},
            range_picker::RangePicker,
            replay::ReplayControls,
            room::{ChatPanel, InteractionPreview, PresenceBar, RoomProvider, widget_extras},
            ui::{ErrorAlert, Loading},
        },
        live::{ConnectionBadge, LiveStream},
        range::ViewState,
        widgets::WidgetView,
    },
    model::Dashboard,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The dashboard page.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let dashboard = Resource::new(slug, api::get_dashboard);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Err(e) => view! { <ErrorAlert error=Signal::stored(Some(e)) /> }.into_any(),
                    Ok(d) => view! { <DashboardView dashboard=d /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A loaded dashboard: the live stream for its feeds and its widgets.
#[component]
fn DashboardView(dashboard: Dashboard) -> impl IntoView {
    let live = LiveStream::new(dashboard.feeds());
    provide_context(live);
    Effect::new(move |_| live.start());
    let slug = dashboard.slug.clone();
    let preview = dashboard.clone();
    provide_context(widget_extras());
    let view = ViewState::provide();
    focus_search_on_slash();
    // The room (chat, annotations, presence) wraps the page: see components::room.
    view! {
        <Title text=dashboard.title.clone() />
        <RoomProvider slug=slug.clone()>
        <AlertsProvider feeds=dashboard.feeds()>
            <header class="mb-4 flex flex-wrap items-center gap-3">
                <h1 class="text-2xl font-semibold tracking-tight">{dashboard.title.clone()}</h1>
                <ConnectionBadge />
                <PresenceBar />
                <div class="ml-auto flex items-center gap-2"><ReplayControls /><AlertBell /></div>
            </header>
            <div class="mb-4"><RangePicker view /></div>
            <div class="flex flex-col gap-4 lg:flex-row lg:items-start">
                <div class="min-w-0 flex-1 space-y-4">
                    {if dashboard.widgets.is_empty() {
                        view! {
                            <p class="rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-500 dark:text-slate-400 dark:border-slate-700">
                                "This dashboard has no widgets yet. An admin can add some in Edit dashboards."
                            </p>
                        }.into_any()
                    } else {
                        view! {
                            <div class="grid gap-4 lg:grid-cols-2" data-testid="widgets">
                                {dashboard.widgets.into_iter().map(|w| view! { <WidgetView widget=w slug=slug.clone() /> }).collect_view()}
                            </div>
                        }.into_any()
                    }}
                    <InteractionPreview dashboard=preview />
                </div>
                <ChatPanel />
            </div>
        </AlertsProvider>
        </RoomProvider>
    }
}

/// `/` focuses the page's (first) log search, unless the user is typing.
fn focus_search_on_slash() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::keydown, |ev| {
            if ev.key() != "/" || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let typing = document().active_element().is_some_and(|el| {
                matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.has_attribute("contenteditable")
            });
            let search = document().query_selector("[data-testid=log-search]").ok().flatten();
            if let Some(input) = search.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()).filter(|_| !typing) {
                ev.prevent_default();
                let _ = input.focus();
            }
        });
        on_cleanup(move || handle.remove());
    }
}
