//! The shared state, and the server loop: axum over a listener whose connections can be cut.
//!
//! To drop a connection without a response, the handler flips the connection's kill switch
//! (reached through `ConnectInfo<Conn>`); the stream then fails every read and write, hyper
//! gives up on the connection, and the socket closes with a reset (zero linger).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::model::Store;
use crate::{Outage, RecordedRequest};

pub(crate) struct App {
    pub token: String,
    pub base_url: String,
    state: Mutex<State>,
}

pub(crate) struct State {
    pub store: Store,
    pub outage: Outage,
    pub forbid_writes: bool,
    /// Every request received, with a sequence number to set its status once answered.
    pub requests: Vec<(u64, RecordedRequest)>,
    next_seq: u64,
}

impl App {
    pub fn new(token: &str, base_url: String) -> App {
        App {
            token: token.to_string(),
            state: Mutex::new(State {
                store: Store::new(base_url.clone()),
                outage: Outage::None,
                forbid_writes: false,
                requests: Vec::new(),
                next_seq: 0,
            }),
            base_url,
        }
    }

    /// The state; a panic elsewhere while it was held does not make it unusable.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    pub fn record(&mut self, request: RecordedRequest) -> u64 {
        self.next_seq += 1;
        self.requests.push((self.next_seq, request));
        self.next_seq
    }

    pub fn set_status(&mut self, seq: u64, status: u16) {
        if let Some((_, r)) = self.requests.iter_mut().rev().find(|(s, _)| *s == seq) {
            r.status = status;
        }
    }
}

/// A connection's kill switch, handed to the handler as `ConnectInfo<Conn>`.
#[derive(Clone, Default)]
pub(crate) struct Conn(Arc<AtomicBool>);

impl Conn {
    pub fn kill(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, CuttableListener>> for Conn {
    fn connect_info(stream: IncomingStream<'_, CuttableListener>) -> Self {
        stream.io().conn.clone()
    }
}

pub(crate) struct CuttableListener(pub TcpListener);

impl Listener for CuttableListener {
    type Io = CuttableStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let io = CuttableStream {
                        stream,
                        conn: Conn::default(),
                        cut: false,
                    };
                    return (io, addr);
                }
                // Out of file descriptors and the like: wait and keep serving.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

pub(crate) struct CuttableStream {
    stream: TcpStream,
    conn: Conn,
    cut: bool,
}

impl CuttableStream {
    /// `Err` once the connection was killed; the first time, arms a reset on close.
    fn check(&mut self) -> io::Result<()> {
        if !self.conn.0.load(Ordering::SeqCst) {
            return Ok(());
        }
        if !self.cut {
            self.cut = true;
            let _ = self.stream.set_zero_linger();
        }
        Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "connection dropped by the fake (outage)",
        ))
    }
}

impl AsyncRead for CuttableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CuttableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}
