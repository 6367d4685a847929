//! How requests prove who the service account is. [`Auth`] is the seam: Basic lives here; NTLM and
//! Kerberos (Negotiate) plug in later as further implementations, since the transport already runs
//! the challenge/response loop they need.

use std::fmt;

use base64::Engine as _;

use crate::config::Secret;
use crate::exchange::ExchangeError;

/// Attaches credentials to EWS requests. The transport sends [`Auth::initial`] with the first attempt;
/// on HTTP 401 it hands the `WWW-Authenticate` values to [`Auth::challenge`] and, while that returns a
/// header, sends the request again with it (a few rounds at most).
pub trait Auth: Send + fmt::Debug {
    /// The account name, for error messages (never the secret).
    fn username(&self) -> &str;

    /// The `Authorization` header value of a first attempt (`None`: send none).
    fn initial(&mut self) -> Result<Option<String>, ExchangeError>;

    /// The `Authorization` value to answer a 401 carrying these `WWW-Authenticate` values with;
    /// `None` means the credentials were refused.
    fn challenge(&mut self, www_authenticate: &[String]) -> Result<Option<String>, ExchangeError> {
        let _ = www_authenticate;
        Ok(None)
    }

    /// Whether the scheme exposes the password to anyone who reads the traffic, so it may only be
    /// used over HTTPS.
    fn needs_tls(&self) -> bool;
}

/// HTTP Basic (RFC 7617): `Authorization: Basic base64(user:password)` on every request; HTTPS only.
pub struct BasicAuth {
    username: String,
    password: Secret,
}

impl BasicAuth {
    pub fn new(username: impl Into<String>, password: Secret) -> BasicAuth {
        BasicAuth { username: username.into(), password }
    }
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth").field("username", &self.username).field("password", &self.password).finish()
    }
}

impl Auth for BasicAuth {
    fn username(&self) -> &str {
        &self.username
    }

    fn initial(&mut self) -> Result<Option<String>, ExchangeError> {
        let pair = format!("{}:{}", self.username, self.password.expose());
        Ok(Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))))
    }

    fn needs_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7617 §2: the user-id and password are joined by a colon and base64-encoded.
    #[test]
    fn basic_credentials_follow_rfc_7617_and_stay_out_of_debug_output() {
        let mut auth = BasicAuth::new("Aladdin", Secret::new("open sesame"));
        assert_eq!(auth.initial().ok().flatten().as_deref(), Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="));
        assert_eq!(auth.challenge(&["Basic realm=\"x\"".into()]).ok().flatten(), None);
        assert!(auth.needs_tls());
        assert!(!format!("{auth:?}").contains("sesame"));
    }
}
