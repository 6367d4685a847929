//! The one JSON config file: its typed model, defaults, and validation that reports every problem at
//! once with the JSON path at fault and what to write instead. Other parts receive a checked [`Config`].

mod check;
mod fields;
mod raw;
mod schema;
mod secret;
mod template_defaults;

use std::fmt;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

pub use secret::Secret;

use check::{Checker, FileLookup};

/// Where the config file is looked for when `--config` is not given.
pub const DEFAULT_PATH: &str = "/etc/vmr-scheduler/config.json";

/// Largest config file accepted (templates included, a config is a few hundred KiB at most).
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// The whole, checked configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerConfig,
    pub store: StoreConfig,
    pub log_level: log::LevelFilter,
    pub integrations: Vec<Integration>,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: Vec<SocketAddr>,
    pub redirect_listen: Option<SocketAddr>,
    pub tls_certificate_file: PathBuf,
    pub tls_private_key: Secret,
    pub max_connections: usize,
    pub handshake_timeout: Duration,
    pub request_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_header_bytes: usize,
    pub max_body_bytes: usize,
    pub hsts_max_age: Duration,
    /// Origins allowed to frame add-in pages, beyond each integration's Exchange hosts.
    pub addin_frame_ancestors: Vec<String>,
    /// Where `packaging/fetch-office-js` installed Office.js (served under `/addin/lib/`).
    pub office_js_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub path: PathBuf,
}

/// How the appliance authenticates to EWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Basic,
}

/// One Exchange deployment the appliance schedules for.
#[derive(Debug, Clone)]
pub struct Integration {
    pub name: String,
    pub description: String,
    pub addin_server_domain: String,
    pub exchange_domains: Vec<String>,
    pub room_mailbox_email_address: String,
    pub room_mailbox_name: String,
    /// The EWS endpoint (the reference product's `url`).
    pub ews_url: String,
    /// Extra CA certificates (PEM) trusted for EWS and identity metadata.
    pub ca_certificates_file: Option<PathBuf>,
    pub username: String,
    pub password: Secret,
    pub authentication_method: AuthMethod,
    pub scheduled_alias_prefix: String,
    pub scheduled_alias_suffix_length: u8,
    /// Empty when aliases have no URI form.
    pub scheduled_alias_domain: String,
    pub meeting_buffer_before: Duration,
    pub meeting_buffer_after: Duration,
    /// How often the resource mailbox is polled.
    pub poll_interval: Duration,
    /// How long a reservation the add-in got but never sent is kept.
    pub unused_reservation_expiry: Duration,
    pub max_reservations_per_user_per_hour: u32,
    pub ews_timeout: Duration,
    /// Explicit HTTP proxy for EWS and identity metadata; never taken from the environment.
    pub ews_proxy: Option<String>,
    /// Jinja2 templates by config key (`meeting_instructions_template`, ...), checked to compile.
    pub templates: Vec<(&'static str, String)>,
    pub enable_dynamic_vmrs: bool,
    pub enable_personal_vmrs: bool,
    /// The Outlook add-in: manifest labels, script sources and task-pane texts.
    pub addin: AddinSettings,
}

/// An integration's Outlook add-in settings (the reference product's `addin_*` keys).
#[derive(Debug, Clone)]
pub struct AddinSettings {
    pub display_name: String,
    pub description: String,
    pub provider_name: String,
    pub group_label: String,
    pub button_label: String,
    pub supertip_title: String,
    pub supertip_description: String,
    /// Office.js when `use_custom_add_in_sources` is false.
    pub office_js_url: String,
    /// Load Office.js and MicrosoftAjax.js from the appliance's `/addin/lib/`.
    pub use_custom_add_in_sources: bool,
    /// Scripts loaded before Office.js, in order.
    pub additional_script_sources: Vec<String>,
    /// Every user-visible task-pane text, keyed by its config key without the `addin_pane_` prefix.
    pub pane_texts: Vec<(&'static str, String)>,
    /// Language tag of the task-pane texts.
    pub pane_language: String,
}

impl Integration {
    /// The text of the template with this config key.
    pub fn template(&self, key: &str) -> Option<&str> {
        self.templates.iter().find(|(k, _)| *k == key).map(|(_, t)| t.as_str())
    }
}

impl Config {
    /// The integration with this name.
    pub fn integration(&self, name: &str) -> Option<&Integration> {
        self.integrations.iter().find(|i| i.name == name)
    }
}

/// One problem with the config file.
#[derive(Debug)]
pub enum ConfigError {
    /// The file could not be read at all.
    Read { path: PathBuf, source: std::io::Error },
    /// The file is not JSON.
    Syntax { line: usize, column: usize, message: String },
    /// A key is missing, unknown, of the wrong type or out of range; `problem` says what to change.
    Invalid { path: String, problem: String },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, source } => write!(
                f,
                "cannot read config file \"{}\": {source}; check the path (--config) and the file's permissions",
                path.display()
            ),
            ConfigError::Syntax { line, column, message } => {
                write!(f, "line {line}, column {column}: {message}; the file must be valid JSON")
            }
            ConfigError::Invalid { path, problem } => write!(f, "{path}: {problem}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Reads and checks the config file at `path`. Relative `*_file` paths are looked up in
/// `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential=`) first, then beside the config file.
pub fn load_file(path: &Path) -> Result<Config, Vec<ConfigError>> {
    let file =
        std::fs::File::open(path).map_err(|source| vec![ConfigError::Read { path: path.to_path_buf(), source }])?;
    let config_dir = path.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
    load(file, config_dir, std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from).as_deref()).map_err(
        |mut errors| {
            for e in &mut errors {
                if let ConfigError::Read { path: p, .. } = e {
                    *p = path.to_path_buf();
                }
            }
            errors
        },
    )
}

/// Reads and checks a config from any reader. `config_dir` anchors relative paths; `credentials_dir`
/// is where relative `*_file` secrets are looked for first.
pub fn load(
    reader: impl Read,
    config_dir: Option<&Path>,
    credentials_dir: Option<&Path>,
) -> Result<Config, Vec<ConfigError>> {
    let mut text = String::new();
    let read = reader.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text);
    match read {
        Ok(n) if n as u64 > MAX_CONFIG_BYTES => {
            return Err(vec![ConfigError::Invalid {
                path: "(file)".into(),
                problem: "is larger than 4 MiB; this is not a vmr-scheduler config".into(),
            }]);
        }
        Ok(_) => {}
        Err(source) => {
            return Err(vec![ConfigError::Read { path: PathBuf::from("(config)"), source }]);
        }
    }
    let mut value: Value = serde_json::from_str(&text).map_err(|e| vec![syntax_error(&e)])?;
    let lookup = FileLookup {
        config_dir: config_dir.map(Path::to_path_buf),
        credentials_dir: credentials_dir.map(Path::to_path_buf),
    };
    let mut checker = Checker::new(&lookup);
    checker.object(fields::ROOT, &mut value, "");
    let mut errors = checker.errors;
    cross_checks(&value, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let raw: raw::RawConfig = serde_json::from_value(value).map_err(|e| {
        vec![ConfigError::Invalid { path: "(config)".into(), problem: format!("internal inconsistency: {e}") }]
    })?;
    from_raw(raw)
}

/// The JSON Schema of the config file, for editors.
pub fn json_schema() -> String {
    schema::json_schema(fields::ROOT)
}

fn syntax_error(e: &serde_json::Error) -> ConfigError {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    ConfigError::Syntax { line: e.line(), column: e.column(), message }
}

/// Checks that span several keys. Runs even when single keys had errors, on whatever is well-typed.
fn cross_checks(root: &Value, errors: &mut Vec<ConfigError>) {
    let Some(integrations) = root.get("integrations").and_then(Value::as_array) else {
        return;
    };
    let text = |i: &Value, key: &str| i.get(key).and_then(Value::as_str).map(str::to_string);
    for (n, integration) in integrations.iter().enumerate() {
        let at = |key: &str| format!("integrations[{n}].{key}");
        if let Some(name) = text(integration, "name")
            && let Some(first) = integrations[..n].iter().position(|o| text(o, "name").as_deref() == Some(&name))
        {
            {
                errors.push(ConfigError::Invalid {
                    path: at("name"),
                    problem: format!(
                        "\"{name}\" is already the name of integrations[{first}]; give each integration its own name"
                    ),
                });
            }
        }
        if text(integration, "authentication_method").is_some_and(|m| m == "ntlm" || m == "kerberos") {
            errors.push(ConfigError::Invalid {
                path: at("authentication_method"),
                problem: "NTLM and Kerberos are not supported by this version yet; use \"basic\" (over HTTPS)".into(),
            });
        }
        let dynamic = integration.get("enable_dynamic_vmrs").and_then(Value::as_bool).unwrap_or(true);
        let personal = integration.get("enable_personal_vmrs").and_then(Value::as_bool).unwrap_or(false);
        if !dynamic && !personal {
            errors.push(ConfigError::Invalid {
                path: at("enable_dynamic_vmrs"),
                problem: "no VMR type is enabled, so the add-in could offer nothing; set enable_dynamic_vmrs to true"
                    .into(),
            });
        }
        if integration.get("exchange_domains").and_then(Value::as_array).is_some_and(Vec::is_empty) {
            errors.push(ConfigError::Invalid {
                path: at("exchange_domains"),
                problem: "is empty, so no Outlook user could be verified; list the Exchange servers' host names".into(),
            });
        }
        // One resource mailbox watched by two integrations would get two answers to each meeting.
        let mailbox = |i: &Value| text(i, "room_mailbox_email_address").map(|m| m.to_ascii_lowercase());
        if let Some(own) = mailbox(integration)
            && let Some(first) = integrations[..n].iter().position(|o| mailbox(o).as_deref() == Some(own.as_str()))
        {
            errors.push(ConfigError::Invalid {
                path: at("room_mailbox_email_address"),
                problem: format!(
                    "\"{own}\" is already the resource mailbox of integrations[{first}]; give each integration its own"
                ),
            });
        }
        // Two integrations handing out aliases from overlapping ranges would give one alias to two
        // meetings (dialled by number, the domain does not tell them apart): same total length,
        // and one prefix starting the other.
        let alias_space = |i: &Value| {
            let prefix = text(i, "scheduled_alias_prefix").unwrap_or_default();
            let len = i.get("scheduled_alias_suffix_length").and_then(Value::as_u64).unwrap_or(6) as usize;
            (prefix, len)
        };
        let (prefix, len) = alias_space(integration);
        for (m, other) in integrations[..n].iter().enumerate() {
            let (p2, l2) = alias_space(other);
            let overlap = prefix.len() + len == p2.len() + l2 && (prefix.starts_with(&p2) || p2.starts_with(&prefix));
            if overlap {
                errors.push(ConfigError::Invalid {
                    path: at("scheduled_alias_prefix"),
                    problem: format!(
                        "aliases \"{prefix}\" + {len} digits overlap those of integrations[{m}] (\"{p2}\" + {l2} digits); give each integration a distinct prefix"
                    ),
                });
            }
        }
    }
}

fn from_raw(raw: raw::RawConfig) -> Result<Config, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut addr = |path: &str, s: &str| -> SocketAddr {
        s.parse().unwrap_or_else(|_| {
            errors.push(ConfigError::Invalid { path: path.into(), problem: format!("\"{s}\" is not an address:port") });
            SocketAddr::from(([0, 0, 0, 0], 0))
        })
    };
    let listen = raw.server.listen.iter().enumerate().map(|(i, s)| addr(&format!("server.listen[{i}]"), s)).collect();
    let redirect_listen = raw.server.redirect_listen.as_deref().map(|s| addr("server.redirect_listen", s));
    let log_level = match raw.log_level.as_str() {
        "error" => log::LevelFilter::Error,
        "warn" => log::LevelFilter::Warn,
        "debug" => log::LevelFilter::Debug,
        "trace" => log::LevelFilter::Trace,
        _ => log::LevelFilter::Info,
    };
    let s = raw.server;
    let server = ServerConfig {
        listen,
        redirect_listen,
        tls_certificate_file: PathBuf::from(s.tls_certificate_file),
        tls_private_key: s.tls_private_key,
        max_connections: s.max_connections as usize,
        handshake_timeout: Duration::from_secs(s.handshake_timeout_seconds.into()),
        request_timeout: Duration::from_secs(s.request_timeout_seconds.into()),
        idle_timeout: Duration::from_secs(s.idle_timeout_seconds.into()),
        max_header_bytes: s.max_header_bytes as usize,
        max_body_bytes: s.max_body_bytes as usize,
        hsts_max_age: Duration::from_secs(s.hsts_max_age_seconds.into()),
        addin_frame_ancestors: s.addin_frame_ancestors,
        office_js_dir: PathBuf::from(s.office_js_dir),
    };
    let mut integrations = Vec::new();
    for (n, i) in raw.integrations.into_iter().enumerate() {
        let authentication_method = match i.authentication_method.as_str() {
            "basic" => AuthMethod::Basic,
            other => {
                errors.push(ConfigError::Invalid {
                    path: format!("integrations[{n}].authentication_method"),
                    problem: format!("\"{other}\" is not supported by this version; use \"basic\""),
                });
                AuthMethod::Basic
            }
        };
        let templates = i.template_texts();
        integrations.push(Integration {
            name: i.name,
            description: i.description,
            addin_server_domain: i.addin_server_domain.to_ascii_lowercase(),
            exchange_domains: i.exchange_domains.iter().map(|d| d.to_ascii_lowercase()).collect(),
            room_mailbox_email_address: i.room_mailbox_email_address,
            room_mailbox_name: i.room_mailbox_name,
            ews_url: i.url,
            ca_certificates_file: i.ca_certificates_file.map(PathBuf::from),
            username: i.username,
            password: i.password,
            authentication_method,
            scheduled_alias_prefix: i.scheduled_alias_prefix,
            scheduled_alias_suffix_length: i.scheduled_alias_suffix_length,
            scheduled_alias_domain: i.scheduled_alias_domain.to_ascii_lowercase(),
            meeting_buffer_before: Duration::from_secs(u64::from(i.meeting_buffer_before) * 60),
            meeting_buffer_after: Duration::from_secs(u64::from(i.meeting_buffer_after) * 60),
            poll_interval: Duration::from_secs(i.poll_interval_seconds.into()),
            unused_reservation_expiry: Duration::from_secs(u64::from(i.unused_reservation_expiry_days) * 86_400),
            max_reservations_per_user_per_hour: i.max_reservations_per_user_per_hour,
            ews_timeout: Duration::from_secs(i.ews_timeout_seconds.into()),
            ews_proxy: i.ews_proxy,
            templates,
            enable_dynamic_vmrs: i.enable_dynamic_vmrs,
            enable_personal_vmrs: i.enable_personal_vmrs,
            addin: AddinSettings {
                display_name: i.addin_display_name,
                description: i.addin_description,
                provider_name: i.addin_provider_name,
                group_label: i.addin_group_label,
                button_label: i.addin_button_label,
                supertip_title: i.addin_supertip_title,
                supertip_description: i.addin_supertip_description,
                office_js_url: i.office_js_url,
                use_custom_add_in_sources: i.use_custom_add_in_sources,
                additional_script_sources: i.additional_add_in_script_sources,
                pane_texts: vec![
                    ("title", i.addin_pane_title),
                    ("description", i.addin_pane_description),
                    ("button_title", i.addin_pane_button_title),
                    ("single_use_hint", i.addin_pane_single_use_hint),
                    ("personal_vmr_hint", i.addin_pane_personal_vmr_hint),
                    ("working_message", i.addin_pane_working_message),
                    ("success_heading", i.addin_pane_success_heading),
                    ("success_message", i.addin_pane_success_message),
                    ("already_video_meeting_heading", i.addin_pane_already_video_meeting_heading),
                    ("already_video_meeting_message", i.addin_pane_already_video_meeting_message),
                    ("general_error_heading", i.addin_pane_general_error_heading),
                    ("general_error_message", i.addin_pane_general_error_message),
                    ("retry_button", i.addin_pane_retry_button),
                    ("reference_label", i.addin_pane_reference_label),
                    ("management_node_down_heading", i.addin_pane_management_node_down_heading),
                    ("management_node_down_message", i.addin_pane_management_node_down_message),
                    ("personal_vmr_add_button", i.addin_pane_personal_vmr_add_button),
                    ("personal_vmr_sign_in_button", i.addin_pane_personal_vmr_sign_in_button),
                    ("personal_vmr_sign_in_message", i.addin_pane_personal_vmr_sign_in_message),
                    ("personal_vmr_select_message", i.addin_pane_personal_vmr_select_message),
                    ("personal_vmr_none_message", i.addin_pane_personal_vmr_none_message),
                    ("personal_vmr_error_getting_message", i.addin_pane_personal_vmr_error_getting_message),
                    ("personal_vmr_error_signing_in_message", i.addin_pane_personal_vmr_error_signing_in_message),
                    (
                        "personal_vmr_error_inserting_meeting_message",
                        i.addin_pane_personal_vmr_error_inserting_meeting_message,
                    ),
                    ("back_button", i.addin_pane_back_button),
                    ("not_in_outlook_message", i.addin_pane_not_in_outlook_message),
                    ("shared_calendar_message", i.addin_pane_shared_calendar_message),
                    ("notification_success_message", i.addin_pane_notification_success_message),
                    ("notification_placeholder_message", i.addin_pane_notification_placeholder_message),
                ],
                pane_language: i.addin_pane_language,
            },
        });
    }
    let config = Config { server, store: StoreConfig { path: PathBuf::from(raw.store.path) }, log_level, integrations };
    if errors.is_empty() { Ok(config) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_in_the_table_is_valid_json_of_its_kind() {
        fn walk(fields: &[fields::Field], path: &str) {
            for f in fields {
                if let fields::Need::Default(json) = f.need {
                    assert!(serde_json::from_str::<Value>(json).is_ok(), "{path}.{}: {json}", f.name);
                }
                match &f.kind {
                    fields::Kind::Object(inner) => walk(inner, f.name),
                    fields::Kind::Objects { fields: inner, .. } => walk(inner, f.name),
                    _ => {}
                }
            }
        }
        walk(fields::ROOT, "");
    }
}
