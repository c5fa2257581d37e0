//! TLS client setup for probes (system roots, a CA file, or no verification)
//! and reading the presented chain's expiry.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::der::cert_fields;
use crate::outcome::Certificates;
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

/// The system's trusted roots, read once: reading and parsing the bundle
/// costs milliseconds, far more than a probe should.
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            Arc::new(roots)
        })
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

/// A client config and the subjects of the roots it trusts (none when it
/// trusts anything), to tell which presented certificates form the chain
/// that verified.
#[derive(Debug)]
pub struct TlsClient {
    pub config: Arc<ClientConfig>,
    pub anchors: Option<HashSet<Vec<u8>>>,
}

fn build_client_config(options: &TlsOptions) -> Result<Arc<TlsClient>, TlsSetupError> {
    let builder =
        ClientConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    let subjects = |roots: &RootCertStore| -> HashSet<Vec<u8>> {
        roots
            .roots
            .iter()
            .map(|a| a.subject.as_ref().to_vec())
            .collect()
    };
    let (mut config, anchors) = if options.insecure_skip_verify {
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider())))
            .with_no_client_auth();
        (config, None)
    } else if let Some(path) = &options.ca_file {
        let roots = read_ca_file(path)?;
        let anchors = subjects(&roots);
        (
            builder.with_root_certificates(roots).with_no_client_auth(),
            Some(anchors),
        )
    } else {
        let roots = system_roots();
        let anchors = subjects(&roots);
        (
            builder.with_root_certificates(roots).with_no_client_auth(),
            Some(anchors),
        )
    };
    // Every run does a full handshake, as a user's first visit does: a
    // resumed session would make the tls phase look faster than it is.
    config.resumption = rustls::client::Resumption::disabled();
    Ok(Arc::new(TlsClient {
        config: Arc::new(config),
        anchors,
    }))
}

fn read_ca_file(path: &Path) -> Result<RootCertStore, TlsSetupError> {
    use rustls::pki_types::pem::PemObject;
    let error = |message: String| TlsSetupError::CaFile {
        path: path.display().to_string(),
        message,
    };
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| error(e.to_string()))? {
        let cert = cert.map_err(|e| error(e.to_string()))?;
        roots.add(cert).map_err(|e| error(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(error("holds no PEM certificate".into()));
    }
    Ok(roots)
}

/// The server name to send and verify: the configured one, else the host.
pub fn server_name(options: &TlsOptions, host: &str) -> Result<ServerName<'static>, String> {
    let name = options.server_name.as_deref().unwrap_or(host);
    let name = name.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(name.to_string()).map_err(|e| format!("server name {name:?}: {e}"))
}

/// What the presented chain says about expiry. With `anchors` (the
/// handshake verified against those roots), also the expiry of the chain
/// that verified: from the leaf, each certificate's issuer among the
/// presented ones, until a trusted root's subject or a self-signed one.
/// Extra presented certificates (an expired cross-sign, say) are left out
/// of it, as blackbox_exporter's `probe_ssl_last_chain_expiry_timestamp_seconds`
/// leaves out chains that did not verify.
pub fn certificates(
    chain: &[CertificateDer<'_>],
    anchors: Option<&HashSet<Vec<u8>>>,
) -> Certificates {
    let fields: Vec<_> = chain.iter().filter_map(|c| cert_fields(c)).collect();
    let verified_chain_expiry = anchors.and_then(|anchors| {
        let mut cur = fields.first()?;
        let mut used = vec![0usize];
        let mut earliest = cur.not_after;
        while cur.issuer != cur.subject && !anchors.contains(&cur.issuer) {
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
    Certificates {
        earliest_expiry: fields.iter().map(|f| f.not_after).min(),
        verified_chain_expiry,
        leaf_subject: fields.first().and_then(|f| f.subject_cn.clone()),
        chain_len: chain.len(),
    }
}

/// `insecure_skip_verify`: accepts any certificate but still checks that
/// the handshake's signatures are sound, so the timing is a real handshake.
#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

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
