//! The inline create/edit area of admin list pages: which item the form
//! shows, what was saved last, the button that opens a new form, and the
//! card the form sits in.

use super::ui::{BUTTON_PRIMARY, Card};
use leptos::prelude::*;

/// What the form area of a list page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Editing {
    /// No form open.
    Closed,
    /// The form for a new item.
    New,
    /// The form for the item with this name.
    Existing(String),
}

/// The state of a list page's form area.
#[derive(Clone, Copy)]
pub struct EditorState {
    /// Which form is open.
    pub editing: RwSignal<Editing>,
    /// The name of the item saved last, for a confirmation line.
    pub saved: RwSignal<Option<String>>,
    /// Goes up whenever the list changed; read it to reload the list.
    pub changed: RwSignal<u32>,
}

impl Default for EditorState {
    fn default() -> Self {
        EditorState { editing: RwSignal::new(Editing::Closed), saved: RwSignal::new(None), changed: RwSignal::new(0) }
    }
}

impl EditorState {
    /// Opens a form, dropping the last confirmation.
    pub fn open(&self, editing: Editing) {
        self.saved.set(None);
        self.editing.set(editing);
    }

    /// Closes the form.
    pub fn close(&self) {
        self.editing.set(Editing::Closed);
    }

    /// Closes the form after `name` was saved, and reloads the list.
    pub fn saved(&self, name: String) {
        self.close();
        self.saved.set(Some(name));
        self.list_changed();
    }

    /// Reloads the list.
    pub fn list_changed(&self) {
        self.changed.update(|n| *n += 1);
    }

    /// Whether no form is open (tracked).
    pub fn is_closed(&self) -> bool {
        self.editing.with(|e| *e == Editing::Closed)
    }
}

/// The page's button for a new item; hidden while a form is open.
#[component]
pub fn NewItemButton(state: EditorState, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <Show when=move || state.is_closed()>
            <button type="button" class=BUTTON_PRIMARY on:click=move |_| state.open(Editing::New)>{label.clone()}</button>
        </Show>
    }
}

/// A titled card holding a form; scrolls into view when it opens, so the
/// form is seen even when opened from far down the list.
#[component]
pub fn FormPanel(#[prop(into)] title: String, children: Children) -> impl IntoView {
    let panel = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            panel.scroll_into_view();
        }
    });
    view! {
        <div node_ref=panel class="mb-6 scroll-mt-28">
            <Card>
                <h2 class="mb-4 text-lg font-medium">{title}</h2>
                {children()}
            </Card>
        </div>
    }
}
