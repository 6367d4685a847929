//! Requests as handlers see them and responses as handlers build them.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// One parsed request with its whole body.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The path part of the request target, still percent-encoded.
    pub path: String,
    /// The query string after `?`, still percent-encoded ("" when absent).
    pub query: String,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The client's address (for logs and rate limits).
    pub peer: SocketAddr,
    /// Whether the request arrived over TLS.
    pub secure: bool,
    /// When its first byte arrived.
    pub started: Instant,
}

impl Request {
    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first query parameter of this name, percent-decoded; `None` if absent or not UTF-8.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k)? == name).then(|| percent_decode(v)).flatten()
        })
    }

    /// Whether the client accepts a gzip-encoded response.
    pub fn accepts_gzip(&self) -> bool {
        self.header("accept-encoding").is_some_and(|v| {
            v.split(',').any(|part| {
                let mut it = part.split(';');
                let coding = it.next().unwrap_or("").trim();
                let refused =
                    it.any(|p| matches!(p.trim().replace(' ', "").as_str(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
                coding.eq_ignore_ascii_case("gzip") && !refused
            })
        })
    }
}

/// Decodes `%XX` escapes and `+` (as space, per form encoding); `None` for bad escapes or non-UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A response body: owned, static (embedded assets) or shared (cached compressed assets).
#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Owned(Vec<u8>),
    Static(&'static [u8]),
    Shared(Arc<[u8]>),
}

impl Body {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Body::Empty => &[],
            Body::Owned(v) => v,
            Body::Static(s) => s,
            Body::Shared(s) => s,
        }
    }
}

/// A response. The server adds `Content-Length`, `Connection` and the base security headers.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    pub body: Body,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Body::Empty }
    }

    /// A plain-text response (for errors and probes).
    pub fn text(status: u16, text: impl Into<String>) -> Response {
        Response::new(status).header("content-type", "text/plain; charset=utf-8").body(text.into().into_bytes())
    }

    /// A JSON response.
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
        Response::new(status).header("content-type", "application/json").header("cache-control", "no-store").body(body)
    }

    pub fn header(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<Cow<'static, str>>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Response {
        self.body = Body::Owned(body);
        self
    }

    /// The value of a header already set, if any.
    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref())
    }
}

/// The reason phrase for a status code.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, headers: &[(&str, &str)]) -> Request {
        Request {
            method: "GET".into(),
            path: "/".into(),
            query: query.into(),
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: Vec::new(),
            peer: SocketAddr::from(([127, 0, 0, 1], 1)),
            secure: true,
            started: Instant::now(),
        }
    }

    #[test]
    fn query_parameters_are_percent_decoded() {
        let r = request("a=1&local_alias=sip%3A77123%40vc.example.com&x", &[]);
        assert_eq!(r.query_param("local_alias").as_deref(), Some("sip:77123@vc.example.com"));
        assert_eq!(r.query_param("x").as_deref(), Some(""));
        assert_eq!(r.query_param("missing"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%"), None);
    }

    #[test]
    fn gzip_is_used_only_when_accepted() {
        assert!(request("", &[("accept-encoding", "gzip, deflate, br")]).accepts_gzip());
        assert!(!request("", &[("accept-encoding", "br")]).accepts_gzip());
        assert!(!request("", &[("accept-encoding", "gzip;q=0")]).accepts_gzip());
        assert!(!request("", &[]).accepts_gzip());
    }
}
