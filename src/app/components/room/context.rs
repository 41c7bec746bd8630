//! `RoomProvider` and the `RoomContext` it provides: one WebSocket per
//! dashboard page, its live state as signals, and the actions widgets call.

use super::state::{self, RoomError};
use crate::model::{
    Annotation, AnnotationTarget, ChatMessage, ClientMessage, ConnectionState, Presence, ServerMessage, check_text,
};
use leptos::prelude::*;
use std::collections::BTreeSet;

/// A dashboard room as the components see it; `Copy`, from [`use_room`].
#[derive(Clone, Copy)]
pub struct RoomContext {
    slug: StoredValue<String>,
    /// Who is here now.
    pub presence: RwSignal<Presence>,
    /// The chat, oldest first (the newest few hundred).
    pub chat: RwSignal<Vec<ChatMessage>>,
    /// Live annotations and replies, oldest first.
    pub annotations: RwSignal<Vec<Annotation>>,
    pub connection: RwSignal<ConnectionState>,
    /// The latest refusal from the server (or the browser's own checks).
    pub last_error: RwSignal<Option<RoomError>>,
    /// The chart point whose note dialog is open.
    pub point_dialog: RwSignal<Option<AnnotationTarget>>,
    deleted: StoredValue<BTreeSet<i64>>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    link: LinkStore,
}

/// The browser's socket, kept on the thread that made it.
#[cfg(feature = "hydrate")]
type LinkStore = StoredValue<super::socket::Link, LocalStorage>;
/// On the server there is no socket (the page renders, the browser
/// connects), and nothing thread-bound may be kept: SSR moves across threads.
#[cfg(not(feature = "hydrate"))]
type LinkStore = StoredValue<()>;

/// The room of the nearest [`RoomProvider`].
pub fn use_room() -> RoomContext {
    expect_context::<RoomContext>()
}

/// Connects this page to the room of dashboard `slug` and provides a
/// [`RoomContext`] to `children`. Reconnects with backoff and, after each
/// (re)connect, reloads the history so nothing said meanwhile is missed.
/// Also shows the note dialog a chart-point click opens.
#[component]
pub fn RoomProvider(#[prop(into)] slug: String, children: Children) -> impl IntoView {
    let room = RoomContext {
        slug: StoredValue::new(slug),
        presence: RwSignal::new(Presence::default()),
        chat: RwSignal::new(Vec::new()),
        annotations: RwSignal::new(Vec::new()),
        connection: RwSignal::new(ConnectionState::Connecting),
        last_error: RwSignal::new(None),
        point_dialog: RwSignal::new(None),
        deleted: StoredValue::new(BTreeSet::new()),
        #[cfg(feature = "hydrate")]
        link: StoredValue::new_local(Default::default()),
        #[cfg(not(feature = "hydrate"))]
        link: StoredValue::new(()),
    };
    provide_context(room);
    #[cfg(feature = "hydrate")]
    {
        super::extras::set_current_room(room);
        Effect::new(move |_| super::socket::start(room));
        // Cleanups run before the owner's values are dropped: the link is still there.
        on_cleanup(move || {
            room.link.try_with_value(super::socket::stop);
            super::extras::forget_room(room);
        });
    }
    view! {
        {children()}
        <super::extras::ChartPointDialog />
    }
}

impl RoomContext {
    /// The dashboard slug of this room.
    pub fn slug(&self) -> String {
        self.slug.get_value()
    }

    /// Says `text` in the room. `Err` carries what to tell the user when the
    /// browser refuses it before sending.
    pub fn send_chat(&self, text: &str) -> Result<(), String> {
        self.transmit(ClientMessage::Chat { dashboard: self.slug(), text: text.to_owned() }, Some(text))
    }

    /// Annotates a chart point or a log line.
    pub fn annotate(&self, target: AnnotationTarget, text: &str) -> Result<(), String> {
        self.transmit(ClientMessage::Annotate { dashboard: self.slug(), target, text: text.to_owned() }, Some(text))
    }

    /// Replies to the annotation `id`.
    pub fn reply(&self, id: i64, text: &str) -> Result<(), String> {
        self.transmit(ClientMessage::Reply { dashboard: self.slug(), parent_id: id, text: text.to_owned() }, Some(text))
    }

    /// Deletes the annotation `id` (and its replies).
    pub fn delete(&self, id: i64) -> Result<(), String> {
        self.transmit(ClientMessage::DeleteAnnotation { dashboard: self.slug(), id }, None)
    }

    /// Sends `message` after checking its `text` the way the server will.
    fn transmit(&self, message: ClientMessage, text: Option<&str>) -> Result<(), String> {
        if let Some(Err(e)) = text.map(check_text) {
            let error = RoomError {
                code: e.code(),
                message: e.to_string(),
                request: Some(message.kind().to_owned()),
                serial: 0,
            };
            return Err(error.describe());
        }
        if self.connection.get_untracked() != ConnectionState::Live {
            return Err("Not connected; reconnecting…".to_owned());
        }
        let json = serde_json::to_string(&message).map_err(|e| e.to_string())?;
        #[cfg(feature = "hydrate")]
        if self.link.with_value(|link| super::socket::send(link, &json)) {
            return Ok(());
        }
        let _ = json;
        Err("Not connected; reconnecting…".to_owned())
    }

    /// Applies one message from the server.
    pub fn apply(&self, message: ServerMessage) {
        let slug = self.slug();
        match message {
            ServerMessage::Chat(m) if m.dashboard == slug => {
                self.chat.try_update(|chat| state::merge_chat(chat, [m]));
            }
            ServerMessage::Annotation(a) if a.dashboard == slug && !self.is_deleted(a.id) => {
                self.annotations.try_update(|list| state::upsert_annotation(list, a));
            }
            ServerMessage::AnnotationDeleted { dashboard, id } if dashboard == slug => {
                let mut deleted = self.deleted.get_value();
                self.annotations.try_update(|list| state::remove_annotation(list, &mut deleted, id));
                self.deleted.set_value(deleted);
            }
            ServerMessage::Presence(p) if p.dashboard == slug => {
                self.presence.try_set(p);
            }
            ServerMessage::Error { code, message, request } => {
                let serial = self.last_error.get_untracked().map_or(1, |e| e.serial + 1);
                self.last_error.try_set(Some(RoomError { code, message, request, serial }));
            }
            _ => {}
        }
    }

    /// The socket behind this room.
    #[cfg(feature = "hydrate")]
    pub(super) fn link(&self) -> super::socket::Link {
        self.link.get_value()
    }

    fn is_deleted(&self, id: i64) -> bool {
        self.deleted.with_value(|d| d.contains(&id))
    }

    /// Loads what the room said while this page was not listening: the
    /// newest chat page at first, every message after the last one known
    /// after a reconnect; and a fresh snapshot of the annotations.
    pub async fn catch_up(self) {
        use super::api::{CHAT_PAGE, room_annotations, room_chat};
        let slug = self.slug();
        let mut after = self.chat.with_untracked(|c| c.last().map(|m| m.id));
        loop {
            let Ok(page) = room_chat(slug.clone(), after).await else { break };
            let full = page.len() as i64 >= CHAT_PAGE;
            after = page.last().map(|m| m.id).or(after);
            self.chat.try_update(|chat| state::merge_chat(chat, page));
            if !full || after.is_none() {
                break;
            }
        }
        if let Ok(snapshot) = room_annotations(slug).await {
            let deleted = self.deleted.get_value();
            self.annotations.try_update(|live| *live = state::merge_snapshot(live, snapshot, &deleted));
        }
    }

    /// Root notes on `target`, oldest first.
    pub fn notes_on(&self, target: &AnnotationTarget) -> Vec<Annotation> {
        self.annotations.with(|list| list.iter().filter(|a| state::is_root_on(a, target)).cloned().collect())
    }
}

/// The root annotations on points of `symbol` in `feed`, oldest first, for
/// a chart to draw as markers (their replies: `RoomContext::annotations`).
pub fn use_chart_annotations(feed: String, symbol: String) -> Signal<Vec<Annotation>> {
    let room = use_room();
    Signal::derive(move || {
        room.annotations.with(|list| {
            list.iter()
                .filter(|a| {
                    a.parent_id.is_none()
                        && matches!(&a.target, AnnotationTarget::Point { feed: f, symbol: s, .. } if *f == feed && *s == symbol)
                })
                .cloned()
                .collect()
        })
    })
}
