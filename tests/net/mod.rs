//! Network pieces the proxy and TLS tests share, all on 127.0.0.1: a forward proxy (HTTP
//! in absolute form, and `CONNECT` tunnels) that records every request it carries, a
//! private certificate authority, and a TLS-terminating proxy whose certificate that CA
//! signed.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The `Via` header the forward proxy adds to every plain-HTTP request it forwards.
pub const VIA: &str = "1.1 test-proxy";

/// What the forward proxy carried.
#[derive(Default)]
struct Seen {
    /// Each request line: `GET http://127.0.0.1:PORT/path HTTP/1.1`, `CONNECT host:port HTTP/1.1`.
    requests: Vec<String>,
    /// The local address of each connection it made upstream.
    upstream: Vec<SocketAddr>,
}

/// A forward proxy: plain HTTP requests in absolute form are forwarded one per upstream
/// connection, with [`VIA`] added; `CONNECT` opens a tunnel. Lives as long as the test
/// process (nothing connects once its test is over).
pub struct ForwardProxy {
    pub url: String,
    seen: Arc<Mutex<Seen>>,
}

impl ForwardProxy {
    pub fn start() -> ForwardProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy socket");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let shared = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let seen = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(client, &seen);
                });
            }
        });
        ForwardProxy { url, seen }
    }

    /// Every request line it carried, in order.
    pub fn requests(&self) -> Vec<String> {
        self.seen
            .lock()
            .map(|s| s.requests.clone())
            .unwrap_or_default()
    }

    /// The local addresses of the connections it made upstream.
    pub fn upstream(&self) -> Vec<SocketAddr> {
        self.seen
            .lock()
            .map(|s| s.upstream.clone())
            .unwrap_or_default()
    }
}

fn serve(client: TcpStream, seen: &Mutex<Seen>) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            head.push(line.trim_end().to_owned());
        }
        let Some(request_line) = head.first().cloned() else {
            return Ok(());
        };
        let mut parts = request_line.split(' ');
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if let Ok(mut s) = seen.lock() {
            s.requests.push(request_line.clone());
        }
        if method == "CONNECT" {
            return tunnel(client, reader, target, seen);
        }
        forward(&client, &mut reader, method, target, &head[1..], seen)?;
    }
}

/// `CONNECT host:port`: 200, then bytes both ways.
fn tunnel(
    mut client: TcpStream,
    reader: BufReader<TcpStream>,
    target: &str,
    seen: &Mutex<Seen>,
) -> std::io::Result<()> {
    let mut upstream = TcpStream::connect(target)?;
    if let Ok(mut s) = seen.lock() {
        s.upstream.push(upstream.local_addr()?);
    }
    client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")?;
    upstream.write_all(reader.buffer())?;
    let (mut from_client, mut to_upstream) = (client.try_clone()?, upstream.try_clone()?);
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_upstream);
        let _ = to_upstream.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(Shutdown::Write);
    let _ = up.join();
    Ok(())
}

/// One plain request in absolute form, sent on its own upstream connection.
fn forward(
    mut client: &TcpStream,
    reader: &mut BufReader<TcpStream>,
    method: &str,
    target: &str,
    headers: &[String],
    seen: &Mutex<Seen>,
) -> std::io::Result<()> {
    let rest = target.strip_prefix("http://").unwrap_or(target);
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let length = headers
        .iter()
        .find_map(|h| {
            let (name, value) = h.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut upstream = TcpStream::connect(authority)?;
    if let Ok(mut s) = seen.lock() {
        s.upstream.push(upstream.local_addr()?);
    }
    let mut out = format!("{method} {path} HTTP/1.1\r\n");
    for h in headers {
        let name = h.split(':').next().unwrap_or("").to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "connection" | "proxy-connection" | "keep-alive"
        ) {
            out.push_str(&format!("{h}\r\n"));
        }
    }
    out.push_str(&format!("Via: {VIA}\r\nConnection: close\r\n\r\n"));
    upstream.write_all(out.as_bytes())?;
    upstream.write_all(&body)?;
    let mut answer = Vec::new();
    upstream.read_to_end(&mut answer)?;
    client.write_all(&answer)?;
    client.flush()
}

/// A private certificate authority.
pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
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
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for IP 127.0.0.1 (SAN IP), signed by this CA, and its key.
    fn server_cert_for_loopback(&self) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "fake API over TLS");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("server key");
        let cert = params.signed_by(&key, &self.issuer).expect("server cert");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (cert.der().clone(), key)
    }
}

/// A TLS-terminating proxy on 127.0.0.1 (its own thread and tokio runtime): it
/// decrypts and forwards each connection's bytes, both ways, to `upstream`.
pub struct TlsProxy {
    addr: SocketAddr,
    /// TCP connections accepted.
    accepted: Arc<AtomicUsize>,
    /// Where each accepted connection came from.
    peers: Arc<Mutex<Vec<SocketAddr>>>,
    /// TLS handshakes that succeeded.
    handshakes: Arc<AtomicUsize>,
    /// Why the failed handshakes failed, as the server side saw it.
    handshake_errors: Arc<Mutex<Vec<String>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TlsProxy {
    pub fn start(ca: &Ca, upstream: SocketAddr) -> TlsProxy {
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
        let peers = Arc::new(Mutex::new(Vec::new()));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let handshake_errors = Arc::new(Mutex::new(Vec::new()));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();

        let (acc, who, hs, errs) = (
            accepted.clone(),
            peers.clone(),
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
                        let (tcp, peer) = tokio::select! {
                            _ = &mut stopped => break,
                            conn = listener.accept() => match conn {
                                Ok(conn) => conn,
                                Err(_) => continue,
                            },
                        };
                        acc.fetch_add(1, Ordering::SeqCst);
                        if let Ok(mut p) = who.lock() {
                            p.push(peer);
                        }
                        let (acceptor, hs, errs) = (acceptor.clone(), hs.clone(), errs.clone());
                        tokio::spawn(async move {
                            let mut tls = match acceptor.accept(tcp).await {
                                Ok(tls) => tls,
                                Err(e) => {
                                    if let Ok(mut errs) = errs.lock() {
                                        errs.push(e.to_string());
                                    }
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
            peers,
            handshakes,
            handshake_errors,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Where each accepted connection came from.
    pub fn peers(&self) -> Vec<SocketAddr> {
        self.peers.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }

    pub fn handshake_errors(&self) -> Vec<String> {
        self.handshake_errors
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
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
