//! Integration tests: one binary, one module per part (style.md). Helpers shared by modules live in
//! `support`.

mod addin_api;
mod addin_manifest;
mod addin_routes;
mod cli;
mod config;
mod demo;
mod ews;
mod http_server;
mod packaging;
mod reservations;
mod scheduler;
mod simex;
mod store;
mod support;
mod templates;
