//! Access guards for pages: sign-in required, admin required.

use crate::app::Session;
use leptos::{either::EitherOf3, prelude::*};
use leptos_router::{components::Redirect, hooks::use_location};

/// Shows `children` to admins; sends anonymous visitors to sign in and
/// answers viewers with 403.
#[component]
pub fn RequireAdmin(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<Session>();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=super::ui::Loading>
            {move || Suspend::new(async move {
                let user = session.user.await.ok().flatten();
                match user {
                    Some(u) if u.is_admin() => EitherOf3::A(children.with_value(|c| c())),
                    Some(_) => {
                        set_status(403);
                        EitherOf3::B(view! { <Forbidden /> })
                    }
                    None => {
                        let next = location.pathname.get_untracked();
                        EitherOf3::C(view! { <Redirect path=format!("/login?next={next}") /> })
                    }
                }
            })}
        </Suspense>
    }
}

/// Shows `children` to signed-in users; sends anonymous visitors to sign
/// in first (and back here afterwards).
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<Session>();
    let location = use_location();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=super::ui::Loading>
            {move || Suspend::new(async move {
                match session.user.await.ok().flatten() {
                    Some(_) => leptos::either::Either::Left(children.with_value(|c| c())),
                    None => {
                        let next = location.pathname.get_untracked();
                        leptos::either::Either::Right(view! { <Redirect path=format!("/login?next={next}") /> })
                    }
                }
            })}
        </Suspense>
    }
}

/// The page a viewer sees on an admin page.
#[component]
fn Forbidden() -> impl IntoView {
    view! {
        <div class="mx-auto max-w-md py-16 text-center" data-testid="forbidden">
            <p class="text-5xl font-bold text-slate-300 dark:text-slate-700">"403"</p>
            <h1 class="mt-2 text-xl font-semibold">"Admins only"</h1>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                "Your account has the viewer role. Ask an admin if you need to manage feeds or users."
            </p>
            <a href="/" class="mt-6 inline-block text-sm text-sky-600 hover:underline">"Back to dashboards"</a>
        </div>
    }
}

/// Sets the HTTP status of the server-rendered response.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::from_u16(code).unwrap_or(axum::http::StatusCode::OK));
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
