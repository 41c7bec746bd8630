//! The widget list of the dashboard form: add, remove and reorder widgets;
//! each picks a type, a feed of the kind that type shows, and for charts
//! an optional symbol.

use super::draft::{DashboardDraft, WidgetDraft};
use crate::{
    app::components::ui::{BUTTON_SECONDARY, Field, Select, field_message},
    error::AppError,
    model::{FeedKind, WidgetKind},
};
use leptos::prelude::*;

/// A feed a widget may show: its name and kind.
pub type FeedChoice = (String, FeedKind);

/// Every widget of `draft`, in order, with the button to add one.
#[component]
pub fn WidgetList(
    draft: DashboardDraft,
    feeds: StoredValue<Vec<FeedChoice>>,
    errors: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <section class="space-y-3" aria-labelledby="widgets-heading">
            <h3 id="widgets-heading" class="text-sm font-medium">"Widgets"</h3>
            {move || field_message(errors, "widgets").get().map(|e| view! {
                <p class="text-xs text-rose-600 dark:text-rose-400">{e}</p>
            })}
            <ol class="space-y-3">
                <For each=move || draft.widgets.get() key=|w| w.key let:widget>
                    <WidgetEditor draft widget feeds errors />
                </For>
            </ol>
            <Show when=move || draft.widgets.with(Vec::is_empty)>
                <p class="text-sm text-slate-600 dark:text-slate-400">"No widgets yet: the dashboard would be empty."</p>
            </Show>
            <button type="button" class=BUTTON_SECONDARY on:click=move |_| draft.add()>"Add widget"</button>
        </section>
    }
}

/// One widget's inputs and its move/remove buttons.
#[component]
fn WidgetEditor(
    draft: DashboardDraft,
    widget: WidgetDraft,
    feeds: StoredValue<Vec<FeedChoice>>,
    errors: Signal<Option<AppError>>,
) -> impl IntoView {
    let key = widget.key;
    let index = Signal::derive(move || draft.position(key).unwrap_or_default());
    let is_last = move || index.get() + 1 == draft.widgets.with(Vec::len);
    let number = move || index.get() + 1;
    let fitting = move |kind: WidgetKind| -> Vec<String> {
        feeds.with_value(|f| f.iter().filter(|(_, k)| kind.shows(*k)).map(|(n, _)| n.clone()).collect())
    };
    let options: Signal<Vec<(String, String)>> =
        Signal::derive(move || fitting(widget.kind()).into_iter().map(|n| (n.clone(), n)).collect());
    // A feed of the wrong kind for the chosen type is dropped.
    Effect::new(move |_| {
        let kind = widget.kind();
        if !fitting(kind).contains(&widget.feed.get_untracked()) {
            widget.feed.set(String::new());
        }
    });
    let feed_hint = Signal::derive(move || {
        let kind = widget.kind();
        let needs = if kind.shows(FeedKind::Logs) { FeedKind::Logs } else { FeedKind::Ticks }.as_str();
        if options.with(Vec::is_empty) {
            format!("No {needs} feed yet: add one under Feeds first.")
        } else {
            format!("A {} shows a {needs} feed.", type_label(kind).to_lowercase())
        }
    });
    let error_of = move |field: &'static str| {
        field_message(errors, Signal::derive(move || format!("widgets[{}].{field}", index.get())))
    };
    let id = move |part: &str| format!("widget-{key}-{part}");
    let width_options: Vec<(String, String)> = [("", "Default for the type"), ("half", "Half"), ("full", "Full width")]
        .map(|(value, label)| (value.to_owned(), label.to_owned()))
        .to_vec();
    let type_options: Vec<(String, String)> =
        WidgetKind::ALL.iter().map(|k| (k.as_str().to_owned(), type_label(*k).to_owned())).collect();
    view! {
        <li>
            <fieldset class="rounded-md border border-slate-200 p-3 dark:border-slate-800" data-testid="widget-editor">
                <legend class="px-1 text-sm font-medium">{move || format!("Widget {}", number())}</legend>
                <div class="grid gap-3 sm:grid-cols-3">
                    <Select label="Type" id=id("type") value=widget.kind options=type_options />
                    <Select label="Feed" id=id("feed") value=widget.feed options placeholder="Choose a feed…"
                        error=error_of("feed") hint=feed_hint />
                    <Select label="Width" id=id("width") value=widget.width options=width_options
                        hint="On wide screens; narrow ones show one widget a row." />
                    <Show when=move || widget.kind().needs_symbol()>
                        <Field label="Symbol (optional)" name="symbol" id=id("symbol") value=widget.symbol placeholder="AAPL"
                            hint=Signal::derive(move || symbol_hint(widget.kind()).to_owned()) error=error_of("symbol") />
                    </Show>
                </div>
                <div class="mt-3 flex flex-wrap gap-2">
                    <button type="button" class=BUTTON_SECONDARY disabled=move || index.get() == 0
                        aria-label=move || format!("Move widget {} up", number()) on:click=move |_| draft.shift(key, -1)>
                        "↑ Up"
                    </button>
                    <button type="button" class=BUTTON_SECONDARY disabled=is_last
                        aria-label=move || format!("Move widget {} down", number()) on:click=move |_| draft.shift(key, 1)>
                        "↓ Down"
                    </button>
                    <button type="button" class=BUTTON_SECONDARY
                        aria-label=move || format!("Remove widget {}", number()) on:click=move |_| draft.remove(key)>
                        "Remove"
                    </button>
                </div>
            </fieldset>
        </li>
    }
}

/// The help under the symbol input.
fn symbol_hint(kind: WidgetKind) -> &'static str {
    match kind {
        WidgetKind::Line => "Symbols separated by commas, e.g. AAPL,MSFT (at most 8).",
        _ => "Which symbol to show, e.g. AAPL.",
    }
}

/// What the form calls each widget type.
fn type_label(kind: WidgetKind) -> &'static str {
    match kind {
        WidgetKind::Ticker => "Ticker",
        WidgetKind::Chart => "Chart",
        WidgetKind::Log => "Log tail",
        WidgetKind::Table => "Table",
        WidgetKind::Stats => "Stats",
        WidgetKind::Histogram => "Level histogram",
        WidgetKind::Line => "Line chart",
    }
}
