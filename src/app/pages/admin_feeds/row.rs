//! One feed in the admin list: where it reads from, its live status and
//! counters, and the actions on it (enable, edit, rejected, delete).

use super::{
    rejected::RejectedList,
    status::{Counters, LastError, StateBadge},
    storage::Kept,
};
use crate::{
    app::{
        api::feeds::{delete_feed, set_feed_enabled},
        components::ui::{BUTTON_SECONDARY, Badge, ConfirmButton, ErrorAlert, Toggle, Tone},
    },
    error::AppError,
    model::{Feed, MqttVersion, Source, TlsSettings, is_tls_url},
};
use leptos::prelude::*;
use std::collections::BTreeSet;

/// A feed as first loaded; `live` takes over once polling has it.
/// `on_edit` opens the form, `on_changed` asks for the list again at once
/// (after a switch or a delete); `open` says whether its rejected payloads show.
#[component]
pub fn FeedRow(
    feed: Feed,
    #[prop(into)] live: Signal<Option<Feed>>,
    open: OpenPanels,
    on_edit: Callback<String>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let name = feed.spec.name.clone();
    let kind = feed.spec.kind.as_str();
    let initial = feed;
    // Settings follow the polled list too: an edit shows without a reload.
    let current = Signal::derive(move || live.get().unwrap_or_else(|| initial.clone()));
    let source = Memo::new(move |_| current.with(|f| f.spec.source.clone()));
    let protocol = move || source.with(|s| s.protocol().to_uppercase());
    let status = Signal::derive(move || current.with(|f| f.status.clone()));
    let error = RwSignal::new(None::<AppError>);

    // The switch shows the requested state until the live status agrees.
    let wanted = RwSignal::new(None::<bool>);
    let enabled = Signal::derive(move || wanted.get().unwrap_or_else(|| current.with(|f| f.spec.enabled)));
    Effect::new(move |_| {
        if wanted.get().is_some_and(|w| current.with(|f| f.spec.enabled == w)) {
            wanted.set(None);
        }
    });
    let toggle = Action::new(move |(name, on): &(String, bool)| {
        let (name, on) = (name.clone(), *on);
        async move {
            match set_feed_enabled(name, on).await {
                Ok(_) => on_changed.run(()),
                Err(e) => {
                    wanted.set(None);
                    error.set(Some(e));
                }
            }
        }
    });
    let delete = Action::new(move |name: &String| {
        let name = name.clone();
        async move {
            match delete_feed(name).await {
                Ok(()) => on_changed.run(()),
                Err(e) => error.set(Some(e)),
            }
        }
    });

    let rejected_id = format!("rejected-{name}");
    let stored_name = StoredValue::new(name.clone());
    let show_rejected = Signal::derive(move || stored_name.with_value(|name| open.is_open(name)));
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900"
            data-testid="feed-row" data-feed=name.clone()>
            <div class="flex flex-wrap items-center gap-2">
                <h3 class="mr-1 font-semibold">{name.clone()}</h3>
                <Badge text=kind tone=Tone::Info />
                {move || view! { <Badge text=protocol() /> }}
                <span class="ml-auto flex items-center gap-2">
                    {move || status.with(|s| s.mqtt_version).map(|v| view! {
                        <span class="text-xs text-slate-600 dark:text-slate-300" data-testid="feed-protocol">
                            {format!("MQTT {}", v.as_str())}
                        </span>
                    })}
                    <StateBadge state=Signal::derive(move || status.with(|s| s.state)) />
                </span>
            </div>
            <div class="mt-3 grid gap-4 lg:grid-cols-2">
                <dl class="grid content-start gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
                    {move || source.with(source_details).into_iter().map(|(label, value)| view! {
                        <dt class="text-slate-500 dark:text-slate-400">{label}</dt>
                        {match value {
                            Setting::Given(value) => view! { <dd class="break-all font-mono text-xs sm:text-sm">{value}</dd> }.into_any(),
                            Setting::Default(text) => view! { <dd class="italic text-slate-500 dark:text-slate-400">{text}</dd> }.into_any(),
                        }}
                    }).collect_view()}
                </dl>
                <div class="space-y-2">
                    <Counters status />
                    <Kept retention=Signal::derive(move || current.with(|f| f.spec.retention))
                        storage=Signal::derive(move || current.with(|f| f.storage.clone())) />
                    <LastError status />
                    <ErrorAlert error />
                </div>
            </div>
            <div class="mt-3 flex flex-wrap items-center gap-2 border-t border-slate-100 pt-3 dark:border-slate-800">
                <Toggle label="Enabled" checked=enabled disabled=toggle.pending() on_change=Callback::new(move |on| {
                    wanted.set(Some(on));
                    toggle.dispatch((stored_name.get_value(), on));
                }) />
                <button type="button" class=BUTTON_SECONDARY aria-label=format!("Edit {name}")
                    on:click=move |_| on_edit.run(stored_name.get_value())>"Edit"</button>
                <button type="button" class=BUTTON_SECONDARY aria-expanded=move || show_rejected.get().to_string()
                    aria-controls=rejected_id.clone() on:click=move |_| stored_name.with_value(|name| open.toggle(name))>
                    "Rejected payloads"
                </button>
                <span class="sm:ml-auto">
                    <ConfirmButton label="Delete" question=format!("Delete {name} and all its stored messages?")
                        confirm_label="Delete feed" pending=delete.pending()
                        on_confirm=Callback::new(move |()| { delete.dispatch(stored_name.get_value()); }) />
                </span>
            </div>
            <Show when=move || show_rejected.get()>
                <RejectedList name=stored_name.get_value() id=rejected_id.clone() />
            </Show>
        </li>
    }
}

/// The rows whose rejected payloads are shown, kept by the page so that a
/// reload of the list (after a save, say) leaves them open.
#[derive(Clone, Copy, Default)]
pub struct OpenPanels(RwSignal<BTreeSet<String>>);

impl OpenPanels {
    fn is_open(&self, name: &str) -> bool {
        self.0.with(|open| open.contains(name))
    }

    fn toggle(&self, name: &str) {
        self.0.update(|open| {
            if !open.remove(name) {
                open.insert(name.to_owned());
            }
        });
    }
}

/// A source setting as the row shows it: its value, or what its default means.
enum Setting {
    Given(String),
    Default(&'static str),
}

impl Setting {
    fn or(value: Option<String>, default: &'static str) -> Setting {
        value.map_or(Setting::Default(default), Setting::Given)
    }
}

/// Label and value of each source setting, in reading order.
fn source_details(source: &Source) -> Vec<(&'static str, Setting)> {
    let given = |s: &String| Setting::Given(s.clone());
    let mut details = match source {
        Source::Mqtt { url, topic, mqtt_version, .. } => vec![
            ("URL", given(url)),
            ("Topic", given(topic)),
            (
                "MQTT version",
                match mqtt_version {
                    MqttVersion::Auto => Setting::Default("auto: 5, or 3.1.1 if the broker refuses 5"),
                    version => Setting::Given(version.as_str().to_owned()),
                },
            ),
        ],
        Source::Amqp { url, exchange, binding_key, queue, .. } => vec![
            ("URL", given(url)),
            ("Exchange", given(exchange)),
            ("Binding key", given(binding_key)),
            ("Queue", Setting::or(queue.clone(), "feedboard's own, named after the feed")),
        ],
    };
    if is_tls_url(source.url()) {
        details.push(("TLS", Setting::or(source.tls().and_then(tls_summary), "system roots, no client certificate")));
    }
    details
}

/// What a feed's TLS settings add to the defaults, in words.
fn tls_summary(tls: &TlsSettings) -> Option<String> {
    let parts: Vec<String> = [
        tls.ca().map(|_| "own CA".to_owned()),
        tls.client_cert().map(|_| "client certificate".to_owned()),
        tls.server_name().map(|name| format!("server name {name}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}
