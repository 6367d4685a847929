//! The XML layer under SOAP: a writer that escapes text and attribute values correctly, and a
//! namespace-aware reader (over quick-xml) that turns an answer into a bounded element tree. It knows
//! nothing about EWS beyond its four namespace URIs; it never panics and never grows without bound.

use std::fmt::Write as _;

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use crate::exchange::ExchangeError;

/// SOAP 1.1 envelope namespace.
pub const SOAP_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// EWS messages namespace (operations, response messages).
pub const MESSAGES_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/messages";
/// EWS types namespace (items, ids, headers).
pub const TYPES_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/types";
/// EWS errors namespace (SOAP fault details).
pub const ERRORS_NS: &str = "http://schemas.microsoft.com/exchange/services/2006/errors";

/// The namespaces the client tells apart; every other one is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    Soap,
    Messages,
    Types,
    Errors,
    /// No namespace (SOAP fault children such as `faultcode` are unqualified).
    None,
    Other,
}

impl Ns {
    fn from_uri(uri: &str) -> Ns {
        match uri {
            SOAP_NS => Ns::Soap,
            MESSAGES_NS => Ns::Messages,
            TYPES_NS => Ns::Types,
            ERRORS_NS => Ns::Errors,
            _ => Ns::Other,
        }
    }
}

/// Limits that keep a hostile or broken answer from costing unbounded memory or stack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest document accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting accepted (EWS answers nest about 15 deep).
    pub max_depth: usize,
    /// Most elements plus attributes in one document.
    pub max_nodes: usize,
    /// Longest attribute value (ids and change keys are a few hundred bytes).
    pub max_attribute_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_bytes: 16 * 1024 * 1024, max_depth: 64, max_nodes: 1_000_000, max_attribute_bytes: 64 * 1024 }
    }
}

/// One element of a parsed document: its namespace, local name, unqualified attributes, text
/// (entities resolved; whitespace-only text of elements with children is dropped) and children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub ns: Ns,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    fn new(ns: Ns, name: &str) -> Element {
        Element { ns, name: name.to_owned(), attrs: Vec::new(), text: String::new(), children: Vec::new() }
    }

    /// Whether this element is `{ns}name`.
    pub fn is(&self, ns: Ns, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    /// The first child `{ns}name`.
    pub fn child(&self, ns: Ns, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// Every child `{ns}name`, in document order.
    pub fn children_named<'a>(&'a self, ns: Ns, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    /// The value of the unqualified attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The text of the child `{ns}name`, if that child exists.
    pub fn child_text(&self, ns: Ns, name: &str) -> Option<&str> {
        self.child(ns, name).map(|c| c.text.as_str())
    }
}

/// Parses a whole document into its root element, within `limits`. Every failure is
/// `ExchangeError::Malformed` (or `TooLarge` for an oversized input), with the byte offset and the
/// element path where it happened.
pub fn parse(input: &[u8], limits: &Limits) -> Result<Element, ExchangeError> {
    if input.len() > limits.max_bytes {
        return Err(ExchangeError::TooLarge { limit: limits.max_bytes });
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = std::str::from_utf8(input).map_err(|e| ExchangeError::Malformed {
        detail: format!("the answer is not UTF-8 (at byte {})", e.valid_up_to()),
    })?;
    TreeBuilder::new(text, limits).run()
}

struct TreeBuilder<'i> {
    reader: NsReader<&'i [u8]>,
    limits: Limits,
    stack: Vec<Element>,
    root: Option<Element>,
    nodes: usize,
}

impl<'i> TreeBuilder<'i> {
    fn new(text: &'i str, limits: &Limits) -> TreeBuilder<'i> {
        let mut reader = NsReader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text_start = false;
        config.trim_text_end = false;
        TreeBuilder { reader, limits: *limits, stack: Vec::new(), root: None, nodes: 0 }
    }

    fn fail(&self, what: impl std::fmt::Display) -> ExchangeError {
        let mut path = String::new();
        for e in &self.stack {
            let _ = write!(path, "/{}", e.name);
        }
        if path.is_empty() {
            path.push('/');
        }
        ExchangeError::Malformed { detail: format!("{what} at byte {} (in {path})", self.reader.buffer_position()) }
    }

    fn run(mut self) -> Result<Element, ExchangeError> {
        loop {
            let (ns, event) = match self.reader.read_resolved_event() {
                Ok((ns, event)) => (resolve_ns(&ns), event),
                Err(e) => return Err(self.fail(format_args!("XML error: {e}"))),
            };
            match event {
                Event::Start(start) => {
                    let element = self.open(ns, &start)?;
                    self.stack.push(element);
                }
                Event::Empty(start) => {
                    let element = self.open(ns, &start)?;
                    self.attach(element)?;
                }
                Event::End(_) => {
                    let Some(mut element) = self.stack.pop() else {
                        return Err(self.fail("end tag without start tag"));
                    };
                    if !element.children.is_empty() && element.text.trim().is_empty() {
                        element.text = String::new();
                    }
                    self.attach(element)?;
                }
                Event::Text(text) => self.append_text(&text.xml10_content())?,
                Event::CData(cdata) => self.append_text(&cdata.xml10_content())?,
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => c.to_string(),
                        Ok(Some(c)) => {
                            return Err(self.fail(format_args!("character U+{:04X} is not allowed in XML", c as u32)));
                        }
                        Ok(None) => match resolve_predefined_entity(&reference) {
                            Some(s) => s.to_owned(),
                            None => return Err(self.fail(format_args!("unknown entity &{};", &*reference))),
                        },
                        Err(e) => return Err(self.fail(format_args!("bad character reference: {e}"))),
                    };
                    self.append_text(&resolved)?;
                }
                Event::DocType(_) => return Err(self.fail("document type declarations are refused")),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if !self.stack.is_empty() {
            return Err(self.fail("the document ends inside an element (truncated?)"));
        }
        match self.root.take() {
            Some(root) => Ok(root),
            None => Err(self.fail("the document has no element")),
        }
    }

    fn count(&mut self) -> Result<(), ExchangeError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(self.fail(format_args!("more than {} elements and attributes", self.limits.max_nodes)));
        }
        Ok(())
    }

    fn open(&mut self, ns: Result<Ns, String>, start: &BytesStart<'_>) -> Result<Element, ExchangeError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.fail(format_args!("elements nest deeper than {}", self.limits.max_depth)));
        }
        if self.root.is_some() && self.stack.is_empty() {
            return Err(self.fail("a second root element"));
        }
        self.count()?;
        let ns = match ns {
            Ok(ns) => ns,
            Err(prefix) => return Err(self.fail(format_args!("undeclared namespace prefix \"{prefix}\""))),
        };
        let local = start.local_name();
        let mut element = Element::new(ns, local.as_ref());
        for attr in start.attributes() {
            let attr = match attr {
                Ok(attr) => attr,
                Err(e) => return Err(self.fail(format_args!("bad attribute: {e}"))),
            };
            self.count()?;
            // EWS attributes are unqualified; namespace declarations and qualified attributes
            // (xsi:type, xml:lang) carry nothing the client reads.
            let key = attr.key;
            if key.prefix().is_some() || key.as_namespace_binding().is_some() {
                continue;
            }
            if attr.value.len() > self.limits.max_attribute_bytes {
                return Err(self.fail(format_args!(
                    "attribute {} is longer than {} bytes",
                    key.as_ref(),
                    self.limits.max_attribute_bytes
                )));
            }
            let value = match attr.normalized_value(XmlVersion::Implicit1_0) {
                Ok(v) => v.into_owned(),
                Err(e) => return Err(self.fail(format_args!("bad value of attribute {}: {e}", key.as_ref()))),
            };
            element.attrs.push((key.local_name().as_ref().to_owned(), value));
        }
        Ok(element)
    }

    fn attach(&mut self, element: Element) -> Result<(), ExchangeError> {
        match self.stack.last_mut() {
            Some(parent) => {
                parent.children.push(element);
                Ok(())
            }
            None if self.root.is_none() => {
                self.root = Some(element);
                Ok(())
            }
            None => Err(self.fail("a second root element")),
        }
    }

    fn append_text(&mut self, text: &str) -> Result<(), ExchangeError> {
        match self.stack.last_mut() {
            // Whitespace between child elements (indentation) is dropped at the end anyway.
            Some(parent) if !parent.children.is_empty() && parent.text.is_empty() && is_blank(text) => Ok(()),
            Some(parent) => {
                parent.text.push_str(text);
                Ok(())
            }
            None if text.trim().is_empty() => Ok(()),
            None => Err(self.fail("text outside the root element")),
        }
    }
}

fn resolve_ns(ns: &ResolveResult<'_>) -> Result<Ns, String> {
    match ns {
        ResolveResult::Bound(uri) => Ok(Ns::from_uri(uri.0)),
        ResolveResult::Unbound => Ok(Ns::None),
        ResolveResult::Unknown(prefix) => Err(prefix.clone()),
    }
}

fn is_blank(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Whether `c` may appear in an XML 1.0 document (the `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Builds an XML document into a `String`. Element names are the caller's literals (with their
/// prefixes); text and attribute values are escaped here, and characters XML 1.0 cannot carry are
/// replaced with U+FFFD so that any input yields a well-formed request.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
    open: Vec<String>,
}

impl XmlWriter {
    pub fn new() -> XmlWriter {
        XmlWriter { out: String::with_capacity(2048), open: Vec::new() }
    }

    /// Writes raw markup the caller vouches for (the XML declaration).
    pub fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    fn start_tag(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
    }

    /// `<tag attrs…>`; closed by the matching [`XmlWriter::close`].
    pub fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.start_tag(tag, attrs);
        self.out.push('>');
        self.open.push(tag.to_owned());
    }

    /// `</tag>` of the innermost open element.
    pub fn close(&mut self) {
        if let Some(tag) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(&tag);
            self.out.push('>');
        }
    }

    /// `<tag attrs…/>`.
    pub fn empty(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.start_tag(tag, attrs);
        self.out.push_str("/>");
    }

    /// `<tag attrs…>text</tag>`.
    pub fn leaf(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) {
        self.start_tag(tag, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// The document, with every element still open closed.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

/// Escapes `text` for element content (`attr == false`) or a double-quoted attribute value. Carriage
/// returns (and, in attributes, tabs and newlines) become character references so that XML's
/// end-of-line and attribute normalisation give the receiver the same characters back.
pub fn escape_into(out: &mut String, text: &str, attr: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(xml: &str) -> Element {
        match parse(xml.as_bytes(), &Limits::default()) {
            Ok(e) => e,
            Err(e) => panic!("{xml}: {e}"),
        }
    }

    fn parse_err(xml: &[u8], limits: &Limits) -> String {
        match parse(xml, limits) {
            Ok(e) => panic!("parsed: {e:?}"),
            Err(ExchangeError::Malformed { detail }) => detail,
            Err(other) => other.to_string(),
        }
    }

    #[test]
    fn elements_are_resolved_by_namespace_not_prefix() {
        let root = parse_ok(
            r#"<a:Envelope xmlns:a="http://schemas.xmlsoap.org/soap/envelope/"><a:Body><Op xmlns="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:x="http://schemas.microsoft.com/exchange/services/2006/types"><x:ItemId Id="A&amp;B" x:Ignored="1"/></Op></a:Body></a:Envelope>"#,
        );
        assert!(root.is(Ns::Soap, "Envelope"));
        let op = &root.children[0].children[0];
        assert!(op.is(Ns::Messages, "Op"));
        let id = &op.children[0];
        assert!(id.is(Ns::Types, "ItemId"));
        assert_eq!(id.attrs, vec![("Id".to_string(), "A&B".to_string())]);
    }

    #[test]
    fn text_resolves_predefined_entities_character_references_and_cdata() {
        let root = parse_ok("<r>a &lt;b&gt; &#233;&#x20AC; <![CDATA[<raw>]]></r>");
        assert_eq!(root.text, "a <b> é€ <raw>");
    }

    #[test]
    fn whitespace_between_children_is_dropped_but_leaf_whitespace_kept() {
        let root = parse_ok("<r>\n  <a> x </a>\n</r>");
        assert_eq!(root.text, "");
        assert_eq!(root.children[0].text, " x ");
    }

    #[test]
    fn broken_documents_are_malformed_with_a_path() {
        let limits = Limits::default();
        assert!(parse_err(b"<a><b></a>", &limits).contains("/a/b"));
        assert!(parse_err(b"<a><b>", &limits).contains("truncated"));
        assert!(parse_err(b"", &limits).contains("no element"));
        assert!(parse_err(b"<a>&bogus;</a>", &limits).contains("unknown entity"));
        assert!(parse_err(b"<a>&#0;</a>", &limits).contains("character"));
        assert!(parse_err(b"<x:a/>", &limits).contains("undeclared"));
        assert!(parse_err(b"<a/><b/>", &limits).contains("second root"));
        assert!(parse_err(b"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", &limits).contains("document type"));
        assert!(parse_err(b"<a>\xff</a>", &limits).contains("UTF-8"));
    }

    #[test]
    fn limits_on_depth_nodes_and_attribute_length_are_enforced() {
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        let limits = Limits::default();
        assert!(parse_err(deep.as_bytes(), &limits).contains("deeper"));
        let many = format!("<r>{}</r>", "<a/>".repeat(50));
        assert!(parse_err(many.as_bytes(), &Limits { max_nodes: 10, ..limits }).contains("more than 10"));
        let long = format!("<r a=\"{}\"/>", "x".repeat(100));
        assert!(parse_err(long.as_bytes(), &Limits { max_attribute_bytes: 50, ..limits }).contains("longer"));
        let big = vec![b' '; 100];
        assert!(matches!(parse(&big, &Limits { max_bytes: 10, ..limits }), Err(ExchangeError::TooLarge { limit: 10 })));
    }

    #[test]
    fn the_writer_escapes_markup_and_survives_every_character() {
        let mut w = XmlWriter::new();
        w.open("r", &[("a", "<&\"'\t\n\r>")]);
        w.leaf("t", &[], "<&\"'>\r\n\u{0}\u{1b}é\u{1F600}");
        w.empty("e", &[("x", "\u{FFFF}")]);
        let xml = w.finish();
        assert_eq!(
            xml,
            "<r a=\"&lt;&amp;&quot;'&#9;&#10;&#13;&gt;\"><t>&lt;&amp;\"'&gt;&#13;\n\u{FFFD}\u{FFFD}é\u{1F600}</t><e x=\"\u{FFFD}\"/></r>"
        );
        let root = parse_ok(&xml);
        assert_eq!(root.attr("a"), Some("<&\"'\t\n\r>"));
        assert_eq!(root.children[0].text, "<&\"'>\r\n\u{FFFD}\u{FFFD}é\u{1F600}");
    }
}
