//! `/account`: the signed-in user changes their own password.

use crate::app::{
    Session,
    api::ChangePassword,
    components::{
        guard::RequireSignIn,
        ui::{Card, ErrorAlert, Field, PageHeader, SubmitButton},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The account page (signed-in users).
#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Account" />
        <RequireSignIn>
            <Account />
        </RequireSignIn>
    }
}

#[component]
fn Account() -> impl IntoView {
    let session = expect_context::<Session>();
    let change = ServerAction::<ChangePassword>::new();
    let error = Signal::derive(move || change.value().get().and_then(Result::err));
    let field_error =
        move |name: &'static str| Signal::derive(move || error.get().and_then(|e| e.field(name).map(str::to_owned)));
    let signed_in_as = move || {
        session
            .current()
            .map(|u| view! { <p class="mb-4 text-sm">{format!("Signed in as {} ({}).", u.username, u.role)}</p> })
    };
    view! {
        <PageHeader title="Account" subtitle="Your password; changing it signs out your other sessions." />
        {signed_in_as}
        <div class="max-w-md">
            <Card>
                <h2 class="mb-3 font-medium">"Change password"</h2>
                <ActionForm action=change attr:class="space-y-3" attr:data-testid="change-password-form">
                    <Field label="Current password" name="current" id="current-password" kind="password"
                        autocomplete="current-password" required=true error=field_error("current") />
                    <Field label="New password" name="new" id="new-password" kind="password"
                        autocomplete="new-password" required=true error=field_error("new")
                        hint="At least 8 characters." />
                    <Field label="Repeat the new password" name="confirm" id="confirm-password" kind="password"
                        autocomplete="new-password" required=true error=field_error("confirm") />
                    {move || error.get().filter(|e| e.fields.is_empty()).map(|e| view! { <ErrorAlert error=Signal::stored(Some(e)) /> })}
                    {move || change.value().get().and_then(Result::ok).map(|_| view! {
                        <p role="status" class="text-sm text-emerald-700 dark:text-emerald-400">
                            "Password changed. Your other sessions were signed out."
                        </p>
                    })}
                    <SubmitButton label="Change password" pending=change.pending() />
                </ActionForm>
            </Card>
        </div>
    }
}
