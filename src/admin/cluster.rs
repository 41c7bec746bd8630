//! The cluster as admins see it.

use crate::{error::AppError, model::ClusterInfo, server::AppState, store};

/// The live nodes, this one marked, with the feeds each ingests.
pub async fn info(state: &AppState) -> Result<ClusterInfo, AppError> {
    let mut nodes = store::nodes::list(&state.db, state.config.cluster.node_ttl).await?;
    for node in &mut nodes {
        node.this_node = node.id == state.members.node();
    }
    Ok(ClusterInfo { nodes })
}
