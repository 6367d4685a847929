//! EWS (Exchange Web Services) over SOAP 1.1: the client the scheduler uses through `Mailbox`.

mod auth;
mod codes;
pub mod op;
pub mod soap;
mod tls;
mod transport;
pub mod xml;

pub use auth::{Auth, BasicAuth};
pub use codes::ResponseCode;
pub use transport::{HttpAnswer, Transport, TransportSettings};
