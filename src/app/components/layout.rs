//! The page frame: header with navigation, user menu and theme toggle.

use crate::app::Session;
use leptos::prelude::*;
use leptos_router::components::A;

/// Header plus the page's content.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <div class="flex min-h-screen flex-col">
            <Header />
            <main class="mx-auto w-full max-w-7xl flex-1 px-4 py-6 sm:px-6">{children()}</main>
        </div>
    }
}

#[component]
fn Header() -> impl IntoView {
    let session = expect_context::<Session>();
    let (menu_open, set_menu_open) = signal(false);
    let is_admin = move || session.current().is_some_and(|u| u.is_admin());
    let nav_link = "rounded-md px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 \
        aria-[current=page]:text-sky-700 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white \
        dark:aria-[current=page]:text-sky-400";
    view! {
        <header class="sticky top-0 z-20 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-950/90">
            <div class="mx-auto flex max-w-7xl flex-wrap items-center gap-2 px-4 py-2 sm:px-6">
                <a href="/" class="mr-4 flex items-center gap-2 font-semibold tracking-tight">
                    <img src="/favicon.svg" alt="" class="h-6 w-6" />
                    "feedboard"
                </a>
                <button
                    type="button"
                    class="ml-auto rounded-md p-2 sm:hidden"
                    aria-label="Menu"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| set_menu_open.update(|o| *o = !*o)
                >
                    "☰"
                </button>
                <nav
                    class=move || {
                        format!(
                            "w-full flex-col gap-1 sm:flex sm:w-auto sm:flex-row {}",
                            if menu_open.get() { "flex" } else { "hidden" },
                        )
                    }
                    aria-label="Main"
                >
                    <A href="/" attr:class=nav_link exact=true>"Dashboards"</A>
                    <Transition fallback=|| ()>
                        <Show when=is_admin>
                            <A href="/admin/feeds" attr:class=nav_link>"Feeds"</A>
                            <A href="/admin/dashboards" attr:class=nav_link>"Edit dashboards"</A>
                            <A href="/admin/alerts" attr:class=nav_link>"Alerts"</A>
                            <A href="/admin/users" attr:class=nav_link>"Users"</A>
                            <A href="/admin/cluster" attr:class=nav_link>"Cluster"</A>
                        </Show>
                    </Transition>
                </nav>
                <div class="ml-auto flex items-center gap-2">
                    <TimeZonePicker />
                    <ThemeToggle />
                    <UserMenu />
                </div>
            </div>
        </header>
    }
}

/// Sign-in link, or the user's name, role and a sign-out button.
#[component]
fn UserMenu() -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <Transition fallback=|| ()>
            {move || {
                session
                    .user
                    .get()
                    .map(|user| match user.ok().flatten() {
                        Some(user) => {
                            view! {
                                <div class="flex items-center gap-2 text-sm" data-testid="user-menu">
                                    <a href="/account" class="font-medium hover:underline" data-testid="user-name" title="Account: change your password">
                                        {user.username.clone()}
                                    </a>
                                    <super::ui::Badge text=user.role.to_string() tone=super::ui::Tone::of_role(user.role) />
                                    <ActionForm action=session.logout>
                                        <button type="submit" class=super::ui::BUTTON_SECONDARY data-testid="sign-out">
                                            "Sign out"
                                        </button>
                                    </ActionForm>
                                </div>
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                <a href="/login" class=super::ui::BUTTON_PRIMARY data-testid="sign-in">"Sign in"</a>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

/// Which time zone every time on the page is shown in (`timezone`).
#[component]
fn TimeZonePicker() -> impl IntoView {
    use crate::app::clock::{Clock, NAMED_ZONES, Zone};
    let clock = expect_context::<Clock>();
    let zones = [Zone::Browser, Zone::Utc].into_iter().chain(NAMED_ZONES.into_iter().map(Zone::Named));
    let option = move |zone: Zone| {
        let (text, key) = (zone.label(), zone.key());
        view! { <option value=key prop:selected=move || clock.zone.with(|z| *z == zone)>{text}</option> }
    };
    view! {
        <select
            data-testid="timezone"
            aria-label="Time zone"
            title="Time zone of every time shown"
            class="hidden rounded-md border border-slate-200 bg-transparent px-1 py-1 text-xs sm:block dark:border-slate-700 dark:bg-slate-900"
            on:change=move |ev| {
                if let Some(zone) = Zone::parse(&event_target_value(&ev)) {
                    clock.choose(zone);
                }
            }
        >
            {zones.map(option).collect_view()}
        </select>
    }
}

/// Switches between light and dark; the choice persists across visits.
#[component]
fn ThemeToggle() -> impl IntoView {
    let theme = expect_context::<crate::app::theme::Theme>();
    let dark = theme.dark;
    let toggle = move |_| theme.choose(!dark.get_untracked());
    view! {
        <button
            type="button"
            class="rounded-md p-2 text-lg leading-none hover:bg-slate-100 dark:hover:bg-slate-800"
            data-testid="theme-toggle"
            aria-pressed=move || dark.get().to_string()
            title=move || if dark.get() { "Switch to light theme" } else { "Switch to dark theme" }
            on:click=toggle
        >
            <span aria-hidden="true">{move || if dark.get() { "☀" } else { "☾" }}</span>
            <span class="sr-only">"Dark theme"</span>
        </button>
    }
}
