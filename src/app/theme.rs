//! Light/dark theme: follows the system until the user picks one, and the
//! choice persists in `localStorage`.

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
