//! Reusable pieces of UI.

pub mod alerts;
pub mod editing;
pub mod guard;
pub mod layout;
pub mod poll;
pub mod range_picker;
pub mod replay;
pub mod room;
pub mod ui;
