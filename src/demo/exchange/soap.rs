//! SOAP 1.1 envelopes as Exchange 2016 reads and writes them: the request headers
//! (`RequestServerVersion`, `ExchangeImpersonation`, `TimeZoneContext`), the response envelope with
//! `ServerVersionInfo`, per-message response skeletons and request-level faults.
//! See <https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/ews-xml-elements-in-exchange>.

use jiff::tz::TimeZone;

use super::time;
use super::xml::{Element, NS_M, NS_SOAP, NS_T, Writer, escape};
use crate::exchange::ews::ResponseCode;

/// `ExchangeVersionType` values a request may name in `RequestServerVersion/@Version`.
const VERSIONS: &[&str] = &[
    "Exchange2007",
    "Exchange2007_SP1",
    "Exchange2009",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
    "Exchange2012",
    "Exchange2013",
    "Exchange2013_SP1",
    "Exchange2015",
    "Exchange2016",
    "V2015_10_05",
    "V2016_01_06",
    "V2016_04_13",
    "V2016_07_13",
    "V2016_10_10",
];

/// A request envelope, read.
#[derive(Debug)]
pub struct Envelope {
    pub version: Option<String>,
    /// The SMTP address (or other id) in `ExchangeImpersonation/ConnectingSID`.
    pub impersonate: Option<String>,
    /// `TimeZoneContext/TimeZoneDefinition/@Id`, resolved.
    pub zone: Option<TimeZone>,
    pub zone_id: Option<String>,
    /// The operation element (the one child of `soap:Body`).
    pub body: Element,
}

/// A request-level failure: answered with a SOAP fault (HTTP 500).
#[derive(Debug, Clone)]
pub struct Fault {
    pub code: ResponseCode,
    pub message: String,
    /// `t:Value Name=...` pairs for the fault's `MessageXml`.
    pub values: Vec<(&'static str, String)>,
}

impl Fault {
    pub fn new(code: ResponseCode, message: impl Into<String>) -> Fault {
        Fault { code, message: message.into(), values: Vec::new() }
    }
}

/// Reads the envelope; a malformed one is an `ErrorSchemaValidation` or `ErrorInvalidRequest` fault.
pub fn read(root: Element) -> Result<Envelope, Fault> {
    if !root.is(NS_SOAP, "Envelope") {
        return Err(Fault::new(
            ResponseCode::ErrorInvalidRequest,
            "The request is not a SOAP 1.1 envelope (http://schemas.xmlsoap.org/soap/envelope/).",
        ));
    }
    let mut version = None;
    let mut impersonate = None;
    let mut zone = None;
    let mut zone_id = None;
    let mut body = None;
    for part in root.children {
        if part.is(NS_SOAP, "Header") {
            for h in &part.children {
                if h.ns != NS_T {
                    continue;
                }
                match h.name.as_str() {
                    "RequestServerVersion" => version = h.attr("Version").map(str::to_string),
                    "ExchangeImpersonation" => {
                        let sid = h.child("ConnectingSID").and_then(|s| s.children.first());
                        match sid {
                            Some(id) if !id.text.trim().is_empty() => impersonate = Some(id.text.trim().to_string()),
                            _ => {
                                return Err(Fault::new(
                                    ResponseCode::ErrorInvalidExchangeImpersonationHeaderData,
                                    "ExchangeImpersonation SOAP header must be present for this type of OAuth token.",
                                ));
                            }
                        }
                    }
                    "TimeZoneContext" => {
                        let id = h.child("TimeZoneDefinition").and_then(|d| d.attr("Id")).unwrap_or("");
                        match time::zone_for_windows_id(id) {
                            Some(z) => {
                                zone = Some(z);
                                zone_id = Some(id.to_string());
                            }
                            None => {
                                return Err(Fault::new(
                                    ResponseCode::ErrorTimeZone,
                                    format!("The time zone definition \"{id}\" is not known to this server."),
                                ));
                            }
                        }
                    }
                    _ => {}
                }
            }
        } else if part.is(NS_SOAP, "Body") {
            body = part.children.into_iter().next();
        }
    }
    let Some(body) = body else {
        return Err(Fault::new(ResponseCode::ErrorInvalidRequest, "The request has no operation in its SOAP body."));
    };
    // Without RequestServerVersion, Exchange serves the request at its oldest schema (Exchange2007).
    match &version {
        None => {}
        Some(v) if !VERSIONS.contains(&v.as_str()) => {
            return Err(Fault::new(
                ResponseCode::ErrorInvalidServerVersion,
                "The specified server version is invalid.",
            ));
        }
        Some(_) => {}
    }
    if body.ns != NS_M {
        return Err(Fault::new(
            ResponseCode::ErrorInvalidRequest,
            format!("The body element {} is not an EWS request.", body.name),
        ));
    }
    Ok(Envelope { version, impersonate, zone, zone_id, body })
}

/// Wraps an operation's response element (already written, with `xmlns:m`/`xmlns:t`) in the
/// response envelope Exchange 2016 sends.
pub fn envelope(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 600);
    out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    out.push_str(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>"#);
    out.push_str(
        r#"<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" xmlns="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>"#,
    );
    out.push_str("</s:Header><s:Body>");
    out.push_str(body);
    out.push_str("</s:Body></s:Envelope>");
    out
}

/// A SOAP fault envelope (no header, as Exchange sends them).
pub fn fault(f: &Fault) -> String {
    let code = f.code.as_str();
    let message = escape(&f.message);
    let mut out = String::new();
    out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    out.push_str(r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>"#);
    out.push_str(&format!(
        r#"<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:{code}</faultcode>"#
    ));
    out.push_str(&format!(r#"<faultstring xml:lang="en-US">{message}</faultstring><detail>"#));
    out.push_str(&format!(
        r#"<e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">{code}</e:ResponseCode>"#
    ));
    out.push_str(&format!(
        r#"<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">{message}</e:Message>"#
    ));
    if !f.values.is_empty() {
        out.push_str(r#"<t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">"#);
        for (name, value) in &f.values {
            out.push_str(&format!(r#"<t:Value Name="{name}">{}</t:Value>"#, escape(value)));
        }
        out.push_str("</t:MessageXml>");
    }
    out.push_str("</detail></s:Fault></s:Body></s:Envelope>");
    out
}

/// Opens `<m:{op}Response>` with the namespace declarations and `<m:ResponseMessages>`.
pub fn open_response(w: &mut Writer, op: &str) {
    w.out.push_str(&format!(
        r#"<m:{op}Response xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>"#
    ));
}

pub fn close_response(w: &mut Writer, op: &str) {
    w.out.push_str(&format!("</m:ResponseMessages></m:{op}Response>"));
}

/// A per-message error: what `ResponseMessageType` carries before the operation's own children.
#[derive(Debug, Clone)]
pub struct MessageError {
    pub code: ResponseCode,
    pub text: String,
    /// A `t:FieldURI` to put in `MessageXml` (ErrorInvalidPropertyRequest and path errors).
    pub field_uri: Option<String>,
}

impl MessageError {
    pub fn new(code: ResponseCode) -> MessageError {
        MessageError { code, text: default_text(code).to_string(), field_uri: None }
    }

    pub fn with_text(code: ResponseCode, text: impl Into<String>) -> MessageError {
        MessageError { code, text: text.into(), field_uri: None }
    }
}

/// Writes `<m:{op}ResponseMessage ResponseClass=...>` with its code (and text for errors).
pub fn open_message(w: &mut Writer, op: &str, error: Option<&MessageError>) {
    let tag = format!("m:{op}ResponseMessage");
    match error {
        None => {
            w.open_attrs(&tag, &[("ResponseClass", "Success")]);
            w.leaf("m:ResponseCode", "NoError");
        }
        Some(e) => {
            w.open_attrs(&tag, &[("ResponseClass", "Error")]);
            w.leaf("m:MessageText", &e.text);
            w.leaf("m:ResponseCode", e.code.as_str());
            w.leaf("m:DescriptiveLinkKey", "0");
            if let Some(uri) = &e.field_uri {
                w.open("m:MessageXml");
                w.empty("t:FieldURI", &[("FieldURI", uri)]);
                w.close("m:MessageXml");
            }
        }
    }
}

pub fn close_message(w: &mut Writer, op: &str) {
    w.close(&format!("m:{op}ResponseMessage"));
}

/// The text Exchange gives with common codes.
pub fn default_text(code: ResponseCode) -> &'static str {
    match code {
        ResponseCode::ErrorItemNotFound => "The specified object was not found in the store.",
        ResponseCode::ErrorInvalidIdMalformed => "Id is malformed.",
        ResponseCode::ErrorAccessDenied => "Access is denied. Check credentials and try again.",
        ResponseCode::ErrorFolderNotFound => "The specified folder could not be found in the store.",
        ResponseCode::ErrorInvalidSyncStateData => "Synchronization state data is corrupt or otherwise invalid.",
        ResponseCode::ErrorServerBusy => "The server cannot service this request right now. Try again later.",
        ResponseCode::ErrorCalendarIsNotOrganizer => {
            "The user isn't the organizer of this meeting and can't perform this operation."
        }
        ResponseCode::ErrorCalendarMeetingRequestIsOutOfDate => "The meeting request is out of date.",
        ResponseCode::ErrorMessageDispositionRequired => "MessageDisposition attribute is required.",
        ResponseCode::ErrorSendMeetingInvitationsRequired => "SendMeetingInvitations attribute is required.",
        ResponseCode::ErrorSendMeetingCancellationsRequired => {
            "SendMeetingCancellations attribute is required for Calendar items."
        }
        ResponseCode::ErrorUnsupportedPathForQuery => "The property can not be used with this type of restriction.",
        ResponseCode::ErrorIrresolvableConflict => {
            "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item."
        }
        _ => "The request failed.",
    }
}
