//! vmr-scheduler as a library: the parts of the appliance, used by the `vmr-scheduler` binary
//! (`main.rs`, the command line) and by the integration tests.

pub mod addin;
pub mod config;
pub mod demo;
pub mod exchange;
pub mod http;
pub mod meeting;
pub mod reservations;
pub mod scheduler;
pub mod service;
pub mod store;
pub mod system;
pub mod templates;
