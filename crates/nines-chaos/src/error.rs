//! The errors of the control API, with toxiproxy's messages and status
//! codes: clients match on both (toxiproxy-python raises `NotFound` on 404,
//! `ProxyExists` on 409, `InvalidToxic` on 400).

/// What went wrong with a request to the proxies; [`ChaosError::status`]
/// is the HTTP status toxiproxy answers with.
#[derive(Debug, thiserror::Error)]
pub enum ChaosError {
    #[error("bad request body: {0}")]
    BadBody(String),
    #[error("missing required field: {0}")]
    Missing(String),
    #[error("proxy not found")]
    ProxyNotFound,
    #[error("proxy already exists")]
    ProxyExists,
    #[error("stream was invalid, can be either upstream or downstream")]
    InvalidStream,
    #[error("invalid toxic type")]
    InvalidToxicType,
    #[error("toxic already exists")]
    ToxicExists,
    #[error("toxic not found")]
    ToxicNotFound,
    /// Binding the proxy's listen address failed (in use, not local, ...).
    #[error("listen tcp {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

impl ChaosError {
    pub fn status(&self) -> u16 {
        match self {
            ChaosError::BadBody(_)
            | ChaosError::Missing(_)
            | ChaosError::InvalidStream
            | ChaosError::InvalidToxicType => 400,
            ChaosError::ProxyNotFound | ChaosError::ToxicNotFound => 404,
            ChaosError::ProxyExists | ChaosError::ToxicExists => 409,
            ChaosError::Listen { .. } => 500,
        }
    }
}
