//! Annotations in the page: notes on a log line (`LogLineAnnotations`), a
//! note dialog for a chart point (`AnnotateChartPoint`), and the note with
//! its reply thread that both show.

use super::{context::use_room, entry::TextEntry, state};
use crate::{
    app::{
        Session,
        components::ui::{Badge, Tone},
    },
    model::{Annotation, AnnotationTarget},
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

const LINK_BUTTON: &str = "text-xs font-medium text-sky-700 hover:underline focus-visible:outline \
    focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-sky-400";

/// The notes on one log line, inline, with an "annotate" action and reply
/// threads. Put it in the log line's row.
#[component]
pub fn LogLineAnnotations(#[prop(into)] feed: String, seq: i64) -> impl IntoView {
    view! { <Notes target=AnnotationTarget::LogLine { feed, seq } /> }
}

/// A small dialog to annotate the chart point `{feed, symbol, ts}` (and see
/// the notes already on it). `on_close` runs on "Close" and after a note is
/// sent.
#[component]
pub fn AnnotateChartPoint(
    #[prop(into)] feed: String,
    #[prop(into)] symbol: String,
    ts: DateTime<Utc>,
    #[prop(optional, into)] on_close: Option<Callback<()>>,
) -> impl IntoView {
    let title = format!("Note on {symbol} at {}", crate::app::clock::use_clock().at(ts).format("%H:%M:%S"));
    let target = AnnotationTarget::Point { feed, symbol, ts };
    let label = title.clone();
    view! {
        <div
            role="dialog"
            aria-label=label
            class="space-y-2 rounded-lg border border-slate-200 bg-white p-3 shadow-lg dark:border-slate-700 dark:bg-slate-900"
            data-testid="annotate-point"
        >
            <div class="flex items-center justify-between gap-2">
                <h3 class="text-sm font-semibold">{title}</h3>
                {on_close.map(|close| view! {
                    <button type="button" class=LINK_BUTTON on:click=move |_| close.run(())>"Close"</button>
                })}
            </div>
            <Notes target=target composing=true on_sent=on_close.unwrap_or_else(|| Callback::new(|()| {})) />
        </div>
    }
}

/// Every note on the points of `symbol` in `feed`, with their threads: a
/// list to show beside a chart.
#[component]
pub fn ChartNotes(#[prop(into)] feed: String, #[prop(into)] symbol: String) -> impl IntoView {
    let notes = super::context::use_chart_annotations(feed, symbol);
    view! {
        <ul class="space-y-1">
            <For each=move || notes.get() key=|a| a.id let:note>
                <Note note=note />
            </For>
        </ul>
    }
}

/// The root notes on `target` with their threads, a count badge, and a
/// composer behind an "Annotate" button (open at once with `composing`).
#[component]
fn Notes(
    target: AnnotationTarget,
    #[prop(optional)] composing: bool,
    #[prop(optional)] on_sent: Option<Callback<()>>,
) -> impl IntoView {
    let room = use_room();
    let target = StoredValue::new(target);
    let notes = Memo::new(move |_| target.with_value(|t| room.notes_on(t)));
    let composing = RwSignal::new(composing);
    let annotate = Callback::new(move |text: String| {
        room.annotate(target.get_value(), &text)?;
        composing.set(false);
        if let Some(done) = on_sent {
            done.run(());
        }
        Ok(())
    });
    view! {
        <div class="space-y-1" data-testid="annotations">
            <div class="flex items-center gap-2">
                {move || {
                    let n = notes.with(Vec::len);
                    (n > 0).then(|| view! {
                        <Badge text=format!("{n} note{}", if n == 1 { "" } else { "s" }) tone=Tone::Info />
                    })
                }}
                <button
                    type="button"
                    class=LINK_BUTTON
                    aria-expanded=move || composing.get().to_string()
                    data-testid="annotate"
                    on:click=move |_| composing.update(|c| *c = !*c)
                >
                    "Annotate"
                </button>
            </div>
            <ul class="space-y-1">
                <For each=move || notes.get() key=|a| a.id let:note>
                    <Note note=note />
                </For>
            </ul>
            <Composer open=composing label="Note" placeholder="Add a note…" button="Save" testid="annotation-input" on_send=annotate />
        </div>
    }
}

/// A note or reply composer shown while `open`, with the room's refusals
/// about annotations inline.
#[component]
fn Composer(
    open: RwSignal<bool>,
    label: &'static str,
    placeholder: &'static str,
    button: &'static str,
    testid: &'static str,
    on_send: Callback<String, Result<(), String>>,
) -> impl IntoView {
    let room = use_room();
    let errors = Signal::derive(move || room.last_error.get().filter(|e| e.is_annotation()));
    view! {
        <Show when=move || open.get()>
            <TextEntry
                label=label
                placeholder=placeholder
                button=button
                testid=testid
                on_send=on_send
                server_error=errors
                autofocus=true
            />
        </Show>
    }
}

/// One note: author, time, text, its replies, and actions (reply; delete
/// for its author and admins).
#[component]
fn Note(note: Annotation) -> impl IntoView {
    let room = use_room();
    let session = expect_context::<Session>();
    let id = note.id;
    let replies = Memo::new(move |_| room.annotations.with(|list| state::replies_to(list, id)));
    let replying = RwSignal::new(false);
    let author = note.user.clone();
    let may_delete = move || session.current().is_some_and(|u| u.is_admin() || u.username == author);
    let reply = Callback::new(move |text: String| {
        room.reply(id, &text)?;
        replying.set(false);
        Ok(())
    });
    view! {
        <li
            class="rounded-md border-l-2 border-amber-400 bg-amber-50 px-2 py-1 text-sm dark:border-amber-500 dark:bg-amber-950/40"
            data-testid="annotation"
            data-annotation-id=id
        >
            <NoteText note=note.clone() />
            <div class="flex gap-3">
                <button type="button" class=LINK_BUTTON on:click=move |_| replying.update(|r| *r = !*r)>"Reply"</button>
                <Transition fallback=|| ()>
                    <Show when=may_delete>
                        <button
                            type="button"
                            class=LINK_BUTTON
                            on:click=move |_| {
                                let _ = room.delete(id);
                            }
                        >
                            "Delete"
                        </button>
                    </Show>
                </Transition>
            </div>
            <ul class="ml-3 mt-1 space-y-1 border-l border-slate-200 pl-2 dark:border-slate-700">
                <For each=move || replies.get() key=|a| a.id let:reply>
                    <li data-testid="annotation-reply" class="text-sm">
                        <NoteText note=reply />
                    </li>
                </For>
            </ul>
            <Composer open=replying label="Reply" placeholder="Reply…" button="Reply" testid="reply-input" on_send=reply />
        </li>
    }
}

/// Author, time and text of a note or reply.
#[component]
fn NoteText(note: Annotation) -> impl IntoView {
    let (clock, ts) = (crate::app::clock::use_clock(), note.ts);
    view! {
        <div class="flex items-baseline gap-2 text-xs text-slate-600 dark:text-slate-300">
            <span class="font-semibold">{note.user}</span>
            <time datetime=crate::model::time::format(&note.ts)>{move || clock.at(ts).format("%H:%M").to_string()}</time>
        </div>
        <p class="whitespace-pre-wrap break-words">{note.text}</p>
    }
}
