//! A problem with one input field.

use serde::{Deserialize, Serialize};

/// A problem with one input field, shown next to that field in forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}
