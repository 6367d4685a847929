//! Files under `assets/`, embedded at build time and served with their content type, a strong ETag
//! (304 on If-None-Match), gzip when the client accepts it, and caching that suits each kind.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use super::message::{Body, Request, Response};

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// Bodies smaller than this are not worth compressing.
const GZIP_MIN_BYTES: usize = 512;

/// The gzip form of a body and its ETag, computed on first use (`None`: not worth compressing).
pub type GzipCache = OnceLock<Option<(Arc<[u8]>, String)>>;

/// One embedded file, with what is computed once per process.
pub struct Asset {
    pub bytes: &'static [u8],
    pub content_type: &'static str,
    etag: String,
    gzip: GzipCache,
}

fn table() -> &'static HashMap<&'static str, Asset> {
    static TABLE: OnceLock<HashMap<&'static str, Asset>> = OnceLock::new();
    TABLE.get_or_init(|| {
        EMBEDDED
            .iter()
            .map(|(path, bytes)| {
                let asset = Asset { bytes, content_type: content_type(path), etag: etag(bytes), gzip: OnceLock::new() };
                (*path, asset)
            })
            .collect()
    })
}

/// The embedded file at `path` (relative to `assets/`, no leading slash).
pub fn get(path: &str) -> Option<&'static Asset> {
    table().get(path)
}

/// Serves an embedded file for GET/HEAD `request`.
pub fn serve(request: &Request, path: &str) -> Option<Response> {
    let asset = get(path)?;
    Some(respond(request, Body::Static(asset.bytes), asset.content_type, &asset.etag, Some(&asset.gzip)))
}

/// Builds the response for a file's bytes: 304 when the client has it, gzip when it accepts it.
/// `gzip_cache` keeps the compressed form of long-lived bodies.
pub fn respond(
    request: &Request,
    body: Body,
    content_type: &'static str,
    etag: &str,
    gzip_cache: Option<&GzipCache>,
) -> Response {
    let bytes = body.as_bytes();
    let caching = cache_control(content_type);
    let compressible = is_compressible(content_type) && bytes.len() >= GZIP_MIN_BYTES;
    let gzip = compressible && request.accepts_gzip();
    let compressed = if gzip {
        gzip_cache.and_then(|cell| cell.get_or_init(|| compress(bytes).map(|z| (z, gzip_etag(etag)))).clone())
    } else {
        None
    };
    let tag = compressed.as_ref().map_or(etag.to_string(), |(_, t)| t.clone());
    let mut response = if if_none_match(request, &tag) {
        Response::new(304)
    } else {
        let mut r = Response::new(200).header("content-type", content_type);
        match &compressed {
            Some((z, _)) => {
                r = r.header("content-encoding", "gzip");
                r.body = Body::Shared(Arc::clone(z));
            }
            None => r.body = body.clone(),
        }
        r
    };
    response = response.header("etag", tag).header("cache-control", caching);
    if compressible {
        response = response.header("vary", "accept-encoding");
    }
    response
}

/// Whether the request's If-None-Match lists `etag` (or `*`). Weak tags match too, as RFC 9110 §13.1.2
/// asks for If-None-Match.
fn if_none_match(request: &Request, etag: &str) -> bool {
    request
        .header("if-none-match")
        .is_some_and(|v| v.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == etag))
}

pub fn etag(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let hex: String = digest.as_ref()[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

fn gzip_etag(etag: &str) -> String {
    format!("{}-gz\"", etag.trim_end_matches('"'))
}

fn compress(bytes: &[u8]) -> Option<Arc<[u8]>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    let out = encoder.finish().ok()?;
    (out.len() < bytes.len()).then(|| Arc::from(out))
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn is_compressible(content_type: &str) -> bool {
    content_type.starts_with("text/") || content_type.contains("json") || content_type.contains("xml")
}

/// HTML, scripts and styles are revalidated on every use (cheap with the ETag) so an upgrade is
/// seen at once; images change rarely.
fn cache_control(content_type: &str) -> &'static str {
    if content_type.starts_with("image/") || content_type.starts_with("font/") {
        "public, max-age=86400"
    } else {
        "no-cache"
    }
}
