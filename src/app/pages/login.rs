//! `/login`.

use crate::app::{
    Session,
    components::ui::{BUTTON_PRIMARY, Card, ErrorAlert, Field},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The sign-in form; works before hydration too (plain form post).
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = Signal::derive(move || session.login.value().get().and_then(Result::err));
    let pending = session.login.pending();
    view! {
        <Title text="Sign in" />
        <div class="mx-auto mt-8 max-w-sm">
            <Card>
                <h1 class="mb-4 text-xl font-semibold">"Sign in to feedboard"</h1>
                <ActionForm action=session.login attr:class="space-y-4" attr:data-testid="login-form">
                    <input type="hidden" name="next" value=next />
                    <Field label="Username" name="username" autocomplete="username" required=true />
                    <Field label="Password" name="password" kind="password" autocomplete="current-password" required=true />
                    <ErrorAlert error=error />
                    <button type="submit" class=format!("{BUTTON_PRIMARY} w-full") disabled=pending>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </Card>
        </div>
    }
}
