//! SOAP 1.1 envelopes for EWS: writing a request (version, impersonation and time-zone headers around
//! one operation) and reading an answer (server version, SOAP faults, and the per-message
//! Success/Warning/Error results of the operation). HTTP is the transport's business.

use std::time::Duration;

use super::codes::ResponseCode;
use super::op::Operation;
use super::op::types::{ParseContext, malformed};
use super::xml::{self, Element, Limits, MESSAGES_NS, Ns, SOAP_NS, TYPES_NS, XmlWriter};
use crate::exchange::ExchangeError;

/// The schema version every request asks for (`RequestServerVersion/@Version`): Exchange 2013 SP1,
/// the oldest that has everything the client uses; Exchange 2016, 2019 and SE answer it too.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/requestserverversion>
pub const REQUEST_SERVER_VERSION: &str = "Exchange2013_SP1";

/// How long to wait when Exchange says `ErrorServerBusy` without a `BackOffMilliseconds` value.
pub const DEFAULT_BACK_OFF: Duration = Duration::from_secs(5);

/// The SOAP headers of one request.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/exchangeimpersonation>
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestHeader<'a> {
    /// Act as this mailbox (`ExchangeImpersonation/ConnectingSID/PrimarySmtpAddress`); needs the
    /// ApplicationImpersonation role.
    pub impersonate: Option<&'a str>,
    /// Windows time-zone id for `TimeZoneContext`; sent only with operations whose WSDL allows it.
    pub time_zone: Option<&'a str>,
}

/// The whole request document for `op`. Every child of `s:Header` and `s:Body` declares the EWS
/// namespaces it uses, so each stands alone (and validates alone against messages.xsd).
pub fn write_request<O: Operation>(op: &O, header: &RequestHeader<'_>) -> String {
    let ns_t = ("xmlns:t", TYPES_NS);
    let ns_m = ("xmlns:m", MESSAGES_NS);
    let mut w = XmlWriter::new();
    w.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    w.open("s:Envelope", &[("xmlns:s", SOAP_NS)]);
    w.open("s:Header", &[]);
    w.empty("t:RequestServerVersion", &[ns_t, ("Version", REQUEST_SERVER_VERSION)]);
    if let Some(smtp) = header.impersonate {
        w.open("t:ExchangeImpersonation", &[ns_t]);
        w.open("t:ConnectingSID", &[]);
        w.leaf("t:PrimarySmtpAddress", &[], smtp);
        w.close();
        w.close();
    }
    if let (Some(zone), true) = (header.time_zone, O::TIME_ZONE_CONTEXT) {
        w.open("t:TimeZoneContext", &[ns_t]);
        w.empty("t:TimeZoneDefinition", &[("Id", zone)]);
        w.close();
    }
    w.close();
    w.open("s:Body", &[]);
    let tag = format!("m:{}", O::NAME);
    let attributes = op.attributes();
    let mut attrs: Vec<(&str, &str)> = vec![ns_m, ns_t];
    attrs.extend(attributes.iter().map(|(k, v)| (*k, v.as_str())));
    w.open(&tag, &attrs);
    op.write_body(&mut w);
    w.finish()
}

/// `ResponseClass` of one response message.
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsemessages>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseClass {
    Success,
    Warning,
    Error,
}

/// `ServerVersionInfo` from the answer's SOAP header (absent from faults).
/// <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/serverversioninfo>
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerVersionInfo {
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub major_build: Option<u32>,
    pub minor_build: Option<u32>,
    /// `Version`, e.g. `V2017_07_11` or `Exchange2013_SP1`.
    pub version: Option<String>,
}

/// One `…ResponseMessage`: its class and code as Exchange gave them, and the operation's content
/// when the class is not `Error`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseMessage<T> {
    pub class: ResponseClass,
    pub code: ResponseCode,
    /// The code as written (for codes newer than [`ResponseCode`]).
    pub code_text: String,
    /// `MessageText`.
    pub text: String,
    /// `MessageXml/Value` entries as (Name, text).
    pub values: Vec<(String, String)>,
    pub content: Option<T>,
}

impl<T> ResponseMessage<T> {
    /// The error this message reports: `ServerBusy` with its back-off for `ErrorServerBusy`,
    /// `Response` with the code otherwise.
    pub fn error(&self) -> ExchangeError {
        error_for(self.code, &self.code_text, &self.text, &self.values)
    }

    /// The content of a Success or Warning message, or the message's error.
    pub fn into_result(self) -> Result<T, ExchangeError> {
        let error = if self.class == ResponseClass::Error { Some(self.error()) } else { None };
        match (error, self.content) {
            (None, Some(content)) => Ok(content),
            (Some(e), _) => Err(e),
            (None, None) => Err(ExchangeError::Malformed { detail: "a response message without content".into() }),
        }
    }
}

fn error_for(code: ResponseCode, code_text: &str, text: &str, values: &[(String, String)]) -> ExchangeError {
    if code == ResponseCode::ErrorServerBusy {
        let back_off = values
            .iter()
            .find(|(name, _)| name == "BackOffMilliseconds")
            .and_then(|(_, ms)| ms.trim().parse::<u64>().ok())
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_BACK_OFF);
        return ExchangeError::ServerBusy { back_off };
    }
    ExchangeError::Response { code, code_text: code_text.to_owned(), message: text.to_owned() }
}

/// An answer's envelope: the server version and the element inside `s:Body` (not a fault).
/// <https://www.w3.org/TR/2000/NOTE-SOAP-20000508/#_Toc478383494>
#[derive(Debug, Clone)]
pub struct Envelope {
    pub server_version: Option<ServerVersionInfo>,
    pub body: Element,
}

/// Reads an answer's envelope. A SOAP fault becomes its error (`ServerBusy` with
/// `detail/MessageXml/Value[@Name='BackOffMilliseconds']`, otherwise `Response` with the fault's code).
pub fn read_envelope(input: &[u8], limits: &Limits) -> Result<Envelope, ExchangeError> {
    let root = xml::parse(input, limits)?;
    if !root.is(Ns::Soap, "Envelope") {
        return Err(malformed("/", format_args!("the root element is {} rather than a SOAP 1.1 Envelope", root.name)));
    }
    let server_version =
        root.child(Ns::Soap, "Header").and_then(|h| h.child(Ns::Types, "ServerVersionInfo")).map(|v| {
            ServerVersionInfo {
                major: v.attr("MajorVersion").and_then(|s| s.trim().parse().ok()),
                minor: v.attr("MinorVersion").and_then(|s| s.trim().parse().ok()),
                major_build: v.attr("MajorBuildNumber").and_then(|s| s.trim().parse().ok()),
                minor_build: v.attr("MinorBuildNumber").and_then(|s| s.trim().parse().ok()),
                version: v.attr("Version").map(str::to_owned),
            }
        });
    let Some(body) = root.children.into_iter().find(|c| c.is(Ns::Soap, "Body")) else {
        return Err(malformed("/Envelope", "no Body"));
    };
    let Some(content) = body.children.into_iter().next() else {
        return Err(malformed("/Envelope/Body", "empty"));
    };
    if content.is(Ns::Soap, "Fault") {
        return Err(fault_error(&content));
    }
    Ok(Envelope { server_version, body: content })
}

/// <https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange>
fn fault_error(fault: &Element) -> ExchangeError {
    // SOAP 1.1 says these three are unqualified; some stacks qualify them anyway.
    let part = |name: &str| fault.children.iter().find(|c| c.name == name && matches!(c.ns, Ns::None | Ns::Soap));
    let faultcode = part("faultcode").map(|c| c.text.trim()).unwrap_or("");
    let faultstring = part("faultstring").map(|c| c.text.trim()).unwrap_or("");
    let detail = part("detail");
    let detail_code = detail.and_then(|d| d.child_text(Ns::Errors, "ResponseCode")).map(str::trim);
    // Without a detail, the fault code names the EWS code after its prefix ("a:ErrorSchemaValidation").
    let code_text = detail_code.unwrap_or_else(|| faultcode.rsplit(':').next().unwrap_or(faultcode));
    let message = detail.and_then(|d| d.child_text(Ns::Errors, "Message")).map(str::trim).unwrap_or(faultstring);
    let values = detail.and_then(|d| d.child(Ns::Types, "MessageXml")).map(message_xml_values).unwrap_or_default();
    let code = ResponseCode::parse(code_text);
    let code_text = if code_text.is_empty() { "SOAP fault" } else { code_text };
    error_for(code, code_text, message, &values)
}

fn message_xml_values(message_xml: &Element) -> Vec<(String, String)> {
    message_xml
        .children_named(Ns::Types, "Value")
        .map(|v| (v.attr("Name").unwrap_or("").to_owned(), v.text.clone()))
        .collect()
}

/// The response messages of any operation's answer (`…Response/ResponseMessages/…ResponseMessage`),
/// with `content` read by `read` for messages that are not errors.
pub fn read_messages<T>(
    response: &Element,
    mut read: impl FnMut(&Element, &str) -> Result<T, ExchangeError>,
) -> Result<Vec<ResponseMessage<T>>, ExchangeError> {
    let path = format!("/Envelope/Body/{}", response.name);
    let Some(list) = response.child(Ns::Messages, "ResponseMessages") else {
        return Err(malformed(&path, "no ResponseMessages"));
    };
    let mut messages = Vec::new();
    let items = list.children.iter().filter(|m| m.ns == Ns::Messages && m.name.ends_with("ResponseMessage"));
    for (i, message) in items.enumerate() {
        let path = format!("{path}/ResponseMessages/{}[{}]", message.name, i + 1);
        let class = match message.attr("ResponseClass").map(str::trim) {
            Some("Success") => ResponseClass::Success,
            Some("Warning") => ResponseClass::Warning,
            Some("Error") => ResponseClass::Error,
            Some(other) => return Err(malformed(&path, format_args!("unknown ResponseClass \"{other}\""))),
            None => return Err(malformed(&path, "no ResponseClass")),
        };
        let code_text = match message.child_text(Ns::Messages, "ResponseCode").map(str::trim) {
            Some(code) if !code.is_empty() => code.to_owned(),
            _ if class == ResponseClass::Success => "NoError".to_owned(),
            _ => return Err(malformed(&path, "an error without a ResponseCode")),
        };
        let content = match class {
            ResponseClass::Error => None,
            _ => Some(read(message, &path)?),
        };
        messages.push(ResponseMessage {
            class,
            code: ResponseCode::parse(&code_text),
            code_text,
            text: message.child_text(Ns::Messages, "MessageText").unwrap_or("").trim().to_owned(),
            values: message.child(Ns::Messages, "MessageXml").map(message_xml_values).unwrap_or_default(),
            content,
        });
    }
    Ok(messages)
}

/// A whole answer to `O`: the server version and one message per item of the request.
#[derive(Debug, Clone)]
pub struct Answer<T> {
    pub server_version: Option<ServerVersionInfo>,
    pub messages: Vec<ResponseMessage<T>>,
}

/// Reads the answer to operation `O` (which must be `{messages}<NAME>Response`).
pub fn read_response<O: Operation>(
    input: &[u8],
    ctx: &ParseContext,
    limits: &Limits,
) -> Result<Answer<O::Response>, ExchangeError> {
    let envelope = read_envelope(input, limits)?;
    let expected = format!("{}Response", O::NAME);
    if !envelope.body.is(Ns::Messages, &expected) {
        return Err(malformed(
            "/Envelope/Body",
            format_args!("expected {expected}, found {} ({:?} namespace)", envelope.body.name, envelope.body.ns),
        ));
    }
    let messages = read_messages(&envelope.body, |m, path| O::read_message(m, path, ctx))?;
    Ok(Answer { server_version: envelope.server_version, messages })
}
