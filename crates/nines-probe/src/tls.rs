//! TLS client setup for probes (system roots, a CA file, or no verification),
//! verification as Go's crypto/tls does it, and what the presented chain
//! shows (expiry, the leaf, the version).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    ClientConfig, DigitallySignedStruct, ProtocolVersion, RootCertStore, SignatureScheme,
};
use sha2::{Digest, Sha256};

use crate::der::cert_fields;
use crate::outcome::{Certificates, Leaf};
use crate::spec::TlsOptions;

/// Why TLS settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("ca_file {path}: {message}")]
    CaFile { path: String, message: String },
    #[error("TLS setup: {0}")]
    Rustls(#[from] rustls::Error),
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    static PROVIDER: OnceLock<Arc<rustls::crypto::CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// Roots a probe trusts: the store webpki verifies against, and each
/// root's DER and expiry, to recognise a root presented as the server's own
/// certificate and to date the chain that verified.
#[derive(Debug)]
pub struct Anchors {
    roots: Arc<RootCertStore>,
    ders: HashSet<Vec<u8>>,
    /// Subject (DER contents) to the latest `notAfter` of the roots with
    /// that subject.
    expiry: HashMap<Vec<u8>, i64>,
}

impl Anchors {
    fn new(certs: Vec<CertificateDer<'static>>) -> Anchors {
        let mut roots = RootCertStore::empty();
        let mut ders = HashSet::new();
        let mut expiry: HashMap<Vec<u8>, i64> = HashMap::new();
        for cert in certs {
            if roots.add(cert.clone()).is_err() {
                continue;
            }
            if let Some(f) = cert_fields(&cert) {
                let e = expiry.entry(f.subject).or_insert(f.not_after);
                *e = (*e).max(f.not_after);
            }
            ders.insert(cert.as_ref().to_vec());
        }
        Anchors {
            roots: Arc::new(roots),
            ders,
            expiry,
        }
    }
}

/// The system's trusted roots, read once: reading and parsing the bundle
/// costs milliseconds, far more than a probe should.
fn system_roots() -> Arc<Anchors> {
    static ROOTS: OnceLock<Arc<Anchors>> = OnceLock::new();
    ROOTS
        .get_or_init(|| Arc::new(Anchors::new(rustls_native_certs::load_native_certs().certs)))
        .clone()
}

/// The client config for `options`, built once per distinct set of options
/// and shared: ten thousand probes with default TLS settings hold one
/// config (and one session cache), not ten thousand.
pub fn client_config(options: &TlsOptions) -> Result<Arc<TlsClient>, TlsSetupError> {
    static CACHE: OnceLock<Mutex<HashMap<TlsOptions, Arc<TlsClient>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(options) {
        return Ok(c.clone());
    }
    let config = build_client_config(options)?;
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(options.clone(), config.clone());
    Ok(config)
}

/// A client config and the roots it trusts (none when it trusts
/// anything), to tell which presented certificates form the chain that
/// verified.
#[derive(Debug)]
pub struct TlsClient {
    pub config: Arc<ClientConfig>,
    pub anchors: Option<Arc<Anchors>>,
}

fn build_client_config(options: &TlsOptions) -> Result<Arc<TlsClient>, TlsSetupError> {
    let builder =
        ClientConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    let (mut config, anchors) = if options.insecure_skip_verify {
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider())))
            .with_no_client_auth();
        (config, None)
    } else {
        let anchors = match &options.ca_file {
            Some(path) => Arc::new(Anchors::new(read_ca_file(path)?)),
            None => system_roots(),
        };
        let verifier = GoLikeVerifier::new(anchors.clone());
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        (config, Some(anchors))
    };
    // Every run does a full handshake, as a user's first visit does: a
    // resumed session would make the tls phase look faster than it is.
    config.resumption = rustls::client::Resumption::disabled();
    Ok(Arc::new(TlsClient {
        config: Arc::new(config),
        anchors,
    }))
}

fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    use rustls::pki_types::pem::PemObject;
    let error = |message: String| TlsSetupError::CaFile {
        path: path.display().to_string(),
        message,
    };
    let mut certs = Vec::new();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| error(e.to_string()))? {
        let cert = cert.map_err(|e| error(e.to_string()))?;
        // Refuse what webpki cannot use as a root now, not at every run.
        RootCertStore::empty()
            .add(cert.clone())
            .map_err(|e| error(e.to_string()))?;
        certs.push(cert);
    }
    if certs.is_empty() {
        return Err(error("holds no PEM certificate".into()));
    }
    Ok(certs)
}

/// The server name to send and verify: the configured one, else the host.
pub fn server_name(options: &TlsOptions, host: &str) -> Result<ServerName<'static>, String> {
    let name = options.server_name.as_deref().unwrap_or(host);
    let name = name.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(name.to_string()).map_err(|e| format!("server name {name:?}: {e}"))
}

/// What the presented chain says: the leaf, the earliest expiry and, with
/// `anchors` (the handshake verified against those roots), the expiry of
/// the chain that verified, as Go's `VerifiedChains` holds it: from the
/// leaf, each certificate's issuer among the presented ones, up to and
/// including the trusted root (or a self-signed presented one). Extra
/// presented certificates (an expired cross-sign, say) are left out of it,
/// as blackbox_exporter's `probe_ssl_last_chain_expiry_timestamp_seconds`
/// leaves out chains that did not verify.
pub fn certificates(
    chain: &[CertificateDer<'_>],
    anchors: Option<&Anchors>,
    version: Option<ProtocolVersion>,
) -> Certificates {
    let fields: Vec<_> = chain.iter().filter_map(|c| cert_fields(c)).collect();
    let verified_chain_expiry = anchors.and_then(|anchors| {
        let mut cur = fields.first()?;
        let mut used = vec![0usize];
        let mut earliest = cur.not_after;
        loop {
            if cur.issuer == cur.subject {
                break;
            }
            if let Some(root) = anchors.expiry.get(&cur.issuer) {
                earliest = earliest.min(*root);
                break;
            }
            // Of several candidates (a cross-sign beside the intermediate),
            // the one valid longest is the one a verifier settles on.
            let Some(i) = (0..fields.len())
                .filter(|i| !used.contains(i) && fields[*i].subject == cur.issuer)
                .max_by_key(|i| fields[*i].not_after)
            else {
                break;
            };
            used.push(i);
            cur = &fields[i];
            earliest = earliest.min(cur.not_after);
        }
        Some(earliest)
    });
    let leaf = chain.first().zip(fields.first()).map(|(der, f)| Leaf {
        fingerprint_sha256: crate::der::hex(&Sha256::digest(der.as_ref())),
        subject: f.subject_text.clone(),
        issuer: f.issuer_text.clone(),
        dns_names: f.dns_names.clone(),
    });
    Certificates {
        earliest_expiry: fields.iter().map(|f| f.not_after).min(),
        verified_chain_expiry,
        leaf_subject: fields.first().and_then(|f| f.subject_cn.clone()),
        chain_len: chain.len(),
        version: version.map(|v| match v {
            ProtocolVersion::TLSv1_0 => "TLS 1.0",
            ProtocolVersion::TLSv1_1 => "TLS 1.1",
            ProtocolVersion::TLSv1_2 => "TLS 1.2",
            ProtocolVersion::TLSv1_3 => "TLS 1.3",
            _ => "unknown",
        }),
        leaf,
    }
}

/// Verifies a server's certificate as Go's crypto/tls (and so
/// blackbox_exporter) does: webpki for every chain, and one case webpki
/// refuses on purpose. `openssl req -x509` makes a self-signed certificate
/// with `CA:TRUE`; users trust it by naming it in `ca_file`. Go accepts a
/// presented certificate that is itself one of the trusted roots (the
/// chain is that root alone) after checking its validity period, key usage
/// and host name; webpki never lets a CA certificate be an end entity
/// (`CaUsedAsEndEntity`), so a migrated probe would fail where blackbox
/// succeeds. Only a certificate byte-for-byte equal to a configured root
/// takes that path, so nothing webpki would refuse for any other reason
/// (an unknown issuer, a CA certificate that is not itself trusted, a bad
/// signature) gets through; the handshake's signatures are still checked
/// against the certificate's key.
#[derive(Debug)]
struct GoLikeVerifier {
    /// `None` when there are no roots (a system without a CA bundle):
    /// then every chain fails, naming the reason.
    webpki: Option<Arc<WebPkiServerVerifier>>,
    anchors: Arc<Anchors>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl GoLikeVerifier {
    fn new(anchors: Arc<Anchors>) -> GoLikeVerifier {
        let provider = provider();
        let webpki =
            WebPkiServerVerifier::builder_with_provider(anchors.roots.clone(), provider.clone())
                .build()
                .ok();
        GoLikeVerifier {
            webpki,
            anchors,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

/// A presented certificate that is itself a trusted root: valid now, for
/// serving TLS, and for `server_name`.
fn verify_trusted_root(
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    use rustls::CertificateError;
    let fields = cert_fields(end_entity).ok_or(rustls::Error::InvalidCertificate(
        CertificateError::BadEncoding,
    ))?;
    let now = now.as_secs() as i64;
    if now < fields.not_before {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::NotValidYet,
        ));
    }
    if now > fields.not_after {
        return Err(rustls::Error::InvalidCertificate(CertificateError::Expired));
    }
    if !fields.allows_server_auth() {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::InvalidPurpose,
        ));
    }
    let parsed = ParsedCertificate::try_from(end_entity)?;
    verify_server_name(&parsed, server_name)
}

impl ServerCertVerifier for GoLikeVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(webpki) = &self.webpki else {
            return Err(rustls::Error::General(
                "no trusted root certificates: the system has no CA bundle; set ca_file".into(),
            ));
        };
        let verdict =
            webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        match verdict {
            Err(_) if self.anchors.ders.contains(end_entity.as_ref()) => {
                verify_trusted_root(end_entity, server_name, now)?;
                Ok(ServerCertVerified::assertion())
            }
            verdict => verdict,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `insecure_skip_verify` (and the `--insecure` of nines' own clients):
/// accepts any certificate but still checks that the handshake's
/// signatures are sound, so the handshake is a real one.
#[derive(Debug)]
pub struct AcceptAny(pub Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
