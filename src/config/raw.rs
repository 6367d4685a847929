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
    pub office_js_dir: String,
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
    // Outlook add-in (issue 3).
    pub addin_display_name: String,
    pub addin_description: String,
    pub addin_provider_name: String,
    pub addin_group_label: String,
    pub addin_button_label: String,
    pub addin_supertip_title: String,
    pub addin_supertip_description: String,
    pub office_js_url: String,
    pub use_custom_add_in_sources: bool,
    pub additional_add_in_script_sources: Vec<String>,
    pub placeholder_instructions_template: String,
    pub addin_pane_title: String,
    pub addin_pane_description: String,
    pub addin_pane_button_title: String,
    pub addin_pane_single_use_hint: String,
    pub addin_pane_personal_vmr_hint: String,
    pub addin_pane_working_message: String,
    pub addin_pane_success_heading: String,
    pub addin_pane_success_message: String,
    pub addin_pane_already_video_meeting_heading: String,
    pub addin_pane_already_video_meeting_message: String,
    pub addin_pane_general_error_heading: String,
    pub addin_pane_general_error_message: String,
    pub addin_pane_retry_button: String,
    pub addin_pane_reference_label: String,
    pub addin_pane_management_node_down_heading: String,
    pub addin_pane_management_node_down_message: String,
    pub addin_pane_personal_vmr_add_button: String,
    pub addin_pane_personal_vmr_sign_in_button: String,
    pub addin_pane_personal_vmr_sign_in_message: String,
    pub addin_pane_personal_vmr_select_message: String,
    pub addin_pane_personal_vmr_none_message: String,
    pub addin_pane_personal_vmr_error_getting_message: String,
    pub addin_pane_personal_vmr_error_signing_in_message: String,
    pub addin_pane_personal_vmr_error_inserting_meeting_message: String,
    pub addin_pane_back_button: String,
    pub addin_pane_not_in_outlook_message: String,
    pub addin_pane_shared_calendar_message: String,
    pub addin_pane_notification_success_message: String,
    pub addin_pane_notification_placeholder_message: String,
    pub addin_pane_language: String,
}

impl RawIntegration {
    /// The templates by config key.
    pub fn template_texts(&self) -> Vec<(&'static str, String)> {
        vec![
            ("meeting_instructions_template", self.meeting_instructions_template.clone()),
            ("placeholder_instructions_template", self.placeholder_instructions_template.clone()),
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
