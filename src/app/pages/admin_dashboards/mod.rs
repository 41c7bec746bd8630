//! `/admin/dashboards`: the list of dashboards and the form to create,
//! change and delete them (admins only).

mod draft;
mod form;
mod widgets;

use crate::{
    app::{
        api::{self, dashboards::delete_dashboard, feeds::list_feeds},
        components::{
            editing::{Editing, EditorState, FormPanel, NewItemButton},
            guard::RequireAdmin,
            ui::{BUTTON_PRIMARY, BUTTON_SECONDARY, ConfirmButton, EmptyState, ErrorAlert, Loading, PageHeader},
        },
    },
    error::AppError,
    model::{Dashboard, DashboardSummary},
};
use form::DashboardForm;
use leptos::{either::EitherOf3, prelude::*};
use leptos_meta::Title;
use widgets::FeedChoice;

/// The dashboards admin page (admins only).
#[component]
pub fn AdminDashboardsPage() -> impl IntoView {
    view! {
        <Title text="Edit dashboards" />
        <RequireAdmin>
            <DashboardsAdmin />
        </RequireAdmin>
    }
}

#[component]
fn DashboardsAdmin() -> impl IntoView {
    let editor = EditorState::default();
    let dashboards = Resource::new(move || editor.changed.get(), |_| api::list_dashboards());
    let on_saved = Callback::new(move |slug: String| editor.saved(slug));
    let row = RowCallbacks {
        on_edit: Callback::new(move |slug| editor.open(Editing::Existing(slug))),
        on_deleted: Callback::new(move |()| editor.list_changed()),
    };
    view! {
        <PageHeader title="Edit dashboards" subtitle="Each dashboard is a set of widgets over feeds, at its own address.">
            <NewItemButton state=editor label="New dashboard" />
        </PageHeader>
        {move || editor.saved.get().map(|slug| view! {
            <p role="status" class="mb-4 text-sm text-emerald-700 dark:text-emerald-400">
                {format!("Saved dashboard {slug}. ")}
                <a class="font-medium underline" href=format!("/d/{slug}")>"Open it"</a>
            </p>
        })}
        {move || match editor.editing.get() {
            Editing::Closed => None,
            e => Some(view! { <EditorCard editor=e on_saved on_close=Callback::new(move |()| editor.close()) /> }),
        }}
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match dashboards.await {
                    Err(e) => EitherOf3::A(view! { <ErrorAlert error=Signal::stored(Some(e)) /> }),
                    Ok(list) if list.is_empty() => EitherOf3::B(view! {
                        <EmptyState title="No dashboards yet">
                            <p>"Give it a title, then add ticker, chart or log tail widgets over your feeds."</p>
                            <button type="button" class=format!("{BUTTON_PRIMARY} mt-4") on:click=move |_| editor.open(Editing::New)>
                                "Create your first dashboard"
                            </button>
                        </EmptyState>
                    }),
                    Ok(list) => EitherOf3::C(view! {
                        <ul class="space-y-3" aria-label="Dashboards">
                            {list.into_iter().map(|d| view! { <DashboardRow dashboard=d callbacks=row /> }).collect_view()}
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
    on_edit: Callback<String>,
    on_deleted: Callback<()>,
}

/// One dashboard: title, address, widget count; open, edit, delete.
#[component]
fn DashboardRow(dashboard: DashboardSummary, callbacks: RowCallbacks) -> impl IntoView {
    let slug = StoredValue::new(dashboard.slug.clone());
    let error = RwSignal::new(None::<AppError>);
    let delete = Action::new(move |slug: &String| {
        let slug = slug.clone();
        async move {
            match delete_dashboard(slug).await {
                Ok(()) => callbacks.on_deleted.run(()),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let href = format!("/d/{}", dashboard.slug);
    let widgets = match dashboard.widget_count {
        1 => "1 widget".to_owned(),
        n => format!("{n} widgets"),
    };
    view! {
        <li class="rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900"
            data-testid="dashboard-row" data-slug=dashboard.slug.clone()>
            <div class="flex flex-wrap items-center gap-x-4 gap-y-2">
                <div class="min-w-0 flex-1">
                    <h3 class="font-semibold">{dashboard.title.clone()}</h3>
                    <p class="text-sm text-slate-600 dark:text-slate-400">
                        <span class="font-mono">{href.clone()}</span>" · "{widgets}
                    </p>
                </div>
                <div class="flex flex-wrap items-center gap-2">
                    <a class=BUTTON_SECONDARY href=href aria-label=format!("Open {}", dashboard.title)>"Open"</a>
                    <button type="button" class=BUTTON_SECONDARY aria-label=format!("Edit {}", dashboard.title)
                        on:click=move |_| callbacks.on_edit.run(slug.get_value())>"Edit"</button>
                    <ConfirmButton label="Delete" question=format!("Delete the dashboard {}?", dashboard.title)
                        confirm_label="Delete dashboard" pending=delete.pending()
                        on_confirm=Callback::new(move |()| { delete.dispatch(slug.get_value()); }) />
                </div>
            </div>
            <ErrorAlert error />
        </li>
    }
}

/// The form for a new or an existing dashboard, once its data is loaded.
#[component]
fn EditorCard(editor: Editing, on_saved: Callback<String>, on_close: Callback<()>) -> impl IntoView {
    let (title, slug) = match editor {
        Editing::Existing(slug) => ("Edit dashboard", Some(slug)),
        _ => ("New dashboard", None),
    };
    let data = Resource::new(move || slug.clone(), load_form_data);
    view! {
        <FormPanel title>
            <Suspense fallback=Loading>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((original, feeds)) => view! { <DashboardForm original feeds on_saved on_cancel=on_close /> }.into_any(),
                        Err(e) => view! { <ErrorAlert error=Signal::stored(Some(e)) /> }.into_any(),
                    }
                })}
            </Suspense>
        </FormPanel>
    }
}

/// The dashboard to edit (if any) and the feeds its widgets may show.
async fn load_form_data(slug: Option<String>) -> Result<(Option<Dashboard>, Vec<FeedChoice>), AppError> {
    let original = match slug {
        Some(slug) => Some(api::get_dashboard(slug).await?),
        None => None,
    };
    let feeds = list_feeds().await?.into_iter().map(|f| (f.spec.name, f.spec.kind)).collect();
    Ok((original, feeds))
}
