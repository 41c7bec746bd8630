//! `PresenceBar`: who is in the room now, and whether the room is live.

use super::context::use_room;
use crate::{
    app::components::ui::{Badge, Tone},
    model::ConnectionState,
};
use leptos::prelude::*;

/// The people in the room (each once, however many tabs), a count of
/// anonymous viewers, and the socket's state in words.
#[component]
pub fn PresenceBar() -> impl IntoView {
    let room = use_room();
    let users = move || room.presence.with(|p| p.users.clone());
    let anonymous = move || room.presence.with(|p| p.anonymous);
    let state = move || room.connection.get();
    view! {
        <div
            class="flex flex-wrap items-center gap-2 text-sm"
            data-testid="presence"
            role="status"
            aria-label="Who is here"
        >
            <span data-testid="room-status" data-state=move || state().label()>
                {move || {
                    let tone = if state() == ConnectionState::Live { Tone::Good } else { Tone::Warn };
                    view! { <Badge text=format!("chat {}", state().label()) tone=tone /> }
                }}
            </span>
            <ul class="flex flex-wrap items-center gap-1" aria-label="Signed-in viewers">
                <For each=users key=|u| u.clone() let:user>
                    <li
                        class="inline-flex items-center gap-1 rounded-full bg-slate-100 py-0.5 pl-0.5 pr-2 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-200"
                        data-user=user.clone()
                    >
                        <span
                            class="inline-flex h-5 w-5 items-center justify-center rounded-full bg-sky-700 text-[10px] uppercase text-white"
                            aria-hidden="true"
                        >
                            {user.chars().next().map(String::from).unwrap_or_default()}
                        </span>
                        {user.clone()}
                    </li>
                </For>
            </ul>
            {move || {
                (anonymous() > 0)
                    .then(|| {
                        view! {
                            <span class="text-xs text-slate-500 dark:text-slate-400">
                                {format!("+{} anonymous", anonymous())}
                            </span>
                        }
                    })
            }}
        </div>
    }
}
