//! Jinja2-compatible templates (minijinja): joining instructions, VMR names and the resource's replies.
//! Owns which templates exist, which are HTML (rendered with HTML escaping switched on explicitly,
//! since minijinja would otherwise decide by file extension) and the variables they may use.

use std::fmt;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};

use crate::config::Config;

/// Every template an integration has, named by its config key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    MeetingInstructions,
    PlaceholderInstructions,
    ConferenceName,
    ConferenceDescription,
    ConferenceSubject,
    AcceptNewSingleMeeting,
    AcceptNewRecurringSeries,
    AcceptEditedSingleMeeting,
    AcceptEditedRecurringSeries,
    AcceptEditedOccurrence,
    RejectAliasConflict,
    RejectAliasDeleted,
    RejectInvalidAliasId,
    RejectSingleMeetingPast,
    RejectRecurringSeriesPast,
    RejectGeneralError,
}

impl Template {
    pub const ALL: [Template; 16] = [
        Template::MeetingInstructions,
        Template::PlaceholderInstructions,
        Template::ConferenceName,
        Template::ConferenceDescription,
        Template::ConferenceSubject,
        Template::AcceptNewSingleMeeting,
        Template::AcceptNewRecurringSeries,
        Template::AcceptEditedSingleMeeting,
        Template::AcceptEditedRecurringSeries,
        Template::AcceptEditedOccurrence,
        Template::RejectAliasConflict,
        Template::RejectAliasDeleted,
        Template::RejectInvalidAliasId,
        Template::RejectSingleMeetingPast,
        Template::RejectRecurringSeriesPast,
        Template::RejectGeneralError,
    ];

    /// The config key that holds this template.
    pub fn key(self) -> &'static str {
        match self {
            Template::MeetingInstructions => "meeting_instructions_template",
            Template::PlaceholderInstructions => "placeholder_instructions_template",
            Template::ConferenceName => "conference_name_template",
            Template::ConferenceDescription => "conference_description_template",
            Template::ConferenceSubject => "conference_subject_template",
            Template::AcceptNewSingleMeeting => "accept_new_single_meeting_template",
            Template::AcceptNewRecurringSeries => "accept_new_recurring_series_template",
            Template::AcceptEditedSingleMeeting => "accept_edited_single_meeting_template",
            Template::AcceptEditedRecurringSeries => "accept_edited_recurring_series_template",
            Template::AcceptEditedOccurrence => "accept_edited_occurrence_template",
            Template::RejectAliasConflict => "reject_alias_conflict_template",
            Template::RejectAliasDeleted => "reject_alias_deleted_template",
            Template::RejectInvalidAliasId => "reject_invalid_alias_id_template",
            Template::RejectSingleMeetingPast => "reject_single_meeting_past_template",
            Template::RejectRecurringSeriesPast => "reject_recurring_series_past_template",
            Template::RejectGeneralError => "reject_general_error_template",
        }
    }

    /// Whether the template produces HTML (and so escapes the variables it inserts).
    pub fn is_html(self) -> bool {
        !matches!(self, Template::ConferenceName | Template::ConferenceDescription | Template::ConferenceSubject)
    }
}

/// The variables every template may use (the reference product's names, so that existing
/// templates carry over). Empty strings where a value does not apply.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    /// The alias to dial: `<digits>@<domain>`, or the digits when there is no domain.
    pub alias: String,
    pub numeric_alias: String,
    pub alias_uuid: String,
    pub addin_server_domain: String,
    pub subject: String,
    pub organizer_name: String,
    pub organizer_email: String,
    /// Start and end in the meeting's time zone, formatted for people.
    pub start_time: String,
    pub end_time: String,
    pub correlation_id: String,
}

/// A template that failed to compile or render.
#[derive(Debug, Clone)]
pub struct TemplateError {
    pub integration: String,
    pub key: &'static str,
    pub detail: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "integration \"{}\", {}: {}", self.integration, self.key, self.detail)
    }
}

impl std::error::Error for TemplateError {}

/// Every integration's templates, compiled once.
pub struct Templates {
    env: Environment<'static>,
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

fn name(integration: &str, template: Template) -> String {
    // The suffix drives auto-escaping in the callback below, never minijinja's own guess.
    format!("{integration}/{}.{}", template.key(), if template.is_html() { "html" } else { "txt" })
}

impl Templates {
    /// Compiles every template of every integration, reporting all that fail.
    pub fn compile(config: &Config) -> Result<Templates, Vec<TemplateError>> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| if name.ends_with(".html") { AutoEscape::Html } else { AutoEscape::None });
        // Jinja2's default: an unknown variable renders as nothing, so old templates keep working.
        env.set_undefined_behavior(UndefinedBehavior::Lenient);
        let mut errors = Vec::new();
        for integration in &config.integrations {
            for template in Template::ALL {
                let Some(text) = integration.template(template.key()) else {
                    errors.push(TemplateError {
                        integration: integration.name.clone(),
                        key: template.key(),
                        detail: "is missing from the configuration".into(),
                    });
                    continue;
                };
                if let Err(e) = env.add_template_owned(name(&integration.name, template), text.to_string()) {
                    errors.push(TemplateError {
                        integration: integration.name.clone(),
                        key: template.key(),
                        detail: e.to_string(),
                    });
                }
            }
        }
        if errors.is_empty() { Ok(Templates { env }) } else { Err(errors) }
    }

    /// Renders one template of one integration.
    pub fn render(&self, integration: &str, template: Template, vars: &Vars) -> Result<String, TemplateError> {
        let fail = |detail: String| TemplateError { integration: integration.to_string(), key: template.key(), detail };
        let compiled = self.env.get_template(&name(integration, template)).map_err(|e| fail(e.to_string()))?;
        compiled
            .render(context! {
                alias => vars.alias.as_str(),
                numeric_alias => vars.numeric_alias.as_str(),
                alias_uuid => vars.alias_uuid.as_str(),
                addin_server_domain => vars.addin_server_domain.as_str(),
                subject => vars.subject.as_str(),
                organizer_name => vars.organizer_name.as_str(),
                organizer_email => vars.organizer_email.as_str(),
                start_time => vars.start_time.as_str(),
                end_time => vars.end_time.as_str(),
                correlation_id => vars.correlation_id.as_str(),
            })
            .map_err(|e| fail(e.to_string()))
    }
}
