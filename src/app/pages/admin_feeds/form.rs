//! The feed form, for a new feed and for changing one: name, kind, broker
//! settings for the chosen protocol, optional payload mapping, enabled
//! switch, plus the preview of live messages with the unsaved settings.

use super::{
    draft::{FeedDraft, mapping_label},
    preview::{PreviewInput, PreviewPanel, preview_action},
    retention::{self, describe},
    retention_field::RetentionField,
    tls_fields::ConnectionFields,
};
use crate::{
    app::{
        api::feeds::{create_feed, default_retention, update_feed},
        components::ui::{BUTTON_SECONDARY, ErrorAlert, Field, RadioGroup, SubmitButton, Toggle, field_message},
    },
    error::AppError,
    model::{FeedSpec, MappingField, PathSuggestion, Preview},
};
use leptos::prelude::*;

/// Edits `original` (or a new feed when `None`); `on_saved` gets the
/// saved feed's name, `on_cancel` closes the form.
#[component]
pub fn FeedForm(original: Option<FeedSpec>, on_saved: Callback<String>, on_cancel: Callback<()>) -> impl IntoView {
    let draft = FeedDraft::new(original.as_ref());
    let editing = StoredValue::new(original.map(|spec| spec.name));
    let is_new = editing.with_value(Option::is_none);
    // Field errors of the latest save or preview, whichever came last.
    let errors = RwSignal::new(None::<AppError>);
    let save = Action::new(move |spec: &FeedSpec| {
        let (spec, editing) = (spec.clone(), editing.get_value());
        async move {
            match editing {
                None => create_feed(spec).await,
                Some(name) => update_feed(name, spec).await,
            }
        }
    });
    let preview = preview_action();
    // Paths found in the previewed messages, offered by the mapping inputs.
    let suggestions = Signal::derive(move || {
        preview.value().with(|v| v.as_ref().and_then(|r| r.as_ref().ok()).map(Preview::path_suggestions))
    });
    // Results are handled in effects, once the action has settled: closing
    // the form from inside the action would dispose it mid-update.
    Effect::new(move |_| match save.value().get() {
        Some(Ok(feed)) => on_saved.run(feed.spec.name),
        Some(Err(e)) => errors.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(result) = preview.value().get() {
            errors.set(result.err());
        }
    });
    let errors = Signal::from(errors);
    let save_error = Signal::derive(move || save.value().get().and_then(Result::err).filter(|e| e.fields.is_empty()));
    let pending = save.pending();
    let custom_input = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        draft.keep.checked.set(true);
        match draft.spec() {
            Ok(spec) => {
                save.dispatch(spec);
            }
            // Only the custom duration is checked here; its error shows.
            Err(_) => {
                if let Some(input) = custom_input.get() {
                    let _ = input.focus();
                }
            }
        }
    };
    view! {
        <form class="space-y-5" on:submit=on_submit novalidate=true data-testid="feed-form">
            <div class="grid gap-4 sm:grid-cols-2">
                <Field
                    label="Name"
                    name="name"
                    value=draft.name
                    required=true
                    placeholder="us-stocks"
                    hint="Lowercase letters, digits and '-'; dashboards refer to the feed by it."
                    error=field_message(errors, "name")
                />
                <RadioGroup
                    label="Kind"
                    name="kind"
                    value=draft.kind
                    options=vec![("ticks", "Ticks"), ("logs", "Logs")]
                    disabled=!is_new
                    hint=if is_new {
                        "Ticks: symbol and price. Logs: JSON or plain text lines."
                    } else {
                        "The kind cannot change once a feed exists."
                    }
                />
            </div>
            <RadioGroup label="Protocol" name="protocol" value=draft.protocol options=vec![("mqtt", "MQTT"), ("amqp", "AMQP")] />
            <SourceFields draft errors />
            <ConnectionFields draft errors />
            <RetentionField keep=draft.keep default_label=is_new.then(default_label) custom_input
                server_error=Signal::derive(move || errors.with(|e| {
                    e.as_ref().and_then(|e| e.field(retention::FIELD).or_else(|| e.field("retention"))).map(str::to_owned)
                })) />
            <MappingFields draft errors suggestions />
            <Toggle label="Enabled" checked=draft.enabled on_change=Callback::new(move |on| draft.enabled.set(on)) />
            <ErrorAlert error=save_error />
            <div class="flex flex-wrap gap-2">
                <SubmitButton pending label=if is_new { "Create feed" } else { "Save changes" } />
                <button
                    type="button"
                    class=BUTTON_SECONDARY
                    disabled=preview.pending()
                    on:click=move |_| {
                        let (kind, source, mapping) = draft.settings();
                        preview.dispatch(PreviewInput { kind, source, mapping, editing: editing.get_value() });
                    }
                >
                    "Preview"
                </button>
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
        <PreviewPanel preview />
    }
}

/// "Default (30 days)" once the server said what its default is, else
/// "Server default".
fn default_label() -> Signal<String> {
    let default = LocalResource::new(default_retention);
    Signal::derive(move || match default.get() {
        Some(Ok(retention)) => format!("Default ({})", describe(retention)),
        _ => "Server default".to_owned(),
    })
}

/// One broker setting as the form shows it.
struct Setting {
    label: &'static str,
    /// The field name the server uses in its errors.
    field: &'static str,
    value: RwSignal<String>,
    placeholder: &'static str,
    hint: &'static str,
}

/// The broker settings of the chosen protocol, in form order.
fn settings(draft: &FeedDraft, amqp: bool) -> Vec<Setting> {
    let setting = |label, field, value, placeholder, hint| Setting { label, field, value, placeholder, hint };
    if amqp {
        vec![
            setting(
                "Broker URL",
                "source.url",
                draft.amqp_url,
                "",
                "amqp:// or amqps://; vhost last (%2f is '/'); a saved password shows as ********.",
            ),
            setting(
                "Exchange",
                "source.exchange",
                draft.exchange,
                "logs",
                "Used as it is if it exists, else created as a durable topic exchange.",
            ),
            setting(
                "Binding key",
                "source.binding_key",
                draft.binding_key,
                "app.#",
                "'*' matches one word, '#' any number.",
            ),
            setting(
                "Queue (optional)",
                "source.queue",
                draft.queue,
                "",
                "Empty: feedboard's own durable queue named after the feed.",
            ),
        ]
    } else {
        vec![
            setting(
                "Broker URL",
                "source.url",
                draft.mqtt_url,
                "",
                "mqtt://, mqtts://, ws:// or wss:// (with the path, e.g. /mqtt); user:password@ if needed; a saved password shows as ********.",
            ),
            setting("Topic filter", "source.topic", draft.topic, "ticks/#", "'+' matches one level, '#' all the rest."),
        ]
    }
}

/// The inputs for where messages come from: MQTT or AMQP settings.
#[component]
fn SourceFields(draft: FeedDraft, errors: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        let inputs = settings(&draft, draft.is_amqp()).into_iter().map(|s| {
            view! {
                <Field label=s.label name=s.field value=s.value placeholder=s.placeholder hint=s.hint
                    error=field_message(errors, s.field) />
            }
        });
        view! { <div class="grid gap-4 sm:grid-cols-2">{inputs.collect_view()}</div> }
    }
}

/// The payload field names, folded away unless set or at fault.
#[component]
fn MappingFields(
    draft: FeedDraft,
    errors: Signal<Option<AppError>>,
    suggestions: Signal<Option<Vec<PathSuggestion>>>,
) -> impl IntoView {
    let details = NodeRef::<leptos::html::Details>::new();
    let customised = MappingField::for_kind(untrack(|| draft.kind()))
        .iter()
        .any(|f| draft.mapping_input(*f).is_some_and(|s| !s.get_untracked().is_empty()));
    // Opens by itself when the server finds fault with a mapping field.
    Effect::new(move |_| {
        let at_fault =
            errors.with(|e| e.as_ref().is_some_and(|e| e.fields.iter().any(|f| f.field.starts_with("mapping."))));
        if at_fault && let Some(details) = details.get() {
            let _ = details.set_attribute("open", "");
        }
    });
    view! {
        <details node_ref=details open=customised class="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-800">
            <summary class="cursor-pointer text-sm font-medium">"Advanced: payload mapping"</summary>
            <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">
                "Where each value is: a field name (" <code>"px"</code> "), a JSON Pointer into nested data ("
                <code>"/data/last/px"</code> ") or a level of the topic (" <code>"topic[1]"</code>
                ", counted from 0). Numbers may be sent as strings; times as RFC 3339 or epoch s/ms/µs/ns. "
                "Leave a field empty to use its usual name."
                {move || suggestions.with(|s| s.as_ref().is_some_and(|s| !s.is_empty())).then_some(
                    " After a preview, each field offers the paths found in the messages."
                )}
            </p>
            <datalist id="mapping-paths" data-testid="mapping-paths">
                {move || suggestions.get().unwrap_or_default().into_iter().map(|s| view! {
                    <option value=s.path>{s.example}</option>
                }).collect_view()}
            </datalist>
            <div class="mt-3 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
                {move || {
                    MappingField::for_kind(draft.kind())
                        .iter()
                        .filter_map(|&field| {
                            let input = draft.mapping_input(field)?;
                            let name = format!("mapping.{field}");
                            Some(view! {
                                <Field label=mapping_label(field) name=name.clone() value=input placeholder=field.as_str()
                                    list="mapping-paths" error=field_message(errors, name) />
                            })
                        })
                        .collect_view()
                }}
            </div>
        </details>
    }
}
