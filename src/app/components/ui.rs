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
/// Classes for a button that destroys something.
pub const BUTTON_DANGER: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-rose-600 px-3 py-2 \
    text-sm font-medium text-white shadow-sm hover:bg-rose-500 disabled:cursor-not-allowed disabled:opacity-50";
/// Classes for text inputs and selects.
pub const INPUT: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm \
    shadow-sm placeholder:text-slate-400 focus:border-sky-500 disabled:cursor-not-allowed disabled:opacity-60 \
    aria-[invalid=true]:border-rose-500 dark:border-slate-700 dark:bg-slate-900";

/// A bordered panel.
#[component]
pub fn Card(children: Children, #[prop(optional, into)] class: String) -> impl IntoView {
    view! {
        <section class=format!(
            "rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900 {class}",
        )>{children()}</section>
    }
}

/// A page title with an optional line of explanation; `children`, if any,
/// are the page's main actions, shown to the right (below on narrow screens).
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: Option<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <header class="mb-6 flex flex-wrap items-start justify-between gap-3">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
                {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{s}</p> })}
            </div>
            {children.map(|actions| view! { <div class="flex flex-wrap gap-2">{actions()}</div> })}
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

/// A labelled input with its validation message underneath. With `value`
/// the input is controlled by that signal (both ways); without it, it is a
/// plain form field read on submit, which also works before hydration.
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
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("field-{name}"));
    let note_id = format!("{id}-note");
    view! {
        <Labelled id=id.clone() label hint error>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                placeholder=placeholder
                disabled=disabled
                class=INPUT
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=note_id
                prop:value=move || value.map(|v| v.get())
                on:input=move |ev| {
                    if let Some(v) = value {
                        v.set(event_target_value(&ev));
                    }
                }
            />
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

/// An on/off switch (`role="switch"`); `label` names it, visibly unless
/// `hide_label`. Clicking calls `on_change` with the new value.
#[component]
pub fn Toggle(
    #[prop(into)] label: String,
    #[prop(into)] checked: Signal<bool>,
    on_change: Callback<bool>,
    #[prop(optional)] hide_label: bool,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let track = move || {
        let on = if checked.get() { "bg-sky-600" } else { "bg-slate-300 dark:bg-slate-700" };
        format!("relative inline-block h-5 w-9 shrink-0 rounded-full transition-colors {on}")
    };
    let knob = move || {
        let at = if checked.get() { "translate-x-4" } else { "translate-x-0" };
        format!("absolute left-0.5 top-0.5 h-4 w-4 rounded-full bg-white shadow transition-transform {at}")
    };
    view! {
        <button
            type="button"
            role="switch"
            class="inline-flex items-center gap-2 rounded-md text-sm disabled:cursor-not-allowed disabled:opacity-50"
            aria-checked=move || checked.get().to_string()
            disabled=disabled
            on:click=move |_| on_change.run(!checked.get_untracked())
        >
            <span class=track aria-hidden="true"><span class=knob></span></span>
            <span class=if hide_label { "sr-only" } else { "font-medium" }>{label}</span>
        </button>
    }
}

/// A form's primary submit button; disabled and saying `busy_label`
/// while `pending`.
#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    #[prop(into)] pending: Signal<bool>,
    #[prop(default = "Saving…")] busy_label: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=BUTTON_PRIMARY disabled=pending>
            {move || if pending.get() { busy_label.to_owned() } else { label.clone() }}
        </button>
    }
}

/// A button for something that cannot be undone: the first click asks
/// `question`, and only `confirm_label` then calls `on_confirm`.
#[component]
pub fn ConfirmButton(
    #[prop(into)] label: String,
    #[prop(into)] question: String,
    #[prop(into)] confirm_label: String,
    on_confirm: Callback<()>,
    #[prop(optional, into)] pending: Signal<bool>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let confirm_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if asking.get()
            && let Some(button) = confirm_ref.get()
        {
            let _ = button.focus();
        }
    });
    let label = StoredValue::new(label);
    let question = StoredValue::new(question);
    let confirm_label = StoredValue::new(confirm_label);
    move || {
        if asking.get() {
            view! {
                <span role="group" aria-label=question.get_value() class="inline-flex flex-wrap items-center gap-2">
                    <span class="text-sm text-rose-700 dark:text-rose-300">{question.get_value()}</span>
                    <button
                        type="button"
                        node_ref=confirm_ref
                        class=BUTTON_DANGER
                        disabled=pending
                        on:click=move |_| on_confirm.run(())
                    >
                        {confirm_label.get_value()}
                    </button>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| asking.set(false)>"Cancel"</button>
                </span>
            }
            .into_any()
        } else {
            view! {
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| asking.set(true)>{label.get_value()}</button>
            }
                .into_any()
        }
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
