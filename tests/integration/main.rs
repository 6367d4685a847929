//! Integration tests: one binary, one module per part.

mod simex;
