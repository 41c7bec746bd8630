//! The cluster as admins see it.

use crate::{domain::Core, error::AppError, model::ClusterInfo, store};

/// The live nodes, this one marked, with the feeds each ingests.
pub async fn info(core: &Core) -> Result<ClusterInfo, AppError> {
    let mut nodes = store::nodes::list(&core.db, core.config.cluster.node_ttl).await?;
    for node in &mut nodes {
        node.this_node = node.id == core.members.node();
    }
    Ok(ClusterInfo { nodes })
}
