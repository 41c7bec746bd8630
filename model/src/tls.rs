//! TLS settings of a broker connection: a private CA, a client certificate
//! and key (mutual TLS), and the name the broker's certificate must carry.
//! The checks here are the shape of the PEM text (so the form can say at
//! once what is wrong); the server parses the certificates themselves.

use super::PASSWORD_MASK;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How to reach a broker over TLS. Blank fields count as absent.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TlsSettings {
    /// PEM certificates to trust instead of the system roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
    /// The client certificate (PEM, leaf first), for brokers that require one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert_pem: Option<String>,
    /// The client certificate's private key (PEM). Write-only: read back as
    /// the mask; sending the mask back keeps the stored key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key_pem: Option<String>,
    /// The name the broker's certificate must carry, when it is not the
    /// URL's host (e.g. a broker reached by IP address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
}

/// Longest PEM text a field takes.
const MAX_PEM_BYTES: usize = 64 * 1024;

fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl TlsSettings {
    /// The trusted CA certificates, if given.
    pub fn ca(&self) -> Option<&str> {
        given(&self.ca_pem)
    }

    /// The client certificate, if given.
    pub fn client_cert(&self) -> Option<&str> {
        given(&self.client_cert_pem)
    }

    /// The client key, if given (possibly the mask).
    pub fn client_key(&self) -> Option<&str> {
        given(&self.client_key_pem)
    }

    /// The server name override, if given.
    pub fn server_name(&self) -> Option<&str> {
        given(&self.server_name)
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.ca().is_none()
            && self.client_cert().is_none()
            && self.client_key().is_none()
            && self.server_name().is_none()
    }

    /// Whether the client key is the mask (a form sent back what it was shown).
    pub fn has_masked_key(&self) -> bool {
        self.client_key() == Some(PASSWORD_MASK)
    }

    /// Checks each field's shape, calling `check` with `source.tls.<field>`.
    pub(crate) fn validate(&self, check: &mut impl FnMut(&str, Result<(), String>)) {
        if let Some(ca) = self.ca() {
            check("source.tls.ca_pem", certificates(ca));
        }
        match (self.client_cert(), self.client_key()) {
            (Some(cert), key) => {
                check("source.tls.client_cert_pem", certificates(cert));
                let key = key.ok_or("a client certificate needs its private key".to_owned());
                check("source.tls.client_key_pem", key.and_then(private_key));
            }
            (None, Some(_)) => {
                check("source.tls.client_cert_pem", Err("a client key needs its certificate".into()));
            }
            (None, None) => {}
        }
        if let Some(name) = self.server_name() {
            check("source.tls.server_name", server_name(name));
        }
    }
}

/// One `-----BEGIN <label>-----` … `-----END <label>-----` block.
struct PemBlock<'a> {
    label: &'a str,
    /// Header lines (`Proc-Type: 4,ENCRYPTED`): an encrypted legacy key.
    has_headers: bool,
}

/// The PEM blocks of `text` (text between them is ignored, as openssl
/// does), or what is wrong with them.
fn pem_blocks(text: &str) -> Result<Vec<PemBlock<'_>>, String> {
    if text.len() > MAX_PEM_BYTES {
        return Err(format!("must be at most {} KiB", MAX_PEM_BYTES / 1024));
    }
    let mut blocks = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) else { continue };
        let (mut body, mut has_headers) = (0, false);
        loop {
            let line = lines.next().ok_or_else(|| format!("the {label} block has no END line"))?;
            if let Some(end) = line.strip_prefix("-----END ").and_then(|l| l.strip_suffix("-----")) {
                if end != label {
                    return Err(format!("the {label} block ends as {end}"));
                }
                break;
            }
            if line.contains(':') {
                has_headers = true;
            } else if line.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')) {
                body += line.len();
            } else {
                return Err(format!("the {label} block is not base64"));
            }
        }
        if body == 0 {
            return Err(format!("the {label} block is empty"));
        }
        blocks.push(PemBlock { label, has_headers });
    }
    Ok(blocks)
}

fn certificates(text: &str) -> Result<(), String> {
    let blocks = pem_blocks(text)?;
    if blocks.is_empty() || blocks.iter().any(|b| b.label != "CERTIFICATE") {
        return Err("must be PEM certificates (-----BEGIN CERTIFICATE-----)".into());
    }
    Ok(())
}

fn private_key(text: &str) -> Result<(), String> {
    if text == PASSWORD_MASK {
        return Ok(());
    }
    let blocks = pem_blocks(text)?;
    match blocks.as_slice() {
        [b] if b.label == "ENCRYPTED PRIVATE KEY" || b.has_headers => {
            Err("must not be encrypted: decrypt it first (openssl pkey -in key.pem -out plain.pem)".into())
        }
        [b] if matches!(b.label, "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY") => Ok(()),
        _ => Err("must be one PEM private key (-----BEGIN PRIVATE KEY-----)".into()),
    }
}

fn server_name(name: &str) -> Result<(), String> {
    let is_ip = name.parse::<std::net::IpAddr>().is_ok();
    let is_dns = name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if is_ip || is_dns { Ok(()) } else { Err("must be a host name (broker.example.com) or an IP address".into()) }
}

/// Debug output never shows the client key.
impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("ca_pem", &self.ca().map(|_| "…"))
            .field("client_cert_pem", &self.client_cert().map(|_| "…"))
            .field("client_key_pem", &self.client_key().map(|_| PASSWORD_MASK))
            .field("server_name", &self.server_name())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIU\nAbCd+/==\n-----END CERTIFICATE-----\n";
    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n";

    fn errors(tls: &TlsSettings) -> Vec<(String, String)> {
        let mut errors = vec![];
        tls.validate(&mut |field, result| errors.extend(result.err().map(|e| (field.to_owned(), e))));
        errors
    }

    fn fields(tls: &TlsSettings) -> Vec<String> {
        errors(tls).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn well_formed_settings_pass() {
        let tls = TlsSettings {
            ca_pem: Some(format!("subject=CN = test CA\n{CERT}{CERT}")),
            client_cert_pem: Some(CERT.into()),
            client_key_pem: Some(KEY.into()),
            server_name: Some("broker.internal".into()),
        };
        assert_eq!(errors(&tls), []);
        let masked = TlsSettings { client_key_pem: Some(PASSWORD_MASK.into()), ..tls };
        assert_eq!(errors(&masked), [], "the mask stands for the stored key");
        assert!(TlsSettings { ca_pem: Some("  ".into()), ..TlsSettings::default() }.is_empty());
    }

    #[test]
    fn each_bad_field_is_named_with_what_is_wrong() {
        let bad_ca = TlsSettings { ca_pem: Some("hello".into()), ..TlsSettings::default() };
        assert_eq!(
            errors(&bad_ca),
            [("source.tls.ca_pem".into(), "must be PEM certificates (-----BEGIN CERTIFICATE-----)".into())]
        );
        let truncated = TlsSettings { ca_pem: Some(CERT[..40].into()), ..TlsSettings::default() };
        assert_eq!(errors(&truncated)[0].1, "the CERTIFICATE block has no END line");
        let key_only = TlsSettings { client_key_pem: Some(KEY.into()), ..TlsSettings::default() };
        assert_eq!(fields(&key_only), ["source.tls.client_cert_pem"]);
        let cert_only = TlsSettings { client_cert_pem: Some(CERT.into()), ..TlsSettings::default() };
        assert_eq!(
            errors(&cert_only),
            [("source.tls.client_key_pem".into(), "a client certificate needs its private key".into())]
        );
        let swapped = TlsSettings {
            client_cert_pem: Some(KEY.into()),
            client_key_pem: Some(CERT.into()),
            ..TlsSettings::default()
        };
        assert_eq!(fields(&swapped), ["source.tls.client_cert_pem", "source.tls.client_key_pem"]);
        let encrypted = KEY.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY");
        let locked = TlsSettings {
            client_cert_pem: Some(CERT.into()),
            client_key_pem: Some(encrypted),
            ..TlsSettings::default()
        };
        assert!(errors(&locked)[0].1.contains("must not be encrypted"));
        let name = TlsSettings { server_name: Some("not a host".into()), ..TlsSettings::default() };
        assert_eq!(fields(&name), ["source.tls.server_name"]);
        let huge = TlsSettings { ca_pem: Some("A".repeat(MAX_PEM_BYTES + 1)), ..TlsSettings::default() };
        assert_eq!(errors(&huge)[0].1, "must be at most 64 KiB");
    }

    #[test]
    fn debug_output_hides_the_key() {
        let tls = TlsSettings { client_key_pem: Some(KEY.into()), ..TlsSettings::default() };
        assert!(!format!("{tls:?}").contains("MIGHAgEA"));
    }
}
