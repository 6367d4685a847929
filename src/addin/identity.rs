//! Who is calling from Outlook: validates the Exchange user identity token the add-in gets from
//! `getUserIdentityTokenAsync` (an RS256 JWT signed by Exchange), with the signing certificate taken
//! from the authentication metadata document at the token's `amurl`, fetched only from the
//! integration's own Exchange hosts and cached. Signatures are checked with rustls-webpki and ring.
//! Reference: learn.microsoft.com/office/dev/add-ins/outlook/validate-an-identity-token

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use serde_json::Value;

use crate::config::Integration;

/// Largest token accepted (real ones are about 1.5 KB).
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Clock difference tolerated between Exchange and the appliance.
const CLOCK_SKEW_SECONDS: i64 = 300;
/// How long a metadata document is trusted before it is fetched again.
const METADATA_TTL: Duration = Duration::from_secs(24 * 3600);
/// Least time between two fetches of one metadata document (an unknown `x5t` triggers a refetch),
/// so that tokens with made-up keys cannot make the appliance hammer Exchange.
const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// The one path Exchange publishes its authentication metadata under.
const METADATA_PATH: &str = "/autodiscover/metadata/json/1";
/// Most metadata documents kept (one per Exchange host in practice).
const MAX_CACHED_DOCUMENTS: usize = 64;
/// The `appctx.version` of Exchange identity tokens.
const TOKEN_VERSION: &str = "ExIdTok.V1";

/// The Outlook user a valid token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeIdentity {
    /// The unique user key: the metadata URL and the Exchange user id together.
    pub user_key: String,
    pub amurl: String,
    pub msexchuid: String,
}

/// Why a token was refused. Shown in the log (never to the user, who gets a generic message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRejection {
    Malformed(String),
    Algorithm(String),
    Audience {
        expected: String,
        found: String,
    },
    NotYetValid,
    Expired,
    Version(String),
    /// The `amurl` is not on one of the integration's Exchange hosts: never fetched.
    UntrustedMetadata(String),
    /// The metadata document could not be fetched or read.
    Metadata(String),
    /// No certificate in the metadata has the token's `x5t`.
    UnknownKey(String),
    BadSignature,
}

impl fmt::Display for TokenRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenRejection::Malformed(why) => write!(f, "malformed token: {why}"),
            TokenRejection::Algorithm(alg) => write!(f, "signature algorithm \"{alg}\" is not RS256"),
            TokenRejection::Audience { expected, found } => {
                write!(
                    f,
                    "audience \"{found}\" is not this add-in ({expected}); check addin_server_domain and the deployed manifest"
                )
            }
            TokenRejection::NotYetValid => {
                write!(f, "the token is not valid yet (check the clocks of Exchange and this appliance)")
            }
            TokenRejection::Expired => write!(f, "the token has expired"),
            TokenRejection::Version(v) => write!(f, "token version \"{v}\" is not {TOKEN_VERSION}"),
            TokenRejection::UntrustedMetadata(url) => write!(
                f,
                "metadata URL \"{url}\" is not on one of the integration's exchange_domains; add the host there if it is yours"
            ),
            TokenRejection::Metadata(why) => write!(f, "authentication metadata: {why}"),
            TokenRejection::UnknownKey(x5t) => write!(f, "no signing certificate with x5t \"{x5t}\" in the metadata"),
            TokenRejection::BadSignature => write!(f, "the signature does not verify"),
        }
    }
}

/// Fetches a metadata document over HTTPS with the integration's trust settings.
pub trait MetadataFetcher: Send + Sync {
    fn fetch(&self, integration: &Integration, url: &str) -> Result<Vec<u8>, String>;
}

/// Fetches metadata over HTTPS with the integration's CA file, proxy and timeout (as EWS does).
pub struct HttpsMetadataFetcher;

impl MetadataFetcher for HttpsMetadataFetcher {
    fn fetch(&self, integration: &Integration, url: &str) -> Result<Vec<u8>, String> {
        let timeout = integration.ews_timeout.min(Duration::from_secs(30));
        let settings = crate::exchange::ews::TransportSettings {
            url,
            ca_certificates_file: integration.ca_certificates_file.as_deref(),
            proxy: integration.ews_proxy.as_deref(),
            connect_timeout: timeout,
            read_timeout: timeout,
            total_timeout: timeout,
            max_response_bytes: 1024 * 1024,
        };
        crate::exchange::ews::fetch_document(&settings).map_err(|e| e.to_string())
    }
}

struct CachedMetadata {
    fetched: Instant,
    /// Signing certificates (DER) by their `x5t`.
    keys: HashMap<String, Vec<u8>>,
}

/// Validates identity tokens; keeps the metadata documents it has fetched.
pub struct IdentityValidator {
    fetcher: Box<dyn MetadataFetcher>,
    cache: Mutex<HashMap<String, CachedMetadata>>,
    refetch_interval: Duration,
}

impl IdentityValidator {
    pub fn new(fetcher: Box<dyn MetadataFetcher>) -> IdentityValidator {
        IdentityValidator::with_refetch_interval(fetcher, REFETCH_INTERVAL)
    }

    /// A validator that refetches metadata for an unknown key at most every `interval`.
    pub fn with_refetch_interval(fetcher: Box<dyn MetadataFetcher>, interval: Duration) -> IdentityValidator {
        IdentityValidator { fetcher, cache: Mutex::new(HashMap::new()), refetch_interval: interval }
    }

    /// Validates `token` for the add-in page of `integration` at time `now`.
    pub fn validate(
        &self,
        token: &str,
        integration: &Integration,
        now: Timestamp,
    ) -> Result<ExchangeIdentity, TokenRejection> {
        let parsed = parse(token)?;
        let expected = super::taskpane_url(integration);
        let audience = parsed.claims.get("aud").and_then(Value::as_str).unwrap_or("");
        if audience != expected {
            return Err(TokenRejection::Audience { expected, found: audience.to_string() });
        }
        let now_s = now.as_second();
        let nbf = number_claim(&parsed.claims, "nbf")?;
        let exp = number_claim(&parsed.claims, "exp")?;
        if nbf > now_s + CLOCK_SKEW_SECONDS {
            return Err(TokenRejection::NotYetValid);
        }
        if exp < now_s - CLOCK_SKEW_SECONDS {
            return Err(TokenRejection::Expired);
        }
        let context = app_context(&parsed.claims)?;
        let host =
            https_host(&context.amurl).ok_or_else(|| TokenRejection::UntrustedMetadata(context.amurl.clone()))?;
        if !integration.exchange_domains.iter().any(|d| d.eq_ignore_ascii_case(&host)) {
            return Err(TokenRejection::UntrustedMetadata(context.amurl.clone()));
        }
        // Before the signature is checked the token is anyone's: only Exchange's one metadata path
        // is fetched, so that made-up URLs cannot make us fetch (and cache) without end.
        if !has_metadata_path(&context.amurl) {
            return Err(TokenRejection::UntrustedMetadata(context.amurl.clone()));
        }
        let x5t = normalize_x5t(&parsed.x5t).ok_or_else(|| TokenRejection::Malformed("x5t is not base64".into()))?;
        let certificate = self.certificate(integration, &context.amurl, &x5t)?;
        let der = rustls::pki_types::CertificateDer::from(certificate.as_slice());
        let cert = webpki::EndEntityCert::try_from(&der)
            .map_err(|e| TokenRejection::Metadata(format!("the signing certificate is unreadable ({e})")))?;
        cert.verify_signature(webpki::ring::RSA_PKCS1_2048_8192_SHA256, parsed.signed.as_bytes(), &parsed.signature)
            .map_err(|_| TokenRejection::BadSignature)?;
        Ok(ExchangeIdentity {
            user_key: format!("{}|{}", context.amurl, context.msexchuid),
            amurl: context.amurl,
            msexchuid: context.msexchuid,
        })
    }

    /// The certificate with this `x5t` from the metadata at `url`: from the cache, or fetched when
    /// the cache is old or does not know the key (at most once a minute per URL).
    fn certificate(&self, integration: &Integration, url: &str, x5t: &str) -> Result<Vec<u8>, TokenRejection> {
        {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(entry) = cache.get(url) {
                let fresh = entry.fetched.elapsed() < METADATA_TTL;
                if fresh && let Some(cert) = entry.keys.get(x5t) {
                    return Ok(cert.clone());
                }
                if entry.fetched.elapsed() < self.refetch_interval {
                    return Err(TokenRejection::UnknownKey(x5t.to_string()));
                }
            }
        }
        let body = self.fetcher.fetch(integration, url).map_err(TokenRejection::Metadata)?;
        let keys = signing_keys(&body)?;
        let found = keys.get(x5t).cloned();
        log::info!("authentication metadata {url}: {} signing certificate(s)", keys.len());
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_CACHED_DOCUMENTS && !cache.contains_key(url) {
            let oldest = cache.iter().min_by_key(|(_, c)| c.fetched).map(|(u, _)| u.clone());
            if let Some(oldest) = oldest {
                cache.remove(&oldest);
            }
        }
        cache.insert(url.to_string(), CachedMetadata { fetched: Instant::now(), keys });
        found.ok_or_else(|| TokenRejection::UnknownKey(x5t.to_string()))
    }
}

struct ParsedToken {
    x5t: String,
    claims: serde_json::Map<String, Value>,
    /// `header.payload`, the bytes the signature covers.
    signed: String,
    signature: Vec<u8>,
}

fn parse(token: &str) -> Result<ParsedToken, TokenRejection> {
    let malformed = |why: &str| TokenRejection::Malformed(why.to_string());
    if token.len() > MAX_TOKEN_BYTES {
        return Err(malformed("longer than 16 KiB"));
    }
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err(malformed("not three dot-separated parts"));
    };
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).map_err(|_| malformed(&format!("{what} is not base64url")))
    };
    let header: Value =
        serde_json::from_slice(&decode(header, "header")?).map_err(|_| malformed("header is not JSON"))?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "RS256" {
        return Err(TokenRejection::Algorithm(alg.to_string()));
    }
    let x5t = header.get("x5t").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| malformed("no x5t"))?;
    let claims = match serde_json::from_slice(&decode(payload, "payload")?) {
        Ok(Value::Object(map)) => map,
        _ => return Err(malformed("payload is not a JSON object")),
    };
    let signature = decode(signature, "signature")?;
    if signature.is_empty() {
        return Err(malformed("empty signature"));
    }
    let signed = token.trim().rsplit_once('.').map(|(s, _)| s.to_string()).unwrap_or_default();
    Ok(ParsedToken { x5t: x5t.to_string(), claims, signed, signature })
}

/// `nbf` and `exp` are numbers in Microsoft's documentation but strings in real tokens.
fn number_claim(claims: &serde_json::Map<String, Value>, name: &str) -> Result<i64, TokenRejection> {
    match claims.get(name) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| TokenRejection::Malformed(format!("no numeric {name} claim")))
}

struct AppContext {
    amurl: String,
    msexchuid: String,
}

/// The `appctx` claim: a JSON string in real tokens (an object in the documentation's examples).
fn app_context(claims: &serde_json::Map<String, Value>) -> Result<AppContext, TokenRejection> {
    let malformed = |why: &str| TokenRejection::Malformed(why.to_string());
    let context: Value = match claims.get("appctx") {
        Some(Value::String(s)) => serde_json::from_str(s).map_err(|_| malformed("appctx is not JSON"))?,
        Some(v @ Value::Object(_)) => v.clone(),
        _ => return Err(malformed("no appctx claim")),
    };
    let field = |name: &str| context.get(name).and_then(Value::as_str).unwrap_or("").to_string();
    let version = field("version");
    if version != TOKEN_VERSION {
        return Err(TokenRejection::Version(version));
    }
    let (amurl, msexchuid) = (field("amurl"), field("msexchuid"));
    if amurl.is_empty() || msexchuid.is_empty() {
        return Err(malformed("appctx lacks amurl or msexchuid"));
    }
    Ok(AppContext { amurl, msexchuid })
}

/// The host of an `https://` URL (lower case, without port), or `None` for anything else.
fn https_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    let host =
        if let Some(v6) = authority.strip_prefix('[') { v6.split(']').next()? } else { authority.split(':').next()? };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Whether an `https://host[:port]` URL has exactly Exchange's metadata path, with no query.
fn has_metadata_path(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else { return false };
    rest.find('/').is_some_and(|slash| &rest[slash..] == METADATA_PATH)
}

/// An `x5t` (SHA-1 thumbprint) in one canonical spelling: base64url without padding. Some documents
/// write it with padding or in standard base64.
fn normalize_x5t(x5t: &str) -> Option<String> {
    let canonical = x5t.trim().trim_end_matches('=').replace('+', "-").replace('/', "_");
    URL_SAFE_NO_PAD.decode(&canonical).ok().map(|b| URL_SAFE_NO_PAD.encode(b))
}

/// The signing certificates of a metadata document, by `x5t`; entries whose `x5t` does not match
/// their certificate are ignored.
fn signing_keys(body: &[u8]) -> Result<HashMap<String, Vec<u8>>, TokenRejection> {
    let doc: Value =
        serde_json::from_slice(body).map_err(|_| TokenRejection::Metadata("the document is not JSON".into()))?;
    let keys = doc.get("keys").and_then(Value::as_array).ok_or_else(|| TokenRejection::Metadata("no keys".into()))?;
    let mut out = HashMap::new();
    for key in keys {
        let declared = key.pointer("/keyinfo/x5t").and_then(Value::as_str).and_then(normalize_x5t);
        let Some(value) = key.pointer("/keyvalue/value").and_then(Value::as_str) else { continue };
        let Ok(der) = STANDARD.decode(value.trim()) else { continue };
        let actual = URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der));
        if declared.as_deref() == Some(actual.as_str()) {
            out.insert(actual, der);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_metadata_urls() {
        assert_eq!(
            https_host("https://Mail.Example.com:443/autodiscover/metadata/json/1").as_deref(),
            Some("mail.example.com")
        );
        assert_eq!(https_host("https://[::1]:8443/x").as_deref(), Some("::1"));
        assert_eq!(https_host("http://mail.example.com/x"), None);
        assert_eq!(https_host("https://user@evil.example/x"), None);
    }

    #[test]
    fn only_exchanges_metadata_path_is_fetched() {
        assert!(has_metadata_path("https://mail.example.com:443/autodiscover/metadata/json/1"));
        assert!(!has_metadata_path("https://mail.example.com/autodiscover/metadata/json/1?n=7"));
        assert!(!has_metadata_path("https://mail.example.com/owa/metadata"));
        assert!(!has_metadata_path("https://mail.example.com"));
    }

    #[test]
    fn claims_may_be_numbers_or_strings() {
        let claims: serde_json::Map<String, Value> =
            serde_json::from_str(r#"{"nbf":"1700000000","exp":1700003600}"#).expect("json");
        assert_eq!(number_claim(&claims, "nbf"), Ok(1_700_000_000));
        assert_eq!(number_claim(&claims, "exp"), Ok(1_700_003_600));
        assert!(number_claim(&claims, "iat").is_err());
    }
}
