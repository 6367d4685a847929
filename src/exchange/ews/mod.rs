//! EWS (Exchange Web Services) over SOAP 1.1: the client the scheduler uses through `Mailbox`.

mod codes;

pub use codes::ResponseCode;
