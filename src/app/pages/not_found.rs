//! The 404 page.

use crate::app::components::guard::set_status;
use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path no route matches.
#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found" />
        <div class="mx-auto max-w-md py-16 text-center" data-testid="not-found">
            <p class="text-5xl font-bold text-slate-300 dark:text-slate-700">"404"</p>
            <h1 class="mt-2 text-xl font-semibold">"Nothing here"</h1>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">"The page you asked for does not exist."</p>
            <a href="/" class="mt-6 inline-block text-sm text-sky-600 hover:underline">"Back to dashboards"</a>
        </div>
    }
}
