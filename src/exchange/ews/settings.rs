//! What an EWS mailbox needs to know: where Exchange is, how to log in, which mailbox to watch, and
//! the limits and timeouts of talking to it. Built from a checked `config::Integration`.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{AuthMethod, Integration, Secret};

/// Settings of one [`super::EwsMailbox`].
#[derive(Debug, Clone)]
pub struct EwsSettings {
    /// `https://mail.example.com/EWS/Exchange.asmx`.
    pub url: String,
    pub username: String,
    pub password: Secret,
    pub authentication_method: AuthMethod,
    /// PEM certificates trusted in addition to Mozilla's roots.
    pub ca_certificates_file: Option<PathBuf>,
    /// An `http://host:port` CONNECT proxy; `None` connects directly (the environment's
    /// `HTTPS_PROXY` is never used).
    pub proxy: Option<String>,
    /// The SMTP address of the resource mailbox the scheduler watches and answers from.
    pub resource_mailbox: String,
    /// Reach the resource mailbox with `ExchangeImpersonation` (the service account is another
    /// account with the ApplicationImpersonation role); `false` when the account is the resource.
    pub impersonate_resource: bool,
    pub connect_timeout: Duration,
    /// Longest wait for the answer to start, and between reads of its body.
    pub read_timeout: Duration,
    /// Longest one request may take, all included.
    pub total_timeout: Duration,
    /// Largest answer accepted.
    pub max_response_bytes: usize,
    /// How many times an `ErrorServerBusy` answer is retried after its back-off.
    pub busy_retries: u32,
    /// Longest back-off waited for in place; a longer one is returned as `ServerBusy` for the
    /// scheduler to retry later instead of holding its thread.
    pub max_back_off: Duration,
}

impl EwsSettings {
    /// Settings for an integration, with the default limits: 10 s to connect, 60 s to read, 120 s
    /// per request, 16 MiB answers, 3 retries on back-offs up to 60 s, no proxy.
    pub fn from_integration(integration: &Integration) -> EwsSettings {
        EwsSettings {
            url: integration.ews_url.clone(),
            username: integration.username.clone(),
            password: integration.password.clone(),
            authentication_method: integration.authentication_method,
            ca_certificates_file: integration.ca_certificates_file.clone(),
            proxy: integration.ews_proxy.clone(),
            resource_mailbox: integration.room_mailbox_email_address.clone(),
            impersonate_resource: !integration.username.eq_ignore_ascii_case(&integration.room_mailbox_email_address),
            connect_timeout: Duration::from_secs(10).min(integration.ews_timeout),
            read_timeout: integration.ews_timeout,
            total_timeout: integration.ews_timeout,
            max_response_bytes: 16 * 1024 * 1024,
            busy_retries: 3,
            max_back_off: Duration::from_secs(60),
        }
    }
}
