//! The dashboard room in the browser: one WebSocket per page (chat,
//! annotations, presence) and the components that show it.
//!
//! Mount `<RoomProvider slug>` around a dashboard; inside it use
//! `<PresenceBar/>`, `<ChatPanel/>`, `<LogLineAnnotations feed seq/>` in log
//! rows, `use_chart_annotations(feed, symbol)` for chart markers and
//! `<AnnotateChartPoint feed symbol ts/>` to annotate a point.

mod annotations;
pub mod api;
mod chat;
mod context;
mod entry;
mod extras;
mod presence;
mod preview;
#[cfg(feature = "hydrate")]
mod socket;
pub mod state;

pub use crate::model::ConnectionState;
pub use annotations::{AnnotateChartPoint, ChartNotes, LogLineAnnotations};
pub use chat::ChatPanel;
pub use context::{RoomContext, RoomProvider, use_chart_annotations, use_room};
pub use extras::widget_extras;
pub use presence::PresenceBar;
pub use preview::InteractionPreview;
