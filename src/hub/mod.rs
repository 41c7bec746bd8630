//! In-process fan-out of committed feed messages to live subscribers.
