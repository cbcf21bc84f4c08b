//! The one HTTP stack of the program: reqwest over rustls with the ring provider and
//! bundled Mozilla roots, so it works in a `FROM scratch` image with no CA files.

use std::sync::Arc;
use std::time::Duration;

/// Per-request timeout: a hung connection fails this request, not the whole run.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const USER_AGENT: &str = concat!("devopness-status-hooks/", env!("CARGO_PKG_VERSION"));

/// Builds the HTTP client, trusting the bundled roots plus `extra_roots` (DER).
/// Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (either case), as the
/// runner passes them.
pub fn client(extra_roots: &[Vec<u8>]) -> Result<reqwest::Client, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // Also the process default, so nothing in the process can fall back to another.
    let _ = provider.as_ref().clone().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in extra_roots {
        roots
            .add(rustls::pki_types::CertificateDer::from(der.clone()))
            .map_err(|e| format!("an extra CA certificate was refused: {e}"))?;
    }
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .user_agent(USER_AGENT)
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("HTTP client setup failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_with_bundled_roots_only() {
        assert!(client(&[]).is_ok());
    }
}
