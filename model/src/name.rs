//! Slugs: the URL-safe names of feeds and dashboards.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A validated name matching `[a-z0-9-]{1,64}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// Why a string is not a slug.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most 64 characters")]
    TooLong,
    #[error("may only contain a-z, 0-9 and '-'")]
    BadChar,
}

impl Slug {
    /// Parses `s`, rejecting anything outside `[a-z0-9-]{1,64}`.
    pub fn parse(s: &str) -> Result<Self, SlugError> {
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        if s.len() > 64 {
            return Err(SlugError::TooLong);
        }
        if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(SlugError::BadChar);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> Self {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs_and_rejects_the_rest() {
        assert!(Slug::parse("us-stocks-2").is_ok());
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert_eq!(Slug::parse(&"a".repeat(65)), Err(SlugError::TooLong));
        assert_eq!(Slug::parse("US"), Err(SlugError::BadChar));
        assert_eq!(Slug::parse("a b"), Err(SlugError::BadChar));
        assert_eq!(Slug::parse("<script>"), Err(SlugError::BadChar));
    }
}
