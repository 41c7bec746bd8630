use super::*;

fn key() -> SecretKey {
    SecretKey::generate().unwrap()
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("feedboard-secrets-{}", uuid::Uuid::new_v4().simple())).join(name)
}

#[test]
fn sealed_values_open_with_the_same_key_and_context() {
    let keys = Keyring::new(key(), vec![]);
    let secret = Secret::new("p@ss:wörd%40");
    let sealed = keys.seal(&secret, b"feed 1").unwrap();
    assert!(sealed.starts_with(&format!("enc:v1:{}:", keys.current_id())), "{sealed}");
    assert!(!sealed.contains("wörd"));
    assert_eq!(keys.open(&sealed, b"feed 1").unwrap(), secret);
    assert_ne!(keys.seal(&secret, b"feed 1").unwrap(), sealed, "a fresh nonce each time");
    assert!(keys.is_current(&sealed));
}

#[test]
fn a_wrong_key_is_told_apart_from_an_unknown_one() {
    let sealed = Keyring::new(key(), vec![]).seal(&Secret::new("pw"), b"c").unwrap();
    let other = Keyring::new(key(), vec![]);
    let err = other.open(&sealed, b"c").unwrap_err();
    assert!(matches!(err, SecretError::UnknownKey { .. }), "{err:?}");
    assert!(err.to_string().starts_with("wrong FEEDBOARD_SECRET_KEY?"), "{err}");
    assert!(!other.is_current(&sealed));
}

#[test]
fn tampering_or_moving_a_value_is_detected() {
    let keys = Keyring::new(key(), vec![]);
    let sealed = keys.seal(&Secret::new("pw"), b"amqp://u@host-a").unwrap();
    let err = keys.open(&sealed, b"amqp://u@host-b").unwrap_err();
    assert_eq!(err, SecretError::Decrypt { key_id: keys.current_id().into() });
    let (head, payload) = sealed.rsplit_once(':').unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(payload).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    let tampered = format!("{head}:{}", URL_SAFE_NO_PAD.encode(bytes));
    assert!(matches!(keys.open(&tampered, b"amqp://u@host-a"), Err(SecretError::Decrypt { .. })));
    for garbage in ["pw", "enc:v1:", "enc:v1:abcd:", "enc:v1:abcd:!!!", "enc:v2:x:y"] {
        assert!(keys.open(garbage, b"").is_err(), "{garbage}");
    }
}

#[test]
fn old_keys_open_what_they_sealed_during_a_rotation() {
    let (old, new) = (key(), key());
    let sealed = Keyring::new(old.clone(), vec![]).seal(&Secret::new("pw"), b"c").unwrap();
    let rotated = Keyring::new(new.clone(), vec![old.clone()]);
    assert_eq!(rotated.open(&sealed, b"c").unwrap().expose(), "pw");
    assert!(!rotated.is_current(&sealed), "to be sealed again with the new key");
    let resealed = rotated.seal(&Secret::new("pw"), b"c").unwrap();
    assert!(rotated.is_current(&resealed));
    assert_eq!(Keyring::new(new, vec![]).open(&resealed, b"c").unwrap().expose(), "pw", "old key retired");
}

#[test]
fn keys_read_any_base64_and_never_print_themselves() {
    let k = key();
    let text = k.to_base64();
    for spelling in [text.clone(), text.trim_end_matches('=').into(), text.replace('+', "-").replace('/', "_")] {
        assert_eq!(SecretKey::from_base64(&format!(" {spelling}\n")).unwrap().id(), k.id());
    }
    assert!(matches!(SecretKey::from_base64("c2hvcnQ="), Err(KeyError::Malformed)));
    assert!(matches!(SecretKey::from_base64("not base64!"), Err(KeyError::Malformed)));
    assert_eq!(k.id().len(), 8);
    let printed = format!("{k:?} {:?}", Keyring::new(k.clone(), vec![]));
    assert!(!printed.contains(&text) && printed.contains(k.id()), "{printed}");
    assert_eq!(format!("{0} {0:?}", Secret::new("hunter2")), "******** ********");
}

#[test]
fn the_key_file_is_created_private_once_and_then_reused() {
    let path = temp_path("secret.key");
    let config = KeyConfig { current: KeySource::File(path.clone()), old: vec![] };
    let first = Keyring::load(&config).unwrap();
    let second = Keyring::load(&config).unwrap();
    assert_eq!(first.current_id(), second.current_id());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    }
    std::fs::write(&path, "not a key").unwrap();
    let err = Keyring::load(&config).unwrap_err();
    assert!(matches!(err, KeyError::BadFile { .. }), "{err}");
    assert!(!err.to_string().contains("not a key"));
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    let unset = KeyConfig { current: KeySource::Unset, old: vec![] };
    assert!(Keyring::load(&unset).unwrap_err().to_string().contains("FEEDBOARD_SECRET_KEY"));
}
