//! The add-in manifest: schema validity (xmllint against Microsoft's XSD), element order, URLs on the
//! add-in domain, escaping of hostile labels, the stable Id, golden files, the config limits of its
//! labels, and the `manifest` command.

use std::process::Command;

use serde_json::json;
use vmr_scheduler::addin;

use crate::support::{self, TempDir};

const XSD: &str = "../shared/addin-manifest/OfficeAppManifestV1_1.xsd";

/// Runs xmllint on `xml` against the manifest schema; Ok(()) when it validates, Err(its output).
fn validate(xml: &str) -> Result<(), String> {
    let xsd = support::repo().join(XSD);
    assert!(xsd.is_file(), "the manifest schema is missing at {} (shared/addin-manifest/)", xsd.display());
    let dir = TempDir::new("manifest");
    let file = dir.path().join("manifest.xml");
    std::fs::write(&file, xml).expect("write manifest");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output()
        .expect("xmllint is needed for the manifest tests (Debian: apt-get install libxml2-utils)");
    if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
}

/// The string value of an XPath expression over `xml`, read by xmllint (an independent XML parser).
fn xpath(xml: &str, expr: &str) -> String {
    let dir = TempDir::new("xpath");
    let file = dir.path().join("m.xml");
    std::fs::write(&file, xml).expect("write manifest");
    let out = Command::new("xmllint").arg("--xpath").arg(expr).arg(&file).output().expect("xmllint");
    assert!(out.status.success(), "xpath {expr}: {}", String::from_utf8_lossy(&out.stderr));
    let mut value = String::from_utf8(out.stdout).expect("utf-8");
    // xmllint ends its answer with a newline of its own.
    if value.ends_with('\n') {
        value.pop();
    }
    value
}

fn manifest_of(extra: serde_json::Value) -> (String, vmr_scheduler::config::Config) {
    let config = support::load(&support::document(vec![support::integration("corp", extra)], json!({})));
    (addin::manifest(&config.integrations[0]), config)
}

/// Compares with `tests/fixtures/manifest/<name>.xml`; UPDATE_GOLDEN=1 rewrites it. The appliance's
/// version is written `@VERSION@` in the golden files so that a release does not change them.
fn golden(name: &str, xml: &str) {
    let version = env!("CARGO_PKG_VERSION");
    let normalised = xml
        .replace(&format!("<Version>{version}.0</Version>"), "<Version>@VERSION@</Version>")
        .replace(version, "@VERSION@");
    let path = support::fixture(&format!("manifest/{name}.xml"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &normalised).expect("write golden");
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    assert_eq!(normalised, expected, "{name}: the manifest differs from {}", path.display());
}

/// Every absolute URL in the manifest that Outlook loads (namespace names excluded).
fn urls(xml: &str) -> Vec<String> {
    let mut found = Vec::new();
    for scheme in ["https://", "http://"] {
        let mut rest = xml;
        while let Some(i) = rest.find(scheme) {
            let before = &rest[..i];
            let url: String = rest[i..].chars().take_while(|c| !matches!(c, '"' | '<' | ' ' | '\n')).collect();
            let is_namespace =
                before.ends_with("xmlns=\"") || before.rsplit(' ').next().is_some_and(|a| a.starts_with("xmlns:"));
            if !is_namespace {
                found.push(url.clone());
            }
            rest = &rest[i + url.len().max(1)..];
        }
    }
    found
}

#[test]
fn manifests_of_representative_configs_validate_and_match_their_golden_files() {
    let cases = [
        ("defaults", json!({})),
        (
            "hostile-labels",
            json!({
                "addin_display_name": "R&D <Video> \"Rooms\" & 'more'",
                "addin_description": "Réunions vidéo — 会議室 & <b>bold</b> ]]> -- \"quoted\"",
                "addin_provider_name": "Müller & Söhne <GmbH>",
                "addin_group_label": "Vidéo & Co",
                "addin_button_label": "Add <VMR> \"now\"",
                "addin_supertip_title": "'Single' & \"double\"",
                "addin_supertip_description": "Line one\nline two\ttabbed & <escaped> — 🎥",
            }),
        ),
        ("custom-port", json!({"addin_server_domain": "vmr.corp.example.net:8443", "name": "corp"})),
    ];
    for (name, extra) in cases {
        let (xml, _) = manifest_of(extra);
        if let Err(e) = validate(&xml) {
            panic!("{name}: the manifest does not validate against the schema:\n{e}\n{xml}");
        }
        golden(name, &xml);
    }
}

// The identity token's `aud` is the first SourceLocation of the manifest (Microsoft, "Inside the
// Exchange identity token"); the appliance compares it with exactly this URL.
#[test]
fn the_first_source_location_and_the_button_open_the_integrations_task_pane() {
    let (xml, config) = manifest_of(json!({"addin_server_domain": "vmr.example.com:8443"}));
    let expected = "https://vmr.example.com:8443/addin/corp/taskpane.html";
    assert_eq!(addin::taskpane_url(&config.integrations[0]), expected);
    assert_eq!(xpath(&xml, "string((//*[local-name()='SourceLocation'])[1]/@DefaultValue)"), expected);
    assert_eq!(xpath(&xml, "string(//*[local-name()='Url'][@id='TaskpaneUrl']/@DefaultValue)"), expected);
    assert_eq!(xpath(&xml, "string(//*[local-name()='AppDomain'])"), "https://vmr.example.com:8443");
}

#[test]
fn every_url_in_the_manifest_is_https_on_the_addin_domain() {
    for domain in ["scheduler.example.com", "vmr.example.com:8443"] {
        let (xml, _) = manifest_of(json!({"addin_server_domain": domain}));
        let found = urls(&xml);
        // Icons 64 and 128, the app domain, the source location, button icons 16/32/80, the pane URL.
        assert_eq!(found.len(), 8, "{found:?}");
        for url in found {
            let origin = format!("https://{domain}");
            assert!(url == origin || url.starts_with(&format!("{origin}/")), "{url} is not on {origin}");
        }
    }
}

#[test]
fn hostile_labels_read_back_exactly_as_configured() {
    let name = "A&B <x> \"q\" 'a' ]]> -- Zürich 会議 🎥";
    let tip = "Tab\there & new\nline <not a tag>";
    let (xml, _) = manifest_of(
        json!({"addin_display_name": name, "addin_supertip_description": tip, "addin_provider_name": "<P&P>"}),
    );
    validate(&xml).expect("valid");
    assert_eq!(xpath(&xml, "string(//*[local-name()='DisplayName']/@DefaultValue)"), name);
    assert_eq!(xpath(&xml, "string(//*[local-name()='ProviderName'])"), "<P&P>");
    assert_eq!(xpath(&xml, "string(//*[local-name()='String'][@id='SupertipText']/@DefaultValue)"), tip);
}

#[test]
fn the_schema_check_catches_elements_out_of_order() {
    let (xml, _) = manifest_of(json!({}));
    let permissions = "  <Permissions>ReadWriteItem</Permissions>\n";
    let moved = xml.replace(permissions, "").replace("  <FormSettings>", &format!("{permissions}  <FormSettings>"));
    assert_ne!(moved, xml);
    let error = validate(&moved).expect_err("Permissions before FormSettings must be refused");
    assert!(error.contains("Permissions"), "{error}");
}

#[test]
fn the_manifest_declares_what_the_issue_requires() {
    let (xml, _) = manifest_of(json!({}));
    let count = |expr: &str| xpath(&xml, &format!("count({expr})"));
    assert_eq!(count("/*[local-name()='OfficeApp'][@*[local-name()='type']='MailApp']"), "1");
    assert_eq!(xpath(&xml, "string(//*[local-name()='Permissions'])"), "ReadWriteItem");
    assert_eq!(xpath(&xml, "string(//*[local-name()='Set'][@Name='Mailbox']/@MinVersion)"), "1.3");
    assert_eq!(xpath(&xml, "string(//*[local-name()='SupportsSharedFolders'])"), "true");
    assert_eq!(
        count("//*[local-name()='ExtensionPoint'][@*[local-name()='type']='AppointmentOrganizerCommandSurface']"),
        "1"
    );
    assert_eq!(count("//*[local-name()='Action'][@*[local-name()='type']='ShowTaskpane']"), "1");
    for size in [16, 32, 80] {
        assert_eq!(count(&format!("//*[local-name()='Icon']/*[@size='{size}']")), "1", "button icon {size}");
    }
    assert!(xml.contains("/addin/static/icon-64.png") && xml.contains("/addin/static/icon-128.png"));
}

#[test]
fn the_id_is_stable_and_belongs_to_one_integration_on_one_domain() {
    let (_, a) = manifest_of(json!({}));
    let (_, again) = manifest_of(json!({}));
    let (_, renamed) = manifest_of(json!({"name": "branch"}));
    let (_, moved) = manifest_of(json!({"addin_server_domain": "other.example.com"}));
    let id = addin::addin_id(&a.integrations[0]);
    assert_eq!(id, addin::addin_id(&again.integrations[0]));
    assert_ne!(id, addin::addin_id(&renamed.integrations[0]));
    assert_ne!(id, addin::addin_id(&moved.integrations[0]));
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
    assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(&id[14..15], "5", "version nibble");
    assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "variant bits: {id}");
}

#[test]
fn labels_longer_than_the_manifest_allows_are_refused_together_with_their_paths() {
    let doc = support::document(
        vec![support::integration(
            "corp",
            json!({"addin_display_name": "x".repeat(126), "addin_supertip_description": "y".repeat(251), "addin_button_label": "", "office_js_url": "http://cdn.example.com/office.js"}),
        )],
        json!({}),
    );
    let errors: Vec<String> = support::try_load(&doc).expect_err("refused").iter().map(|e| e.to_string()).collect();
    let expect = [
        "integrations[0].addin_display_name: is 126 characters long; at most 125",
        "integrations[0].addin_supertip_description: is 251 characters long; at most 250",
        "integrations[0].addin_button_label: must not be empty",
        "integrations[0].office_js_url: \"http://cdn.example.com/office.js\" must start with https://",
    ];
    for e in expect {
        assert!(errors.iter().any(|got| got.starts_with(e)), "missing {e:?} in {errors:#?}");
    }
    assert_eq!(errors.len(), 4, "{errors:#?}");
    // 125 and 250 are fine, and so are personal VMRs now that the add-in offers them.
    let ok = support::document(
        vec![support::integration(
            "corp",
            json!({"addin_display_name": "x".repeat(125), "addin_supertip_description": "y".repeat(250), "enable_personal_vmrs": true}),
        )],
        json!({}),
    );
    assert!(support::load(&ok).integrations[0].enable_personal_vmrs);
}

fn run_manifest_command(config: &serde_json::Value, args: &[&str]) -> (i32, String, String) {
    let dir = TempDir::new("cli");
    let path = dir.path().join("config.json");
    std::fs::write(&path, config.to_string()).expect("write config");
    let out = Command::new(env!("CARGO_BIN_EXE_vmr-scheduler"))
        .arg("manifest")
        .arg("--config")
        .arg(&path)
        .args(args)
        .output()
        .expect("run vmr-scheduler");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_manifest_command_prints_the_only_integrations_manifest_or_asks_which() {
    let one = support::document(vec![support::integration("corp", json!({}))], json!({}));
    let (code, out, _) = run_manifest_command(&one, &[]);
    assert_eq!(code, 0);
    assert_eq!(out, addin::manifest(&support::load(&one).integrations[0]));

    let two = support::document(
        vec![
            support::integration("corp", json!({"scheduled_alias_prefix": "1"})),
            support::integration(
                "branch",
                json!({"scheduled_alias_prefix": "2", "addin_display_name": "Branch rooms", "room_mailbox_email_address": "branch-vmr@example.com"}),
            ),
        ],
        json!({}),
    );
    let (code, out, err) = run_manifest_command(&two, &[]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("corp, branch") && err.contains("--integration"), "{err}");
    let (code, out, _) = run_manifest_command(&two, &["--integration", "branch"]);
    assert_eq!(code, 0);
    assert!(out.contains("DefaultValue=\"Branch rooms\""));
    let (code, _, err) = run_manifest_command(&two, &["--integration", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no integration is named \"nope\""), "{err}");

    let broken = support::document(vec![support::integration("corp", json!({"addin_group_label": 7}))], json!({}));
    let (code, _, err) = run_manifest_command(&broken, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("integrations[0].addin_group_label"), "{err}");
}
