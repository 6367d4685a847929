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
    pub poll_interval_seconds: u32,
    pub unused_reservation_expiry_days: u32,
    pub max_reservations_per_user_per_hour: u32,
    pub ews_timeout_seconds: u32,
    pub ews_proxy: Option<String>,
    pub meeting_instructions_template: String,
    pub conference_name_template: String,
    pub conference_description_template: String,
    pub conference_subject_template: String,
    pub accept_new_single_meeting_template: String,
    pub accept_new_recurring_series_template: String,
    pub accept_edited_single_meeting_template: String,
    pub accept_edited_recurring_series_template: String,
    pub accept_edited_occurrence_template: String,
    pub reject_alias_conflict_template: String,
    pub reject_alias_deleted_template: String,
    pub reject_invalid_alias_id_template: String,
    pub reject_single_meeting_past_template: String,
    pub reject_recurring_series_past_template: String,
    pub reject_general_error_template: String,
    pub enable_dynamic_vmrs: bool,
    pub enable_personal_vmrs: bool,
}

impl RawIntegration {
    /// The templates by config key.
    pub fn template_texts(&self) -> Vec<(&'static str, String)> {
        vec![
            ("meeting_instructions_template", self.meeting_instructions_template.clone()),
            ("conference_name_template", self.conference_name_template.clone()),
            ("conference_description_template", self.conference_description_template.clone()),
            ("conference_subject_template", self.conference_subject_template.clone()),
            ("accept_new_single_meeting_template", self.accept_new_single_meeting_template.clone()),
            ("accept_new_recurring_series_template", self.accept_new_recurring_series_template.clone()),
            ("accept_edited_single_meeting_template", self.accept_edited_single_meeting_template.clone()),
            ("accept_edited_recurring_series_template", self.accept_edited_recurring_series_template.clone()),
            ("accept_edited_occurrence_template", self.accept_edited_occurrence_template.clone()),
            ("reject_alias_conflict_template", self.reject_alias_conflict_template.clone()),
            ("reject_alias_deleted_template", self.reject_alias_deleted_template.clone()),
            ("reject_invalid_alias_id_template", self.reject_invalid_alias_id_template.clone()),
            ("reject_single_meeting_past_template", self.reject_single_meeting_past_template.clone()),
            ("reject_recurring_series_past_template", self.reject_recurring_series_past_template.clone()),
            ("reject_general_error_template", self.reject_general_error_template.clone()),
        ]
    }
}
