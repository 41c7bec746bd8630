//! `/`: the list of dashboards.

use crate::app::{
    Session, api,
    components::ui::{Card, EmptyState, ErrorAlert, Loading, PageHeader},
};
use leptos::{either::EitherOf3, prelude::*};
use leptos_meta::Title;

/// Lists dashboards; tells admins how to create the first one.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = expect_context::<Session>();
    let dashboards = Resource::new(|| (), |_| api::list_dashboards());
    view! {
        <Title text="Dashboards" />
        <PageHeader title="Dashboards" subtitle="Live views over your feeds." />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match dashboards.await {
                    Err(e) => EitherOf3::A(view! { <ErrorAlert error=Signal::stored(Some(e)) /> }),
                    Ok(list) if list.is_empty() => {
                        let is_admin = session.user.await.ok().flatten().is_some_and(|u| u.is_admin());
                        EitherOf3::B(view! {
                            <EmptyState title="No dashboards yet">
                                {if is_admin {
                                    view! {
                                        <span>"Add a feed in "<a class="text-sky-600 hover:underline" href="/admin/feeds">"Feeds"</a>
                                        ", then create a dashboard in "
                                        <a class="text-sky-600 hover:underline" href="/admin/dashboards">"Edit dashboards"</a>"."</span>
                                    }.into_any()
                                } else {
                                    view! { <span>"An admin has not created any dashboard yet."</span> }.into_any()
                                }}
                            </EmptyState>
                        })
                    }
                    Ok(list) => EitherOf3::C(view! {
                        <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="dashboard-list">
                            {list.into_iter().map(|d| view! {
                                <li>
                                    <a href=format!("/d/{}", d.slug) class="block" data-testid="dashboard-link">
                                        <Card class="hover:border-sky-400">
                                            <h2 class="font-medium">{d.title}</h2>
                                            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
                                                {format!("{} widget{}", d.widget_count, if d.widget_count == 1 { "" } else { "s" })}
                                            </p>
                                        </Card>
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                    }),
                }
            })}
        </Suspense>
    }
}
