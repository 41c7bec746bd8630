//! The handful of styled building blocks every page uses, so class strings
//! live in one place.

use crate::error::AppError;
use leptos::prelude::*;

/// Classes for a primary (filled) button.
pub const BUTTON_PRIMARY: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-sky-600 px-3 py-2 \
    text-sm font-medium text-white shadow-sm hover:bg-sky-500 disabled:cursor-not-allowed disabled:opacity-50";
/// Classes for a secondary (outlined) button.
pub const BUTTON_SECONDARY: &str = "inline-flex items-center justify-center gap-2 rounded-md border \
    border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 \
    dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800";
/// Classes for text inputs and selects.
pub const INPUT: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm \
    shadow-sm placeholder:text-slate-400 focus:border-sky-500 dark:border-slate-700 dark:bg-slate-900";

/// A bordered panel.
#[component]
pub fn Card(children: Children, #[prop(optional, into)] class: String) -> impl IntoView {
    view! {
        <section class=format!(
            "rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900 {class}",
        )>{children()}</section>
    }
}

/// A page title with an optional line of explanation.
#[component]
pub fn PageHeader(#[prop(into)] title: String, #[prop(optional, into)] subtitle: Option<String>) -> impl IntoView {
    view! {
        <header class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
            {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{s}</p> })}
        </header>
    }
}

/// A small label; `tone` picks the colour, the text always says the meaning.
#[component]
pub fn Badge(#[prop(into)] text: String, #[prop(optional)] tone: Tone) -> impl IntoView {
    view! {
        <span class=format!("inline-flex items-center rounded px-1.5 py-0.5 text-xs font-medium {}", tone.classes())>
            {text}
        </span>
    }
}

/// Colour families for badges and alerts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    #[default]
    Neutral,
    Info,
    Good,
    Warn,
    Bad,
}

impl Tone {
    /// The tone of a feed state: connected good, connecting/disabled
    /// neutral, error bad.
    pub fn of_state(state: crate::model::FeedState) -> Tone {
        use crate::model::FeedState;
        match state {
            FeedState::Connected => Tone::Good,
            FeedState::Connecting => Tone::Warn,
            FeedState::Error => Tone::Bad,
            FeedState::Disabled => Tone::Neutral,
        }
    }

    /// The tone of a role badge.
    pub fn of_role(role: crate::model::Role) -> Tone {
        if role == crate::model::Role::Admin { Tone::Info } else { Tone::Neutral }
    }

    fn classes(self) -> &'static str {
        match self {
            Tone::Neutral => "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
            Tone::Info => "bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200",
            Tone::Good => "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200",
            Tone::Warn => "bg-amber-100 text-amber-800 dark:bg-amber-900/60 dark:text-amber-200",
            Tone::Bad => "bg-rose-100 text-rose-800 dark:bg-rose-900/60 dark:text-rose-200",
        }
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

/// A labelled input with its validation message underneath.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] autocomplete: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                class=INPUT
                aria-invalid=move || error.get().is_some().to_string()
            />
            {move || error.get().map(|e| view! { <p class="text-xs text-rose-600 dark:text-rose-400">{e}</p> })}
        </div>
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
    view! { <p class="animate-pulse text-sm text-slate-500" aria-busy="true">"Loading…"</p> }
}
