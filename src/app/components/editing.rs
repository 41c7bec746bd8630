//! The inline create/edit area of admin list pages: which item the form
//! shows, and the card it sits in.

use super::ui::Card;
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
