//! The feed form's "Keep history" control: a drop-down of named durations,
//! and a text input for a custom one, checked as it is typed once a save
//! was tried.

use super::retention::{CUSTOM, DEFAULT, FOREVER, KeepDraft, PRESETS};
use crate::app::components::ui::INPUT;
use leptos::{html::Input, prelude::*};

const SELECT_ID: &str = "field-retention";
const CUSTOM_ID: &str = "field-retention-custom";
const HINT_ID: &str = "field-retention-hint";
const CUSTOM_HINT_ID: &str = "field-retention-custom-hint";
const ERROR_ID: &str = "field-retention-error";

/// The "Keep history" control bound to `keep`. `default_label` adds the
/// choice that leaves the retention to the server (new feeds);
/// `server_error` is what the server said about the field; `custom_input`
/// lets the form focus the custom text when it is at fault.
#[component]
pub fn RetentionField(
    keep: KeepDraft,
    default_label: Option<Signal<String>>,
    #[prop(into)] server_error: Signal<Option<String>>,
    custom_input: NodeRef<Input>,
) -> impl IntoView {
    let error = Signal::derive(move || keep.error().or_else(|| server_error.get()));
    // The error, when there is one, stands in for the control's own hint.
    let described = move |own_hint: Option<&'static str>| {
        let first = if error.with(Option::is_some) { Some(ERROR_ID) } else { own_hint };
        first.into_iter().chain([HINT_ID]).collect::<Vec<_>>().join(" ")
    };
    // Under the custom input when it is shown, else under the drop-down.
    let note = move |under_custom: bool| {
        move || {
            let text = error.get().filter(|_| keep.is_custom() == under_custom)?;
            Some(view! {
                <p id=ERROR_ID class="text-xs text-rose-600 dark:text-rose-400" data-testid="retention-error">{text}</p>
            })
        }
    };
    let option = move |value: &'static str, text: Signal<String>| {
        view! { <option value=value prop:selected=move || keep.choice.with(|c| c == value)>{text}</option> }
    };
    let named = |text: &'static str| Signal::stored(text.to_owned());
    let choices = default_label
        .map(|label| option(DEFAULT, label))
        .into_iter()
        .chain(PRESETS.map(|(value, text)| option(value, named(text))))
        .chain([option(FOREVER, named("Forever")), option(CUSTOM, named("Custom…"))])
        .collect_view();
    let on_change = move |ev: leptos::ev::Event| {
        let choice = event_target_value(&ev);
        let custom = choice == CUSTOM;
        keep.choice.set(choice);
        if custom {
            // The input shows on the next render; the caret goes there then.
            request_animation_frame(move || {
                if let Some(input) = custom_input.get() {
                    let _ = input.focus();
                }
            });
        }
    };
    view! {
        <div class="space-y-1" data-testid="retention-field">
            <div class="grid gap-4 sm:grid-cols-2">
                <div class="space-y-1">
                    <label for=SELECT_ID class="block text-sm font-medium">"Keep history"</label>
                    <select id=SELECT_ID name="retention" class=INPUT on:change=on_change aria-describedby=move || described(None)
                        aria-invalid=move || (error.with(Option::is_some) && !keep.is_custom()).to_string()>
                        {choices}
                    </select>
                    {note(false)}
                </div>
                <Show when=move || keep.is_custom()>
                    <div class="space-y-1">
                        <label for=CUSTOM_ID class="block text-sm font-medium">"Custom duration"</label>
                        <input node_ref=custom_input id=CUSTOM_ID name="retention.custom" type="text" class=INPUT
                            placeholder="36h" autocomplete="off" spellcheck="false"
                            aria-invalid=move || error.with(Option::is_some).to_string()
                            aria-describedby=move || described(Some(CUSTOM_HINT_ID))
                            prop:value=move || keep.custom.get()
                            on:input=move |ev| keep.custom.set(event_target_value(&ev)) />
                        {note(true)}
                        <Show when=move || error.with(Option::is_none)>
                            <p id=CUSTOM_HINT_ID class="text-xs text-slate-500 dark:text-slate-400">
                                "A whole number and a unit: s, m, h or d (e.g. 36h, 14d)."
                            </p>
                        </Show>
                    </div>
                </Show>
            </div>
            <p id=HINT_ID class="text-xs text-slate-500 dark:text-slate-400">
                "Messages older than this leave history within a minute. Candles are kept ten times as long."
            </p>
        </div>
    }
}
