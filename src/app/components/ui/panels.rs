//! Page structure and states: card, page header, error alert, empty state,
//! loading placeholder.

use crate::error::AppError;
use leptos::prelude::*;

/// A bordered panel.
#[component]
pub fn Card(children: Children, #[prop(optional, into)] class: String) -> impl IntoView {
    view! {
        <section class=format!(
            "rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900 {class}",
        )>{children()}</section>
    }
}

/// A page title with an optional line of explanation; `children`, if any,
/// are the page's main actions, shown to the right (below on narrow screens).
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <header class="mb-6 flex flex-wrap items-start justify-between gap-3">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
                {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{s}</p> })}
            </div>
            {children.map(|actions| view! { <div class="flex flex-wrap gap-2">{actions()}</div> })}
        </header>
    }
}

/// An error message box (`role="alert"`).
#[component]
pub fn ErrorAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <p role="alert" class="rounded-md border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-800 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200">
                    {e.message}
                </p>
            }
        })
    }
}

/// What a list shows when it has nothing in it.
#[component]
pub fn EmptyState(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <div class="rounded-lg border border-dashed border-slate-300 p-8 text-center dark:border-slate-700">
            <p class="font-medium">{title}</p>
            <div class="mt-2 text-sm text-slate-600 dark:text-slate-400">{children()}</div>
        </div>
    }
}

/// A placeholder while data loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="animate-pulse motion-reduce:animate-none text-sm text-slate-500 dark:text-slate-400" aria-busy="true">"Loading…"</p> }
}
