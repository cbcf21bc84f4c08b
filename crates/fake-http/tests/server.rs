//! A router served by `fake_http::Server`, talked to with `fake_http::testing`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use fake_http::testing::{raw_at, send_at};
use fake_http::{
    read_request, start_on_free_port, Incoming, RecordedRequest, RequestLog, Server, Shared,
};

type Log = Arc<Shared<RequestLog>>;

/// Records every request; `/drop` cuts the connection, anything else echoes the body.
async fn handle(State(log): State<Log>, request: Request) -> Response {
    let Incoming { conn, parts, body } = read_request(request).await;
    let seq = log
        .lock()
        .record(&parts, body.as_deref().unwrap_or_default());
    if parts.uri.path() == "/drop" {
        if let Some(conn) = conn {
            conn.kill();
        }
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let body = body.unwrap_or_default();
    log.lock().set_status(seq, 200);
    (StatusCode::OK, body).into_response()
}

fn start(addr: SocketAddr) -> std::io::Result<(Server, Log, String)> {
    let binding = Server::bind(addr, "fake-http-test")?;
    let base_url = binding.base_url();
    let log = Arc::new(Shared::new("t", base_url.clone(), RequestLog::default()));
    let router = Router::new().fallback(handle).with_state(Arc::clone(&log));
    Ok((binding.serve(router)?, log, base_url))
}

#[test]
fn serves_records_drops_and_stops() {
    let (server, log, base_url) = start_on_free_port("fake-http-test", start);
    let addr = server.addr();
    assert!(addr.ip().is_loopback());
    assert_eq!(base_url, format!("http://{addr}"));
    assert_eq!(log.base_url, base_url);
    assert_eq!(log.token, "t");

    let reply = send_at(addr, "POST", "/echo?q=a+b", &[("X-Y", "z")], Some("hi"));
    assert_eq!((reply.status, reply.body.as_str()), (200, "hi"));
    assert!(raw_at(addr, "GET", "/drop", &[], None).is_err());

    let requests: Vec<RecordedRequest> = log.lock().all();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].query_pairs(), vec![("q".into(), "a b".into())]);
    assert_eq!(requests[0].header("x-y"), Some("z"));
    assert_eq!(requests[0].body, "hi");
    assert_eq!(requests[0].status, 200);
    assert_eq!(
        (requests[1].path.as_str(), requests[1].status),
        ("/drop", 0)
    );

    drop(server);
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "stopped on drop"
    );
}

#[test]
fn binds_loopback_only() {
    let addr = SocketAddr::from(([0, 0, 0, 0], 0));
    let error = Server::bind(addr, "fake-x").err().expect("refused");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(error.to_string(), "fake-x binds to loopback addresses only");
}

#[test]
#[should_panic(expected = "fake-x: cannot start on 127.0.0.1:0: nope")]
fn start_on_free_port_panics_with_the_name() {
    start_on_free_port("fake-x", |_| -> std::io::Result<()> {
        Err(std::io::Error::other("nope"))
    });
}
