//! A listener whose connections can be cut.
//!
//! To drop a connection without a response, a handler flips the connection's kill switch
//! (reached through `ConnectInfo<Conn>`, see [`Conn::of`]); the stream then fails every read
//! and write, hyper gives up on the connection, and the socket closes with a reset (zero
//! linger).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request};
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A connection's kill switch, handed to handlers as `ConnectInfo<Conn>`.
#[derive(Clone, Default)]
pub struct Conn(Arc<AtomicBool>);

impl Conn {
    /// The kill switch of the connection `request` came on (`None` when the router was not
    /// served by a [`Server`](crate::Server)).
    pub fn of(request: &Request) -> Option<Conn> {
        request
            .extensions()
            .get::<ConnectInfo<Conn>>()
            .map(|c| c.0.clone())
    }

    /// Cuts the connection: nothing more is read or written on it, and it closes with a
    /// reset.
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
            "connection dropped by the fake",
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
