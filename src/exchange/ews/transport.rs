//! HTTP for EWS: one ureq agent per mailbox with our TLS roots, an explicit proxy (never one taken
//! from the environment), timeouts, a response size limit and the authentication loop. It moves
//! bytes and statuses; SOAP is `soap`'s business.

use std::time::Duration;

use ureq::Agent;
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector as _, TcpConnector};

use super::auth::Auth;
use super::tls::{TlsConnector, client_config};
use crate::exchange::ExchangeError;

/// Rounds of 401 challenge and answer before the credentials count as refused (NTLM needs two).
const MAX_AUTH_ROUNDS: usize = 3;

/// What the transport needs to know (a subset of `EwsSettings`).
#[derive(Debug, Clone)]
pub struct TransportSettings<'a> {
    pub url: &'a str,
    pub ca_certificates_file: Option<&'a std::path::Path>,
    pub proxy: Option<&'a str>,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub total_timeout: Duration,
    pub max_response_bytes: usize,
}

/// An HTTP answer whose status the transport does not handle itself (everything but 401).
#[derive(Debug)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Posts SOAP documents to one EWS URL.
pub struct Transport {
    agent: Agent,
    url: String,
    auth: Box<dyn Auth>,
    max_response_bytes: usize,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").field("url", &self.url).field("auth", &self.auth).finish_non_exhaustive()
    }
}

impl Transport {
    pub fn new(settings: &TransportSettings<'_>, auth: Box<dyn Auth>) -> Result<Transport, ExchangeError> {
        let setup = |detail: String| ExchangeError::Setup { detail };
        let uri: ureq::http::Uri =
            settings.url.parse().map_err(|e| setup(format!("EWS URL \"{}\" is not a URL ({e})", settings.url)))?;
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if !auth.needs_tls() => {}
            Some("http") => {
                return Err(setup(format!(
                    "EWS URL \"{}\" is plain http, which would expose the password; use https",
                    settings.url
                )));
            }
            _ => return Err(setup(format!("EWS URL \"{}\" must start with https://", settings.url))),
        }
        let agent = agent(settings, auth.needs_tls())?;
        Ok(Transport { agent, url: settings.url.to_owned(), auth, max_response_bytes: settings.max_response_bytes })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Posts `soap`; `anchor` (the mailbox acted on) goes in `X-AnchorMailbox`, which routes
    /// impersonated requests to the right Exchange server. 401 → `Unauthorized`; a body beyond the
    /// limit → `TooLarge`; no answer in time → `Transport`.
    pub fn post(&mut self, soap: &str, anchor: Option<&str>) -> Result<HttpAnswer, ExchangeError> {
        let mut authorization = self.auth.initial()?;
        for round in 0..=MAX_AUTH_ROUNDS {
            let mut request = self.agent.post(&self.url).header("Content-Type", "text/xml; charset=utf-8");
            if let Some(value) = &authorization {
                request = request.header("Authorization", value);
            }
            if let Some(smtp) = anchor {
                request = request.header("X-AnchorMailbox", smtp);
            }
            let mut response = request.send(soap.as_bytes()).map_err(|e| self.transport_error(&e))?;
            let status = response.status().as_u16();
            if status == 401 {
                let challenges: Vec<String> = response
                    .headers()
                    .get_all("www-authenticate")
                    .iter()
                    .filter_map(|v| v.to_str().ok().map(str::to_owned))
                    .collect();
                match self.auth.challenge(&challenges)? {
                    Some(next) if round < MAX_AUTH_ROUNDS => {
                        authorization = Some(next);
                        continue;
                    }
                    _ => break,
                }
            }
            let limit = self.max_response_bytes;
            if response.body().content_length().is_some_and(|n| n > limit as u64) {
                return Err(ExchangeError::TooLarge { limit });
            }
            let body = response.body_mut().with_config().limit(limit as u64).read_to_vec().map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => ExchangeError::TooLarge { limit },
                other => self.transport_error(&other),
            })?;
            return Ok(HttpAnswer { status, body });
        }
        Err(ExchangeError::Unauthorized { url: self.url.clone(), username: self.auth.username().to_owned() })
    }

    fn transport_error(&self, e: &ureq::Error) -> ExchangeError {
        let detail = match e {
            ureq::Error::Timeout(which) => format!("no answer in time ({which} timeout)"),
            ureq::Error::Io(io) if is_certificate_error(io) => {
                format!("{io}; if Exchange's certificate comes from an internal CA, set ca_certificates_file")
            }
            other => other.to_string(),
        };
        ExchangeError::Transport { url: self.url.clone(), detail }
    }
}

fn is_certificate_error(e: &std::io::Error) -> bool {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|tls| matches!(tls, rustls::Error::InvalidCertificate(_)))
}

/// One ureq agent with our TLS roots, the explicit proxy (ureq would otherwise read HTTP(S)_PROXY
/// from the environment), no redirects and the timeouts of `settings`.
fn agent(settings: &TransportSettings<'_>, https_only: bool) -> Result<Agent, ExchangeError> {
    let setup = |detail: String| ExchangeError::Setup { detail };
    let proxy = match settings.proxy {
        None => None,
        Some(p) => {
            let proxy = ureq::Proxy::new(p).map_err(|e| setup(format!("proxy \"{p}\" is not usable ({e})")))?;
            if proxy.protocol() != ureq::ProxyProtocol::Http {
                return Err(setup(format!("proxy \"{p}\" must be an http:// (CONNECT) proxy")));
            }
            Some(proxy)
        }
    };
    let config = Agent::config_builder()
        .proxy(proxy)
        .http_status_as_error(false)
        .max_redirects(0)
        .https_only(https_only)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_recv_response(Some(settings.read_timeout))
        .timeout_recv_body(Some(settings.read_timeout))
        .timeout_global(Some(settings.total_timeout))
        .user_agent(concat!("vmr-scheduler/", env!("CARGO_PKG_VERSION")))
        .build();
    let tls = TlsConnector { config: client_config(settings.ca_certificates_file)? };
    let connector = ().chain(ConnectProxyConnector::default()).chain(TcpConnector::default()).chain(tls);
    Ok(Agent::with_parts(config, connector, DefaultResolver::default()))
}

/// Fetches a document with a plain GET over HTTPS, trusting what EWS trusts (for Exchange's
/// authentication metadata). Anything but 200 is an error; the body is limited like EWS answers.
pub fn fetch_document(settings: &TransportSettings<'_>) -> Result<Vec<u8>, ExchangeError> {
    let agent = agent(settings, true)?;
    let url = settings.url;
    let transport = |detail: String| ExchangeError::Transport { url: url.to_owned(), detail };
    let mut response = agent.get(url).call().map_err(|e| transport(e.to_string()))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(ExchangeError::Http { url: url.to_owned(), status });
    }
    let limit = settings.max_response_bytes;
    response.body_mut().with_config().limit(limit as u64).read_to_vec().map_err(|e| match e {
        ureq::Error::BodyExceedsLimit(_) => ExchangeError::TooLarge { limit },
        other => transport(other.to_string()),
    })
}
