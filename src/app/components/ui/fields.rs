//! Labelled form controls (input, drop-down, radio group) with their hint
//! or validation message, and the glue to the API's field errors.

use super::classes::INPUT;
use crate::error::AppError;
use leptos::prelude::*;

/// A labelled input with its validation message underneath. With `value`
/// the input is controlled by that signal (both ways); without it, it is a
/// plain form field read on submit (by its `name`).
#[component]
pub fn Field(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] autocomplete: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] error: Signal<Option<String>>,
    /// Keeps the input's text in this signal.
    #[prop(optional)]
    value: Option<RwSignal<String>>,
    /// The element id; `field-{name}` when not given.
    #[prop(optional, into)]
    id: Option<String>,
    /// Shown inside the empty input.
    #[prop(optional, into)]
    placeholder: Option<String>,
    /// A line of help under the input.
    #[prop(optional, into)]
    hint: MaybeProp<String>,
    #[prop(optional, into)] disabled: Signal<bool>,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional, into)]
    list: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let note_id = format!("{id}-note");
    // A plain field keeps its text in a signal of its own, so nothing that
    // updates the element (an error shown beside it) can blank it.
    let value = value.unwrap_or_else(|| RwSignal::new(String::new()));
    view! {
        <Labelled id=id.clone() label hint error>
            <input
                id=id
                name=name
                list=list
                type=kind
                autocomplete=autocomplete
                required=required
                placeholder=placeholder
                disabled=disabled
                class=INPUT
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=note_id
                prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </Labelled>
    }
}

/// A labelled multi-line input bound to `value` (PEM text and the like).
#[component]
pub fn TextArea(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    value: RwSignal<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional, into)] hint: MaybeProp<String>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let note_id = format!("{id}-note");
    view! {
        <Labelled id=id.clone() label hint error>
            <textarea
                id=id
                name=name
                rows="4"
                spellcheck="false"
                placeholder=placeholder
                class=format!("{INPUT} font-mono text-xs")
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=note_id
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
        </Labelled>
    }
}

/// A labelled drop-down bound to `value`; `options` are `(value, text)`
/// pairs. With `placeholder`, an empty first choice asks the user to pick.
#[component]
pub fn Select(
    #[prop(into)] label: String,
    #[prop(into)] id: String,
    value: RwSignal<String>,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional, into)] hint: MaybeProp<String>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let note_id = format!("{id}-note");
    let option = move |(v, text): (String, String)| {
        let current = v.clone();
        view! { <option value=v prop:selected=move || value.get() == current>{text}</option> }
    };
    view! {
        <Labelled id=id.clone() label hint error>
            <select
                id=id
                class=INPUT
                disabled=disabled
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=note_id
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                {placeholder.map(|p| option((String::new(), p)))}
                {move || options.get().into_iter().map(option).collect_view()}
            </select>
        </Labelled>
    }
}

/// A set of mutually exclusive choices shown side by side (radio buttons),
/// bound to `value`; `options` are `(value, text)` pairs.
#[component]
pub fn RadioGroup(
    #[prop(into)] label: String,
    /// The radio buttons' shared `name`.
    #[prop(into)]
    name: String,
    value: RwSignal<String>,
    options: Vec<(&'static str, &'static str)>,
    #[prop(optional, into)] hint: MaybeProp<String>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let note_id = format!("{name}-note");
    let choices = options
        .into_iter()
        .map(|(v, text)| {
            view! {
                <label class="inline-flex cursor-pointer items-center gap-2 rounded-md border border-slate-300 px-3 py-1.5 text-sm has-[:checked]:border-sky-500 has-[:checked]:bg-sky-50 has-[:disabled]:cursor-not-allowed has-[:disabled]:opacity-60 dark:border-slate-700 dark:has-[:checked]:bg-sky-950">
                    <input
                        type="radio"
                        name=name.clone()
                        value=v
                        class="accent-sky-600"
                        disabled=disabled
                        prop:checked=move || value.get() == v
                        on:change=move |_| value.set(v.to_owned())
                    />
                    {text}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="space-y-1" aria-describedby=note_id.clone()>
            <legend class="mb-1 block text-sm font-medium">{label}</legend>
            <div class="flex flex-wrap gap-2">{choices}</div>
            <FieldNote id=note_id.clone() hint error=Signal::stored(None) />
        </fieldset>
    }
}

/// A form control with its label above and its note (error or hint) below;
/// the control itself should point `aria-describedby` at `{id}-note`.
#[component]
fn Labelled(
    id: String,
    label: String,
    hint: MaybeProp<String>,
    error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            {children()}
            <FieldNote id=format!("{id}-note") hint error />
        </div>
    }
}

/// The line under a form control: its error when there is one, else its hint.
#[component]
fn FieldNote(id: String, hint: MaybeProp<String>, error: Signal<Option<String>>) -> impl IntoView {
    let (class, text) = (
        move || match error.with(Option::is_some) {
            true => "text-xs text-rose-600 dark:text-rose-400",
            false => "text-xs text-slate-500 dark:text-slate-400",
        },
        move || error.get().or_else(|| hint.get()),
    );
    view! {
        <Show when=move || text().is_some()>
            <p id=id.clone() class=class>{text}</p>
        </Show>
    }
}

/// The message for field `name` in `error`, ready for a control's `error`.
/// `name` may change, e.g. `widgets[2].feed` after a widget moved.
pub fn field_message(error: Signal<Option<AppError>>, name: impl Into<Signal<String>>) -> Signal<Option<String>> {
    let name = name.into();
    Signal::derive(move || name.with(|name| error.with(|e| e.as_ref().and_then(|e| e.field(name)).map(str::to_owned))))
}
