//! The key file: read, or created once with owner-only permissions.

use super::{KeyError, SecretKey};
use std::{io, path::Path};

/// The key in `path`, or a new one written there (directories 0700, file
/// 0600) when the file does not exist. Two processes starting at once end
/// up with the same key: only one creates the file.
pub(super) fn load_or_create(path: &Path) -> Result<SecretKey, KeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            warn_if_readable_by_others(path);
            SecretKey::from_base64(&text).map_err(|_| KeyError::BadFile { path: path.into() })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let key = SecretKey::generate()?;
            match create_key_file(path, &key) {
                Ok(()) => {
                    tracing::info!(
                        path = %path.display(),
                        key_id = key.id(),
                        "created a new secret key for stored broker passwords; back it up: without it they cannot be read"
                    );
                    Ok(key)
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => load_or_create(path),
                Err(source) => Err(KeyError::Create { path: path.into(), source }),
            }
        }
        Err(source) => Err(KeyError::Read { path: path.into(), source }),
    }
}

fn create_key_file(path: &Path, key: &SecretKey) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        options.mode(0o600);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        }
    }
    #[cfg(not(unix))]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = options.open(path)?;
    file.write_all(format!("{}\n", key.to_base64()).as_bytes())?;
    file.sync_all()
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "the secret key file is readable by other users; chmod 600 it");
        }
    }
}
