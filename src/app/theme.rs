//! Light/dark theme: follows the system (also when it changes while the
//! page is open) until the user picks one, and the choice persists in
//! `localStorage`. [`Theme`] tells components (the charts) which is shown.

use leptos::prelude::*;

/// Whether the page shows the dark theme, as a signal; provided by the app.
#[derive(Clone, Copy)]
pub struct Theme {
    pub dark: ReadSignal<bool>,
    set: WriteSignal<bool>,
}

impl Theme {
    /// Provides the page's theme: read from the page once hydrated, then
    /// kept in step with the system's setting while the user has not
    /// picked one.
    pub fn provide() -> Theme {
        let (dark, set) = signal(false);
        let theme = Theme { dark, set };
        provide_context(theme);
        Effect::new(move |_| {
            #[cfg(feature = "hydrate")]
            {
                set.set(is_dark());
                follow_system(theme);
            }
        });
        theme
    }

    /// Shows `dark` (or light) and remembers it as the user's choice.
    pub fn choose(self, dark: bool) {
        self.set.set(dark);
        #[cfg(feature = "hydrate")]
        set_dark(dark);
    }
}

/// Applies the system's light/dark changes while no choice is stored.
#[cfg(feature = "hydrate")]
fn follow_system(theme: Theme) {
    use wasm_bindgen::{JsCast, prelude::Closure};
    let Some(query) = web_sys::window().and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
    else {
        return;
    };
    let watched = query.clone();
    let listener = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |_| {
        let dark = watched.matches();
        let chosen = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item("theme").ok().flatten());
        if chosen.is_none() {
            if let Some(root) = root() {
                let _ = root.class_list().toggle_with_force("dark", dark);
            }
            theme.set.try_set(dark);
        }
    });
    let _ = query.add_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
    // The page lives as long as the app: the listener with it.
    listener.forget();
}

/// Runs in `<head>` before first paint so the page never flashes the wrong
/// theme. Static text: no user or feed data goes in here.
pub const BOOT_SCRIPT: &str = "(function(){try{var t=localStorage.getItem('theme');\
var d=t?t==='dark':window.matchMedia('(prefers-color-scheme: dark)').matches;\
document.documentElement.classList.toggle('dark',d);}catch(e){}})();";

/// Whether the page currently shows the dark theme.
#[cfg(feature = "hydrate")]
pub fn is_dark() -> bool {
    root().map(|r| r.class_list().contains("dark")).unwrap_or(false)
}

/// Switches the theme and remembers the choice.
#[cfg(feature = "hydrate")]
pub fn set_dark(dark: bool) {
    if let Some(root) = root() {
        let _ = root.class_list().toggle_with_force("dark", dark);
    }
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item("theme", if dark { "dark" } else { "light" });
    }
}

#[cfg(feature = "hydrate")]
fn root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}
