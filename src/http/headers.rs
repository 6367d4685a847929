//! Security headers: the set every response carries, and the Content-Security-Policy of the add-in
//! pages, which Outlook on the web shows in a frame and so must allow only Outlook's origins to frame.

use crate::config::Config;

/// Headers computed once from the config.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    base: Vec<(String, String)>,
    frame_ancestors: String,
}

/// The policy of everything that is not an add-in page: nothing may load, nothing may frame it.
const LOCKED_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

impl SecurityHeaders {
    pub fn new(config: &Config) -> SecurityHeaders {
        let mut base = Vec::new();
        let max_age = config.server.hsts_max_age.as_secs();
        if max_age > 0 {
            base.push(("strict-transport-security".to_string(), format!("max-age={max_age}")));
        }
        base.push(("x-content-type-options".to_string(), "nosniff".to_string()));
        base.push(("referrer-policy".to_string(), "no-referrer".to_string()));
        base.push(("content-security-policy".to_string(), LOCKED_CSP.to_string()));
        let mut origins: Vec<String> = vec!["'self'".to_string()];
        origins.extend(config.server.addin_frame_ancestors.iter().cloned());
        for integration in &config.integrations {
            for domain in &integration.exchange_domains {
                origins.push(format!("https://{domain}"));
            }
        }
        let mut seen = std::collections::HashSet::new();
        origins.retain(|o| seen.insert(o.to_ascii_lowercase()));
        SecurityHeaders { base, frame_ancestors: origins.join(" ") }
    }

    /// Headers every response gets unless it sets them itself.
    pub fn base(&self) -> &[(String, String)] {
        &self.base
    }

    /// The `frame-ancestors` source list of add-in pages.
    pub fn frame_ancestors(&self) -> &str {
        &self.frame_ancestors
    }

    /// The Content-Security-Policy of an add-in page that may load scripts from `script_origins`
    /// (beyond itself) and be framed by Outlook.
    pub fn addin_page_csp(&self, script_origins: &[&str]) -> String {
        let mut scripts = String::from("'self'");
        for origin in script_origins {
            scripts.push(' ');
            scripts.push_str(origin);
        }
        format!(
            "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
             frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {}",
            self.frame_ancestors
        )
    }
}
