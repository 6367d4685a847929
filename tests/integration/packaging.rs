//! `packaging/fetch-office-js`, run on small synthetic tarballs laid out like `@microsoft/office-js`
//! (no network): it installs the Outlook subset byte for byte with a checksum list the appliance
//! accepts, and refuses what is not that package.

use std::path::Path;
use std::process::{Command, Output};

use vmr_scheduler::addin::OfficeJsLibrary;

use crate::support::{self, TempDir};

/// Writes `files` under `<dir>/src/package/` and packs them like `npm pack` does.
fn tarball(dir: &Path, files: &[(&str, &str)]) -> std::path::PathBuf {
    let src = dir.join("src");
    for (rel, text) in files {
        let path = src.join("package").join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
    }
    let out = dir.join("microsoft-office-js-9.9.9.tgz");
    let status = Command::new("tar").arg("-czf").arg(&out).arg("-C").arg(&src).arg("package").status().expect("tar");
    assert!(status.success());
    out
}

fn fetch(args: &[&std::ffi::OsStr]) -> Output {
    Command::new("bash")
        .arg(support::repo().join("packaging/fetch-office-js"))
        .args(args)
        .output()
        .expect("run fetch-office-js")
}

const PACKAGE_JSON: &str = "{\n  \"name\": \"@microsoft/office-js\",\n  \"version\": \"9.9.9\"\n}\n";

fn package() -> Vec<(&'static str, &'static str)> {
    vec![
        ("package.json", PACKAGE_JSON),
        ("LICENSE.md", "MICROSOFT SOFTWARE LICENSE TERMS (test stand-in)\n"),
        ("dist/office.js", "/* office.js */ var Office;\n"),
        ("dist/office.debug.js", "/* office.debug.js */\n"),
        ("dist/o15apptofilemappingtable.js", "/* map */\n"),
        ("dist/outlook-web-16.01.js", "/* outlook web */\n"),
        ("dist/outlook-web-16.01.debug.js", "/* outlook web debug */\n"),
        ("dist/outlook-win32-16.02.js", "/* outlook win32 */\n"),
        ("dist/outlookwebapp-15.01.js", "/* owa 15 */\n"),
        ("dist/excel-web-16.00.js", "/* excel: not Outlook */\n"),
        ("dist/word-win32-16.01.js", "/* word: not Outlook */\n"),
        ("dist/telemetry/oteljs_agave.js", "/* telemetry */\n"),
        ("dist/en-us/office_strings.js", "/* en strings */\n"),
        ("dist/en-us/outlook_strings.js", "/* en outlook strings */\n"),
        ("dist/de-de/outlook_strings.js", "/* de outlook strings */\n"),
        ("dist/de-de/excel_strings.js", "/* not Outlook */\n"),
        ("dist/office.d.ts", "declare namespace Office {}\n"),
        ("embedded/visio-web-embedded.js", "/* not dist */\n"),
    ]
}

#[test]
fn installs_the_outlook_subset_unmodified_with_a_checksum_list_the_appliance_serves() {
    let dir = TempDir::new("fetch");
    let files = package();
    let tgz = tarball(dir.path(), &files);
    let dest = dir.path().join("share/office-js");
    let out = fetch(&["--tarball".as_ref(), tgz.as_os_str(), dest.as_os_str()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let library = OfficeJsLibrary::new(&dest);
    let mut listed: Vec<String> = library.files().expect("SHA256SUMS").into_iter().map(|f| f.path).collect();
    listed.sort();
    let expected = [
        "LICENSE.md",
        "VERSION",
        "de-de/outlook_strings.js",
        "en-us/office_strings.js",
        "en-us/outlook_strings.js",
        "o15apptofilemappingtable.js",
        "office.js",
        "outlook-web-16.01.js",
        "outlook-win32-16.02.js",
        "outlookwebapp-15.01.js",
        "telemetry/oteljs_agave.js",
    ];
    assert_eq!(listed, expected);
    for (rel, text) in &files {
        if let Some(served) = rel.strip_prefix("dist/").filter(|r| expected.contains(r)) {
            let file = library.lookup(served).expect("list").expect("listed");
            assert_eq!(library.read(&file).expect("checksum matches"), text.as_bytes(), "{served} is byte-identical");
        }
    }
    assert_eq!(std::fs::read_to_string(dest.join("VERSION")).expect("VERSION"), "@microsoft/office-js 9.9.9\n");
    assert!(!dest.join("excel-web-16.00.js").exists() && !dest.join("office.debug.js").exists());

    // A file changed after installation is caught.
    std::fs::write(dest.join("office.js"), "/* changed */").expect("tamper");
    let file = library.lookup("office.js").expect("list").expect("listed");
    assert!(library.read(&file).is_err());

    // A second run replaces the installation whole.
    let out = fetch(&["--with-debug".as_ref(), "--tarball".as_ref(), tgz.as_os_str(), dest.as_os_str()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Vec<String> = library.files().expect("SHA256SUMS").into_iter().map(|f| f.path).collect();
    assert!(
        listed.contains(&"office.debug.js".to_string()) && listed.contains(&"outlook-web-16.01.debug.js".to_string())
    );
    let file = library.lookup("office.js").expect("list").expect("listed");
    assert_eq!(library.read(&file).expect("fresh"), b"/* office.js */ var Office;\n");
}

#[test]
fn installs_a_microsoft_ajax_the_admin_brings() {
    let dir = TempDir::new("fetch-ajax");
    let tgz = tarball(dir.path(), &package());
    let ajax = dir.path().join("MicrosoftAjax.js");
    std::fs::write(&ajax, "Type.registerNamespace('Sys'); Sys.StringBuilder = function () {};\n").expect("ajax");
    let dest = dir.path().join("office-js");
    let out = fetch(&[
        "--microsoft-ajax".as_ref(),
        ajax.as_os_str(),
        "--tarball".as_ref(),
        tgz.as_os_str(),
        dest.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let library = OfficeJsLibrary::new(&dest);
    let file = library.lookup("MicrosoftAjax.js").expect("list").expect("MicrosoftAjax.js is listed");
    assert!(library.read(&file).is_ok());

    let not_ajax = dir.path().join("other.js");
    std::fs::write(&not_ajax, "console.log('hello');\n").expect("write");
    let out = fetch(&[
        "--microsoft-ajax".as_ref(),
        not_ajax.as_os_str(),
        "--tarball".as_ref(),
        tgz.as_os_str(),
        dest.as_os_str(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not look like MicrosoftAjax.js"));
}

#[test]
fn refuses_a_tarball_that_is_not_office_js_and_leaves_the_installation_alone() {
    let dir = TempDir::new("fetch-bad");
    let good = tarball(&dir.path().join("good"), &package());
    let dest = dir.path().join("office-js");
    assert!(fetch(&["--tarball".as_ref(), good.as_os_str(), dest.as_os_str()]).status.success());
    let before = std::fs::read(dest.join("SHA256SUMS")).expect("sums");

    let other =
        tarball(&dir.path().join("other"), &[("package.json", "{\"name\": \"left-pad\"}"), ("dist/office.js", "x")]);
    let out = fetch(&["--tarball".as_ref(), other.as_os_str(), dest.as_os_str()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an @microsoft/office-js package"));
    assert_eq!(std::fs::read(dest.join("SHA256SUMS")).expect("sums"), before);
}

#[test]
fn check_config_requires_an_installed_office_js_when_custom_sources_are_used() {
    let dir = TempDir::new("check-officejs");
    let dest = dir.path().join("office-js");
    let doc = support::document(
        vec![support::integration("corp", serde_json::json!({"use_custom_add_in_sources": true}))],
        serde_json::json!({"office_js_dir": dest.to_string_lossy()}),
    );
    let mut doc = doc;
    doc["store"] = serde_json::json!({"path": dir.path().join("store.redb").to_string_lossy()});
    let config = dir.path().join("config.json");
    std::fs::write(&config, doc.to_string()).expect("config");
    let check = || {
        Command::new(env!("CARGO_BIN_EXE_vmr-scheduler"))
            .arg("check-config")
            .arg("--config")
            .arg(&config)
            .output()
            .expect("run")
    };
    let before = check();
    assert_eq!(before.status.code(), Some(2));
    let err = String::from_utf8_lossy(&before.stderr);
    assert!(err.contains("server.office_js_dir") && err.contains("packaging/fetch-office-js"), "{err}");

    let tgz = tarball(dir.path(), &package());
    assert!(fetch(&["--tarball".as_ref(), tgz.as_os_str(), dest.as_os_str()]).status.success());
    let after = check();
    assert!(after.status.success(), "{}", String::from_utf8_lossy(&after.stderr));
}
