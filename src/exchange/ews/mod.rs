//! EWS (Exchange Web Services) over SOAP 1.1: [`EwsMailbox`], the `Mailbox` the scheduler uses for
//! on-premises Exchange, and the protocol layers under it (`op` for the operations, `soap` for
//! envelopes, `xml` for the bounded XML reader and writer), public so that tests and the simulated
//! Exchange can check the wire format.

mod auth;
mod client;
mod codes;
mod mailbox;
pub mod op;
mod settings;
pub mod soap;
mod tls;
mod transport;
mod uid;
pub mod xml;

pub use auth::{Auth, BasicAuth};
pub use client::interpret;
pub use codes::ResponseCode;
pub use mailbox::{EwsMailbox, meeting_cancellation, meeting_request};
pub use settings::EwsSettings;
pub use transport::{HttpAnswer, Transport, TransportSettings, fetch_document};
pub use uid::{clean_global_object_id, uid_from_global_object_id};
