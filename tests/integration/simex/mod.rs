//! The simulated Exchange: protocol behaviour, meeting semantics, Microsoft's example requests,
//! identity tokens, and a real third-party client (exchangelib) as the organizer. Every response
//! these tests read is checked against the EWS schema with xmllint.

mod examples;
mod exchangelib;
mod identity;
mod meetings;
mod protocol;

use std::path::PathBuf;
use std::process::Command;

use base64::Engine as _;
use vmr_scheduler::demo::exchange::{MailboxKind, RunningSim, SimOptions, SimulatedExchange};

pub const ORGANIZER: &str = "organizer@example.com";
pub const ATTENDEE: &str = "bob@example.com";
pub const ROOM: &str = "room1@example.com";
pub const SERVICE: &str = "svc-vmr@example.com";
pub const PASSWORD: &str = "s3cret-pass";

pub const NS_M: &str = "http://schemas.microsoft.com/exchange/services/2006/messages";
pub const NS_T: &str = "http://schemas.microsoft.com/exchange/services/2006/types";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn shared_ews() -> PathBuf {
    repo().join("../shared/ews")
}

pub fn fixture(name: &str) -> String {
    let path = repo().join("tests/fixtures/tls").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A simulator with an organizer, an attendee, a room, and a service account that may
/// impersonate every mailbox; bodies are recorded so that tests can validate them.
pub fn start() -> RunningSim {
    let mut options = SimOptions::new(fixture("rsa.pem"), fixture("rsa-pkcs8.key"));
    options.record_bodies = true;
    let sim = SimulatedExchange::start(options).unwrap_or_else(|e| panic!("{e}"));
    sim.add_mailbox(ORGANIZER, "Olga Organizer", MailboxKind::User);
    sim.add_mailbox(ATTENDEE, "Bob Attendee", MailboxKind::User);
    sim.add_mailbox(ROOM, "Room 1", MailboxKind::Resource);
    for account in [ORGANIZER, ATTENDEE, ROOM, SERVICE] {
        sim.set_password(account, PASSWORD);
    }
    sim.grant_impersonation_all(SERVICE);
    sim
}

/// An HTTPS client that trusts the test CA.
pub fn agent() -> ureq::Agent {
    let ca = fixture("ca.pem");
    let cert = ureq::tls::Certificate::from_pem(ca.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let tls = ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::new_with_certs(&[cert])).build();
    ureq::Agent::config_builder().tls_config(tls).http_status_as_error(false).build().into()
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub fn basic(account: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{account}:{password}")))
}

/// POSTs raw bytes to the EWS endpoint.
pub fn post_raw(sim: &RunningSim, auth: Option<&str>, body: &str) -> Answer {
    let mut req = agent().post(sim.ews_url()).header("content-type", "text/xml; charset=utf-8");
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let mut resp = req.send(body).unwrap_or_else(|e| panic!("POST {}: {e}", sim.ews_url()));
    let status = resp.status().as_u16();
    let headers =
        resp.headers().iter().map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let body = resp.body_mut().read_to_string().unwrap_or_else(|e| panic!("reading the answer: {e}"));
    Answer { status, headers, body }
}

/// An envelope with `RequestServerVersion`, optional impersonation and time zone context.
pub fn envelope(impersonate: Option<&str>, zone: Option<&str>, body: &str) -> String {
    let mut header = String::from(r#"<t:RequestServerVersion Version="Exchange2016"/>"#);
    if let Some(who) = impersonate {
        header.push_str(&format!(
            "<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>{who}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
        ));
    }
    if let Some(z) = zone {
        header.push_str(&format!(r#"<t:TimeZoneContext><t:TimeZoneDefinition Id="{z}"/></t:TimeZoneContext>"#));
    }
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="{NS_M}" xmlns:t="{NS_T}"><soap:Header>{header}</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
}

/// Sends an operation as `account` (Basic auth), acting as `impersonate` if given; asserts HTTP
/// 200 and a schema-valid request and response; returns the parsed response body element.
pub fn call(sim: &RunningSim, account: &str, impersonate: Option<&str>, zone: Option<&str>, body: &str) -> Doc {
    let request = envelope(impersonate, zone, body);
    let answer = post_raw(sim, Some(&basic(account, PASSWORD)), &request);
    assert_eq!(answer.status, 200, "request {body}\nanswer {}", answer.body);
    assert_schema_valid(&[request.as_str(), answer.body.as_str()]);
    Doc::parse(&answer.body)
}

/// The child of `soap:Body` with every namespace declaration of the envelope in scope copied onto
/// it, so that xmllint can validate it alone.
pub fn body_element(envelope: &str) -> Option<String> {
    let env_start = envelope.find("Envelope")?;
    let env_tag_end = envelope[env_start..].find('>')? + env_start;
    let mut decls: Vec<(String, String)> = Vec::new();
    let body_open = find_tag(envelope, "Body", 0)?;
    let body_tag_end = envelope[body_open..].find('>')? + body_open;
    for tag in [&envelope[env_start..env_tag_end], &envelope[body_open..body_tag_end]] {
        for (name, value) in xmlns_attrs(tag) {
            decls.retain(|(n, _)| *n != name);
            decls.push((name, value));
        }
    }
    let child_start = envelope[body_tag_end + 1..].find('<')? + body_tag_end + 1;
    let body_close = envelope.rfind("Body>")?;
    let close_start = envelope[..body_close].rfind("</")?;
    let child = envelope[child_start..close_start].trim_end();
    let name_end = child.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
    let child_tag_end = child.find('>')?;
    let own: Vec<String> = xmlns_attrs(&child[..child_tag_end]).into_iter().map(|(n, _)| n).collect();
    let mut extra = String::new();
    for (name, value) in decls {
        if !own.contains(&name) {
            extra.push_str(&format!(" {name}=\"{value}\""));
        }
    }
    Some(format!("{}{}{}", &child[..name_end], extra, &child[name_end..]))
}

fn find_tag(text: &str, local: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = text[at..].find('<') {
        let start = at + i;
        let rest = &text[start + 1..];
        let name_end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(rest.len());
        let name = &rest[..name_end];
        if name == local || name.ends_with(&format!(":{local}")) {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

fn xmlns_attrs(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag;
    while let Some(i) = rest.find("xmlns") {
        let after = &rest[i..];
        let Some(eq) = after.find('=') else { break };
        let name = after[..eq].trim().to_string();
        let quote = after[eq + 1..].chars().next().unwrap_or('"');
        let value_start = eq + 2;
        let Some(len) = after[value_start..].find(quote) else { break };
        out.push((name, after[value_start..value_start + len].to_string()));
        rest = &after[value_start + len..];
    }
    out
}

/// Validates the body element of each envelope against messages.xsd with xmllint.
pub fn assert_schema_valid(envelopes: &[&str]) {
    let dir = std::env::temp_dir().join(format!(
        "simex-xsd-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut files = Vec::new();
    for (i, env) in envelopes.iter().enumerate() {
        let body = body_element(env).unwrap_or_else(|| panic!("no SOAP body in {env}"));
        let path = dir.join(format!("body{i}.xml"));
        std::fs::write(&path, &body).unwrap_or_else(|e| panic!("{e}"));
        files.push(path);
    }
    let schema = shared_ews().join("messages.xsd");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run xmllint ({e}); install it: apt-get install libxml2-utils"));
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    if !output.status.success() {
        let mut detail = String::new();
        for (i, f) in files.iter().enumerate() {
            if stderr.contains(&format!("{} fails", f.display())) {
                detail.push_str(&format!("\n--- body {i} ---\n{}", std::fs::read_to_string(f).unwrap_or_default()));
            }
        }
        panic!("schema validation failed:\n{stderr}{detail}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A parsed response, for reading values out of it.
pub struct Doc {
    pub root: roxml::Node,
}

impl Doc {
    pub fn parse(text: &str) -> Doc {
        Doc { root: roxml::parse(text).unwrap_or_else(|e| panic!("bad XML ({e}): {text}")) }
    }

    /// Text of every element with this local name, in document order.
    pub fn texts(&self, local: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.root.walk(&mut |n| {
            if n.name == local {
                out.push(n.text.clone());
            }
        });
        out
    }

    pub fn text(&self, local: &str) -> Option<String> {
        self.texts(local).into_iter().next()
    }

    /// An attribute of every element with this local name.
    pub fn attrs(&self, local: &str, attr: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.root.walk(&mut |n| {
            if n.name == local
                && let Some(v) = n.attr(attr)
            {
                out.push(v.to_string());
            }
        });
        out
    }

    /// Local names of the children of the first element named `local`.
    pub fn children_of(&self, local: &str) -> Vec<String> {
        let mut out = None;
        self.root.walk(&mut |n| {
            if out.is_none() && n.name == local {
                out = Some(n.children.iter().map(|c| c.name.clone()).collect());
            }
        });
        out.unwrap_or_default()
    }
}

/// A tiny read-only XML tree for assertions (quick-xml underneath).
pub mod roxml {
    use quick_xml::events::Event;
    use quick_xml::reader::Reader;

    #[derive(Debug, Default, Clone)]
    pub struct Node {
        pub name: String,
        pub attrs: Vec<(String, String)>,
        pub children: Vec<Node>,
        pub text: String,
    }

    impl Node {
        pub fn attr(&self, name: &str) -> Option<&str> {
            self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
        }

        pub fn walk(&self, f: &mut dyn FnMut(&Node)) {
            f(self);
            for c in &self.children {
                c.walk(f);
            }
        }
    }

    pub fn parse(text: &str) -> Result<Node, String> {
        let mut reader = Reader::from_str(text);
        let mut stack: Vec<Node> = vec![Node::default()];
        loop {
            match reader.read_event().map_err(|e| e.to_string())? {
                Event::Start(s) => stack.push(node(&s)?),
                Event::Empty(s) => {
                    let n = node(&s)?;
                    stack.last_mut().ok_or("unbalanced")?.children.push(n);
                }
                Event::End(_) => {
                    let n = stack.pop().ok_or("unbalanced")?;
                    stack.last_mut().ok_or("unbalanced")?.children.push(n);
                }
                Event::Text(t) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                        Some(c) => c,
                        None => match &*r {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "quot" => '"',
                            _ => '\'',
                        },
                    };
                    if let Some(top) = stack.last_mut() {
                        top.text.push(c);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        let mut root = stack.pop().ok_or("empty")?;
        root.children.pop().ok_or_else(|| "empty document".to_string())
    }

    fn node(s: &quick_xml::events::BytesStart<'_>) -> Result<Node, String> {
        let mut n = Node { name: s.local_name().into_inner().to_string(), ..Node::default() };
        for a in s.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| e.to_string())?;
            n.attrs.push((a.key.local_name().into_inner().to_string(), v.into_owned()));
        }
        Ok(n)
    }
}
