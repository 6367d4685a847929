//! Identity tokens.
