//! What the server does with each client message: parse, rate-limit,
//! check the writer, let the domain store it, then broadcast to the room.

use super::rooms::{Member, SocketId, encode};
use crate::{
    auth::UserRow,
    domain::{
        dashboards::DashboardRow,
        interaction::{self, Refusal, Writer, settings::RateKey},
    },
    http::AppState,
    model::{ClientMessage, ServerMessage, WsErrorCode},
};
use std::{collections::HashMap, net::IpAddr};

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
            Err(e) => return self.reply_error(Refusal::bad_request(format!("not a valid message: {e}")), None),
        };
        metrics::counter!("feedboard_ws_messages_total", "direction" => "in", "type" => message.kind()).increment(1);
        if let Err(e) = self.handle(&message).await {
            self.reply_error(e, Some(message.kind()));
        }
    }

    /// Sends an `error` message to this socket alone.
    pub fn reply_error(&self, error: Refusal, request: Option<&str>) {
        self.member.send(encode(&error.into_message(request)));
    }

    async fn handle(&mut self, message: &ClientMessage) -> Result<(), Refusal> {
        let key = match (message, &self.user) {
            (ClientMessage::Join { .. } | ClientMessage::Leave { .. }, _) => RateKey::Socket(self.id),
            (_, Some(user)) => RateKey::User(user.id),
            (_, None) => RateKey::Ip(self.ip),
        };
        if let Err(wait) = self.state.rooms.limiter().check(&key) {
            metrics::counter!("feedboard_ws_rate_limited_total").increment(1);
            return Err(Refusal::new(
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
                let chat = interaction::chat(&self.state.core, self.writer_in(slug)?, text).await?;
                self.state.rooms.broadcast(slug, &ServerMessage::Chat(chat));
                Ok(())
            }
            ClientMessage::Annotate { target, text, .. } => {
                let annotation = interaction::annotate(&self.state.core, self.writer_in(slug)?, target, text).await?;
                self.state.rooms.broadcast(slug, &ServerMessage::Annotation(annotation));
                Ok(())
            }
            ClientMessage::Reply { parent_id, text, .. } => {
                let reply = interaction::reply(&self.state.core, self.writer_in(slug)?, *parent_id, text).await?;
                self.state.rooms.broadcast(slug, &ServerMessage::Annotation(reply));
                Ok(())
            }
            ClientMessage::DeleteAnnotation { id, .. } => {
                interaction::delete_annotation(&self.state.core, self.writer_in(slug)?, *id).await?;
                self.state
                    .rooms
                    .broadcast(slug, &ServerMessage::AnnotationDeleted { dashboard: slug.to_owned(), id: *id });
                Ok(())
            }
        }
    }

    async fn join(&mut self, slug: &str) -> Result<(), Refusal> {
        if !self.joined.contains_key(slug) && self.joined.len() >= self.state.rooms.settings().max_rooms {
            return Err(Refusal::bad_request("in too many rooms at once; leave one first"));
        }
        let room = interaction::room(&self.state.core, slug).await?;
        self.joined.insert(slug.to_owned(), room);
        self.state.rooms.join(slug, self.id, self.member.clone());
        Ok(())
    }

    /// The signed-in user and the joined room, or why this socket may not
    /// write there.
    fn writer_in(&self, slug: &str) -> Result<Writer<'_>, Refusal> {
        let user =
            self.user.as_ref().ok_or_else(|| Refusal::new(WsErrorCode::Forbidden, "sign in to chat and annotate"))?;
        let room = self.joined.get(slug).ok_or_else(|| Refusal::bad_request(format!("join {slug:?} first")))?;
        Ok(Writer { user, room })
    }
}
