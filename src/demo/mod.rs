//! The demo part: `vmr-scheduler demo` (the production appliance with a simulated Exchange and an
//! Outlook-like page around the real add-in) and the test doubles it is made of, which the
//! integration tests use too. Only `main` and the tests use this part.

mod certs;
pub mod exchange;
mod outlook;
mod page;
mod run;
mod views;

pub use exchange::{RunningSim, SimOptions, SimulatedExchange};
pub use run::{DEFAULT_PORT, Demo, DemoError, DemoOptions, print_operation, run};
