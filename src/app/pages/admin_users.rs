//! `/admin/users`: create users, change their roles, reset their
//! passwords, delete them.

use crate::{
    app::{
        api::{self, CreateUser, DeleteUser, ResetUserPassword, SetUserRole},
        components::{
            guard::RequireAdmin,
            ui::{
                BUTTON_PRIMARY, BUTTON_SECONDARY, Card, ConfirmButton, ErrorAlert, Field, INPUT, Loading, PageHeader,
            },
        },
    },
    error::AppError,
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

/// The actions a row of the user list can take.
#[derive(Clone, Copy)]
struct RowActions {
    set_role: ServerAction<SetUserRole>,
    reset: ServerAction<ResetUserPassword>,
    delete: ServerAction<DeleteUser>,
}

#[component]
fn UserManagement() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let actions = RowActions {
        set_role: ServerAction::<SetUserRole>::new(),
        reset: ServerAction::<ResetUserPassword>::new(),
        delete: ServerAction::<DeleteUser>::new(),
    };
    let users = Resource::new(
        move || (create.version().get(), actions.set_role.version().get(), actions.delete.version().get()),
        |_| api::list_users(),
    );
    let create_error = Signal::derive(move || create.value().get().and_then(Result::err));
    let field_error = move |name: &'static str| {
        Signal::derive(move || create_error.get().and_then(|e| e.field(name).map(str::to_owned)))
    };
    // The latest failure of any row action, shown above the list.
    let row_error = Signal::derive(move || {
        let errors: [Option<AppError>; 3] = [
            actions.set_role.value().get().and_then(Result::err),
            actions.reset.value().get().and_then(Result::err),
            actions.delete.value().get().and_then(Result::err),
        ];
        errors.into_iter().flatten().next()
    });
    let reset_done = move || {
        actions.reset.value().get().and_then(Result::ok).map(|u| {
            view! {
                <p role="status" class="mb-2 text-sm text-emerald-700 dark:text-emerald-400">
                    {format!("New password set for {}; their sessions were signed out.", u.username)}
                </p>
            }
        })
    };
    view! {
        <PageHeader title="Users" subtitle="Viewers watch dashboards and chat; admins also manage feeds and users." />
        <div class="grid gap-6 lg:grid-cols-3">
            <Card class="lg:col-span-2">
                <h2 class="mb-3 font-medium">"All users"</h2>
                <ErrorAlert error=row_error />
                {reset_done}
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        users.await.map(|list| view! {
                            <table class="w-full text-left text-sm">
                                <thead class="text-xs uppercase text-slate-500 dark:text-slate-400">
                                    <tr>
                                        <th class="py-2">"Username"</th>
                                        <th class="py-2">"Role"</th>
                                        <th class="py-2"><span class="sr-only">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|u| view! { <UserRow user=u actions /> }).collect_view()}
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
fn UserRow(user: UserInfo, actions: RowActions) -> impl IntoView {
    let username = StoredValue::new(user.username.clone());
    let on_change = move |ev: leptos::ev::Event| {
        if let Ok(role) = event_target_value(&ev).parse::<Role>() {
            actions.set_role.dispatch(SetUserRole { username: username.get_value(), role });
        }
    };
    let select_id = format!("role-{}", user.username);
    let password_id = format!("reset-{}", user.username);
    let question = format!("Delete {}? Their chat messages and notes go too.", user.username);
    let password_label = format!("New password for {}", user.username);
    let form_username = user.username.clone();
    view! {
        <tr class="border-t border-slate-100 align-top dark:border-slate-800" data-testid="user-row" data-username=user.username.clone()>
            <td class="py-2 font-medium">{user.username.clone()}</td>
            <td class="py-2">
                <label for=select_id.clone() class="sr-only">{format!("Role of {}", user.username)}</label>
                <select id=select_id class=format!("{INPUT} w-32") on:change=on_change>
                    <option value="viewer" selected=user.role == Role::Viewer>"viewer"</option>
                    <option value="admin" selected=user.role == Role::Admin>"admin"</option>
                </select>
            </td>
            <td class="py-2">
                <div class="flex flex-wrap items-start justify-end gap-2">
                    <details class="group" data-testid="user-reset-password">
                        <summary class=format!("{BUTTON_SECONDARY} cursor-pointer list-none")>"Reset password"</summary>
                        <ActionForm action=actions.reset attr:class="mt-2 flex flex-wrap items-end gap-2">
                            <input type="hidden" name="username" value=form_username />
                            <div>
                                <label for=password_id.clone() class="block text-xs font-medium">
                                    {password_label}
                                </label>
                                <input id=password_id type="password" name="password" autocomplete="new-password"
                                    required=true minlength="8" class=format!("{INPUT} w-48") />
                            </div>
                            <button type="submit" class=BUTTON_PRIMARY disabled=actions.reset.pending()>"Set password"</button>
                        </ActionForm>
                    </details>
                    <span data-testid="user-delete">
                        <ConfirmButton
                            label="Delete"
                            question=question
                            confirm_label="Delete user"
                            pending=actions.delete.pending()
                            on_confirm=Callback::new(move |_| {
                                actions.delete.dispatch(DeleteUser { username: username.get_value() });
                            })
                        />
                    </span>
                </div>
            </td>
        </tr>
    }
}
