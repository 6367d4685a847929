//! The demo part: test doubles faithful enough for the integration tests and `vmr-scheduler demo`.
//! For now the simulated Exchange (EWS server and the add-in's identity provider).

pub mod exchange;

pub use exchange::{RunningSim, SimOptions, SimulatedExchange};
