//! The Outlook add-in: its XML manifest, its server-rendered task pane, and the locally installed
//! Office.js it may load. This part returns plain values (strings, [`Page`], file bytes); `http`
//! turns them into responses. The task pane's own code is in `assets/addin/`, its API contract in
//! `docs/addin-api.md`.

mod api;
mod identity;
mod manifest;
mod office_js;
mod pages;

pub use api::{AddinApi, ApiReply, MAX_BODY_BYTES, correlation_id};
pub use identity::{ExchangeIdentity, HttpsMetadataFetcher, IdentityValidator, MetadataFetcher, TokenRejection};
pub use manifest::{ICON_SIZES, addin_id, manifest, manifest_filename, taskpane_url};
pub use office_js::{AddinError, CHECKSUM_FILE, LibraryFile, OfficeJsLibrary, is_safe_relative_path};
pub use pages::{API_PREFIX, LocalLibrary, Page, taskpane};
