//! TLS for broker connections: the roots to trust (the feed's own CA, else
//! the system's), the client certificate for mutual TLS, and the name the
//! broker's certificate must carry. One `rustls` configuration serves MQTT
//! (TCP and WebSocket) and AMQP alike.

use crate::{error::FieldError, model::TlsSettings};
use rustls::{
    ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
    client::{
        WebPkiServerVerifier,
        danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    },
    pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime, pem::PemObject},
};
use std::sync::Arc;

/// The client configuration for `settings` (none: system roots, no client
/// certificate). Errors name the field at fault, as a 422 shows them; they
/// never quote a key.
pub fn client_config(settings: Option<&TlsSettings>) -> Result<Arc<ClientConfig>, Vec<FieldError>> {
    let empty = TlsSettings::default();
    let settings = settings.unwrap_or(&empty);
    let mut errors = Vec::new();
    let mut field = |name: &str, message: String| {
        errors.push(FieldError { field: format!("source.tls.{name}"), message });
    };
    let roots = match settings.ca() {
        Some(pem) => own_roots(pem).map(Arc::new).map_err(|e| field("ca_pem", e)).ok(),
        None => Some(system_roots()),
    };
    let identity = match (settings.client_cert(), settings.client_key()) {
        (Some(cert), Some(key)) => {
            let certs = certificates(cert).map_err(|e| field("client_cert_pem", e)).ok();
            let key = PrivateKeyDer::from_pem_slice(key.as_bytes())
                .map_err(|e| field("client_key_pem", format!("is not a PEM private key: {}", pem_reason(&e))))
                .ok();
            certs.zip(key)
        }
        _ => None,
    };
    let name = settings.server_name().map(|n| ServerName::try_from(n.to_owned()));
    let name = match name {
        Some(Err(_)) => {
            field("server_name", "must be a host name or an IP address".into());
            None
        }
        Some(Ok(name)) => Some(name),
        None => None,
    };
    let Some(roots) = roots.filter(|_| errors.is_empty()) else { return Err(errors) };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| vec![FieldError { field: "source.tls.ca_pem".into(), message: e.to_string() }])?;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions");
    let builder = match name {
        Some(name) => builder.dangerous().with_custom_certificate_verifier(Arc::new(Named { inner: verifier, name })),
        None => builder.with_webpki_verifier(verifier),
    };
    let config = match identity {
        Some((certs, key)) => builder.with_client_auth_cert(certs, key).map_err(|e| {
            vec![FieldError {
                field: "source.tls.client_key_pem".into(),
                message: format!("does not fit the certificate: {e}"),
            }]
        })?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

fn certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("is not PEM certificates: {}", pem_reason(&e)))?;
    if certs.is_empty() {
        return Err("holds no certificate (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok(certs)
}

fn own_roots(pem: &str) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    for cert in certificates(pem)? {
        roots.add(cert).map_err(|e| format!("is not a usable CA certificate: {e}"))?;
    }
    Ok(roots)
}

/// The machine's trusted roots (what a browser on it would trust), read
/// from disk once per process rather than on every connection attempt.
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: std::sync::LazyLock<Arc<RootCertStore>> = std::sync::LazyLock::new(|| {
        let mut roots = RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            tracing::warn!(%error, "could not read a system root certificate");
        }
        roots.add_parsable_certificates(found.certs);
        Arc::new(roots)
    });
    ROOTS.clone()
}

/// What went wrong reading PEM, without the text read.
fn pem_reason(error: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    match error {
        Error::NoItemsFound => "no PEM block of the right kind".into(),
        Error::Base64Decode(_) => "its base64 does not decode".into(),
        Error::MissingSectionEnd { .. } => "a block has no END line".into(),
        Error::IllegalSectionStart { .. } => "a BEGIN line is malformed".into(),
        _ => "malformed PEM".into(),
    }
}

/// Verifies the broker's certificate against `name` instead of the URL's host.
#[derive(Debug)]
struct Named {
    inner: Arc<WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl ServerCertVerifier for Named {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _url_host: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `message` (a connection error) with what a TLS failure in it means for
/// the feed's settings, when it holds one; else unchanged.
pub fn explain(message: String) -> String {
    const HINTS: [(&str, &str); 8] = [
        ("UnknownCA", "the broker does not trust the client certificate (issued by another CA?)"),
        ("BadCertificate", "the broker refused the client certificate"),
        ("CertificateRequired", "the broker requires a client certificate"),
        ("HandshakeFailure", "the broker refused the TLS handshake (a client certificate required?)"),
        ("UnknownIssuer", "the broker's certificate is not signed by a trusted CA: add its CA certificates"),
        ("NotValidForName", "the broker's certificate is for another name: set the server name"),
        ("Expired", "the broker's certificate has expired"),
        ("CorruptMessage", "the broker does not speak TLS on this port"),
    ];
    match HINTS.iter().find(|(marker, _)| message.contains(marker)) {
        Some((_, hint)) => format!("{message} — TLS: {hint}"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_failures_say_what_to_change() {
        let refused = explain("MQTT: IO: received fatal alert: UnknownCA".into());
        assert!(refused.ends_with("the broker does not trust the client certificate (issued by another CA?)"));
        let unknown = explain("MQTT: TLS: invalid peer certificate: UnknownIssuer".into());
        assert!(unknown.contains("add its CA certificates"), "{unknown}");
        assert_eq!(explain("timed out: MQTT connect".into()), "timed out: MQTT connect");
    }

    #[test]
    fn bad_pem_names_the_field_without_quoting_it() {
        let secret = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----";
        let settings = TlsSettings {
            ca_pem: Some("-----BEGIN CERTIFICATE-----\nbm90IGRlcg==\n-----END CERTIFICATE-----".into()),
            client_cert_pem: Some("nothing".into()),
            client_key_pem: Some(secret.into()),
            server_name: None,
        };
        let errors = client_config(Some(&settings)).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["source.tls.ca_pem", "source.tls.client_cert_pem"]);
        assert!(errors.iter().all(|e| !e.message.contains("c2VjcmV0")), "{errors:?}");
        assert!(client_config(None).is_ok(), "system roots");
    }
}
