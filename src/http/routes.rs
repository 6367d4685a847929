//! The appliance's routes: probes, embedded assets, the add-in's manifest, task pane and local
//! Office.js, and (as parts arrive) the add-in API. Handlers here parse and answer; state lives in
//! the parts they call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::json;

use super::assets::{self, GzipCache};
use super::headers::SecurityHeaders;
use super::message::{Body, Request, Response};
use super::server::Handler;
use crate::addin::{self, AddinApi, ApiReply, LocalLibrary, OfficeJsLibrary};
use crate::config::Config;
use crate::store::Store;

/// Verified Office.js files kept in memory, by checksum (a reinstall brings new checksums).
type LibraryCache = Mutex<HashMap<String, Arc<(Arc<[u8]>, GzipCache)>>>;

/// The request handler of the HTTPS listener.
pub struct App {
    config: Arc<Config>,
    store: Arc<Store>,
    api: Arc<AddinApi>,
    headers: SecurityHeaders,
    office_js: OfficeJsLibrary,
    office_js_cache: LibraryCache,
    /// A handler for every path under a prefix (the demo's pages).
    extension: Option<(&'static str, Arc<dyn Handler>)>,
}

impl App {
    pub fn new(config: Arc<Config>, store: Arc<Store>, api: Arc<AddinApi>) -> App {
        let headers = SecurityHeaders::new(&config);
        let office_js = OfficeJsLibrary::new(&config.server.office_js_dir);
        if config.integrations.iter().any(|i| i.addin.use_custom_add_in_sources) {
            match office_js.files() {
                Ok(files) => {
                    log::info!("serving {} Office.js files from {}", files.len(), office_js.dir().display());
                    if !files.iter().any(|f| f.path == "MicrosoftAjax.js") {
                        log::warn!(
                            "{} has no MicrosoftAjax.js: Outlook's Office.js will try to load it from Microsoft's CDN, which the add-in pages do not allow; install it with packaging/fetch-office-js --microsoft-ajax FILE",
                            office_js.dir().display()
                        );
                    }
                }
                Err(e) => log::warn!("use_custom_add_in_sources is set but {e}"),
            }
        }
        App { config, store, api, headers, office_js, office_js_cache: Mutex::new(HashMap::new()), extension: None }
    }

    /// Sends every request whose path starts with `prefix` to `handler`.
    pub fn with_extension(mut self, prefix: &'static str, handler: Arc<dyn Handler>) -> App {
        self.extension = Some((prefix, handler));
        self
    }

    fn readyz(&self) -> Response {
        let store_ok = self.store.is_readable();
        let status = if store_ok { 200 } else { 503 };
        Response::json(
            status,
            &json!({
                "ready": store_ok,
                "store": if store_ok { "open" } else { "unreadable" },
                "config": "loaded",
                "integrations": self.config.integrations.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
            }),
        )
    }

    /// `/api/client/v2/msexchange_schedulers/<integration>/<call>`: the add-in's JSON API.
    fn api(&self, request: &Request, rest: &str) -> Response {
        let Some((integration, call)) = rest.split_once('/') else { return not_found() };
        match call {
            "single_use_vmr" => {
                if request.method != "POST" {
                    return method_not_allowed("POST");
                }
                let reply =
                    self.api.single_use_vmr(integration, &request.body, request.peer.ip(), jiff::Timestamp::now());
                json_reply(reply)
            }
            _ => not_found(),
        }
    }

    /// `/addin/...`: the manifest and task pane of each integration, static files, local Office.js.
    fn addin(&self, request: &Request, rest: &str) -> Option<Response> {
        if let Some(file) = rest.strip_prefix("static/") {
            return self.addin_static(request, file);
        }
        if let Some(file) = rest.strip_prefix("lib/") {
            return Some(self.office_js_file(request, file));
        }
        let (name, page) = rest.split_once('/')?;
        let integration = self.config.integration(name)?;
        match page {
            "manifest.xml" => Some(
                Response::new(200)
                    .header("content-type", "application/xml; charset=utf-8")
                    .header(
                        "content-disposition",
                        format!("attachment; filename=\"{}\"", addin::manifest_filename(integration)),
                    )
                    .header("cache-control", "no-cache")
                    .body(addin::manifest(integration).into_bytes()),
            ),
            "taskpane.html" => {
                let local = LocalLibrary { has_microsoft_ajax: self.has_local_microsoft_ajax(integration) };
                let page = addin::taskpane(integration, local, &self.api.placeholder_html(integration));
                let origins: Vec<&str> = page.script_sources.iter().map(String::as_str).collect();
                Some(
                    Response::new(200)
                        .header("content-type", "text/html; charset=utf-8")
                        .header("cache-control", "no-cache")
                        .header("content-security-policy", self.headers.addin_page_csp(&origins))
                        .body(page.html.into_bytes()),
                )
            }
            _ => None,
        }
    }

    fn has_local_microsoft_ajax(&self, integration: &crate::config::Integration) -> bool {
        integration.addin.use_custom_add_in_sources && matches!(self.office_js.lookup("MicrosoftAjax.js"), Ok(Some(_)))
    }

    fn addin_static(&self, request: &Request, file: &str) -> Option<Response> {
        let rel = format!("addin/{file}");
        let mut response = assets::serve(request, &rel)?;
        // Office caches add-in icons itself and shows a generic icon when the image response carries
        // Cache-Control (learn.microsoft.com/javascript/api/manifest/image).
        if file.starts_with("icon-") && file.ends_with(".png") {
            response.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("cache-control"));
        }
        Some(response)
    }

    /// A file of the locally installed Office.js, if `SHA256SUMS` lists it and it still matches.
    fn office_js_file(&self, request: &Request, file: &str) -> Response {
        if !addin::is_safe_relative_path(file) {
            return not_found();
        }
        let listed = match self.office_js.lookup(file) {
            Ok(Some(f)) => f,
            Ok(None) => return not_found(),
            Err(e) => {
                log::warn!("/addin/lib/{file}: {e}");
                return not_found();
            }
        };
        let etag = format!("\"{}\"", &listed.sha256[..32]);
        let cached = self.office_js_cache.lock().ok().and_then(|c| c.get(&listed.sha256).cloned());
        let entry = match cached {
            Some(entry) => entry,
            None => match self.office_js.read(&listed) {
                Ok(bytes) => {
                    let entry = Arc::new((Arc::<[u8]>::from(bytes), GzipCache::new()));
                    if let Ok(mut c) = self.office_js_cache.lock() {
                        c.insert(listed.sha256.clone(), Arc::clone(&entry));
                    }
                    entry
                }
                Err(e) => {
                    log::error!("/addin/lib/{file}: {e}");
                    return Response::text(
                        500,
                        "This file of Office.js is damaged; the administrator has been told.\n",
                    );
                }
            },
        };
        assets::respond(request, Body::Shared(Arc::clone(&entry.0)), assets::content_type(file), &etag, Some(&entry.1))
    }
}

impl Handler for App {
    fn handle(&self, request: &Request) -> Response {
        let read = matches!(request.method.as_str(), "GET" | "HEAD");
        match request.path.as_str() {
            "/healthz" if read => Response::text(200, "ok\n").header("cache-control", "no-store"),
            "/readyz" if read => self.readyz(),
            "/healthz" | "/readyz" => method_not_allowed("GET, HEAD"),
            path => {
                if let Some((prefix, handler)) = &self.extension
                    && path.starts_with(prefix)
                {
                    return handler.handle(request);
                }
                if let Some(rest) = path.strip_prefix(addin::API_PREFIX).and_then(|r| r.strip_prefix('/')) {
                    return self.api(request, rest);
                }
                if let Some(rest) = path.strip_prefix("/addin/") {
                    if !read {
                        return method_not_allowed("GET, HEAD");
                    }
                    return self.addin(request, rest).unwrap_or_else(not_found);
                }
                // Add-in assets are only reachable under /addin/static/.
                if let Some(rel) =
                    path.strip_prefix('/').filter(|p| !p.starts_with("addin/") && assets::get(p).is_some())
                {
                    if !read {
                        return method_not_allowed("GET, HEAD");
                    }
                    if let Some(r) = assets::serve(request, rel) {
                        return r;
                    }
                }
                if !is_known_method(&request.method) {
                    return Response::text(501, "This method is not supported.\n");
                }
                not_found()
            }
        }
    }
}

fn json_reply(reply: ApiReply) -> Response {
    Response::json(reply.status, &reply.body)
}

fn not_found() -> Response {
    Response::text(404, "Not found.\n")
}

fn method_not_allowed(allow: &'static str) -> Response {
    Response::text(405, "This method is not allowed here.\n").header("allow", allow)
}

fn is_known_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "OPTIONS" | "PATCH")
}
