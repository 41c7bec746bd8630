//! A dashboard's alerts: a toast for each firing that arrives on the live
//! stream, a bell with the count not yet looked at and the newest firings
//! of the dashboard's feeds, and the firings the charts mark.

use crate::{
    app::{
        api::alerts::recent_firings,
        live::{FeedEvent, LiveStream},
    },
    model::Firing,
};
use leptos::prelude::*;

/// Toasts shown at once; older ones make room.
const MAX_TOASTS: usize = 3;
/// Firings the bell keeps.
const MAX_KEPT: usize = 100;
/// How long a toast stays unless dismissed.
const TOAST_MS: u64 = 10_000;

/// The page's firings: the newest first (loaded, then live).
#[derive(Clone, Copy)]
pub struct Alerts {
    pub firings: RwSignal<Vec<Firing>>,
    toasts: RwSignal<Vec<Firing>>,
    unread: RwSignal<usize>,
}

impl Alerts {
    /// The firings on `feed` of `symbol`, oldest first (what a chart marks).
    pub fn on_chart(&self, feed: &str, symbol: &str) -> Vec<Firing> {
        self.firings.with(|all| {
            all.iter().rev().filter(|f| f.feed == feed && f.symbol.as_deref() == Some(symbol)).cloned().collect()
        })
    }

    fn arrived(&self, firing: &Firing) {
        let known = self.firings.with_untracked(|all| all.iter().any(|f| f.id == firing.id));
        if known {
            return;
        }
        self.firings.update(|all| {
            all.insert(0, firing.clone());
            all.truncate(MAX_KEPT);
        });
        self.unread.update(|n| *n += 1);
        self.toasts.update(|toasts| {
            toasts.push(firing.clone());
            let excess = toasts.len().saturating_sub(MAX_TOASTS);
            toasts.drain(..excess);
        });
        let (id, toasts) = (firing.id, self.toasts);
        set_timeout(
            move || toasts.try_update(|t| t.retain(|f| f.id != id)).unwrap_or_default(),
            std::time::Duration::from_millis(TOAST_MS),
        );
    }

    fn dismiss(&self, id: i64) {
        self.toasts.update(|t| t.retain(|f| f.id != id));
    }
}

/// The page's [`Alerts`], if it shows a dashboard.
pub fn use_alerts() -> Option<Alerts> {
    use_context::<Alerts>()
}

/// Follows the firings of `feeds` on the page's live stream and provides
/// [`Alerts`] to `children`; shows the toasts.
#[component]
pub fn AlertsProvider(feeds: Vec<String>, children: Children) -> impl IntoView {
    let alerts =
        Alerts { firings: RwSignal::new(Vec::new()), toasts: RwSignal::new(Vec::new()), unread: RwSignal::new(0) };
    provide_context(alerts);
    let live = expect_context::<LiveStream>();
    for feed in &feeds {
        live.subscribe(feed, move |event| {
            if let FeedEvent::Alert(firing) = event {
                alerts.arrived(firing);
            }
        });
    }
    // The newest firings from before the page opened (browser only).
    let earlier = LocalResource::new(move || recent_firings(feeds.clone()));
    Effect::new(move |_| {
        if let Some(Ok(list)) = earlier.get() {
            alerts.firings.update(|all| {
                let live: Vec<Firing> = std::mem::take(all);
                let known: std::collections::HashSet<i64> = live.iter().map(|f| f.id).collect();
                *all = live.into_iter().chain(list.into_iter().filter(|f| !known.contains(&f.id))).collect();
                all.sort_by_key(|f| std::cmp::Reverse(f.id));
                all.truncate(MAX_KEPT);
            });
        }
    });
    view! {
        {children()}
        <div class="pointer-events-none fixed bottom-4 right-4 z-40 flex w-80 max-w-[calc(100vw-2rem)] flex-col gap-2" aria-live="assertive">
            <For each=move || alerts.toasts.get() key=|f| f.id let:firing>
                <Toast firing alerts />
            </For>
        </div>
    }
}

/// One firing, until dismissed or timed out.
#[component]
fn Toast(firing: Firing, alerts: Alerts) -> impl IntoView {
    let id = firing.id;
    view! {
        <div role="alert" data-testid="alert-toast"
            class="pointer-events-auto rounded-lg border border-rose-300 bg-white p-3 text-sm shadow-lg dark:border-rose-800 dark:bg-slate-900">
            <div class="flex items-start gap-2">
                <span aria-hidden="true" class="mt-0.5 text-rose-600 dark:text-rose-400">"▲"</span>
                <div class="min-w-0 flex-1">
                    <p class="font-semibold">{firing.alert_name.clone()}</p>
                    <p class="break-words text-slate-700 dark:text-slate-300">{firing.message.clone()}</p>
                    <p class="text-xs text-slate-600 dark:text-slate-400">{format!("{} · {}", firing.feed, local_time(&firing))}</p>
                </div>
                <button type="button" class="rounded px-1 text-slate-600 hover:bg-slate-100 dark:text-slate-400 dark:hover:bg-slate-800"
                    aria-label="Dismiss" on:click=move |_| alerts.dismiss(id)>"×"</button>
            </div>
        </div>
    }
}

/// When the firing's message was, in the page's time zone.
fn local_time(firing: &Firing) -> String {
    crate::app::clock::use_clock().at(firing.ts).format("%H:%M:%S").to_string()
}

/// The bell: how many firings arrived since the list was last opened, and
/// the list.
#[component]
pub fn AlertBell() -> impl IntoView {
    let Some(alerts) = use_alerts() else { return ().into_any() };
    let open = RwSignal::new(false);
    let toggle = move |_| {
        open.update(|o| *o = !*o);
        alerts.unread.set(0);
    };
    let label = move || match alerts.unread.get() {
        0 => "Alerts".to_owned(),
        n => format!("Alerts, {n} new"),
    };
    view! {
        <div class="relative">
            <button type="button" data-testid="alert-bell" aria-label=label aria-expanded=move || open.get().to_string()
                class="relative inline-flex items-center rounded-md border border-slate-200 px-2 py-1 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                on:click=toggle>
                <svg class="h-4 w-4" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
                    stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                    <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"></path>
                    <path d="M13.73 21a2 2 0 0 1-3.46 0"></path>
                </svg>
                <Show when=move || { alerts.unread.get() > 0 }>
                    <span data-testid="alert-unread" class="ml-1 rounded-full bg-rose-600 px-1.5 text-xs font-semibold text-white">
                        {move || alerts.unread.get()}
                    </span>
                </Show>
            </button>
            <Show when=move || open.get()>
                <div class="absolute right-0 z-30 mt-2 w-80 max-w-[calc(100vw-2rem)] rounded-lg border border-slate-200 bg-white p-2 shadow-lg dark:border-slate-700 dark:bg-slate-900"
                    on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
                    {move || {
                        let list = alerts.firings.get();
                        if list.is_empty() {
                            view! { <p class="p-2 text-sm text-slate-600 dark:text-slate-400">"No alerts have fired on these feeds."</p> }.into_any()
                        } else {
                            view! {
                                <ol class="max-h-80 divide-y divide-slate-100 overflow-y-auto text-sm dark:divide-slate-800" aria-label="Recent alerts">
                                    {list.into_iter().take(20).map(|f| view! {
                                        <li class="p-2">
                                            <p class="font-medium">{f.alert_name.clone()}</p>
                                            <p class="text-slate-700 dark:text-slate-300">{f.message.clone()}</p>
                                            <p class="text-xs text-slate-600 dark:text-slate-400">{format!("{} · {}", f.feed, local_time(&f))}</p>
                                        </li>
                                    }).collect_view()}
                                </ol>
                            }.into_any()
                        }
                    }}
                </div>
            </Show>
        </div>
    }
    .into_any()
}
