//! Types shared by the server and the browser: what travels in JSON, and the
//! vocabulary both sides use for it (event names, levels, field names).
//!
//! A crate of its own (`feedboard-model`, re-exported as `feedboard::model`)
//! so the compiler keeps the layer: it depends on nothing of feedboard, and
//! the browser build reaches no `store` or `ingest` through it.

mod alert;
mod backoff;
mod broker_url;
mod connection;
mod dashboard;
mod feed;
mod field_error;
mod incoming;
mod interaction;
mod level;
mod live;
mod mapping;
mod message;
mod name;
mod node;
mod preview;
mod retention;
mod source;
pub mod time;
mod tls;
mod user;

pub use alert::{Alert, AlertRule, AlertSpec, AlertState, Firing, MAX_LOG_COUNT, MAX_WINDOW_SECS, RULE_TYPES, Silence};
pub use backoff::Backoff;
pub use broker_url::{PASSWORD_MASK, has_masked_password, redact_url};
pub use connection::ConnectionState;
pub use dashboard::{Dashboard, DashboardSummary, MOST_LINES, Widget, WidgetKind, WidgetWidth};
pub use feed::{Feed, FeedKind, FeedSpec, FeedState, FeedStatus};
pub use field_error::FieldError;
pub use incoming::{NewLog, NewRejected, NewTick};
pub use interaction::{
    Annotation, AnnotationTarget, ChatMessage, ClientMessage, MAX_FRAME_BYTES, MAX_TEXT_CHARS, Presence, ServerMessage,
    TextError, WsErrorCode, check_text,
};
pub use level::LogLevel;
pub use live::LiveEvent;
pub use mapping::{FieldPath, Mapping, MappingField};
pub use message::{
    Candle, Items, LevelCount, LogFilter, LogLine, LogPage, Rejected, SeqPage, SeqRange, SymbolSummary, Tick,
};
pub use name::{Slug, SlugError};
pub use node::{ClusterInfo, NodeInfo, NodeStats};
pub use preview::{PathSuggestion, Preview, PreviewMessage, Reparse};
pub use retention::{FeedStorage, MaxAge, MaxAgeError, Retention};
pub use source::{MqttVersion, Source, is_tls_url};
pub use tls::TlsSettings;
pub use user::{NAMED_ZONES, Role, UserInfo, is_time_zone};
