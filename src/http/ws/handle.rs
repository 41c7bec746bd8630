//! What the server does with each client message: parse, rate-limit,
//! authorize, persist, then broadcast to the room.

use super::{
    rooms::{Member, SocketId, encode},
    settings::RateKey,
};
use crate::{
    model::{AnnotationTarget, ClientMessage, Role, ServerMessage, TextError, WsErrorCode, check_text},
    server::AppState,
    store::{self, StoreError, dashboards::DashboardRow, users::UserRow},
};
use std::{collections::HashMap, net::IpAddr};

/// A refusal sent back to the socket as an `error` message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsError {
    pub code: WsErrorCode,
    pub message: String,
}

impl WsError {
    fn new(code: WsErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(WsErrorCode::BadRequest, message)
    }

    /// The `error` message for a failed client message of type `request`.
    pub fn into_message(self, request: Option<&str>) -> ServerMessage {
        ServerMessage::Error { code: self.code, message: self.message, request: request.map(str::to_owned) }
    }
}

impl From<StoreError> for WsError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => WsError::bad_request(format!("{what} not found")),
            StoreError::Conflict(what) => WsError::bad_request(format!("{what} already exists")),
            e @ (StoreError::Db(_) | StoreError::Fenced(_)) => {
                tracing::error!(error = %e, "storing a WebSocket message failed");
                WsError::new(WsErrorCode::Unavailable, "the message could not be stored; try again")
            }
        }
    }
}

impl From<TextError> for WsError {
    fn from(e: TextError) -> Self {
        WsError::new(e.code(), e.to_string())
    }
}

/// One socket's side of the conversation: who it is and which rooms it joined.
pub struct Conn {
    pub state: AppState,
    pub id: SocketId,
    pub user: Option<UserRow>,
    pub ip: IpAddr,
    /// How the rooms reach this socket.
    pub member: Member,
    /// The rooms joined, with the dashboard as it was when joining.
    pub joined: HashMap<String, DashboardRow>,
}

impl Conn {
    /// Handles one text frame; the error, if any, is for the sender only.
    pub async fn handle_text(&mut self, text: &str) {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(message) => message,
            Err(e) => return self.reply_error(WsError::bad_request(format!("not a valid message: {e}")), None),
        };
        metrics::counter!("feedboard_ws_messages_total", "direction" => "in", "type" => message.kind()).increment(1);
        if let Err(e) = self.handle(&message).await {
            self.reply_error(e, Some(message.kind()));
        }
    }

    /// Sends an `error` message to this socket alone.
    pub fn reply_error(&self, error: WsError, request: Option<&str>) {
        self.member.send(encode(&error.into_message(request)));
    }

    async fn handle(&mut self, message: &ClientMessage) -> Result<(), WsError> {
        let key = match (message, &self.user) {
            (ClientMessage::Join { .. } | ClientMessage::Leave { .. }, _) => RateKey::Socket(self.id),
            (_, Some(user)) => RateKey::User(user.id),
            (_, None) => RateKey::Ip(self.ip),
        };
        if let Err(wait) = self.state.rooms.limiter().check(&key) {
            metrics::counter!("feedboard_ws_rate_limited_total").increment(1);
            return Err(WsError::new(
                WsErrorCode::RateLimited,
                format!("too many messages; wait {:.1} s", wait.as_secs_f64()),
            ));
        }
        let slug = message.dashboard();
        match message {
            ClientMessage::Join { .. } => self.join(slug).await,
            ClientMessage::Leave { .. } => {
                if self.joined.remove(slug).is_some() {
                    self.state.rooms.leave(slug, self.id);
                }
                Ok(())
            }
            ClientMessage::Chat { text, .. } => {
                let (user, room) = self.writer_in(slug)?;
                check_text(text)?;
                let chat = store::chat::insert(&self.state.db, room.id, slug, user.id, &user.username, text).await?;
                self.state.rooms.broadcast(slug, &ServerMessage::Chat(chat));
                Ok(())
            }
            ClientMessage::Annotate { target, text, .. } => {
                let (user, room) = self.writer_in(slug)?;
                check_text(text)?;
                let feed_id = self.target_feed(room, target).await?;
                let annotation =
                    store::annotations::insert(&self.state.db, room.id, feed_id, target, user.id, text).await?;
                self.state.rooms.broadcast(slug, &ServerMessage::Annotation(annotation));
                Ok(())
            }
            ClientMessage::Reply { parent_id, text, .. } => {
                let (user, room) = self.writer_in(slug)?;
                check_text(text)?;
                let reply = store::annotations::reply(&self.state.db, room.id, *parent_id, user.id, text).await?;
                self.state.rooms.broadcast(slug, &ServerMessage::Annotation(reply));
                Ok(())
            }
            ClientMessage::DeleteAnnotation { id, .. } => {
                let (user, room) = self.writer_in(slug)?;
                let owner = store::annotations::ownership(&self.state.db, *id)
                    .await?
                    .filter(|o| o.dashboard_id == room.id)
                    .ok_or_else(|| WsError::bad_request(format!("annotation {id} not found in {slug:?}")))?;
                // The role may have changed since the socket opened: ask again.
                let is_admin =
                    store::users::by_id(&self.state.db, user.id).await?.is_some_and(|u| u.role() == Role::Admin);
                if owner.user_id != user.id && !is_admin {
                    return Err(WsError::new(
                        WsErrorCode::Forbidden,
                        "only its author or an admin may delete an annotation",
                    ));
                }
                store::annotations::delete(&self.state.db, *id).await?;
                self.state
                    .rooms
                    .broadcast(slug, &ServerMessage::AnnotationDeleted { dashboard: slug.to_owned(), id: *id });
                Ok(())
            }
        }
    }

    async fn join(&mut self, slug: &str) -> Result<(), WsError> {
        if !self.joined.contains_key(slug) && self.joined.len() >= self.state.rooms.settings().max_rooms {
            return Err(WsError::bad_request("in too many rooms at once; leave one first"));
        }
        let room = store::dashboards::by_slug(&self.state.db, slug)
            .await?
            .ok_or_else(|| WsError::bad_request(format!("no dashboard {slug:?}")))?;
        self.joined.insert(slug.to_owned(), room);
        self.state.rooms.join(slug, self.id, self.member.clone());
        Ok(())
    }

    /// The signed-in user and the joined room, or why this socket may not
    /// write there.
    fn writer_in(&self, slug: &str) -> Result<(&UserRow, &DashboardRow), WsError> {
        let user =
            self.user.as_ref().ok_or_else(|| WsError::new(WsErrorCode::Forbidden, "sign in to chat and annotate"))?;
        let room = self.joined.get(slug).ok_or_else(|| WsError::bad_request(format!("join {slug:?} first")))?;
        Ok((user, room))
    }

    /// The id of the target's feed, which must be one the dashboard shows,
    /// of the kind the target needs.
    async fn target_feed(&self, room: &DashboardRow, target: &AnnotationTarget) -> Result<i64, WsError> {
        let name = target.feed();
        if !room.dashboard.widgets.iter().any(|w| w.feed == name) {
            return Err(WsError::bad_request(format!("the dashboard does not show feed {name:?}")));
        }
        let feed = store::feeds::by_name(&self.state.db, name)
            .await?
            .ok_or_else(|| WsError::bad_request(format!("no feed {name:?}")))?;
        let wanted = match target {
            AnnotationTarget::Point { .. } => crate::model::FeedKind::Ticks,
            AnnotationTarget::LogLine { .. } => crate::model::FeedKind::Logs,
        };
        if feed.spec.kind != wanted {
            return Err(WsError::bad_request(format!("feed {name:?} has no {}", wanted.as_str())));
        }
        Ok(feed.id)
    }
}
