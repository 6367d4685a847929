//! `RawConfig`: the config file as serde reads it once `check.rs` has validated it, filled its defaults
//! and replaced `*_file` secrets by their contents. Key names are the file's (the reference product's).

use serde::Deserialize;

use super::Secret;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub server: RawServer,
    pub store: RawStore,
    pub log_level: String,
    pub integrations: Vec<RawIntegration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub listen: Vec<String>,
    pub redirect_listen: Option<String>,
    pub tls_certificate_file: String,
    pub tls_private_key: Secret,
    pub max_connections: u32,
    pub handshake_timeout_seconds: u32,
    pub request_timeout_seconds: u32,
    pub idle_timeout_seconds: u32,
    pub max_header_bytes: u32,
    pub max_body_bytes: u32,
    pub hsts_max_age_seconds: u32,
    pub addin_frame_ancestors: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    pub path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIntegration {
    pub name: String,
    pub description: String,
    pub addin_server_domain: String,
    pub exchange_domains: Vec<String>,
    pub room_mailbox_email_address: String,
    pub room_mailbox_name: String,
    pub url: String,
    pub ca_certificates_file: Option<String>,
    pub username: String,
    pub password: Secret,
    pub authentication_method: String,
    pub scheduled_alias_prefix: String,
    pub scheduled_alias_suffix_length: u8,
    pub scheduled_alias_domain: String,
    pub meeting_buffer_before: u32,
    pub meeting_buffer_after: u32,
    pub enable_dynamic_vmrs: bool,
    pub enable_personal_vmrs: bool,
}
