//! `/admin/users`: create users and change their roles.

use crate::{
    app::{
        api::{self, CreateUser, SetUserRole},
        components::{
            guard::RequireAdmin,
            ui::{BUTTON_PRIMARY, Card, ErrorAlert, Field, INPUT, Loading, PageHeader},
        },
    },
    model::{Role, UserInfo},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// The user management page (admins only).
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <Title text="Users" />
        <RequireAdmin>
            <UserManagement />
        </RequireAdmin>
    }
}

#[component]
fn UserManagement() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let users = Resource::new(move || (create.version().get(), set_role.version().get()), |_| api::list_users());
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let field_error = move |name: &'static str| {
        Signal::derive(move || create_error.get().and_then(|e| e.field(name).map(str::to_owned)))
    };
    let role_error = Signal::derive(move || set_role.value().get().and_then(Result::err));
    view! {
        <PageHeader title="Users" subtitle="Viewers watch dashboards and chat; admins also manage feeds and users." />
        <div class="grid gap-6 lg:grid-cols-3">
            <Card class="lg:col-span-2">
                <h2 class="mb-3 font-medium">"All users"</h2>
                <ErrorAlert error=role_error />
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        users.await.map(|list| view! {
                            <table class="w-full text-left text-sm">
                                <thead class="text-xs uppercase text-slate-500">
                                    <tr><th class="py-2">"Username"</th><th class="py-2">"Role"</th></tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|u| view! { <UserRow user=u set_role /> }).collect_view()}
                                </tbody>
                            </table>
                        })
                    })}
                </Transition>
            </Card>
            <Card>
                <h2 class="mb-3 font-medium">"Add a user"</h2>
                <ActionForm action=create attr:class="space-y-3" attr:data-testid="create-user-form">
                    <Field label="Username" name="username" required=true error=field_error("username") />
                    <Field label="Password" name="password" kind="password" autocomplete="new-password" required=true error=field_error("password") />
                    <div class="space-y-1">
                        <label for="new-role" class="block text-sm font-medium">"Role"</label>
                        <select id="new-role" name="role" class=INPUT>
                            <option value="viewer">"viewer"</option>
                            <option value="admin">"admin"</option>
                        </select>
                    </div>
                    {move || create_error.get().filter(|e| e.fields.is_empty()).map(|e| view! { <ErrorAlert error=Signal::stored(Some(e)) /> })}
                    {move || create.value().get().and_then(Result::ok).map(|u| view! {
                        <p role="status" class="text-sm text-emerald-700 dark:text-emerald-400">{format!("Created {}.", u.username)}</p>
                    })}
                    <button type="submit" class=BUTTON_PRIMARY disabled=create.pending()>"Create user"</button>
                </ActionForm>
            </Card>
        </div>
    }
}

#[component]
fn UserRow(user: UserInfo, set_role: ServerAction<SetUserRole>) -> impl IntoView {
    let username = user.username.clone();
    let on_change = move |ev: leptos::ev::Event| {
        if let Ok(role) = event_target_value(&ev).parse::<Role>() {
            set_role.dispatch(SetUserRole { username: username.clone(), role });
        }
    };
    let select_id = format!("role-{}", user.username);
    view! {
        <tr class="border-t border-slate-100 dark:border-slate-800" data-testid="user-row" data-username=user.username.clone()>
            <td class="py-2 font-medium">{user.username.clone()}</td>
            <td class="py-2">
                <label for=select_id.clone() class="sr-only">{format!("Role of {}", user.username)}</label>
                <select id=select_id class=format!("{INPUT} w-32") on:change=on_change>
                    <option value="viewer" selected=user.role == Role::Viewer>"viewer"</option>
                    <option value="admin" selected=user.role == Role::Admin>"admin"</option>
                </select>
            </td>
        </tr>
    }
}
