//! TLS end to end: the real binary talks `https://` to a TLS-terminating proxy on
//! 127.0.0.1 whose certificate comes from a private CA made for the test, and the
//! proxy forwards the decrypted bytes to the plain-HTTP fake Devopness API. The
//! private CA is trusted only through the `ca-certificate` input or `SSL_CERT_FILE`.

mod support;
use support::*;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const PIPELINE: u64 = 123;

/// A private certificate authority.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("CA key");
        Ca {
            issuer: CertifiedIssuer::self_signed(params, key).expect("CA certificate"),
        }
    }

    /// The CA certificate as PEM, as a user would paste it into `ca-certificate`.
    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for IP 127.0.0.1 (SAN IP), signed by this CA, and its key.
    fn server_cert_for_loopback(&self) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "fake devopness over TLS");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("server key");
        let cert = params.signed_by(&key, &self.issuer).expect("server cert");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (cert.der().clone(), key)
    }
}

/// A TLS-terminating proxy on 127.0.0.1 (its own thread and tokio runtime): it
/// decrypts and forwards each connection's bytes, both ways, to `upstream`.
struct TlsProxy {
    addr: SocketAddr,
    /// TCP connections accepted.
    accepted: Arc<AtomicUsize>,
    /// TLS handshakes that succeeded.
    handshakes: Arc<AtomicUsize>,
    /// Why the failed handshakes failed, as the server side saw it.
    handshake_errors: Arc<Mutex<Vec<String>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TlsProxy {
    fn start(ca: &Ca, upstream: SocketAddr) -> TlsProxy {
        let (cert, key) = ca.server_cert_for_loopback();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server TLS config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("proxy addr");
        let accepted = Arc::new(AtomicUsize::new(0));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let handshake_errors = Arc::new(Mutex::new(Vec::new()));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();

        let (acc, hs, errs) = (
            accepted.clone(),
            handshakes.clone(),
            handshake_errors.clone(),
        );
        let thread = std::thread::Builder::new()
            .name("tls-proxy".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()
                    .expect("proxy runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("proxy listener");
                    loop {
                        let tcp = tokio::select! {
                            _ = &mut stopped => break,
                            conn = listener.accept() => match conn {
                                Ok((tcp, _)) => tcp,
                                Err(_) => continue,
                            },
                        };
                        acc.fetch_add(1, Ordering::SeqCst);
                        let (acceptor, hs, errs) = (acceptor.clone(), hs.clone(), errs.clone());
                        tokio::spawn(async move {
                            let mut tls = match acceptor.accept(tcp).await {
                                Ok(tls) => tls,
                                Err(e) => {
                                    errs.lock().unwrap().push(e.to_string());
                                    return;
                                }
                            };
                            hs.fetch_add(1, Ordering::SeqCst);
                            let Ok(mut plain) = tokio::net::TcpStream::connect(upstream).await
                            else {
                                return;
                            };
                            let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                        });
                    }
                });
                // Dropping the runtime here ends every connection still open.
            })
            .expect("proxy thread");
        TlsProxy {
            addr,
            accepted,
            handshakes,
            handshake_errors,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }

    fn handshake_errors(&self) -> Vec<String> {
        self.handshake_errors.lock().unwrap().clone()
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A fake with one pipeline behind a TLS proxy whose certificate `ca` signed.
fn fake_behind_tls(ca: &Ca) -> (FakeDevopness, TlsProxy) {
    let fake = fake_with(&[PIPELINE]);
    let proxy = TlsProxy::start(ca, fake.addr());
    (fake, proxy)
}

/// Runs `apply` through the proxy with these extra inputs and env vars.
fn run_through(proxy: &TlsProxy, more: &[(&str, &str)], env: &[(&str, &str)]) -> RunResult {
    let url = proxy.url();
    let pipelines = PIPELINE.to_string();
    let mut inputs = vec![
        ("api-token", TOKEN),
        ("pipeline-ids", pipelines.as_str()),
        ("api-url", url.as_str()),
    ];
    inputs.extend_from_slice(more);
    run_action(&inputs, env)
}

fn describe(run: &RunResult, proxy: &TlsProxy) -> String {
    format!(
        "exit {}\nstdout:\n{}\nstderr:\n{}\nproxy: {} accepted, {} handshakes, errors {:?}",
        run.code,
        run.stdout,
        run.stderr,
        proxy.accepted(),
        proxy.handshakes(),
        proxy.handshake_errors()
    )
}

/// The run reached the proxy, every TLS handshake failed, nothing reached the API,
/// and the pipeline's `::error` says it is a certificate problem, and which.
fn assert_refused_certificate(
    run: &RunResult,
    fake: &FakeDevopness,
    proxy: &TlsProxy,
    reason: &str,
) {
    let why = describe(run, proxy);
    assert_eq!(run.code, 1, "{why}");
    assert!(
        proxy.accepted() >= 1,
        "the client never reached the proxy\n{why}"
    );
    assert_eq!(proxy.handshakes(), 0, "{why}");
    assert!(fake.requests().is_empty(), "{why}");
    assert!(fake.hooks(PIPELINE).is_empty(), "{why}");
    let pipeline_errors: Vec<&str> = run
        .errors()
        .into_iter()
        .filter(|l| l.starts_with(&format!("::error title=Pipeline {PIPELINE}::")))
        .collect();
    assert_eq!(pipeline_errors.len(), 1, "{why}");
    let error = pipeline_errors[0];
    assert!(error.contains("certificate"), "{why}");
    assert!(error.contains(reason), "{why}");
    // Says how to fix it.
    assert!(
        error.contains("ca-certificate") && error.contains("SSL_CERT_FILE"),
        "{why}"
    );
}

#[test]
fn a_private_ca_not_trusted_fails_the_pipeline_with_a_certificate_error() {
    let ca = Ca::new("devopness-status-hooks test CA");
    let (fake, proxy) = fake_behind_tls(&ca);
    let run = run_through(&proxy, &[], &[]);
    assert_refused_certificate(
        &run,
        &fake,
        &proxy,
        "invalid peer certificate: UnknownIssuer",
    );
    // The server side saw the client refuse the certificate.
    let errors = proxy.handshake_errors();
    assert!(!errors.is_empty(), "{}", describe(&run, &proxy));
}

#[test]
fn ca_certificate_input_trusts_the_private_ca() {
    let ca = Ca::new("devopness-status-hooks test CA");
    let (fake, proxy) = fake_behind_tls(&ca);
    let pem = ca.pem();
    let run = run_through(&proxy, &[("ca-certificate", pem.as_str())], &[]);
    let why = describe(&run, &proxy);
    assert_eq!(run.code, 0, "{why}");
    assert!(run.errors().is_empty(), "{why}");
    assert_eq!(run.output("created"), "3", "{why}");
    assert_eq!(fake.hooks(PIPELINE).len(), 3, "{why}");
    assert!(proxy.handshakes() >= 1, "{why}");
    assert!(proxy.handshake_errors().is_empty(), "{why}");
}

#[test]
fn ca_certificate_input_may_be_a_bundle_holding_the_private_ca() {
    let ca = Ca::new("devopness-status-hooks test CA");
    let other = Ca::new("some other CA");
    let (fake, proxy) = fake_behind_tls(&ca);
    let bundle = format!("{}\n{}", other.pem(), ca.pem());
    let run = run_through(&proxy, &[("ca-certificate", bundle.as_str())], &[]);
    let why = describe(&run, &proxy);
    assert_eq!(run.code, 0, "{why}");
    assert_eq!(fake.hooks(PIPELINE).len(), 3, "{why}");
}

#[test]
fn ssl_cert_file_trusts_the_private_ca() {
    let ca = Ca::new("devopness-status-hooks test CA");
    let (fake, proxy) = fake_behind_tls(&ca);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("private-ca.pem");
    std::fs::write(&file, ca.pem()).expect("write CA file");
    let path = file.to_str().expect("utf-8 path");
    let run = run_through(&proxy, &[], &[("SSL_CERT_FILE", path)]);
    let why = describe(&run, &proxy);
    assert_eq!(run.code, 0, "{why}");
    assert!(run.errors().is_empty(), "{why}");
    assert_eq!(run.output("created"), "3", "{why}");
    assert_eq!(fake.hooks(PIPELINE).len(), 3, "{why}");
    assert!(proxy.handshakes() >= 1, "{why}");
}

#[test]
fn ca_certificate_of_an_unrelated_ca_is_not_enough() {
    let ca = Ca::new("devopness-status-hooks test CA");
    let unrelated = Ca::new("some other CA");
    let (fake, proxy) = fake_behind_tls(&ca);
    let pem = unrelated.pem();
    let run = run_through(&proxy, &[("ca-certificate", pem.as_str())], &[]);
    assert_refused_certificate(
        &run,
        &fake,
        &proxy,
        "invalid peer certificate: UnknownIssuer",
    );
}

#[test]
fn ca_certificate_of_an_impostor_ca_with_the_same_name_is_not_enough() {
    let ca = Ca::new("devopness-status-hooks test CA");
    let impostor = Ca::new("devopness-status-hooks test CA");
    let (fake, proxy) = fake_behind_tls(&ca);
    let pem = impostor.pem();
    let run = run_through(&proxy, &[("ca-certificate", pem.as_str())], &[]);
    assert_refused_certificate(
        &run,
        &fake,
        &proxy,
        "invalid peer certificate: BadSignature",
    );
}

#[test]
fn ca_certificate_that_is_not_a_certificate_is_refused_before_any_request() {
    let ca = Ca::new("devopness-status-hooks test CA");
    let (fake, proxy) = fake_behind_tls(&ca);
    for garbage in [
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    ] {
        let run = run_through(&proxy, &[("ca-certificate", garbage)], &[]);
        let why = describe(&run, &proxy);
        assert_eq!(run.code, 1, "{why}");
        assert!(
            run.errors()
                .iter()
                .any(|l| l.starts_with("::error title=Invalid input%3A ca-certificate::")),
            "{why}"
        );
    }
    assert_eq!(proxy.accepted(), 0);
    assert!(fake.requests().is_empty());
}

#[test]
fn ssl_cert_file_that_is_missing_is_refused_before_any_request() {
    let ca = Ca::new("devopness-status-hooks test CA");
    let (fake, proxy) = fake_behind_tls(&ca);
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-ca.pem");
    let path = missing.to_str().expect("utf-8 path");
    let run = run_through(&proxy, &[], &[("SSL_CERT_FILE", path)]);
    let why = describe(&run, &proxy);
    assert_eq!(run.code, 1, "{why}");
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{why}");
    assert!(
        errors[0].starts_with("::error title=SSL_CERT_FILE::"),
        "{why}"
    );
    assert!(errors[0].contains(path), "{why}");
    assert_eq!(proxy.accepted(), 0, "{why}");
    assert!(fake.requests().is_empty(), "{why}");
}

#[test]
fn ssl_cert_file_without_a_certificate_is_refused_before_any_request() {
    let ca = Ca::new("devopness-status-hooks test CA");
    let (fake, proxy) = fake_behind_tls(&ca);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("empty.pem");
    std::fs::write(&file, "just some text\n").expect("write file");
    let path = file.to_str().expect("utf-8 path");
    let run = run_through(&proxy, &[], &[("SSL_CERT_FILE", path)]);
    let why = describe(&run, &proxy);
    assert_eq!(run.code, 1, "{why}");
    assert!(
        run.errors()
            .iter()
            .any(|l| l.starts_with("::error title=SSL_CERT_FILE::") && l.contains(path)),
        "{why}"
    );
    assert_eq!(proxy.accepted(), 0, "{why}");
    assert!(fake.requests().is_empty(), "{why}");
}
