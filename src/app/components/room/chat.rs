//! `ChatPanel`: the room's chat as a collapsible side panel.

use super::{context::use_room, entry::TextEntry};
use crate::{app::Session, model::ChatMessage};
use leptos::{html, prelude::*};

/// The chat: messages with author and time (one's own set apart), a
/// composer for signed-in users, "Sign in to chat" for the others. When
/// collapsed, a counter shows how many messages arrived meanwhile.
#[component]
pub fn ChatPanel() -> impl IntoView {
    let room = use_room();
    let session = expect_context::<Session>();
    let open = RwSignal::new(true);
    // The newest message id the user has had in view.
    let seen = RwSignal::new(0i64);
    let newest = move || room.chat.with(|c| c.last().map_or(0, |m| m.id));
    Effect::new(move |_| {
        if open.get() {
            seen.set(newest());
        }
    });
    let unread = move || room.chat.with(|c| c.iter().filter(|m| m.id > seen.get()).count());
    let me = move || session.current().map(|u| u.username);

    let list = NodeRef::<html::Ol>::new();
    Effect::new(move |_| {
        room.chat.track();
        if let Some(list) = list.get() {
            list.set_scroll_top(list.scroll_height());
        }
    });

    let send = Callback::new(move |text: String| room.send_chat(&text));
    let chat_error = Signal::derive(move || room.last_error.get().filter(|e| e.is_chat()));
    let next = move || format!("/login?next=/d/{}", room.slug());

    view! {
        <aside
            class="flex w-full flex-col rounded-lg border border-slate-200 bg-white shadow-sm dark:border-slate-800 dark:bg-slate-900 lg:w-80"
            aria-label="Chat"
            data-testid="chat-panel"
        >
            <button
                type="button"
                class="flex items-center justify-between gap-2 rounded-t-lg px-3 py-2 text-left text-sm font-semibold hover:bg-slate-50 dark:hover:bg-slate-800"
                aria-expanded=move || open.get().to_string()
                data-testid="chat-toggle"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span>"Chat"</span>
                <span class="flex items-center gap-2">
                    {move || {
                        (!open.get() && unread() > 0)
                            .then(|| {
                                view! {
                                    <span
                                        class="rounded-full bg-sky-700 px-2 py-0.5 text-xs font-medium text-white"
                                        data-testid="chat-unread"
                                    >
                                        {unread()}
                                        <span class="sr-only">" unread"</span>
                                    </span>
                                }
                            })
                    }}
                    <span aria-hidden="true">{move || if open.get() { "▾" } else { "▸" }}</span>
                </span>
            </button>
            <div class="flex flex-col gap-2 border-t border-slate-200 p-3 dark:border-slate-800" class:hidden=move || !open.get()>
                <ol node_ref=list class="max-h-96 min-h-24 space-y-2 overflow-y-auto pr-1" aria-live="polite" aria-label="Messages">
                    <For each=move || room.chat.get() key=|m| m.id let:message>
                        <ChatLine own=Signal::derive({
                            let user = message.user.clone();
                            move || me().as_deref() == Some(user.as_str())
                        }) message=message />
                    </For>
                </ol>
                {move || {
                    room.chat.with(Vec::is_empty).then(|| view! {
                        <p class="text-xs text-slate-500 dark:text-slate-400">"No messages yet."</p>
                    })
                }}
                <Transition fallback=|| ()>
                    {move || match me() {
                        Some(_) => view! {
                            <TextEntry
                                label="Chat message"
                                placeholder="Say something…"
                                button="Send"
                                testid="chat-input"
                                on_send=send
                                server_error=chat_error
                            />
                        }.into_any(),
                        None => view! {
                            <p class="text-sm" data-testid="chat-sign-in">
                                <a href=next() class="font-medium text-sky-600 hover:underline dark:text-sky-400">"Sign in to chat"</a>
                            </p>
                        }.into_any(),
                    }}
                </Transition>
            </div>
        </aside>
    }
}

/// One message: author, time, text (always as text, never as markup).
#[component]
fn ChatLine(message: ChatMessage, #[prop(into)] own: Signal<bool>) -> impl IntoView {
    let (clock, ts) = (crate::app::clock::use_clock(), message.ts);
    view! {
        <li
            class="rounded-md px-2 py-1 text-sm"
            class=("bg-sky-50", move || own.get())
            class=("dark:bg-sky-950", move || own.get())
            data-testid="chat-message"
            data-own=move || own.get().to_string()
        >
            <div class="flex items-baseline gap-2 text-xs">
                <span class="font-semibold text-slate-800 dark:text-slate-100">{message.user.clone()}</span>
                {move || own.get().then(|| view! { <span class="text-sky-700 dark:text-sky-300">"(you)"</span> })}
                <time
                    class="text-slate-500 dark:text-slate-400"
                    datetime=crate::model::time::format(&message.ts)
                    title=move || clock.at(ts).format("%Y-%m-%d %H:%M:%S").to_string()
                >
                    {move || clock.at(ts).format("%H:%M").to_string()}
                </time>
            </div>
            <p class="whitespace-pre-wrap break-words">{message.text.clone()}</p>
        </li>
    }
}
