//! Buttons with behaviour: on/off switch, submit with a busy state, and a
//! confirm-first button for what cannot be undone.

use super::classes::{BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY};
use leptos::prelude::*;

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
        let on = if checked.get() { "bg-sky-700" } else { "bg-slate-300 dark:bg-slate-700" };
        format!(
            "relative inline-block h-5 w-9 shrink-0 rounded-full transition-colors motion-reduce:transition-none {on}"
        )
    };
    let knob = move || {
        let at = if checked.get() { "translate-x-4" } else { "translate-x-0" };
        format!(
            "absolute left-0.5 top-0.5 h-4 w-4 rounded-full bg-white shadow transition-transform motion-reduce:transition-none {at}"
        )
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
