//! Certificates for the TLS broker tests, made fresh for each run: a CA,
//! a server certificate, a client certificate, and a client certificate
//! from another CA (which the broker must refuse).

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType,
};

/// A certificate and its private key, PEM.
#[derive(Clone, Debug)]
pub struct Identity {
    pub cert_pem: String,
    pub key_pem: String,
}

/// What the TLS tests use.
#[derive(Clone, Debug)]
pub struct TestPki {
    pub ca_pem: String,
    /// For `SERVER_NAME` only (no IP address): clients connecting to
    /// 127.0.0.1 must be told the name.
    pub server: Identity,
    pub client: Identity,
    /// Signed by another CA.
    pub rogue_client: Identity,
}

/// The one name the server certificate carries.
pub const SERVER_NAME: &str = "broker.feedboard.test";

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> crate::Result<Ca> {
        let key = KeyPair::generate().map_err(crate::context("CA key"))?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(crate::context("CA"))?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).map_err(crate::context("CA certificate"))?;
        Ok(Ca { cert, key })
    }

    fn issue(&self, name: &str, sans: Vec<SanType>, usage: ExtendedKeyUsagePurpose) -> crate::Result<Identity> {
        let key = KeyPair::generate().map_err(crate::context("key"))?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(crate::context("certificate"))?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.subject_alt_names = sans;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &self.cert, &self.key).map_err(crate::context("signing"))?;
        Ok(Identity { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
    }
}

impl TestPki {
    pub fn generate() -> crate::Result<TestPki> {
        let (ca, rogue) = (Ca::new("feedboard test CA")?, Ca::new("someone else's CA")?);
        let dns = SanType::DnsName(SERVER_NAME.try_into().map_err(crate::context("server name"))?);
        let server = ca.issue(SERVER_NAME, vec![dns], ExtendedKeyUsagePurpose::ServerAuth)?;
        let client = ca.issue("feedboard", vec![], ExtendedKeyUsagePurpose::ClientAuth)?;
        let rogue_client = rogue.issue("feedboard", vec![], ExtendedKeyUsagePurpose::ClientAuth)?;
        Ok(TestPki { ca_pem: ca.cert.pem(), server, client, rogue_client })
    }
}
