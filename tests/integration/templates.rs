//! Templates: HTML ones escape what they insert, text ones do not, Jinja2 features carry over, and a
//! broken template is reported by check-config with its key.

use serde_json::json;
use vmr_scheduler::config;
use vmr_scheduler::templates::{Template, Templates, Vars};

use crate::support::{TempDir, valid_config};

fn vars() -> Vars {
    Vars {
        alias: "77123456@vc.example.com".into(),
        numeric_alias: "77123456".into(),
        alias_uuid: "5d3c2a4e-0000-4000-8000-000000000001".into(),
        addin_server_domain: "scheduler.example.com".into(),
        subject: "Q4 <script>alert(1)</script> & \"plans\"".into(),
        organizer_name: "Åsa Öberg".into(),
        organizer_email: "asa@example.com".into(),
        start_time: "2026-11-24 10:00 CET".into(),
        end_time: "2026-11-24 11:00 CET".into(),
        correlation_id: "c0ffee".into(),
    }
}

fn compile(extra: serde_json::Value) -> Result<Templates, Vec<String>> {
    let dir = TempDir::new("templates");
    let mut c = valid_config(dir.path());
    if let (Some(i), Some(extra)) = (c["integrations"][0].as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            i.insert(k.clone(), v.clone());
        }
    }
    let config = config::load(c.to_string().as_bytes(), Some(dir.path()), None)
        .map_err(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    Templates::compile(&config).map_err(|e| e.iter().map(ToString::to_string).collect())
}

#[test]
fn html_templates_escape_inserted_values_and_text_templates_do_not() {
    let t = compile(json!({})).expect("defaults compile");
    let reply = t.render("corp", Template::AcceptNewSingleMeeting, &vars()).expect("render");
    assert!(reply.contains("Q4 &lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; &quot;plans&quot;"), "{reply}");
    assert!(!reply.contains("<script>"));
    let name = t.render("corp", Template::ConferenceName, &vars()).expect("render");
    assert_eq!(name, "Q4 <script>alert(1)</script> & \"plans\" (Åsa Öberg)");
}

#[test]
fn every_default_template_renders_with_every_variable() {
    let t = compile(json!({})).expect("defaults compile");
    for template in Template::ALL {
        let text = t.render("corp", template, &vars()).expect("render");
        assert!(!text.trim().is_empty(), "{} rendered empty", template.key());
    }
    let instructions = t.render("corp", Template::MeetingInstructions, &vars()).expect("render");
    assert!(instructions.contains(">77123456@vc.example.com</a>"), "{instructions}");
    assert!(instructions.contains("dials numbers: 77123456</p>"), "{instructions}");
    let error = t.render("corp", Template::RejectGeneralError, &vars()).expect("render");
    assert!(error.contains("c0ffee"), "the correlation id reaches the user: {error}");
}

#[test]
fn existing_jinja2_templates_carry_over() {
    let t = compile(json!({
        "meeting_instructions_template": "{% set host = addin_server_domain %}<p>{{ alias|upper }}</p>{% if numeric_alias %}<p>{{ numeric_alias }}</p>{% endif %}<p>{{ unknown_variable }}</p>{# a comment #}<a href=\"https://{{ host }}/webapp/#/?conference={{ alias }}\">web</a>",
    }))
    .expect("compiles");
    let html = t.render("corp", Template::MeetingInstructions, &vars()).expect("render");
    assert_eq!(
        html,
        "<p>77123456@VC.EXAMPLE.COM</p><p>77123456</p><p></p><a href=\"https://scheduler.example.com/webapp/#/?conference=77123456@vc.example.com\">web</a>"
    );
}

#[test]
fn a_template_that_does_not_compile_is_reported_with_its_key() {
    let errors = compile(json!({"reject_general_error_template": "<p>{% if x %}unclosed</p>"})).expect_err("broken");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("integrations[0].reject_general_error_template: does not compile"), "{errors:?}");
}
