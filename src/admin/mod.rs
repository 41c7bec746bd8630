//! Admin operations: each validated, stored, audited and applied. REST
//! handlers and server functions both call these, so they behave the same.

pub mod dashboards;
pub mod feeds;
