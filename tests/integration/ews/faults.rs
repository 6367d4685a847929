//! Errors Exchange reports: SOAP faults (throttling, schema, impersonation) and per-message errors,
//! each turned into a typed `ExchangeError`.

use std::time::Duration;

use vmr_scheduler::exchange::ExchangeError;
use vmr_scheduler::exchange::ews::op::delete_item::DeleteItem;
use vmr_scheduler::exchange::ews::op::get_item::GetItem;
use vmr_scheduler::exchange::ews::op::types::ParseContext;
use vmr_scheduler::exchange::ews::soap::{ResponseClass, read_response};
use vmr_scheduler::exchange::ews::xml::Limits;
use vmr_scheduler::exchange::ews::{HttpAnswer, ResponseCode, interpret};

use super::{err, ok};

/// A fault as Exchange sends it with HTTP 500 (notes §1.5: faultcode and detail unqualified,
/// ResponseCode in the errors namespace, MessageXml in the types namespace).
pub fn fault(code: &str, values: &[(&str, &str)]) -> String {
    let values: String =
        values.iter().map(|(name, value)| format!("<t:Value Name=\"{name}\">{value}</t:Value>")).collect();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body>
    <s:Fault>
      <faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:{code}</faultcode>
      <faultstring xml:lang="en-US">The server cannot service this request right now.</faultstring>
      <detail>
        <e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">{code}</e:ResponseCode>
        <e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">Details of {code}.</e:Message>
        <t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">{values}</t:MessageXml>
      </detail>
    </s:Fault>
  </s:Body>
</s:Envelope>"#
    )
}

fn answer(status: u16, body: &str) -> Result<(), ExchangeError> {
    interpret::<DeleteItem>(
        HttpAnswer { status, body: body.as_bytes().to_vec() },
        &ParseContext::default(),
        &Limits::default(),
    )
    .map(drop)
}

// Notes §1.5 (real trace): BackOffMilliseconds is detail/MessageXml/Value[@Name='BackOffMilliseconds'].
#[test]
fn a_server_busy_fault_becomes_server_busy_with_its_back_off() {
    let e = err(answer(500, &fault("ErrorServerBusy", &[("BackOffMilliseconds", "297749")])), "busy");
    assert!(matches!(e, ExchangeError::ServerBusy { back_off } if back_off == Duration::from_millis(297_749)), "{e:?}");
    assert!(e.is_transient());
}

#[test]
fn a_server_busy_fault_without_back_off_still_says_how_long_to_wait() {
    let e = err(answer(500, &fault("ErrorServerBusy", &[])), "busy");
    assert!(matches!(e, ExchangeError::ServerBusy { back_off } if back_off > Duration::ZERO), "{e:?}");
}

#[test]
fn other_faults_become_response_errors_with_their_code_and_message() {
    for (code, expected) in [
        ("ErrorNonExistentMailbox", ResponseCode::ErrorNonExistentMailbox),
        ("ErrorImpersonateUserDenied", ResponseCode::ErrorImpersonateUserDenied),
        ("ErrorSchemaValidation", ResponseCode::ErrorSchemaValidation),
        ("ErrorInvalidServerVersion", ResponseCode::ErrorInvalidServerVersion),
        ("ErrorFromTheFuture", ResponseCode::Unrecognized),
    ] {
        let e = err(answer(500, &fault(code, &[("SmtpAddress", "nobody@example.com")])), code);
        let ExchangeError::Response { code: got, code_text, message } = &e else { panic!("{code}: {e:?}") };
        assert_eq!((*got, code_text.as_str()), (expected, code), "{code}");
        assert_eq!(message, &format!("Details of {code}."));
        assert_eq!(e.code(), code);
    }
}

#[test]
fn a_fault_without_detail_takes_its_code_from_faultcode() {
    let body = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>
        <faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorInvalidRequest</faultcode>
        <faultstring>The request is invalid.</faultstring></s:Fault></s:Body></s:Envelope>"#;
    let e = err(answer(500, body), "no detail");
    assert!(
        matches!(&e, ExchangeError::Response { code: ResponseCode::ErrorInvalidRequest, message, .. } if message == "The request is invalid."),
        "{e:?}"
    );
}

#[test]
fn http_statuses_without_soap_become_http_errors() {
    assert!(matches!(answer(500, "<html>IIS error</html>"), Err(ExchangeError::Http { status: 500, .. })));
    assert!(matches!(answer(500, "Internal Server Error"), Err(ExchangeError::Http { status: 500, .. })));
    assert!(matches!(answer(503, ""), Err(ExchangeError::Http { status: 503, .. })));
    assert!(matches!(answer(302, ""), Err(ExchangeError::Http { status: 302, .. })));
}

fn message_error(class: &str, code: &str, xml: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<m:GetItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">
<m:ResponseMessages><m:GetItemResponseMessage ResponseClass="{class}">
<m:MessageText>Text of {code}</m:MessageText><m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>{xml}<m:Items/>
</m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>"#
    )
}

#[test]
fn per_message_errors_keep_their_class_and_become_typed_errors() {
    let body = message_error("Error", "ErrorCalendarMeetingRequestIsOutOfDate", "");
    let answer = ok(read_response::<GetItem>(body.as_bytes(), &ParseContext::default(), &Limits::default()), "read");
    let message = answer.messages[0].clone();
    assert_eq!(message.class, ResponseClass::Error);
    assert_eq!(message.content, None);
    let e = err(message.into_result(), "out of date");
    assert_eq!(e.response_code(), Some(ResponseCode::ErrorCalendarMeetingRequestIsOutOfDate));
    assert!(!e.is_transient());
}

#[test]
fn a_per_message_server_busy_carries_its_back_off() {
    let xml = r#"<m:MessageXml><t:Value Name="BackOffMilliseconds">1500</t:Value></m:MessageXml>"#;
    let body = message_error("Error", "ErrorServerBusy", xml);
    let answer = ok(read_response::<GetItem>(body.as_bytes(), &ParseContext::default(), &Limits::default()), "read");
    let e = err(answer.messages[0].clone().into_result(), "busy");
    assert!(matches!(e, ExchangeError::ServerBusy { back_off } if back_off == Duration::from_millis(1500)), "{e:?}");
}

#[test]
fn a_warning_message_keeps_its_class_and_content() {
    let body = message_error("Warning", "ErrorBatchProcessingStopped", "");
    let answer = ok(read_response::<GetItem>(body.as_bytes(), &ParseContext::default(), &Limits::default()), "read");
    assert_eq!(answer.messages[0].class, ResponseClass::Warning);
    assert_eq!(answer.messages[0].code, ResponseCode::ErrorBatchProcessingStopped);
    assert_eq!(answer.messages[0].content, Some(Vec::new()));
}

#[test]
fn response_codes_cover_exactly_the_schema_enumeration() {
    let xsd = ok(std::fs::read_to_string(super::shared_ews().join("messages.xsd")), "messages.xsd");
    let start = xsd.find("<xs:simpleType name=\"ResponseCodeType\">").unwrap_or(0);
    let end = start + xsd[start..].find("</xs:simpleType>").unwrap_or(0);
    let codes: Vec<&str> =
        xsd[start..end].split("<xs:enumeration value=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    assert_eq!(codes.len(), 514);
    assert_eq!(codes.len(), ResponseCode::ALL.len());
    for (code, known) in codes.iter().zip(ResponseCode::ALL) {
        assert_eq!(*code, known.as_str());
        assert_eq!(ResponseCode::parse(code), *known);
    }
}
