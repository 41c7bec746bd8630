//! Creating, changing and deleting feeds; the ingest supervisor picks up
//! each change at once.

use crate::{
    domain::Core,
    error::{AppError, ErrorCode, FieldError},
    model::{Feed, FeedSpec, FeedStorage, Source, has_masked_password},
    secrets::Keyring,
    store,
};
use serde_json::json;
use std::collections::HashMap;

pub use crate::store::feeds::FeedRow;

/// Every feed with its live status and what it keeps.
pub async fn list(core: &Core) -> Result<Vec<Feed>, AppError> {
    let storage = store::lifecycle::storage::feeds(&core.db).await?;
    Ok(store::feeds::list(&core.db).await?.into_iter().map(|row| with_status(core, row, &storage)).collect())
}

/// One feed with its live status and what it keeps.
pub async fn get(core: &Core, name: &str) -> Result<Feed, AppError> {
    shown(core, find(core, name).await?).await
}

/// The stored feed called `name`, or 404.
pub async fn find(core: &Core, name: &str) -> Result<FeedRow, AppError> {
    store::feeds::by_name(&core.db, name).await?.ok_or_else(|| AppError::not_found(format!("feed {name:?}")))
}

pub async fn create(core: &Core, actor: &str, mut spec: FeedSpec) -> Result<Feed, AppError> {
    spec.validate().map_err(AppError::invalid_fields)?;
    check_tls(&spec.source)?;
    spec.retention = spec.retention.or(Some(core.config.history.default_retention));
    let row = store::feeds::insert(&core.db, &core.secrets, &spec).await?;
    let audited = FeedSpec { source: spec.source.redacted(), ..spec.clone() };
    store::audit::record(&core.db, actor, "feed.create", &target(&spec.name), json!(audited)).await?;
    apply(core).await?;
    shown(core, row).await
}

pub async fn update(core: &Core, actor: &str, name: &str, mut spec: FeedSpec) -> Result<Feed, AppError> {
    spec.validate().map_err(AppError::invalid_fields)?;
    let before = find(core, name).await?;
    spec.source = unmask(&core.secrets, &spec.source, &before)?;
    check_tls(&spec.source)?;
    spec.retention = spec.retention.or(before.spec.retention);
    if before.spec.kind != spec.kind {
        return Err(AppError::new(
            ErrorCode::Invalid,
            "a feed's kind cannot change once it has data; create a new feed instead",
        ));
    }
    let row = store::feeds::update(&core.db, &core.secrets, name, &spec).await?;
    let redact = |s: &FeedSpec| FeedSpec { source: s.source.redacted(), ..s.clone() };
    let details = json!({"before": redact(&before.spec), "after": redact(&spec)});
    store::audit::record(&core.db, actor, "feed.update", &target(name), details).await?;
    apply(core).await?;
    shown(core, row).await
}

pub async fn delete(core: &Core, actor: &str, name: &str) -> Result<(), AppError> {
    store::feeds::delete(&core.db, name).await?;
    store::audit::record(&core.db, actor, "feed.delete", &target(name), json!({})).await?;
    apply(core).await
}

/// `source` with a masked password replaced by the one stored for `before`,
/// when the broker address (scheme, host, port, user) is unchanged; else a
/// 422 on `source.url` asking for the password again. Used by every edit
/// of a stored feed: saving it and previewing it.
pub fn unmask(keys: &Keyring, source: &Source, before: &FeedRow) -> Result<Source, AppError> {
    if !source.has_masked_secret() {
        return Ok(source.clone());
    }
    let (field, what) = match has_masked_password(source.url()) {
        true => ("source.url", "password"),
        false => ("source.tls.client_key_pem", "client key"),
    };
    let reenter = |message: String| AppError::invalid_fields(vec![FieldError { field: field.into(), message }]);
    let stored = before.source(keys).map_err(|e| reenter(format!("re-enter the {what}: {e}")))?;
    source.unmasked(&stored).map_err(|e| AppError::invalid_fields(vec![e]))
}

/// The TLS settings make a client configuration (the certificates and key
/// parse and fit together), else a 422 naming the field.
fn check_tls(source: &Source) -> Result<(), AppError> {
    match source.tls() {
        Some(tls) if !tls.is_empty() => {
            crate::ingest::source::tls::client_config(Some(tls)).map(|_| ()).map_err(AppError::invalid_fields)
        }
        _ => Ok(()),
    }
}

async fn apply(core: &Core) -> Result<(), AppError> {
    core.ingest.reconcile().await.map_err(AppError::from)
}

/// The feed as shown to clients: live status, storage, password masked.
fn with_status(core: &Core, row: FeedRow, storage: &HashMap<i64, FeedStorage>) -> Feed {
    let kept = storage.get(&row.id).cloned().unwrap_or_default();
    let spec = FeedSpec { source: row.spec.source.redacted(), ..row.spec };
    Feed { status: core.ingest.status(row.id), spec, storage: kept }
}

/// [`with_status`] for one feed.
async fn shown(core: &Core, row: FeedRow) -> Result<Feed, AppError> {
    let storage = store::lifecycle::storage::feeds(&core.db).await?;
    Ok(with_status(core, row, &storage))
}

pub(super) fn target(name: &str) -> String {
    format!("feed:{name}")
}

/// Validates a source and mapping, connects and shows how live messages
/// parse: up to `n` messages (default 5, at most 100) within `wait_ms`
/// (default 5000, at most 30000).
pub async fn preview(
    core: &Core,
    kind: crate::model::FeedKind,
    source: Source,
    mapping: crate::model::Mapping,
    wait_ms: Option<u64>,
    n: Option<usize>,
) -> Result<crate::model::Preview, AppError> {
    use crate::ingest::preview::{self, PreviewRequest};
    let spec = FeedSpec { name: "preview".into(), kind, source, mapping, enabled: true, retention: None };
    spec.validate().map_err(AppError::invalid_fields)?;
    check_tls(&spec.source)?;
    let request = PreviewRequest {
        kind: spec.kind,
        source: &spec.source,
        mapping: &spec.mapping,
        max_messages: n.unwrap_or(5).clamp(1, 100),
        wait: std::time::Duration::from_millis(wait_ms.unwrap_or(5000).min(30_000)),
        max_payload: core.ingest.settings().max_payload,
    };
    preview::preview(request).await.map_err(|e| {
        let reason = crate::ingest::source::tls::explain(e.to_string());
        AppError::new(ErrorCode::Invalid, format!("cannot connect: {reason}"))
    })
}

/// The stored feeds called `names`, in no particular order; 404 naming the
/// first that does not exist.
pub async fn find_all(core: &Core, names: &[String]) -> Result<Vec<FeedRow>, AppError> {
    let rows = store::feeds::by_names(&core.db, names).await?;
    match names.iter().find(|n| !rows.iter().any(|r| &r.spec.name == *n)) {
        Some(missing) => Err(AppError::not_found(format!("feed {missing:?}"))),
        None => Ok(rows),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{model::FeedKind, secrets::SecretKey, store::sealed};

    fn keys() -> Keyring {
        Keyring::new(SecretKey::generate().unwrap(), vec![])
    }

    fn amqp(url: &str) -> Source {
        Source::Amqp { url: url.into(), exchange: "x".into(), binding_key: "#".into(), queue: None, tls: None }
    }

    /// A feed as the store reads it back: password sealed, URL masked.
    fn stored(keys: &Keyring, url: &str) -> FeedRow {
        let (_, source, secrets) = sealed::seal(&amqp(url), keys).unwrap();
        let spec = FeedSpec {
            name: "f".into(),
            kind: FeedKind::Logs,
            source,
            mapping: Default::default(),
            enabled: true,
            retention: None,
        };
        FeedRow { id: 1, spec, secrets }
    }

    fn url_error(result: Result<Source, AppError>) -> String {
        let err = result.unwrap_err();
        assert_eq!((err.code, err.fields.len()), (ErrorCode::Invalid, 1), "{err:?}");
        assert_eq!(err.fields[0].field, "source.url");
        err.fields[0].message.clone()
    }

    #[test]
    fn a_masked_password_comes_back_only_for_the_same_broker() {
        let keys = keys();
        let before = stored(&keys, "amqp://guest:s3cret@127.0.0.1:5672/%2f");
        assert_eq!(before.spec.source.url(), "amqp://guest:********@127.0.0.1:5672/%2f");
        let same = unmask(&keys, &before.spec.source, &before).unwrap();
        assert_eq!(same.url(), "amqp://guest:s3cret@127.0.0.1:5672/%2f");
        let typed = amqp("amqp://guest:typed@evil.example/%2f");
        assert_eq!(unmask(&keys, &typed, &before).unwrap(), typed, "a typed password is the admin's choice");
        let moved = amqp("amqp://guest:********@evil.example:5672/%2f");
        assert_eq!(url_error(unmask(&keys, &moved, &before)), "re-enter the password: the broker address changed");
    }

    #[test]
    fn a_password_no_key_opens_must_be_typed_again() {
        let before = stored(&keys(), "amqp://guest:s3cret@127.0.0.1:5672/%2f");
        let message = url_error(unmask(&keys(), &before.spec.source, &before));
        assert!(message.starts_with("re-enter the password: cannot decrypt the broker password"), "{message}");
    }
}
