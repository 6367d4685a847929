//! Integration tests: one binary, one module per part (style.md). Helpers shared by modules live in
//! `support`.

mod cli;
mod config;
mod http_server;
mod reservations;
mod store;
mod support;
mod templates;
