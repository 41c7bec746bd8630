//! The alert form, for a new rule and for changing one: name, feed, the
//! rule type with only its own fields, the webhook; the server's field
//! errors beside each input.

use super::draft::AlertDraft;
use crate::{
    app::{
        api::alerts::{create_alert, update_alert},
        components::ui::{BUTTON_SECONDARY, ErrorAlert, Field, Select, SubmitButton, Toggle, field_message},
    },
    error::AppError,
    model::{Alert, FeedKind, LogLevel},
};
use leptos::prelude::*;

/// A feed a rule may watch: name and kind.
pub type FeedChoice = (String, FeedKind);

/// Edits `original` (or a new rule when `None`); `on_saved` gets the saved
/// rule's name.
#[component]
pub fn AlertForm(
    original: Option<Alert>,
    feeds: Vec<FeedChoice>,
    on_saved: Callback<String>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let first_feed = feeds.first().map(|f| f.0.clone()).unwrap_or_default();
    let draft = AlertDraft::new(original.as_ref().map(|a| &a.spec), &first_feed);
    let id = original.map(|a| a.id);
    let local_error = RwSignal::new(None::<AppError>);
    let save = Action::new(move |draft: &AlertDraft| {
        let spec = draft.spec();
        async move {
            let spec = spec?;
            match id {
                None => create_alert(spec).await,
                Some(id) => update_alert(id, spec).await,
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            on_saved.run(saved.spec.name);
        }
    });
    let errors = Signal::derive(move || local_error.get().or_else(|| save.value().get().and_then(Result::err)));
    let general_error = Signal::derive(move || errors.get().filter(|e| e.fields.is_empty()));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        local_error.set(None);
        save.dispatch(draft);
    };
    let feed_kinds = StoredValue::new(feeds.clone());
    let feed_options =
        feeds.into_iter().map(|(name, kind)| (name.clone(), format!("{name} ({})", kind.as_str()))).collect();
    let kind_of_feed = move || {
        let feed = draft.feed.get();
        feed_kinds.with_value(|f| f.iter().find(|(name, _)| *name == feed).map(|(_, kind)| *kind))
    };
    // The rule types the chosen feed can have.
    let type_options = Signal::derive(move || {
        let ticks = [
            ("price_above", "Price above a level"),
            ("price_below", "Price below a level"),
            ("change_pct", "Moves by a percentage"),
        ];
        let logs = [("log_rate", "Many log lines at a level")];
        let mut options: Vec<(String, String)> = match kind_of_feed() {
            Some(FeedKind::Logs) => logs.iter().map(|(v, t)| (v.to_string(), t.to_string())).collect(),
            _ => ticks.iter().map(|(v, t)| (v.to_string(), t.to_string())).collect(),
        };
        options.push(("no_data".into(), "No data for a while".into()));
        options
    });
    // A feed of the other kind: offer its first type instead.
    Effect::new(move |_| {
        let options = type_options.get();
        if !options.iter().any(|(v, _)| *v == draft.kind.get_untracked()) {
            draft.kind.set(options[0].0.clone());
        }
    });
    let is = move |kinds: &'static [&'static str]| move || kinds.contains(&draft.kind.get().as_str());
    let levels: Vec<(String, String)> =
        LogLevel::ALL.iter().map(|l| (l.as_str().to_owned(), format!("{l} or worse"))).collect();
    view! {
        <form class="space-y-5" on:submit=on_submit novalidate=true data-testid="alert-form">
            <div class="grid gap-4 sm:grid-cols-2">
                <Field label="Name" name="name" value=draft.name required=true placeholder="AAPL above 190"
                    error=field_message(errors, "name") />
                <Select label="Feed" id="alert-feed" value=draft.feed options=Signal::stored(feed_options)
                    error=field_message(errors, "feed") />
                <Select label="When" id="alert-type" value=draft.kind options=type_options
                    error=field_message(errors, "rule.type") />
                <Show when=is(&["price_above", "price_below", "change_pct"])>
                    <Field label="Symbol" name="symbol" value=draft.symbol placeholder="AAPL"
                        error=field_message(errors, "rule.symbol") />
                </Show>
                <Show when=is(&["price_above", "price_below"])>
                    <Field label="Level" name="level" kind="number" value=draft.level placeholder="190"
                        error=field_message(errors, "rule.level") />
                </Show>
                <Show when=is(&["change_pct"])>
                    <Field label="Change (%)" name="pct" kind="number" value=draft.pct
                        hint="Up or down, against the first price in the window." error=field_message(errors, "rule.pct") />
                </Show>
                <Show when=is(&["log_rate"])>
                    <Select label="Level" id="alert-log-level" value=draft.log_level options=Signal::stored(levels.clone()) />
                    <Field label="Containing (optional)" name="q" value=draft.q placeholder="disk"
                        hint="Any case." error=field_message(errors, "rule.q") />
                    <Field label="Lines" name="count" kind="number" value=draft.count
                        error=field_message(errors, "rule.count") />
                </Show>
                <Show when=is(&["change_pct", "no_data", "log_rate"])>
                    <Field label="Window" name="window" value=draft.window placeholder="60s"
                        hint="A number and a unit: 30s, 5m, 1h." error=field_message(errors, "rule.window") />
                </Show>
                <Field label="Webhook (optional)" name="webhook_url" kind="url" value=draft.webhook_url
                    placeholder="https://example.com/hooks/feedboard"
                    hint="Each firing is POSTed here as JSON, retried until it is accepted, with an Idempotency-Key header."
                    error=field_message(errors, "webhook_url") />
            </div>
            <Toggle label="Enabled" checked=draft.enabled on_change=Callback::new(move |on| draft.enabled.set(on)) />
            <ErrorAlert error=general_error />
            <div class="flex flex-wrap gap-2">
                <SubmitButton pending=save.pending() label=if id.is_none() { "Create alert" } else { "Save changes" } />
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
}
