use super::*;
use lapin::ConnectionProperties;

#[tokio::test]
async fn connect_errors_never_show_the_url() {
    for url in [
        "amqp:guest:hunter2@127.0.0.1",
        "amqp://guest:hunter2@127.0.0.1:99999/%2f",
        "amqp://guest:hunter2@127.0.0.1:5672/%2f?heartbeat=often",
        "http://guest:hunter2@127.0.0.1/",
        // Nothing listens on port 1.
        "amqp://guest:hunter2@127.0.0.1:1/%2f",
    ] {
        let Err(err) = connect(&Broker::at(url), "feedboard-test").await else { panic!("{url}: connected") };
        assert!(!err.to_string().contains("hunter2") && !format!("{err:?}").contains("hunter2"), "{url}: {err:?}");
    }
}

/// Why `connect` parses the URL itself: lapin quotes a URL it cannot use.
#[tokio::test]
async fn lapin_alone_would_quote_the_url() {
    let attempt = Connection::connect("amqp:guest:hunter2@127.0.0.1", ConnectionProperties::default()).await;
    let Err(err) = attempt else { panic!("not a usable URL") };
    let text = err.to_string();
    assert!(text.contains("hunter2"), "lapin no longer quotes the URL ({text}); the pre-parse may go");
}
