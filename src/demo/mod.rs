//! The built-in demo: feeds and a publisher of synthetic ticks and logs.
