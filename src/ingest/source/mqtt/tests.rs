use super::*;

const PASSWORD: &str = "hunter2-secret";

#[test]
fn url_errors_never_show_the_url() {
    for url in [
        format!("mqtt://user:{PASSWORD}@127.0.0.1:99999"),
        format!("mqtt://user:{PASSWORD}@[::1"),
        format!("http://user:{PASSWORD}@h"),
        format!("mqtt://user:{PASSWORD}@/"),
    ] {
        let target = Target { url: &url, tls: None, client_id: "fb-test" };
        let Err(err) = client::open(&target, Protocol::V5, client::SessionKind::Clean, 8) else { panic!("{url}") };
        assert!(matches!(err, SourceError::Url(_)), "{err}");
        assert!(!err.to_string().contains(PASSWORD), "{err}");
    }
}

#[tokio::test]
async fn connection_errors_never_show_the_password() {
    // Nothing listens on port 1.
    let url = format!("mqtt://user:{PASSWORD}@127.0.0.1:1");
    let target = Target { url: &url, tls: None, client_id: "fb-test-refused" };
    let Err(err) = connect_ephemeral(&target, Default::default()).await else { panic!("nothing listens there") };
    assert!(matches!(err, SourceError::Mqtt(_)), "{err}");
    assert!(!err.to_string().contains(PASSWORD) && !format!("{err:?}").contains(PASSWORD), "{err:?}");
}
