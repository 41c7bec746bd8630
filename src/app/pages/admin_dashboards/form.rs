//! The dashboard form, for a new dashboard and for changing one: title,
//! slug and the widgets, with the server's field errors beside each input.

use super::{
    draft::DashboardDraft,
    widgets::{FeedChoice, WidgetList},
};
use crate::{
    app::{
        api::dashboards::{create_dashboard, update_dashboard},
        components::ui::{BUTTON_SECONDARY, ErrorAlert, Field, SubmitButton, field_message},
    },
    model::Dashboard,
};
use leptos::prelude::*;

/// Edits `original` (or a new dashboard when `None`) over the `feeds` that
/// exist; `on_saved` gets the saved dashboard's slug.
#[component]
pub fn DashboardForm(
    original: Option<Dashboard>,
    feeds: Vec<FeedChoice>,
    on_saved: Callback<String>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let draft = DashboardDraft::new(original.as_ref());
    let editing = original.map(|d| d.slug);
    let is_new = editing.is_none();
    let save = Action::new(move |dashboard: &Dashboard| {
        let (dashboard, editing) = (dashboard.clone(), editing.clone());
        async move {
            match editing {
                None => create_dashboard(dashboard).await,
                Some(slug) => update_dashboard(slug, dashboard).await,
            }
        }
    });
    // Closes the form once the action has settled, not from inside it.
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            on_saved.run(saved.slug);
        }
    });
    let errors = Signal::derive(move || save.value().get().and_then(Result::err));
    let general_error = Signal::derive(move || errors.get().filter(|e| e.fields.is_empty()));
    let pending = save.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(draft.dashboard());
    };
    view! {
        <form class="space-y-5" on:submit=on_submit novalidate=true data-testid="dashboard-form">
            <div class="grid gap-4 sm:grid-cols-2">
                <Field label="Title" name="title" value=draft.title required=true placeholder="Markets"
                    error=field_message(errors, "title") />
                <Field label="Slug" name="slug" value=draft.slug required=true placeholder="markets"
                    hint=Signal::derive(move || format!("Its address: /d/{}", draft.slug.get()))
                    error=field_message(errors, "slug") />
            </div>
            <WidgetList draft feeds=StoredValue::new(feeds) errors />
            <ErrorAlert error=general_error />
            <div class="flex flex-wrap gap-2">
                <SubmitButton pending label=if is_new { "Create dashboard" } else { "Save changes" } />
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
}
