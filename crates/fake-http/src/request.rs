//! Reading a request: its body in full, its connection's kill switch, its credentials.

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::listener::Conn;

/// Bodies above this are refused (413) without being handled.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// A request read in full, with its connection's kill switch.
pub struct Incoming {
    pub conn: Option<Conn>,
    pub parts: Parts,
    /// `Err` when the body could not be read or is larger than [`MAX_BODY`].
    pub body: Result<Bytes, axum::Error>,
}

/// Reads the request's body (up to [`MAX_BODY`]) and takes its kill switch.
pub async fn read_request(request: Request) -> Incoming {
    let conn = Conn::of(&request);
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY).await;
    Incoming { conn, parts, body }
}

/// The `Authorization` header's value, when there is one and it is visible ASCII.
pub fn authorization(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_authorization_header() {
        let parts = |value: Option<&[u8]>| {
            let mut request = axum::http::Request::builder();
            if let Some(value) = value {
                request = request.header(AUTHORIZATION, value);
            }
            request.body(()).unwrap_or_default().into_parts().0
        };
        assert_eq!(authorization(&parts(Some(b"Bearer x"))), Some("Bearer x"));
        assert_eq!(authorization(&parts(None)), None);
        assert_eq!(authorization(&parts(Some(b"Bearer \xff"))), None);
    }
}
