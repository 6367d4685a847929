//! One EWS call: write the envelope, post it, read the answer by HTTP status, and log what happened
//! (operation, time taken, response classes; never credentials or bodies).

use std::time::Instant;

use super::op::Operation;
use super::op::types::ParseContext;
use super::soap::{Answer, RequestHeader, read_response, write_request};
use super::transport::{HttpAnswer, Transport};
use super::xml::Limits;
use crate::exchange::ExchangeError;
use crate::exchange::timezone::zone_for_windows;

/// Sends operations over one transport.
#[derive(Debug)]
pub struct Client {
    pub transport: Transport,
    pub limits: Limits,
}

impl Client {
    /// Calls `op` with `header`; `anchor` is the mailbox acted on (for `X-AnchorMailbox`).
    pub fn call<O: Operation>(
        &mut self,
        op: &O,
        header: &RequestHeader<'_>,
        anchor: Option<&str>,
    ) -> Result<Answer<O::Response>, ExchangeError> {
        let soap = write_request(op, header);
        let zone = header.time_zone.filter(|_| O::TIME_ZONE_CONTEXT).and_then(zone_for_windows);
        let ctx = ParseContext { zone: zone.unwrap_or(jiff::tz::TimeZone::UTC) };
        let started = Instant::now();
        let limits = self.limits;
        let result = self.transport.post(&soap, anchor).and_then(|answer| {
            interpret::<O>(answer, &ctx, &limits).map_err(|e| match e {
                ExchangeError::Http { status, .. } => {
                    ExchangeError::Http { url: self.transport.url().to_owned(), status }
                }
                other => other,
            })
        });
        let elapsed = started.elapsed().as_millis();
        match &result {
            Ok(answer) => {
                let classes: Vec<String> =
                    answer.messages.iter().map(|m| format!("{:?}/{}", m.class, m.code_text)).collect();
                log::debug!("EWS {} for {} took {elapsed} ms: {}", O::NAME, anchor.unwrap_or("-"), classes.join(", "));
            }
            Err(e) => {
                log::debug!("EWS {} for {} failed after {elapsed} ms: {}", O::NAME, anchor.unwrap_or("-"), e.code())
            }
        }
        result
    }
}

/// Reads an HTTP answer to `O`: 200 carries the answer; 500 carries a SOAP fault (or, rarely, a
/// normal answer); any other status, or a 500 that is not SOAP, is an `Http` error.
pub fn interpret<O: Operation>(
    answer: HttpAnswer,
    ctx: &ParseContext,
    limits: &Limits,
) -> Result<Answer<O::Response>, ExchangeError> {
    match answer.status {
        200 => read_response::<O>(&answer.body, ctx, limits),
        500 => match read_response::<O>(&answer.body, ctx, limits) {
            Err(ExchangeError::Malformed { detail }) => {
                log::debug!("EWS answered HTTP 500 without SOAP: {detail}");
                Err(ExchangeError::Http { url: String::new(), status: 500 })
            }
            other => other,
        },
        status => Err(ExchangeError::Http { url: String::new(), status }),
    }
}
