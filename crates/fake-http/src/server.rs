//! The server: a router served from its own thread, with its own tokio runtime, over a
//! [`CuttableListener`].

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;

use crate::listener::{Conn, CuttableListener};

/// Calls `start_on` with 127.0.0.1 on a free port.
///
/// # Panics
/// When `start_on` fails (a test cannot go on without its fake), with a message naming the
/// fake `name`.
#[track_caller]
pub fn start_on_free_port<T>(name: &str, start_on: impl FnOnce(SocketAddr) -> io::Result<T>) -> T {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    match start_on(addr) {
        Ok(fake) => fake,
        Err(e) => panic!("{name}: cannot start on {addr}: {e}"),
    }
}

/// What a fake's handlers share: the token it accepts, its base URL, and its state.
pub struct Shared<S> {
    pub token: String,
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub base_url: String,
    state: Mutex<S>,
}

impl<S> Shared<S> {
    pub fn new(token: &str, base_url: String, state: S) -> Shared<S> {
        Shared {
            token: token.to_string(),
            base_url,
            state: Mutex::new(state),
        }
    }

    /// The state; a panic elsewhere while it was held does not make it unusable.
    pub fn lock(&self) -> MutexGuard<'_, S> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A bound (loopback) socket, not served yet: its address is known, so the router's state
/// can be built with it before [`Binding::serve`].
pub struct Binding {
    name: String,
    listener: std::net::TcpListener,
    addr: SocketAddr,
}

/// A running server. Dropping it stops the server and closes its connections.
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `addr`, which must be a loopback address; `name` names the threads and appears
    /// in errors.
    pub fn bind(addr: SocketAddr, name: &str) -> io::Result<Binding> {
        if !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{name} binds to loopback addresses only"),
            ));
        }
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        Ok(Binding {
            name: name.to_string(),
            listener,
            addr,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Binding {
    /// The bound address (the actual port when asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves `router` on its own thread with its own tokio runtime (two workers); handlers
    /// reach their connection's kill switch through `ConnectInfo<Conn>`.
    pub fn serve(self, router: Router) -> io::Result<Server> {
        let Binding {
            name,
            listener,
            addr,
        } = self;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(name.clone())
            .enable_all()
            .build()?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let service = router.into_make_service_with_connect_info::<Conn>();
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name(name).spawn(move || {
            runtime.block_on(async move {
                let serve = axum::serve(CuttableListener(listener), service);
                tokio::select! {
                    _ = serve => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime cancels every connection task, closing the sockets.
            runtime.shutdown_timeout(Duration::from_secs(1));
        })?;
        Ok(Server {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_state_stays_usable() {
        let shared = Shared::new("t", "http://h".into(), 1);
        let _ = std::panic::catch_unwind(|| {
            let _guard = shared.lock();
            panic!("while holding the state");
        });
        *shared.lock() += 1;
        assert_eq!(*shared.lock(), 2);
    }
}
