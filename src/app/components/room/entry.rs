//! `TextEntry`: the one-line composer for chat, notes and replies. Enter
//! sends; a refusal (the browser's or the server's) is shown inline and the
//! text is kept, so nothing typed is lost.

use super::state::RoomError;
use crate::app::components::ui::{BUTTON_PRIMARY, INPUT};
use crate::model::MAX_TEXT_CHARS;
use leptos::prelude::*;

/// A labelled text input with a send button and an inline error line.
#[component]
pub fn TextEntry(
    /// The accessible name of the input.
    #[prop(into)]
    label: String,
    #[prop(into)] placeholder: String,
    /// The button's text.
    #[prop(into)]
    button: String,
    /// `data-testid` of the input.
    #[prop(optional)]
    testid: &'static str,
    /// Sends the text; `Err` says why it was not sent.
    on_send: Callback<String, Result<(), String>>,
    /// The latest server refusal that concerns this entry.
    #[prop(into)]
    server_error: Signal<Option<RoomError>>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let local_error = RwSignal::new(None::<String>);
    let last_sent = StoredValue::new(String::new());
    // Server errors at or below this serial have been dealt with.
    let dismissed = RwSignal::new(server_error.get_untracked().map_or(0, |e| e.serial));
    let fresh_server_error = move || server_error.get().filter(|e| e.serial > dismissed.get());

    // A refused message comes back into the empty input.
    Effect::new(move |_| {
        if fresh_server_error().is_some() && text.get_untracked().is_empty() {
            text.set(last_sent.get_value());
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = text.get_untracked();
        dismissed.set(server_error.get_untracked().map_or(0, |e| e.serial));
        match on_send.run(value.clone()) {
            Ok(()) => {
                last_sent.set_value(value);
                text.set(String::new());
                local_error.set(None);
            }
            Err(why) => local_error.set(Some(why)),
        }
    };
    let count = move || text.with(|t| t.chars().count());
    let error = move || local_error.get().or_else(|| fresh_server_error().map(|e| e.describe()));

    view! {
        <form class="space-y-1" on:submit=submit>
            <div class="flex gap-2">
                <input
                    type="text"
                    class=INPUT
                    aria-label=label
                    placeholder=placeholder
                    autocomplete="off"
                    autofocus=autofocus
                    data-testid=testid
                    aria-invalid=move || error().is_some().to_string()
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        local_error.set(None);
                    }
                />
                <button type="submit" class=BUTTON_PRIMARY>{button}</button>
            </div>
            {move || {
                (count() > MAX_TEXT_CHARS - 200)
                    .then(|| {
                        view! {
                            <p class="text-right text-xs text-slate-500 dark:text-slate-400">
                                {format!("{} / {MAX_TEXT_CHARS}", count())}
                            </p>
                        }
                    })
            }}
            {move || {
                error()
                    .map(|e| {
                        view! {
                            <p role="alert" class="text-xs text-rose-600 dark:text-rose-400">{e}</p>
                        }
                    })
            }}
        </form>
    }
}
