//! The EWS client: Microsoft's example envelopes, schema-valid requests, SOAP faults, hostile input,
//! and the HTTPS transport against a local server.

mod convert;
mod examples;
mod faults;
mod fuzz;
mod requests;
mod transport;

use std::path::PathBuf;

use vmr_scheduler::exchange::ExchangeError;

/// `../shared/ews` next to the repository.
pub fn shared_ews() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ews")
}

pub fn example(name: &str) -> Vec<u8> {
    let path = shared_ews().join("examples").join(name);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

pub fn ts(s: &str) -> jiff::Timestamp {
    match s.parse() {
        Ok(t) => t,
        Err(e) => panic!("{s}: {e}"),
    }
}

pub fn ok<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}

pub fn err<T: std::fmt::Debug>(r: Result<T, ExchangeError>, what: &str) -> ExchangeError {
    match r {
        Ok(v) => panic!("{what}: expected an error, got {v:?}"),
        Err(e) => e,
    }
}
