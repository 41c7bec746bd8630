//! The handful of styled building blocks every page uses, so class strings
//! live in one place.

mod badge;
mod buttons;
mod classes;
mod fields;
mod panels;

pub use badge::{Badge, Tone};
pub use buttons::{ConfirmButton, SubmitButton, Toggle};
pub use classes::{BUTTON_DANGER, BUTTON_PRIMARY, BUTTON_SECONDARY, INPUT};
pub use fields::{Field, RadioGroup, Select, TextArea, field_message};
pub use panels::{Card, EmptyState, ErrorAlert, Loading, PageHeader};
