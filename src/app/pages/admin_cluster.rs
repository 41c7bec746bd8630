//! `/admin/cluster`: the nodes serving this feedboard, what each ingests
//! and serves, refreshed every few seconds.

use crate::{
    app::{
        api,
        components::{
            guard::RequireAdmin,
            poll::use_ticks,
            ui::{Card, ErrorAlert, Loading, PageHeader},
        },
    },
    model::{NodeInfo, time},
};
use leptos::prelude::*;
use leptos_meta::Title;
use std::time::Duration;

/// The cluster page (admins only).
#[component]
pub fn AdminClusterPage() -> impl IntoView {
    view! {
        <Title text="Cluster" />
        <RequireAdmin>
            <NodeList />
        </RequireAdmin>
    }
}

#[component]
fn NodeList() -> impl IntoView {
    let ticks = use_ticks(Duration::from_secs(3));
    let nodes = Resource::new(move || ticks.get(), |_| api::cluster_info());
    view! {
        <PageHeader
            title="Cluster"
            subtitle="Every feedboard node on this database. Each feed is ingested by one node; viewers may use any."
        />
        <Card>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match nodes.await {
                        Err(e) => view! { <ErrorAlert error=Signal::stored(Some(e)) /> }.into_any(),
                        Ok(info) => view! {
                            <table class="w-full text-left text-sm">
                                <thead class="text-xs uppercase text-slate-500 dark:text-slate-400">
                                    <tr>
                                        <th class="py-2">"Node"</th>
                                        <th class="py-2">"Started"</th>
                                        <th class="py-2">"Ingests"</th>
                                        <th class="py-2 pl-6 text-right">"Live subscriptions"</th>
                                        <th class="py-2 pl-6 text-right">"Rooms"</th>
                                        <th class="py-2 pl-6">"Other nodes' commits"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {info.nodes.into_iter().map(|node| view! { <NodeRow node /> }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
        </Card>
    }
}

#[component]
fn NodeRow(node: NodeInfo) -> impl IntoView {
    let feeds = if node.feeds.is_empty() { "none (standby)".to_owned() } else { node.feeds.join(", ") };
    let (lag_class, lag) = match node.stats.behind {
        0 => ("text-emerald-700 dark:text-emerald-400", "caught up".to_owned()),
        n => ("text-amber-700 dark:text-amber-400", format!("catching up on {n} feed(s)")),
    };
    view! {
        <tr class="border-t border-slate-100 align-top dark:border-slate-800" data-testid="node-row" data-node=node.id.clone()>
            <td class="py-2 font-medium">
                {node.id.clone()}
                {node.this_node.then(|| view! {
                    <span class="ml-2 rounded bg-sky-100 px-1.5 py-0.5 text-xs text-sky-800 dark:bg-sky-900 dark:text-sky-200">
                        "this page's node"
                    </span>
                })}
            </td>
            <td class="py-2 pr-6 text-slate-600 dark:text-slate-400">
                <time datetime=time::format(&node.started_at)>{time::format(&node.started_at)}</time>
            </td>
            <td class="py-2" data-testid="node-feeds">{feeds}</td>
            <td class="py-2 pl-6 text-right tabular-nums">{node.stats.live_subscriptions}</td>
            <td class="py-2 pl-6 text-right tabular-nums">{node.stats.ws_rooms}</td>
            <td class=format!("py-2 pl-6 {lag_class}")>{lag}</td>
        </tr>
    }
}
