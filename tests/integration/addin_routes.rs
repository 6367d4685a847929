//! The add-in's routes: manifest download, the server-rendered task pane and its
//! Content-Security-Policy, static files and icons, and the checksum-guarded local Office.js.

use std::sync::Arc;

use serde_json::{Value, json};
use vmr_scheduler::addin::{self, AddinApi};
use vmr_scheduler::config::Config;
use vmr_scheduler::http::{App, Handler, Response};
use vmr_scheduler::reservations::Tokens;
use vmr_scheduler::store::Store;
use vmr_scheduler::templates::Templates;

use crate::support::{self, TempDir};

struct Fixture {
    app: App,
    config: Arc<Config>,
    _dir: TempDir,
}

fn fixture(integrations: Vec<Value>, office_js_dir: Option<&std::path::Path>) -> Fixture {
    let dir = TempDir::new("routes");
    let mut server = json!({});
    if let Some(d) = office_js_dir {
        server["office_js_dir"] = json!(d.to_string_lossy());
    }
    let config = Arc::new(support::load(&support::document(integrations, server)));
    let store = Arc::new(Store::open(&dir.path().join("store.redb")).expect("store"));
    let templates = Arc::new(Templates::compile(&config).expect("templates"));
    let tokens = Arc::new(Tokens::load(&store).expect("tokens"));
    let api = Arc::new(AddinApi::new(
        Arc::clone(&config),
        Arc::clone(&store),
        templates,
        tokens,
        Box::new(addin::HttpsMetadataFetcher),
    ));
    Fixture { app: App::new(Arc::clone(&config), store, api), config, _dir: dir }
}

fn header<'a>(r: &'a Response, name: &str) -> &'a str {
    r.get_header(name).unwrap_or_default()
}

fn body(r: &Response) -> String {
    String::from_utf8(r.body.as_bytes().to_vec()).expect("utf-8 body")
}

/// The settings JSON of a task pane page.
fn page_settings(html: &str) -> Value {
    let start = html.find("<script type=\"application/json\" id=\"vmr-config\">").expect("settings element");
    let rest = &html[start..];
    let json = &rest[rest.find('>').expect(">") + 1..rest.find("</script>").expect("end")];
    serde_json::from_str(json).expect("settings JSON")
}

fn script_src(csp: &str) -> Vec<&str> {
    csp.split(';').map(str::trim).find_map(|d| d.strip_prefix("script-src ")).expect("script-src").split(' ').collect()
}

#[test]
fn the_manifest_downloads_as_an_xml_attachment() {
    let f = fixture(vec![support::integration("corp", json!({}))], None);
    let r = f.app.handle(&support::get("/addin/corp/manifest.xml"));
    assert_eq!(r.status, 200);
    assert_eq!(header(&r, "content-type"), "application/xml; charset=utf-8");
    assert_eq!(header(&r, "content-disposition"), "attachment; filename=\"vmr-scheduler-corp-manifest.xml\"");
    assert_eq!(body(&r), addin::manifest(&f.config.integrations[0]));
    assert_eq!(f.app.handle(&support::get("/addin/other/manifest.xml")).status, 404);
}

// CSP Level 3 §6.1.10 (script-src): the page may run only scripts from its own origin and the
// configured Office.js origins; no 'unsafe-inline', so injected markup cannot run.
#[test]
fn the_task_pane_loads_office_js_from_the_cdn_and_its_policy_allows_only_that() {
    let f = fixture(vec![support::integration("corp", json!({"enable_personal_vmrs": true}))], None);
    // Outlook adds its own query string to the SourceLocation.
    let r = f.app.handle(&support::get("/addin/corp/taskpane.html?_host_Info=Outlook$Win32$16.02$en-US$$$$0"));
    assert_eq!(r.status, 200);
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    let html = body(&r);
    assert!(html.contains("<script src=\"https://appsforoffice.microsoft.com/lib/1/hosted/office.js\"></script>"));
    assert!(html.contains("<script src=\"/addin/static/taskpane.js\"></script>"));
    let csp = header(&r, "content-security-policy");
    assert_eq!(script_src(csp), ["'self'", "https://ajax.aspnetcdn.com", "https://appsforoffice.microsoft.com"]);
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert!(csp.contains("frame-ancestors 'self' https://outlook.office.com"), "{csp}");
    assert!(csp.contains("https://mail.example.com"), "Exchange's OWA may frame it: {csp}");
    // Every <script> either loads a file or is the inert JSON settings.
    for tag in html.split("<script").skip(1) {
        assert!(tag.starts_with(" src=") || tag.starts_with(" type=\"application/json\""), "inline script: {tag}");
    }
    let settings = page_settings(&html);
    assert_eq!(settings["api_base"], "/api/client/v2/msexchange_schedulers/corp");
    assert_eq!(settings["enable_single_use"], true);
    assert_eq!(settings["enable_personal"], true);
    assert_eq!(settings["resource_mailbox"], json!({"email": "vmr@example.com", "name": "Video Meeting Resource"}));
    assert!(settings["placeholder_html"].as_str().is_some_and(|p| p.starts_with("<div style=")));
    assert_eq!(settings["texts"]["title"], "Video meeting room");
    assert_eq!(settings["texts"]["retry_button"], "Try again");
}

// HTML Living Standard §4.12.1.3 (restrictions for contents of script elements): the settings JSON
// must never contain "</script" or "<!--", whatever an administrator writes in a text.
#[test]
fn every_task_pane_text_comes_from_the_config_and_cannot_break_out_of_the_page() {
    let hostile = "</script><script>alert(1)</script> & <b>";
    let f = fixture(
        vec![support::integration(
            "corp",
            json!({"addin_pane_title": hostile, "addin_pane_success_heading": "Raum hinzugefügt", "addin_pane_language": "de-CH"}),
        )],
        None,
    );
    let html = body(&f.app.handle(&support::get("/addin/corp/taskpane.html")));
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("<html lang=\"de-CH\">"));
    assert!(html.contains("<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;</title>"));
    let settings = page_settings(&html);
    assert_eq!(settings["texts"]["title"], hostile);
    assert_eq!(settings["texts"]["success_heading"], "Raum hinzugefügt");
    let texts = settings["texts"].as_object().expect("texts");
    let keys = [
        "title",
        "description",
        "button_title",
        "working_message",
        "success_heading",
        "success_message",
        "already_video_meeting_heading",
        "already_video_meeting_message",
        "general_error_heading",
        "general_error_message",
        "management_node_down_heading",
        "management_node_down_message",
        "personal_vmr_add_button",
        "personal_vmr_sign_in_button",
        "personal_vmr_select_message",
        "personal_vmr_none_message",
        "personal_vmr_error_getting_message",
        "personal_vmr_error_signing_in_message",
        "personal_vmr_error_inserting_meeting_message",
        "retry_button",
        "back_button",
    ];
    for key in keys {
        assert!(texts.get(key).and_then(Value::as_str).is_some_and(|t| !t.is_empty()), "text {key}");
    }
}

#[test]
fn additional_script_sources_load_first_and_a_given_microsoft_ajax_replaces_the_cdn_one() {
    let f = fixture(
        vec![support::integration(
            "corp",
            json!({"office_js_url": "https://js.corp.example.com/office/office.js", "additional_add_in_script_sources": ["https://js.corp.example.com/ajax/MicrosoftAjax.js"]}),
        )],
        None,
    );
    let r = f.app.handle(&support::get("/addin/corp/taskpane.html"));
    let html = body(&r);
    let ajax = html.find("https://js.corp.example.com/ajax/MicrosoftAjax.js").expect("ajax script");
    let office = html.find("https://js.corp.example.com/office/office.js").expect("office.js");
    assert!(ajax < office, "MicrosoftAjax.js must come before Office.js");
    assert_eq!(script_src(header(&r, "content-security-policy")), ["'self'", "https://js.corp.example.com"]);
}

/// A directory laid out as packaging/fetch-office-js leaves it.
fn office_js_dir(files: &[(&str, &[u8])]) -> TempDir {
    let dir = TempDir::new("officejs");
    let mut sums = String::new();
    for (rel, bytes) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, bytes).expect("write");
        let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
        let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        sums.push_str(&format!("{hex}  {rel}\n"));
    }
    std::fs::write(dir.path().join(addin::CHECKSUM_FILE), sums).expect("sums");
    dir
}

#[test]
fn custom_sources_load_office_js_and_microsoft_ajax_from_the_appliance_only() {
    let lib = office_js_dir(&[("office.js", b"/* office */"), ("MicrosoftAjax.js", b"/* Sys */")]);
    let f = fixture(vec![support::integration("corp", json!({"use_custom_add_in_sources": true}))], Some(lib.path()));
    let r = f.app.handle(&support::get("/addin/corp/taskpane.html"));
    let html = body(&r);
    let ajax = html.find("<script src=\"/addin/lib/MicrosoftAjax.js\"></script>").expect("local ajax");
    let office = html.find("<script src=\"/addin/lib/office.js\"></script>").expect("local office.js");
    assert!(ajax < office);
    assert!(!html.contains("appsforoffice.microsoft.com"));
    assert_eq!(script_src(header(&r, "content-security-policy")), ["'self'"]);
}

// RFC 3986 §5.2.4 (dot segments) and §2.1 (percent-encoding): no spelling of a path may reach a file
// outside the checksum list.
#[test]
fn local_office_js_serves_listed_files_unchanged_and_nothing_else() {
    let office = b"var Office = {}; /* Microsoft's bytes */".repeat(40);
    let lib =
        office_js_dir(&[("office.js", &office), ("en-us/outlook_strings.js", b"strings"), ("damaged.js", b"good")]);
    std::fs::write(lib.path().join("damaged.js"), b"changed after installation").expect("tamper");
    std::fs::write(lib.path().join("unlisted.js"), b"not in SHA256SUMS").expect("unlisted");
    let f = fixture(vec![support::integration("corp", json!({"use_custom_add_in_sources": true}))], Some(lib.path()));

    let r = f.app.handle(&support::get("/addin/lib/office.js"));
    assert_eq!(r.status, 200);
    assert_eq!(header(&r, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(r.body.as_bytes(), &office[..]);
    let etag = header(&r, "etag").to_string();
    assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");
    let mut again = support::get("/addin/lib/office.js");
    again.headers.push(("if-none-match".into(), etag));
    assert_eq!(f.app.handle(&again).status, 304);
    assert_eq!(f.app.handle(&support::get("/addin/lib/en-us/outlook_strings.js")).body.as_bytes(), b"strings");

    for refused in [
        "/addin/lib/unlisted.js",
        "/addin/lib/SHA256SUMS",
        "/addin/lib/../lib/office.js",
        "/addin/lib/%2e%2e/office.js",
        "/addin/lib//office.js",
        "/addin/lib/en-us/../office.js",
    ] {
        assert_eq!(f.app.handle(&support::get(refused)).status, 404, "{refused}");
    }
    let damaged = f.app.handle(&support::get("/addin/lib/damaged.js"));
    assert_eq!(damaged.status, 500);
    assert!(!body(&damaged).contains("changed after installation"));
}

#[test]
fn icons_are_served_as_png_of_their_size_without_cache_control() {
    let f = fixture(vec![support::integration("corp", json!({}))], None);
    for size in addin::ICON_SIZES {
        let r = f.app.handle(&support::get(&format!("/addin/static/icon-{size}.png")));
        assert_eq!(r.status, 200, "icon {size}");
        assert_eq!(header(&r, "content-type"), "image/png");
        // Office shows a generic icon when the image response has Cache-Control (manifest Image docs).
        assert!(r.get_header("cache-control").is_none(), "icon {size} has cache-control");
        let png = r.body.as_bytes();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
        let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
        assert_eq!((width, height), (size, size));
    }
}

#[test]
fn add_in_static_files_live_under_addin_static_only() {
    let f = fixture(vec![support::integration("corp", json!({}))], None);
    let js = f.app.handle(&support::get("/addin/static/taskpane.js"));
    assert_eq!(js.status, 200);
    assert_eq!(header(&js, "content-type"), "text/javascript; charset=utf-8");
    assert!(body(&js).contains("vmr-config"));
    assert_eq!(f.app.handle(&support::get("/addin/static/taskpane.css")).status, 200);
    assert_eq!(f.app.handle(&support::get("/addin/taskpane.js")).status, 404);
    assert_eq!(f.app.handle(&support::get("/addin/addin/taskpane.js")).status, 404);
    assert_eq!(f.app.handle(&support::get("/addin/static/../static/taskpane.js")).status, 404);
    let mut post = support::get("/addin/corp/taskpane.html");
    post.method = "POST".into();
    assert_eq!(f.app.handle(&post).status, 405);
}

#[test]
fn embedded_files_are_gzipped_when_accepted_and_revalidated_with_their_etag() {
    use std::io::Read;
    let f = fixture(vec![support::integration("corp", json!({}))], None);
    let plain = f.app.handle(&support::get("/addin/static/taskpane.js"));
    let etag = header(&plain, "etag").to_string();
    assert!(etag.starts_with('"') && etag.len() > 10, "strong ETag: {etag}");
    assert_eq!(header(&plain, "cache-control"), "no-cache", "scripts are revalidated, so upgrades show at once");
    assert_eq!(header(&plain, "vary"), "accept-encoding");
    assert!(plain.get_header("content-encoding").is_none());

    let mut gz = support::get("/addin/static/taskpane.js");
    gz.headers.push(("accept-encoding".into(), "gzip, deflate, br".into()));
    let zipped = f.app.handle(&gz);
    assert_eq!(header(&zipped, "content-encoding"), "gzip");
    assert!(zipped.body.as_bytes().len() < plain.body.as_bytes().len() / 2);
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(zipped.body.as_bytes()).read_to_end(&mut unzipped).expect("gunzip");
    assert_eq!(unzipped, plain.body.as_bytes(), "the same bytes once decompressed");
    assert_ne!(header(&zipped, "etag"), etag, "each encoding has its own ETag");

    let mut again = support::get("/addin/static/taskpane.js");
    again.headers.push(("if-none-match".into(), etag.clone()));
    let not_modified = f.app.handle(&again);
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.as_bytes().is_empty());
    let mut stale = support::get("/addin/static/taskpane.js");
    stale.headers.push(("if-none-match".into(), "\"something-else\"".into()));
    assert_eq!(f.app.handle(&stale).status, 200);
}
