//! Integration tests: one binary, one module per part.

mod addin_manifest;
mod addin_routes;
mod packaging;
mod support;
