//! Creating, changing and deleting feeds; the ingest supervisor picks up
//! each change at once.

use crate::{
    error::{AppError, ErrorCode, FieldError},
    model::{Feed, FeedSpec, Source},
    secrets::Keyring,
    server::AppState,
    store::{self, feeds::FeedRow},
};
use serde_json::json;

/// Every feed with its live status.
pub async fn list(state: &AppState) -> Result<Vec<Feed>, AppError> {
    Ok(store::feeds::list(&state.db).await?.into_iter().map(|row| with_status(state, row)).collect())
}

/// One feed with its live status.
pub async fn get(state: &AppState, name: &str) -> Result<Feed, AppError> {
    Ok(with_status(state, find(state, name).await?))
}

/// The stored feed called `name`, or 404.
pub async fn find(state: &AppState, name: &str) -> Result<FeedRow, AppError> {
    store::feeds::by_name(&state.db, name).await?.ok_or_else(|| AppError::not_found(format!("feed {name:?}")))
}

pub async fn create(state: &AppState, actor: &str, spec: FeedSpec) -> Result<Feed, AppError> {
    spec.validate().map_err(AppError::invalid_fields)?;
    let row = store::feeds::insert(&state.db, &state.secrets, &spec).await?;
    let shown = FeedSpec { source: spec.source.redacted(), ..spec.clone() };
    store::audit::record(&state.db, actor, "feed.create", &target(&spec.name), json!(shown)).await?;
    apply(state).await?;
    Ok(with_status(state, row))
}

pub async fn update(state: &AppState, actor: &str, name: &str, mut spec: FeedSpec) -> Result<Feed, AppError> {
    spec.validate().map_err(AppError::invalid_fields)?;
    let before = find(state, name).await?;
    spec.source = unmask(&state.secrets, &spec.source, &before)?;
    if before.spec.kind != spec.kind {
        return Err(AppError::new(
            ErrorCode::Invalid,
            "a feed's kind cannot change once it has data; create a new feed instead",
        ));
    }
    let row = store::feeds::update(&state.db, &state.secrets, name, &spec).await?;
    let redact = |s: &FeedSpec| FeedSpec { source: s.source.redacted(), ..s.clone() };
    let details = json!({"before": redact(&before.spec), "after": redact(&spec)});
    store::audit::record(&state.db, actor, "feed.update", &target(name), details).await?;
    apply(state).await?;
    Ok(with_status(state, row))
}

pub async fn delete(state: &AppState, actor: &str, name: &str) -> Result<(), AppError> {
    store::feeds::delete(&state.db, name).await?;
    store::audit::record(&state.db, actor, "feed.delete", &target(name), json!({})).await?;
    apply(state).await
}

/// `source` with a masked password replaced by the one stored for `before`,
/// when the broker address (scheme, host, port, user) is unchanged; else a
/// 422 on `source.url` asking for the password again. Used by every edit
/// of a stored feed: saving it and previewing it.
pub fn unmask(keys: &Keyring, source: &Source, before: &FeedRow) -> Result<Source, AppError> {
    if !source.has_masked_password() {
        return Ok(source.clone());
    }
    let reenter = |message: String| AppError::invalid_fields(vec![FieldError { field: "source.url".into(), message }]);
    let stored = before.source(keys).map_err(|e| reenter(format!("re-enter the password: {e}")))?;
    source.unmasked(&stored).map_err(|e| AppError::invalid_fields(vec![e]))
}

async fn apply(state: &AppState) -> Result<(), AppError> {
    state.ingest.reconcile().await.map_err(AppError::from)
}

/// The feed as shown to clients: live status, password masked.
fn with_status(state: &AppState, row: FeedRow) -> Feed {
    let spec = FeedSpec { source: row.spec.source.redacted(), ..row.spec };
    Feed { status: state.ingest.status(row.id), spec }
}

fn target(name: &str) -> String {
    format!("feed:{name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{model::FeedKind, secrets::SecretKey, store::sealed};

    fn keys() -> Keyring {
        Keyring::new(SecretKey::generate().unwrap(), vec![])
    }

    fn amqp(url: &str) -> Source {
        Source::Amqp { url: url.into(), exchange: "x".into(), binding_key: "#".into(), queue: None }
    }

    /// A feed as the store reads it back: password sealed, URL masked.
    fn stored(keys: &Keyring, url: &str) -> FeedRow {
        let (_, source, secrets) = sealed::seal(&amqp(url), keys).unwrap();
        let spec =
            FeedSpec { name: "f".into(), kind: FeedKind::Logs, source, mapping: Default::default(), enabled: true };
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
