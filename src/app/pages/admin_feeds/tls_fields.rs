//! The connection settings beyond the URL: the MQTT version, and for TLS
//! URLs (`mqtts`, `wss`, `amqps`) a private CA, a client certificate with
//! its key, and a server name.

use super::draft::FeedDraft;
use crate::{
    app::components::ui::{Field, RadioGroup, TextArea, field_message},
    error::AppError,
    model::{MqttVersion, PASSWORD_MASK, TlsSettings, is_tls_url},
};
use leptos::prelude::*;

/// The TLS inputs, as the controls hold them.
#[derive(Clone, Copy)]
pub struct TlsDraft {
    pub ca: RwSignal<String>,
    pub cert: RwSignal<String>,
    /// The stored key shows as the mask; sending it back keeps it.
    pub key: RwSignal<String>,
    pub server_name: RwSignal<String>,
}

impl TlsDraft {
    pub fn new() -> Self {
        let text = || RwSignal::new(String::new());
        TlsDraft { ca: text(), cert: text(), key: text(), server_name: text() }
    }

    pub fn load(&self, tls: Option<&TlsSettings>) {
        let or_empty = |s: Option<&str>| s.unwrap_or_default().to_owned();
        self.ca.set(or_empty(tls.and_then(TlsSettings::ca)));
        self.cert.set(or_empty(tls.and_then(TlsSettings::client_cert)));
        self.key.set(or_empty(tls.and_then(TlsSettings::client_key)));
        self.server_name.set(or_empty(tls.and_then(TlsSettings::server_name)));
    }

    /// The settings as entered (read without tracking); `None` when empty.
    pub fn settings(&self) -> Option<TlsSettings> {
        let given = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty());
        let tls = TlsSettings {
            ca_pem: given(self.ca),
            client_cert_pem: given(self.cert),
            client_key_pem: given(self.key),
            server_name: given(self.server_name),
        };
        (!tls.is_empty()).then_some(tls)
    }
}

/// The MQTT version choice (MQTT feeds) and the TLS settings (TLS URLs).
#[component]
pub fn ConnectionFields(draft: FeedDraft, errors: Signal<Option<AppError>>) -> impl IntoView {
    let versions = MqttVersion::ALL.map(|v| (v.as_str(), version_label(v))).to_vec();
    let tls_url = move || is_tls_url(&if draft.is_amqp() { draft.amqp_url.get() } else { draft.mqtt_url.get() });
    let tls = draft.tls;
    let key_hint = move || {
        if tls.key.get() == PASSWORD_MASK {
            "A key is stored (shown as ********); paste a new one to replace it.".to_owned()
        } else {
            "PEM, not encrypted; stored encrypted and never shown again.".to_owned()
        }
    };
    view! {
        <Show when=move || !draft.is_amqp()>
            <RadioGroup label="MQTT version" name="mqtt_version" value=draft.mqtt_version options=versions.clone()
                hint="Auto tries MQTT 5 and falls back to 3.1.1 when the broker refuses it." />
        </Show>
        <Show when=tls_url>
            <details class="rounded-md border border-slate-200 px-3 py-2 dark:border-slate-800"
                open=!untrack(|| tls.settings().is_none()) data-testid="tls-fields">
                <summary class="cursor-pointer text-sm font-medium">"TLS: own CA, client certificate"</summary>
                <div class="mt-3 grid gap-4 sm:grid-cols-2">
                    <TextArea label="CA certificates (optional)" name="source.tls.ca_pem" value=tls.ca
                        placeholder="-----BEGIN CERTIFICATE-----"
                        hint="PEM; trusted instead of the system's roots (a private CA)."
                        error=field_message(errors, "source.tls.ca_pem") />
                    <Field label="Server name (optional)" name="source.tls.server_name" value=tls.server_name
                        placeholder="broker.internal"
                        hint="The name the broker's certificate carries, when the URL uses another (e.g. an IP)."
                        error=field_message(errors, "source.tls.server_name") />
                    <TextArea label="Client certificate (optional)" name="source.tls.client_cert_pem" value=tls.cert
                        placeholder="-----BEGIN CERTIFICATE-----"
                        hint="PEM, leaf first; for brokers that require one (mutual TLS)."
                        error=field_message(errors, "source.tls.client_cert_pem") />
                    <TextArea label="Client key" name="source.tls.client_key_pem" value=tls.key
                        placeholder="-----BEGIN PRIVATE KEY-----" hint=Signal::derive(key_hint)
                        error=field_message(errors, "source.tls.client_key_pem") />
                </div>
                {move || field_message(errors, "source.tls").get().map(|message| view! {
                    <p class="mt-2 text-xs text-rose-600 dark:text-rose-400">{message}</p>
                })}
            </details>
        </Show>
    }
}

fn version_label(version: MqttVersion) -> &'static str {
    match version {
        MqttVersion::Auto => "Auto",
        MqttVersion::V5 => "5",
        MqttVersion::V311 => "3.1.1",
    }
}
