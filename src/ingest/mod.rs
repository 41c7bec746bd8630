//! Broker clients, payload parsing and batched storage of feed messages.
