//! Interaction messages: what travels over `/api/v1/ws` in both directions
//! (chat, annotations, presence, errors) and the history items of the
//! chat and annotation endpoints. See API.md "Interaction (WebSocket)" and
//! `docs/interaction.md` for the extensions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The most characters a chat message or annotation may have.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// The largest WebSocket message (and frame) accepted, in bytes.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// What an annotation is attached to: a point of a chart or a log line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum AnnotationTarget {
    /// A tick-chart point: `{feed, symbol, ts}`.
    Point {
        feed: String,
        symbol: String,
        #[serde(with = "crate::time")]
        #[cfg_attr(feature = "ssr", schema(value_type = String))]
        ts: DateTime<Utc>,
    },
    /// A log line by its position in the feed: `{feed, seq}` (`log_id` is
    /// accepted as another name for `seq`).
    LogLine {
        feed: String,
        #[serde(alias = "log_id")]
        seq: i64,
    },
}

impl AnnotationTarget {
    /// The feed the target belongs to.
    pub fn feed(&self) -> &str {
        match self {
            AnnotationTarget::Point { feed, .. } | AnnotationTarget::LogLine { feed, .. } => feed,
        }
    }
}

/// A stored chat message, as broadcast and as the chat history lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChatMessage {
    pub id: i64,
    pub dashboard: String,
    pub user: String,
    pub text: String,
    #[serde(with = "crate::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub ts: DateTime<Utc>,
}

/// A stored annotation or reply, as broadcast and as the history lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Annotation {
    pub id: i64,
    pub dashboard: String,
    /// For a reply: the target of the annotation it answers.
    pub target: AnnotationTarget,
    pub user: String,
    pub text: String,
    #[serde(with = "crate::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub ts: DateTime<Utc>,
    /// Extension: the annotation this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<i64>,
    /// Extension: deleted annotations are not listed; always `false` in
    /// history and live `annotation` messages.
    #[serde(default)]
    pub deleted: bool,
}

/// Client → server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Enter a dashboard's room: receive its chat, annotations, presence.
    Join { dashboard: String },
    /// Leave a room.
    Leave { dashboard: String },
    /// Say something in a room (signed-in users).
    Chat { dashboard: String, text: String },
    /// Annotate a chart point or a log line (signed-in users).
    Annotate { dashboard: String, target: AnnotationTarget, text: String },
    /// Extension: answer an annotation (signed-in users).
    Reply { dashboard: String, parent_id: i64, text: String },
    /// Extension: delete an annotation (its author or an admin); its replies
    /// go with it.
    DeleteAnnotation { dashboard: String, id: i64 },
}

impl ClientMessage {
    /// The dashboard the message is about.
    pub fn dashboard(&self) -> &str {
        match self {
            ClientMessage::Join { dashboard }
            | ClientMessage::Leave { dashboard }
            | ClientMessage::Chat { dashboard, .. }
            | ClientMessage::Annotate { dashboard, .. }
            | ClientMessage::Reply { dashboard, .. }
            | ClientMessage::DeleteAnnotation { dashboard, .. } => dashboard,
        }
    }

    /// The `type` tag, as written on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientMessage::Join { .. } => "join",
            ClientMessage::Leave { .. } => "leave",
            ClientMessage::Chat { .. } => "chat",
            ClientMessage::Annotate { .. } => "annotate",
            ClientMessage::Reply { .. } => "reply",
            ClientMessage::DeleteAnnotation { .. } => "delete_annotation",
        }
    }
}

/// Who is in a room: distinct signed-in users, plus a count of anonymous
/// viewers (one per socket).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    pub dashboard: String,
    /// Usernames, sorted, each once however many tabs it has open.
    pub users: Vec<String>,
    /// Extension: anonymous viewers, counted but not named.
    #[serde(default)]
    pub anonymous: u32,
}

/// Why the server refused a client message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WsErrorCode {
    /// Malformed JSON, unknown dashboard or target, room not joined.
    BadRequest,
    /// Signed-out writes; deleting someone else's annotation.
    Forbidden,
    /// Over the per-user message rate; the message was dropped.
    RateLimited,
    /// Text over [`MAX_TEXT_CHARS`].
    TooLarge,
    /// Extension: the server could not store the message; try again.
    Unavailable,
}

/// Server → client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Chat(ChatMessage),
    Annotation(Annotation),
    /// Extension: an annotation (and its replies) was deleted.
    AnnotationDeleted {
        dashboard: String,
        id: i64,
    },
    Presence(Presence),
    Error {
        code: WsErrorCode,
        message: String,
        /// Extension: the `type` of the client message that failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<String>,
    },
}

/// Why a chat or annotation text is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text is empty")]
    Empty,
    #[error("the text is longer than 2000 characters")]
    TooLong,
    #[error("the text contains control characters")]
    ControlChars,
}

impl TextError {
    /// The error code the server answers this with.
    pub fn code(self) -> WsErrorCode {
        if self == TextError::TooLong { WsErrorCode::TooLarge } else { WsErrorCode::BadRequest }
    }
}

/// Checks a chat or annotation text: not blank, at most
/// [`MAX_TEXT_CHARS`], no control characters but newline and tab. Shared by
/// the server and the browser, so both say the same.
pub fn check_text(text: &str) -> Result<(), TextError> {
    if text.trim().is_empty() {
        return Err(TextError::Empty);
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(TextError::TooLong);
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(TextError::ControlChars);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn client_messages_parse_as_api_md_writes_them() {
        let cases = [
            json!({"type":"join","dashboard":"markets"}),
            json!({"type":"leave","dashboard":"markets"}),
            json!({"type":"chat","dashboard":"markets","text":"hi"}),
            json!({"type":"annotate","dashboard":"markets",
                   "target":{"feed":"us-stocks","symbol":"AAPL","ts":"2026-11-24T12:00:00.123Z"},"text":"peak"}),
            json!({"type":"annotate","dashboard":"markets","target":{"feed":"app-logs","seq":7},"text":"why?"}),
            json!({"type":"reply","dashboard":"markets","parent_id":3,"text":"because"}),
            json!({"type":"delete_annotation","dashboard":"markets","id":3}),
        ];
        for case in cases {
            let parsed: ClientMessage = serde_json::from_value(case.clone()).unwrap();
            assert_eq!(serde_json::to_value(&parsed).unwrap(), case);
        }
        let log_id: ClientMessage = serde_json::from_value(
            json!({"type":"annotate","dashboard":"m","target":{"feed":"f","log_id":9},"text":"x"}),
        )
        .unwrap();
        assert!(matches!(log_id, ClientMessage::Annotate { target: AnnotationTarget::LogLine { seq: 9, .. }, .. }));
        assert!(serde_json::from_value::<ClientMessage>(json!({"type":"shout","dashboard":"m"})).is_err());
        assert!(serde_json::from_value::<ClientMessage>(json!({"type":"chat","dashboard":"m"})).is_err());
    }

    #[test]
    fn server_messages_serialize_flat_with_a_type_tag() {
        let ts = DateTime::parse_from_rfc3339("2026-11-24T12:00:00.123Z").unwrap().with_timezone(&Utc);
        let chat = ServerMessage::Chat(ChatMessage {
            id: 1,
            dashboard: "markets".into(),
            user: "alice".into(),
            text: "hi".into(),
            ts,
        });
        assert_eq!(
            serde_json::to_value(&chat).unwrap(),
            json!({"type":"chat","id":1,"dashboard":"markets","user":"alice","text":"hi","ts":"2026-11-24T12:00:00.123Z"})
        );
        let error = ServerMessage::Error { code: WsErrorCode::RateLimited, message: "slow down".into(), request: None };
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            json!({"type":"error","code":"rate_limited","message":"slow down"})
        );
        let presence: Value = serde_json::to_value(ServerMessage::Presence(Presence {
            dashboard: "m".into(),
            users: vec!["alice".into()],
            anonymous: 2,
        }))
        .unwrap();
        assert_eq!(presence, json!({"type":"presence","dashboard":"m","users":["alice"],"anonymous":2}));
        let round: ServerMessage = serde_json::from_value(presence).unwrap();
        assert!(matches!(round, ServerMessage::Presence(p) if p.anonymous == 2));
    }

    #[test]
    fn texts_are_checked() {
        assert_eq!(check_text("hello\nworld"), Ok(()));
        assert_eq!(check_text("  \n"), Err(TextError::Empty));
        assert_eq!(check_text(&"é".repeat(2000)), Ok(()));
        assert_eq!(check_text(&"é".repeat(2001)), Err(TextError::TooLong));
        assert_eq!(check_text("nul\0"), Err(TextError::ControlChars));
    }
}
