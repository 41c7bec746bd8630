//! `/admin/alerts`: the alert rules with their state and last firing, the
//! form to create and change them, silence, delete, and each rule's
//! firings (admins only).

mod draft;
mod form;

use crate::{
    app::{
        api::{
            alerts::{acknowledge_firing, alert_firings, delete_alert, list_alerts, silence_alert},
            feeds::list_feeds,
        },
        clock::ZonedTime,
        components::{
            editing::{Editing, EditorState, FormPanel, NewItemButton},
            guard::RequireAdmin,
            ui::{
                BUTTON_PRIMARY, BUTTON_SECONDARY, Badge, ConfirmButton, EmptyState, ErrorAlert, Loading, PageHeader,
                Tone,
            },
        },
    },
    error::AppError,
    model::{Alert, AlertState, Firing, MaxAge},
};
use form::{AlertForm, FeedChoice};
use leptos::{either::EitherOf3, prelude::*};
use leptos_meta::Title;

/// The alerts admin page (admins only).
#[component]
pub fn AdminAlertsPage() -> impl IntoView {
    view! {
        <Title text="Alerts" />
        <RequireAdmin>
            <AlertsAdmin />
        </RequireAdmin>
    }
}

#[component]
fn AlertsAdmin() -> impl IntoView {
    let editor = EditorState::default();
    let alerts = Resource::new(move || editor.changed.get(), |_| list_alerts());
    let on_saved = Callback::new(move |name: String| editor.saved(name));
    let row = RowCallbacks {
        on_edit: Callback::new(move |id: i64| editor.open(Editing::Existing(id.to_string()))),
        on_changed: Callback::new(move |()| editor.list_changed()),
    };
    view! {
        <PageHeader title="Alerts" subtitle="Rules over a feed, checked on the server as data is stored; each fires once per crossing.">
            <NewItemButton state=editor label="New alert" />
        </PageHeader>
        {move || editor.saved.get().map(|name| view! {
            <p role="status" class="mb-4 text-sm text-emerald-700 dark:text-emerald-400">{format!("Saved alert {name}.")}</p>
        })}
        {move || match editor.editing.get() {
            Editing::Closed => None,
            e => Some(view! { <EditorCard editor=e alerts on_saved on_close=Callback::new(move |()| editor.close()) /> }),
        }}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match alerts.await {
                    Err(e) => EitherOf3::A(view! { <ErrorAlert error=Signal::stored(Some(e)) /> }),
                    Ok(list) if list.is_empty() => EitherOf3::B(view! {
                        <EmptyState title="No alerts yet">
                            <p>"Get told when a price crosses a level, moves fast, a feed goes quiet, or errors pile up in a log."</p>
                            <button type="button" class=format!("{BUTTON_PRIMARY} mt-4") on:click=move |_| editor.open(Editing::New)>
                                "Create your first alert"
                            </button>
                        </EmptyState>
                    }),
                    Ok(list) => EitherOf3::C(view! {
                        <ul class="space-y-3" aria-label="Alerts">
                            {list.into_iter().map(|alert| view! { <AlertRow alert callbacks=row /> }).collect_view()}
                        </ul>
                    }),
                }
            })}
        </Transition>
    }
}

/// What each row can ask of the page.
#[derive(Clone, Copy)]
struct RowCallbacks {
    on_edit: Callback<i64>,
    on_changed: Callback<()>,
}

fn tone(state: AlertState) -> Tone {
    match state {
        AlertState::Ok => Tone::Good,
        AlertState::Firing => Tone::Bad,
        AlertState::Silenced => Tone::Warn,
        AlertState::Disabled => Tone::Neutral,
    }
}

/// One rule: name, feed, condition, state, last firing; edit, silence,
/// delete, and its firings on demand.
#[component]
fn AlertRow(alert: Alert, callbacks: RowCallbacks) -> impl IntoView {
    let id = alert.id;
    let error = RwSignal::new(None::<AppError>);
    let settle = move |result: Result<(), AppError>| match result {
        Ok(()) => callbacks.on_changed.run(()),
        Err(e) => error.set(Some(e)),
    };
    let delete = Action::new(move |_: &()| async move { settle(delete_alert(id).await) });
    let silence = Action::new(move |duration: &Option<MaxAge>| {
        let duration = *duration;
        async move { settle(silence_alert(id, duration).await.map(|_| ())) }
    });
    let show_firings = RwSignal::new(false);
    let name = alert.spec.name.clone();
    let silenced = alert.state == AlertState::Silenced;
    let both = alert.last_fired_at.is_some() && alert.silenced_until.is_some();
    let last = alert.last_fired_at.map(|t| view! { "last fired " <ZonedTime at=t /> });
    let until = alert.silenced_until.map(|t| view! { "silenced until " <ZonedTime at=t /> });
    let hook = alert.spec.webhook_url.is_some().then_some(" · webhook");
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900"
            data-testid="alert-row" data-alert=id.to_string()>
            <div class="flex flex-wrap items-center gap-x-4 gap-y-2">
                <div class="min-w-0 flex-1">
                    <h3 class="flex flex-wrap items-center gap-2 font-semibold">
                        {name.clone()}
                        <span data-testid="alert-state"><Badge text=alert.state.as_str() tone=tone(alert.state) /></span>
                    </h3>
                    <p class="text-sm text-slate-600 dark:text-slate-400">
                        <span class="font-mono">{alert.spec.feed.clone()}</span>" · "{alert.spec.rule.describe()}{hook}
                    </p>
                    <p class="text-xs text-slate-600 dark:text-slate-400">
                        {last}{both.then_some(" · ")}{until}
                    </p>
                </div>
                <div class="flex flex-wrap items-center gap-2">
                    <button type="button" class=BUTTON_SECONDARY aria-expanded=move || show_firings.get().to_string()
                        on:click=move |_| show_firings.update(|s| *s = !*s)>"Firings"</button>
                    <button type="button" class=BUTTON_SECONDARY aria-label=format!("Edit {name}")
                        on:click=move |_| callbacks.on_edit.run(id)>"Edit"</button>
                    {if silenced {
                        view! { <button type="button" class=BUTTON_SECONDARY disabled=silence.pending()
                            on:click=move |_| { silence.dispatch(None); }>"Unsilence"</button> }.into_any()
                    } else {
                        let hour = MaxAge::from_secs(3600);
                        view! { <button type="button" class=BUTTON_SECONDARY disabled=silence.pending()
                            on:click=move |_| { silence.dispatch(hour); }>"Silence 1h"</button> }.into_any()
                    }}
                    <ConfirmButton label="Delete" question=format!("Delete the alert {name} and its firings?")
                        confirm_label="Delete alert" pending=delete.pending()
                        on_confirm=Callback::new(move |()| { delete.dispatch(()); }) />
                </div>
            </div>
            <ErrorAlert error />
            <Show when=move || show_firings.get()>
                <Firings id />
            </Show>
        </li>
    }
}

/// A rule's newest firings.
#[component]
fn Firings(id: i64) -> impl IntoView {
    let firings = Resource::new(move || id, alert_firings);
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match firings.await {
                    Err(e) => EitherOf3::A(view! { <ErrorAlert error=Signal::stored(Some(e)) /> }),
                    Ok(list) if list.is_empty() => EitherOf3::B(view! {
                        <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">"It has not fired yet."</p>
                    }),
                    Ok(list) => EitherOf3::C(view! {
                        <ol class="mt-3 divide-y divide-slate-100 text-sm dark:divide-slate-800" aria-label="Firings">
                            {list.into_iter().map(|firing| view! { <FiringItem id firing /> }).collect_view()}
                        </ol>
                    }),
                }
            })}
        </Suspense>
    }
}

/// One firing: when, what, which messages; acknowledge it.
#[component]
fn FiringItem(id: i64, firing: Firing) -> impl IntoView {
    let shown = RwSignal::new(firing);
    let error = RwSignal::new(None::<AppError>);
    let acknowledge = Action::new(move |firing: &i64| {
        let firing = *firing;
        async move {
            match acknowledge_firing(id, firing).await {
                Ok(done) => shown.set(done),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    view! {
        <li class="flex flex-wrap items-center gap-x-3 gap-y-1 py-1.5" data-testid="alert-firing">
            {move || shown.with(|f| view! {
                <ZonedTime at=f.fired_at class="font-mono text-xs text-slate-600 dark:text-slate-400" />
                <span>{f.message.clone()}</span>
                <span class="text-xs text-slate-600 dark:text-slate-400">{format!("seq {}–{}", f.seq_from, f.seq_to)}</span>
            })}
            {move || match shown.with(|f| f.acknowledged_by.clone()) {
                Some(by) => view! { <span class="text-xs text-slate-600 dark:text-slate-400">{format!("acknowledged by {by}")}</span> }.into_any(),
                None => {
                    let firing = shown.with_untracked(|f| f.id);
                    view! {
                        <button type="button" class="text-xs font-medium text-sky-700 underline dark:text-sky-400"
                            disabled=acknowledge.pending() on:click=move |_| { acknowledge.dispatch(firing); }>"Acknowledge"</button>
                    }.into_any()
                }
            }}
            <ErrorAlert error />
        </li>
    }
}

/// The form for a new or an existing rule, once the feeds are loaded.
#[component]
fn EditorCard(
    editor: Editing,
    alerts: Resource<Result<Vec<Alert>, AppError>>,
    on_saved: Callback<String>,
    on_close: Callback<()>,
) -> impl IntoView {
    let id = match &editor {
        Editing::Existing(id) => id.parse::<i64>().ok(),
        _ => None,
    };
    let title = if id.is_some() { "Edit alert" } else { "New alert" };
    let feeds = Resource::new(|| (), |_| async { list_feeds().await });
    view! {
        <FormPanel title>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    let loaded: Result<(Option<Alert>, Vec<FeedChoice>), AppError> = async {
                        let original = match id {
                            Some(id) => alerts.await?.into_iter().find(|a| a.id == id),
                            None => None,
                        };
                        let feeds = feeds.await?.into_iter().map(|f| (f.spec.name, f.spec.kind)).collect();
                        Ok((original, feeds))
                    }.await;
                    match loaded {
                        Ok((_, feeds)) if feeds.is_empty() => view! {
                            <p class="text-sm">"Alerts watch a feed: "<a class="underline" href="/admin/feeds">"add a feed"</a>" first."</p>
                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_close.run(())>"Close"</button>
                        }.into_any(),
                        Ok((original, feeds)) => view! { <AlertForm original feeds on_saved on_cancel=on_close /> }.into_any(),
                        Err(e) => view! { <ErrorAlert error=Signal::stored(Some(e)) /> }.into_any(),
                    }
                })}
            </Suspense>
        </FormPanel>
    }
}
