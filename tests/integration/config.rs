//! The config file: every kind of error is reported with its JSON path and a fix, all at once;
//! defaults fill what is left out; secrets come inline, from files, or from systemd credentials.

use std::path::Path;

use serde_json::{Value, json};
use vmr_scheduler::config::{self, Config, ConfigError};

use crate::support::{TempDir, fixture, valid_config};

fn load(value: &Value, dir: &Path) -> Result<Config, Vec<ConfigError>> {
    config::load(value.to_string().as_bytes(), Some(dir), None)
}

fn errors(value: &Value) -> Vec<String> {
    let dir = TempDir::new("config");
    match load(value, dir.path()) {
        Ok(_) => panic!("config was accepted: {value}"),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

/// Asserts that one error mentions `path` and every fragment.
fn assert_error(errors: &[String], path: &str, fragments: &[&str]) {
    let hit = errors.iter().find(|e| e.starts_with(&format!("{path}:")));
    let Some(hit) = hit else { panic!("no error at {path}; got {errors:#?}") };
    for f in fragments {
        assert!(hit.contains(f), "error at {path} lacks \"{f}\": {hit}");
    }
}

#[test]
fn a_minimal_config_loads_with_defaults_filled() {
    let dir = TempDir::new("config");
    let config = load(&valid_config(dir.path()), dir.path()).expect("valid");
    let i = &config.integrations[0];
    assert_eq!(i.meeting_buffer_before.as_secs(), 30 * 60);
    assert_eq!(i.meeting_buffer_after.as_secs(), 60 * 60);
    assert_eq!(i.scheduled_alias_suffix_length, 6);
    assert!(i.enable_dynamic_vmrs);
    assert!(!i.enable_personal_vmrs);
    assert_eq!(config.server.max_body_bytes, 1024 * 1024);
    assert_eq!(config.server.idle_timeout.as_secs(), 60);
    assert_eq!(config.log_level, log::LevelFilter::Info);
    assert_eq!(i.password.expose(), "correct horse battery staple");
    assert!(format!("{i:?}").contains("password: ***"), "Debug must not show the password");
}

#[test]
fn syntax_errors_give_line_and_column() {
    let dir = TempDir::new("config");
    let text = "{\n  \"server\": {\n    \"listen\": [\"0.0.0.0:443\",]\n  }\n}\n";
    let errors = config::load(text.as_bytes(), Some(dir.path()), None).expect_err("trailing comma");
    assert_eq!(errors.len(), 1);
    match &errors[0] {
        ConfigError::Syntax { line, column, .. } => {
            assert_eq!(*line, 3);
            assert!(*column > 10, "column {column}");
        }
        other => panic!("expected a syntax error, got {other}"),
    }
    assert!(errors[0].to_string().starts_with("line 3, column"));
}

#[test]
fn every_problem_is_reported_in_one_run_each_with_its_path() {
    let dir = TempDir::new("config");
    let mut c = valid_config(dir.path());
    c["server"]["max_connections"] = json!("many"); // wrong type
    c["server"]["idle_timeout_seconds"] = json!(0); // out of range
    c["server"]["listen"] = json!(["443"]); // bad socket address
    c["server"]["hsts_max_age"] = json!(5); // unknown key, near a known one
    c["log_level"] = json!("verbose"); // bad enum
    let i = &mut c["integrations"][0];
    i["addin_server_domain"] = json!("https://scheduler.example.com/"); // URL for a host
    i["url"] = json!("http://mail.example.com/EWS/Exchange.asmx"); // not https
    i["room_mailbox_email_address"] = json!("not-an-address"); // bad e-mail
    i["scheduled_alias_prefix"] = json!("77a"); // not digits
    i["scheduled_alias_suffix_length"] = json!(4); // out of range
    i["meeting_buffer_after"] = json!(12.5); // fractional
    i["enable_dynamic_vmrs"] = json!("yes"); // not a bool
    i["authentication_method"] = json!("BASIC"); // case
    if let Some(o) = i.as_object_mut() {
        o.remove("username");
    } // missing
    let errors = errors(&c);
    assert_error(&errors, "server.max_connections", &["whole number", "16 to 65536"]);
    assert_error(&errors, "server.idle_timeout_seconds", &["out of range", "1 to 3600 seconds"]);
    assert_error(&errors, "server.listen[0]", &["address:port", "0.0.0.0:443"]);
    assert_error(&errors, "server.hsts_max_age", &["unknown key", "hsts_max_age_seconds"]);
    assert_error(&errors, "log_level", &["\"verbose\"", "\"info\""]);
    assert_error(&errors, "integrations[0].addin_server_domain", &["host name", "write \"scheduler.example.com\""]);
    assert_error(&errors, "integrations[0].url", &["https://"]);
    assert_error(&errors, "integrations[0].room_mailbox_email_address", &["e-mail address"]);
    assert_error(&errors, "integrations[0].scheduled_alias_prefix", &["digits"]);
    assert_error(&errors, "integrations[0].scheduled_alias_suffix_length", &["5 to 15 digits"]);
    assert_error(&errors, "integrations[0].meeting_buffer_after", &["whole number", "minutes"]);
    assert_error(&errors, "integrations[0].enable_dynamic_vmrs", &["true or false"]);
    assert_error(&errors, "integrations[0].authentication_method", &["lower-case", "\"basic\""]);
    assert_error(&errors, "integrations[0].username", &["is missing"]);
    assert_eq!(errors.len(), 14, "{errors:#?}");
}

#[test]
fn structure_errors_name_the_container() {
    let dir = TempDir::new("config");
    let mut c = valid_config(dir.path());
    c["integrations"] = json!([]);
    assert_error(&errors(&c), "integrations", &["at least 1"]);
    c["integrations"] = json!({"name": "corp"});
    assert_error(&errors(&c), "integrations", &["list of objects"]);
    let errors = errors(&json!([1, 2]));
    assert!(errors[0].starts_with("(top level): must be an object"), "{errors:?}");
}

#[test]
fn integrations_must_not_collide() {
    let dir = TempDir::new("config");
    let mut c = valid_config(dir.path());
    let mut second = c["integrations"][0].clone();
    second["scheduled_alias_prefix"] = json!("");
    c["integrations"][0]["scheduled_alias_prefix"] = json!("77");
    second["scheduled_alias_suffix_length"] = json!(8); // "" + 8 digits overlaps "77" + 6 digits
    second["scheduled_alias_domain"] = json!("other.example.com"); // dialled by number, still the same
    second["room_mailbox_email_address"] = json!("VMR-ROOM@example.com"); // the same mailbox
    second["exchange_domains"] = json!([]);
    if let Some(a) = c["integrations"].as_array_mut() {
        a.push(second);
    }
    let errors = errors(&c);
    assert_error(&errors, "integrations[1].name", &["already the name of integrations[0]"]);
    assert_error(&errors, "integrations[1].scheduled_alias_prefix", &["overlap", "integrations[0]"]);
    assert_error(
        &errors,
        "integrations[1].room_mailbox_email_address",
        &["already the resource mailbox of integrations[0]"],
    );
    assert_error(&errors, "integrations[1].exchange_domains", &["is empty"]);
}

#[test]
fn an_integration_must_offer_some_vmr_type_and_a_supported_auth_method() {
    let dir = TempDir::new("config");
    let mut c = valid_config(dir.path());
    c["integrations"][0]["enable_dynamic_vmrs"] = json!(false);
    c["integrations"][0]["authentication_method"] = json!("ntlm");
    let errors = errors(&c);
    assert_error(&errors, "integrations[0].enable_dynamic_vmrs", &["no VMR type"]);
    assert_error(&errors, "integrations[0].authentication_method", &["not supported by this version", "basic"]);
}

#[test]
fn secrets_come_inline_or_from_a_file_but_not_both() {
    let dir = TempDir::new("config");
    std::fs::write(dir.join("ews-password"), "from a file\n").expect("write");
    let mut c = valid_config(dir.path());
    if let Some(o) = c["integrations"][0].as_object_mut() {
        o.remove("password");
    }
    c["integrations"][0]["password_file"] = json!("ews-password");
    let config = load(&c, dir.path()).expect("password from a file beside the config");
    assert_eq!(config.integrations[0].password.expose(), "from a file", "trailing newline dropped");

    c["integrations"][0]["password"] = json!("inline too");
    assert_error(&errors(&c), "integrations[0].password", &["given twice"]);

    let mut c = valid_config(dir.path());
    if let Some(o) = c["integrations"][0].as_object_mut() {
        o.remove("password");
    }
    assert_error(&errors(&c), "integrations[0].password", &["is missing", "password_file"]);

    c["integrations"][0]["password_file"] = json!("/nonexistent/ews-password");
    assert_error(&errors(&c), "integrations[0].password_file", &["file not found", "/nonexistent/ews-password"]);

    std::fs::write(dir.join("empty"), "").expect("write");
    c["integrations"][0]["password_file"] = json!(dir.join("empty"));
    assert_error(&errors(&c), "integrations[0].password_file", &["is empty"]);
}

#[test]
fn secret_files_are_looked_up_in_the_systemd_credentials_directory_first() {
    let config_dir = TempDir::new("config");
    let credentials = TempDir::new("credentials");
    std::fs::write(credentials.join("ews-password"), "from systemd").expect("write");
    std::fs::write(config_dir.join("ews-password"), "beside the config").expect("write");
    std::fs::copy(fixture("tls/ec-sec1.key"), credentials.join("tls.key")).expect("copy");
    let mut c = valid_config(config_dir.path());
    if let Some(o) = c["integrations"][0].as_object_mut() {
        o.remove("password");
    }
    c["integrations"][0]["password_file"] = json!("ews-password");
    c["server"]["tls_private_key_file"] = json!("tls.key");
    let config = config::load(c.to_string().as_bytes(), Some(config_dir.path()), Some(credentials.path()))
        .expect("credentials resolve");
    assert_eq!(config.integrations[0].password.expose(), "from systemd");
    assert!(config.server.tls_private_key.expose().starts_with("-----BEGIN EC PRIVATE KEY-----"));

    // Not in the credentials directory: the config's directory is the fallback, and the error names both.
    c["server"]["tls_private_key_file"] = json!("missing.key");
    let errors: Vec<String> = config::load(c.to_string().as_bytes(), Some(config_dir.path()), Some(credentials.path()))
        .expect_err("missing key")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_error(&errors, "server.tls_private_key_file", &["file not found", "credentials", "missing.key"]);
}

#[test]
fn a_personal_only_or_single_use_only_integration_is_valid() {
    let dir = TempDir::new("config");
    let mut c = valid_config(dir.path());
    c["integrations"][0]["enable_dynamic_vmrs"] = json!(true);
    c["integrations"][0]["enable_personal_vmrs"] = json!(false);
    assert!(load(&c, dir.path()).is_ok());
}

#[test]
fn the_example_config_in_packaging_is_valid_apart_from_its_placeholder_files() {
    let text = std::fs::read_to_string(crate::support::root().join("packaging/config.example.json")).expect("example");
    let dir = TempDir::new("config");
    let errors: Vec<String> = match config::load(text.as_bytes(), Some(dir.path()), None) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    };
    // The example names files that exist only on an installed appliance; nothing else may be wrong.
    for e in &errors {
        assert!(e.contains("file not found"), "unexpected problem in the example: {e}");
    }
}

#[test]
fn the_json_schema_describes_every_key_with_defaults() {
    let schema: Value = serde_json::from_str(&config::json_schema()).expect("schema is JSON");
    assert_eq!(schema["additionalProperties"], json!(false));
    let integration = &schema["properties"]["integrations"]["items"];
    assert_eq!(integration["properties"]["meeting_buffer_before"]["default"], json!(30));
    assert_eq!(integration["properties"]["meeting_buffer_before"]["maximum"], json!(180));
    assert!(integration["properties"]["password_file"].is_object());
    assert!(integration["required"].as_array().is_some_and(|r| r.contains(&json!("addin_server_domain"))));
    assert_eq!(schema["properties"]["server"]["properties"]["max_body_bytes"]["default"], json!(1_048_576));
}

#[test]
fn an_oversized_config_is_refused() {
    let dir = TempDir::new("config");
    let huge = format!("{{\"x\": \"{}\"}}", "a".repeat(5 * 1024 * 1024));
    let errors = config::load(huge.as_bytes(), Some(dir.path()), None).expect_err("too big");
    assert!(errors[0].to_string().contains("larger than 4 MiB"));
}
