//! Badges and the colour tones they (and alerts) come in.

use leptos::prelude::*;

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
