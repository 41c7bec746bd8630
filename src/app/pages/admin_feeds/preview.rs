//! The preview panel of the feed form: waiting, then each live message as
//! it arrived and as feedboard would store it (or why it would not).

use crate::{
    app::{
        api::feeds::PREVIEW_WAIT_MS,
        components::ui::{Badge, ErrorAlert, Tone},
    },
    error::AppError,
    model::{FeedKind, Mapping, Preview, PreviewMessage, Source},
};
use leptos::{either::EitherOf4, prelude::*};

/// What a preview is asked with: the form's settings, and the name of the
/// stored feed being edited, if any (its password fills in a masked one).
#[derive(Clone, Debug)]
pub struct PreviewInput {
    pub kind: FeedKind,
    pub source: Source,
    pub mapping: Mapping,
    pub editing: Option<String>,
}

/// The preview action: runs the server function with the form's settings.
pub fn preview_action() -> Action<PreviewInput, Result<Preview, AppError>> {
    Action::new(|input: &PreviewInput| {
        let input = input.clone();
        crate::app::api::feeds::preview_feed(input.kind, input.source, input.mapping, input.editing)
    })
}

/// Progress and results of `preview`; nothing until it first runs.
#[component]
pub fn PreviewPanel(preview: Action<PreviewInput, Result<Preview, AppError>>) -> impl IntoView {
    let wait_secs = PREVIEW_WAIT_MS / 1000;
    let body = move || {
        if preview.pending().get() {
            return Some(EitherOf4::A(view! {
                <p role="status" class="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-300">
                    <span class="h-3 w-3 animate-ping motion-reduce:animate-none rounded-full bg-sky-500" aria-hidden="true"></span>
                    {format!("Waiting up to {wait_secs} s for messages…")}
                </p>
            }));
        }
        preview.value().get().map(|result| match result {
            Err(e) if !e.fields.is_empty() => EitherOf4::B(view! {
                <p role="alert" class="text-sm text-rose-700 dark:text-rose-300">
                    "Fix the highlighted fields, then preview again."
                </p>
            }),
            Err(e) => EitherOf4::C(view! { <ErrorAlert error=Signal::stored(Some(e)) /> }),
            Ok(p) => EitherOf4::D(view! { <Results preview=p wait_secs /> }),
        })
    };
    view! {
        <Show when=move || preview.pending().get() || preview.value().with(Option::is_some)>
            <section
                class="mt-6 space-y-3 border-t border-slate-200 pt-4 dark:border-slate-800"
                aria-labelledby="preview-heading"
                data-testid="preview"
            >
                <h3 id="preview-heading" class="font-medium">"Preview"</h3>
                <div aria-live="polite">{body}</div>
            </section>
        </Show>
    }
}

/// The note and messages of a finished preview.
#[component]
fn Results(preview: Preview, wait_secs: u64) -> impl IntoView {
    let count = preview.messages.len();
    let summary = match count {
        0 => format!("No messages arrived within {wait_secs} s. Publish something that matches, then preview again."),
        1 => "1 message arrived.".to_owned(),
        n => format!("{n} messages arrived."),
    };
    view! {
        {preview.note.map(|n| view! { <p class="text-sm text-amber-700 dark:text-amber-300">{n}</p> })}
        <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="preview-summary">{summary}</p>
        <ol class="space-y-3">
            {preview.messages.into_iter().enumerate().map(|(i, m)| view! { <Message index=i + 1 message=m /> }).collect_view()}
        </ol>
    }
}

/// One previewed message: raw payload beside the parsed value or the error.
#[component]
fn Message(index: usize, message: PreviewMessage) -> impl IntoView {
    let pre = "max-h-48 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-2 font-mono text-xs \
        dark:bg-slate-950";
    let label = "mb-1 text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400";
    let (badge, verdict) = match (message.parsed, message.error) {
        (Some(parsed), _) => {
            let json = serde_json::to_string_pretty(&parsed).unwrap_or_else(|_| parsed.to_string());
            let view = view! {
                <div>
                    <p class=label>"Parsed"</p>
                    <pre class=pre data-testid="preview-parsed">{json}</pre>
                </div>
            };
            (view! { <Badge text="parsed" tone=Tone::Good /> }, view.into_any())
        }
        (None, error) => {
            let view = view! {
                <div>
                    <p class=label>"Error"</p>
                    <p class="text-sm text-rose-700 dark:text-rose-300" data-testid="preview-error">
                        {error.unwrap_or_else(|| "not stored".to_owned())}
                    </p>
                </div>
            };
            (view! { <Badge text="would be rejected" tone=Tone::Bad /> }, view.into_any())
        }
    };
    view! {
        <li class="rounded-md border border-slate-200 p-3 dark:border-slate-800" data-testid="preview-message">
            <p class="mb-2 flex flex-wrap items-center gap-2 text-sm font-medium">
                {format!("Message {index}")}
                {badge}
                {message.origin.map(|origin| view! {
                    <span class="font-mono text-xs font-normal text-slate-600 dark:text-slate-300">{origin}</span>
                })}
            </p>
            <div class="grid gap-3 md:grid-cols-2">
                <div>
                    <p class=label>"Raw"</p>
                    <pre class=pre data-testid="preview-raw">{message.raw}</pre>
                </div>
                {verdict}
            </div>
        </li>
    }
}
