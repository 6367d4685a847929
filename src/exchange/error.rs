//! The exchange part's one error type: what went wrong talking to a mailbox, whether trying again
//! later can help, and a short code for the operation log.

use std::fmt;
use std::time::Duration;

pub use super::ews::ResponseCode;

#[derive(Debug, Clone)]
pub enum ExchangeError {
    /// No answer: DNS, refused connection, TLS failure, timeout.
    Transport { url: String, detail: String },
    /// EWS answered 401: the service account's credentials were refused.
    Unauthorized { url: String, username: String },
    /// An HTTP status that is neither success nor a SOAP fault.
    Http { url: String, status: u16 },
    /// Exchange asked us to wait (`ErrorServerBusy`) this long before trying again.
    ServerBusy { back_off: Duration },
    /// An EWS error response (per message, or a SOAP fault carrying a response code).
    Response { code: ResponseCode, code_text: String, message: String },
    /// The answer was not the SOAP we expected (garbage, truncated, unknown shape).
    Malformed { detail: String },
    /// The answer was larger than we accept.
    TooLarge { limit: usize },
    /// The client cannot be set up (unreadable CA file, bad URL).
    Setup { detail: String },
}

impl ExchangeError {
    /// Whether trying the same thing later may succeed (the scheduler retries these; others get the
    /// general-error reply).
    pub fn is_transient(&self) -> bool {
        match self {
            ExchangeError::Transport { .. }
            | ExchangeError::Unauthorized { .. }
            | ExchangeError::ServerBusy { .. }
            | ExchangeError::Setup { .. } => true,
            ExchangeError::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            ExchangeError::Response { code, .. } => matches!(
                code,
                ResponseCode::ErrorServerBusy
                    | ResponseCode::ErrorInternalServerTransientError
                    | ResponseCode::ErrorMailboxMoveInProgress
                    | ResponseCode::ErrorMailboxStoreUnavailable
                    | ResponseCode::ErrorTimeoutExpired
                    | ResponseCode::ErrorConnectionFailed
                    | ResponseCode::ErrorTooManyObjectsOpened
                    | ResponseCode::ErrorBatchProcessingStopped
            ),
            ExchangeError::Malformed { .. } | ExchangeError::TooLarge { .. } => false,
        }
    }

    /// Whether the error concerns the connection to Exchange as a whole rather than one item: no
    /// other work can succeed until it passes, so the scheduler waits instead of going on.
    pub fn is_outage(&self) -> bool {
        match self {
            ExchangeError::Transport { .. }
            | ExchangeError::Unauthorized { .. }
            | ExchangeError::ServerBusy { .. }
            | ExchangeError::Setup { .. } => true,
            ExchangeError::Http { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            ExchangeError::Response { code, .. } => {
                matches!(code, ResponseCode::ErrorServerBusy | ResponseCode::ErrorConnectionFailed)
            }
            ExchangeError::Malformed { .. } | ExchangeError::TooLarge { .. } => false,
        }
    }

    /// The EWS response code, when Exchange gave one.
    pub fn response_code(&self) -> Option<ResponseCode> {
        match self {
            ExchangeError::Response { code, .. } => Some(*code),
            ExchangeError::ServerBusy { .. } => Some(ResponseCode::ErrorServerBusy),
            _ => None,
        }
    }

    /// A short, stable code for the operation log and status output.
    pub fn code(&self) -> String {
        match self {
            ExchangeError::Transport { .. } => "transport".into(),
            ExchangeError::Unauthorized { .. } => "unauthorized".into(),
            ExchangeError::Http { status, .. } => format!("http_{status}"),
            ExchangeError::ServerBusy { .. } => "ErrorServerBusy".into(),
            ExchangeError::Response { code_text, .. } => code_text.clone(),
            ExchangeError::Malformed { .. } => "malformed_response".into(),
            ExchangeError::TooLarge { .. } => "response_too_large".into(),
            ExchangeError::Setup { .. } => "client_setup".into(),
        }
    }
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::Transport { url, detail } => {
                write!(f, "cannot reach EWS at {url}: {detail}; check the url setting, DNS, firewall and proxy")
            }
            ExchangeError::Unauthorized { url, username } => write!(
                f,
                "EWS at {url} refused the credentials of \"{username}\" (401); check username, password and authentication_method"
            ),
            ExchangeError::Http { url, status } => write!(f, "EWS at {url} answered HTTP {status}"),
            ExchangeError::ServerBusy { back_off } => {
                write!(f, "Exchange is busy (ErrorServerBusy); retrying after {} ms", back_off.as_millis())
            }
            ExchangeError::Response { code_text, message, .. } => write!(f, "EWS error {code_text}: {message}"),
            ExchangeError::Malformed { detail } => write!(f, "EWS answer could not be understood: {detail}"),
            ExchangeError::TooLarge { limit } => write!(f, "EWS answer is larger than {limit} bytes; refused"),
            ExchangeError::Setup { detail } => write!(f, "EWS client cannot be set up: {detail}"),
        }
    }
}

impl std::error::Error for ExchangeError {}
