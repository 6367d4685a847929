//! The task pane page of one integration, rendered on the server: its scripts (Office.js from the
//! configured source) and its settings and texts as JSON for `assets/addin/taskpane.js`. The page
//! has no inline executable script, so its Content-Security-Policy needs no 'unsafe-inline'.

use serde_json::{Map, Value, json};

use crate::config::Integration;

/// Where Office.js is served from when `use_custom_add_in_sources` is set (see `packaging/fetch-office-js`).
const LOCAL_OFFICE_JS: &str = "/addin/lib/office.js";
/// The locally hosted MicrosoftAjax.js, loaded before Office.js when it is installed.
const LOCAL_MICROSOFT_AJAX: &str = "/addin/lib/MicrosoftAjax.js";
/// Where Office.js's Outlook host scripts fetch MicrosoftAjax.js from when `Sys` is not yet defined
/// (read from `outlook-web-16.01.js` and `office.js` of `@microsoft/office-js` 1.1.110).
const MICROSOFT_AJAX_CDN_ORIGIN: &str = "https://ajax.aspnetcdn.com";

/// The API of the add-in, relative to the add-in domain (see `docs/addin-api.md`).
pub const API_PREFIX: &str = "/api/client/v2/msexchange_schedulers";

/// A rendered page and what its Content-Security-Policy must allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub html: String,
    /// Origins (beyond the page's own) the page loads scripts from.
    pub script_sources: Vec<String>,
}

/// What the task pane needs to know about the locally installed Office.js.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalLibrary {
    /// `MicrosoftAjax.js` is installed beside Office.js.
    pub has_microsoft_ajax: bool,
}

/// The task pane of `integration`.
/// `placeholder_html` is the rendered placeholder template (with its marker), which the pane
/// inserts when it cannot reach the appliance.
pub fn taskpane(integration: &Integration, local: LocalLibrary, placeholder_html: &str) -> Page {
    let a = &integration.addin;
    let mut scripts: Vec<String> = Vec::new();
    let mut origins: Vec<String> = Vec::new();
    if a.use_custom_add_in_sources {
        if local.has_microsoft_ajax {
            scripts.push(LOCAL_MICROSOFT_AJAX.to_string());
        }
        scripts.extend(a.additional_script_sources.iter().cloned());
        scripts.push(LOCAL_OFFICE_JS.to_string());
    } else {
        scripts.extend(a.additional_script_sources.iter().cloned());
        scripts.push(a.office_js_url.clone());
        // Office.js loads the rest of itself from its own origin, and MicrosoftAjax.js from
        // Microsoft's CDN unless an earlier script already defined it.
        let ajax_given = a.additional_script_sources.iter().any(|u| is_microsoft_ajax(u));
        if !ajax_given {
            origins.push(MICROSOFT_AJAX_CDN_ORIGIN.to_string());
        }
    }
    for url in &scripts {
        if let Some(origin) = origin_of(url) {
            origins.push(origin);
        }
    }
    let mut seen = std::collections::HashSet::new();
    origins.retain(|o| seen.insert(o.clone()));

    let mut texts = Map::new();
    for (key, text) in &a.pane_texts {
        texts.insert((*key).to_string(), Value::String(text.clone()));
    }
    let settings = json!({
        "integration": integration.name,
        "api_base": format!("{API_PREFIX}/{}", integration.name),
        "enable_single_use": integration.enable_dynamic_vmrs,
        "enable_personal": integration.enable_personal_vmrs,
        "resource_mailbox": {
            "email": integration.room_mailbox_email_address,
            "name": if integration.room_mailbox_name.is_empty() {
                &integration.room_mailbox_email_address
            } else {
                &integration.room_mailbox_name
            },
        },
        "placeholder_html": placeholder_html,
        "texts": texts,
    });

    let mut html = String::with_capacity(8192);
    html.push_str("<!DOCTYPE html>\n<html lang=\"");
    html.push_str(&html_escape(&a.pane_language));
    html.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
    html.push_str(&html_escape(text(a, "title")));
    html.push_str("</title>\n<link rel=\"icon\" href=\"/addin/static/icon-32.png\">\n");
    html.push_str("<link rel=\"stylesheet\" href=\"/addin/static/taskpane.css\">\n");
    html.push_str("<script type=\"application/json\" id=\"vmr-config\">");
    html.push_str(&script_json(&settings));
    html.push_str("</script>\n");
    for src in &scripts {
        html.push_str("<script src=\"");
        html.push_str(&html_escape(src));
        html.push_str("\"></script>\n");
    }
    html.push_str(
        "</head>\n<body>\n<main id=\"app\" class=\"pane\" aria-busy=\"true\">\n<header class=\"pane-header\">",
    );
    html.push_str("<img class=\"pane-icon\" src=\"/addin/static/icon-32.png\" width=\"32\" height=\"32\" alt=\"\">");
    html.push_str("<h1 class=\"pane-title\">");
    html.push_str(&html_escape(text(a, "title")));
    html.push_str("</h1></header>\n<div id=\"view\" class=\"view\"></div>\n");
    html.push_str("<div id=\"status\" class=\"visually-hidden\" role=\"status\" aria-live=\"polite\"></div>\n");
    html.push_str("<noscript><p class=\"message\">");
    html.push_str(&html_escape(text(a, "not_in_outlook_message")));
    html.push_str("</p></noscript>\n</main>\n<script src=\"/addin/static/body-block.js\"></script>\n<script src=\"/addin/static/taskpane.js\"></script>\n</body>\n</html>\n");
    Page { html, script_sources: origins }
}

fn text<'a>(a: &'a crate::config::AddinSettings, key: &str) -> &'a str {
    a.pane_texts.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v.as_str())
}

/// JSON safe inside `<script type="application/json">`: `<`, `>` and `&` only occur in strings, where
/// their `\u` escapes mean the same, and `</script>` can then never appear.
fn script_json(value: &Value) -> String {
    let s = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_string());
    s.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `https://host[:port]` of an absolute https URL; `None` for a path on this server.
fn origin_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    (!authority.is_empty()).then(|| format!("https://{}", authority.to_ascii_lowercase()))
}

fn is_microsoft_ajax(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').next().is_some_and(|f| f.eq_ignore_ascii_case("MicrosoftAjax.js"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let s = script_json(&json!({"t": "</script><script>alert(1)</script> & more"}));
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'), "{s}");
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["t"], "</script><script>alert(1)</script> & more");
    }

    #[test]
    fn origins_are_taken_from_absolute_urls_only() {
        assert_eq!(
            origin_of("https://Cdn.Example.com:8443/lib/office.js").as_deref(),
            Some("https://cdn.example.com:8443")
        );
        assert_eq!(origin_of("/addin/lib/office.js"), None);
        assert!(is_microsoft_ajax("https://x.example.com/js/microsoftajax.js?v=1"));
        assert!(!is_microsoft_ajax("https://x.example.com/js/office.js"));
    }
}
