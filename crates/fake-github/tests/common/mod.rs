//! A minimal HTTP/1.1 client over `std::net::TcpStream`, enough to talk to the fake.
#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use fake_github::FakeGitHub;
use serde_json::Value;

pub const TOKEN: &str = "test-token";

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Sends one request on a fresh connection (`Connection: close`). `Err` when the server
/// closed the connection without a complete response.
pub fn raw(
    fake: &FakeGitHub,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> io::Result<Reply> {
    raw_at(fake.addr(), method, path, headers, body)
}

/// `raw` against any address.
pub fn raw_at(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or_default());
    stream.write_all(request.as_bytes())?;

    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> io::Result<Reply> {
    let closed = || {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed without a response",
        )
    };
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n").ok_or_else(closed)?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(closed)?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    if let Some(len) = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        if body.len() != len {
            return Err(closed());
        }
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// An authenticated JSON request that must get a response.
pub fn call(fake: &FakeGitHub, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let body = body.map(Value::to_string);
    send(fake, method, path, body.as_deref())
}

/// An authenticated request with a raw body, as octocrab sends it.
pub fn send(fake: &FakeGitHub, method: &str, path: &str, body: Option<&str>) -> Reply {
    let auth = format!("Bearer {TOKEN}");
    raw(
        fake,
        method,
        path,
        &[
            ("Authorization", &auth),
            ("User-Agent", "octocrab"),
            ("X-GitHub-Api-Version", "2022-11-28"),
            ("Content-Type", "application/json"),
        ],
        body,
    )
    .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

pub fn get(fake: &FakeGitHub, path: &str) -> Reply {
    call(fake, "GET", path, None)
}

pub const OWNER: &str = "acme";
pub const REPO: &str = "site";

/// A fake knowing `acme/site`.
pub fn fake_with_repo() -> FakeGitHub {
    let fake = FakeGitHub::start(TOKEN);
    fake.add_repo(OWNER, REPO);
    fake
}

/// The label names of an issue as the API renders it.
pub fn label_names(issue: &Value) -> Vec<String> {
    issue["labels"]
        .as_array()
        .map(|labels| {
            labels
                .iter()
                .filter_map(|l| l["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The `number`s of a JSON array of issues.
pub fn numbers(list: &Value) -> Vec<u64> {
    list.as_array()
        .map(|items| items.iter().filter_map(|i| i["number"].as_u64()).collect())
        .unwrap_or_default()
}

/// The `rel="..."` URLs of a `Link` header, as `(rel, url)`.
pub fn links(reply: &Reply) -> Vec<(String, String)> {
    reply
        .header("link")
        .unwrap_or_default()
        .split(',')
        .filter_map(|part| {
            let (url, rel) = part.split_once(';')?;
            let url = url.trim().trim_start_matches('<').trim_end_matches('>');
            let rel = rel.trim().strip_prefix("rel=")?.trim_matches('"');
            Some((rel.to_string(), url.to_string()))
        })
        .collect()
}
