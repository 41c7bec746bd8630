//! Admin operations: each validated, stored, audited and applied. REST
//! handlers and server functions both call these, so they behave the same.

pub mod cluster;
pub mod dashboards;
pub mod feeds;
