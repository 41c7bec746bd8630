//! `/d/{slug}`: a dashboard's widgets, live.

use crate::app::{
    api,
    components::ui::{ErrorAlert, Loading},
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
                    Ok(d) => view! {
                        <Title text=d.title.clone() />
                        <header class="mb-4 flex flex-wrap items-center gap-3">
                            <h1 class="text-2xl font-semibold tracking-tight">{d.title.clone()}</h1>
                        </header>
                        <div class="grid gap-4 lg:grid-cols-2" data-testid="widgets">
                            {d.widgets.iter().map(|w| view! {
                                <section class="rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900">
                                    <h2 class="text-sm font-medium">{format!("{:?} · {}", w.kind, w.feed)}</h2>
                                </section>
                            }).collect_view()}
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
