//! The appliance's routes: probes, embedded assets, and (as parts arrive) the add-in pages and API.
//! Handlers here parse and answer; state lives in the parts they call.

use std::sync::Arc;

use serde_json::json;

use super::assets;
use super::message::{Request, Response};
use super::server::Handler;
use crate::config::Config;
use crate::store::Store;

/// The request handler of the HTTPS listener.
pub struct App {
    config: Arc<Config>,
    store: Arc<Store>,
}

impl App {
    pub fn new(config: Arc<Config>, store: Arc<Store>) -> App {
        App { config, store }
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
}

impl Handler for App {
    fn handle(&self, request: &Request) -> Response {
        let read = matches!(request.method.as_str(), "GET" | "HEAD");
        match request.path.as_str() {
            "/healthz" if read => Response::text(200, "ok\n").header("cache-control", "no-store"),
            "/readyz" if read => self.readyz(),
            "/healthz" | "/readyz" => method_not_allowed("GET, HEAD"),
            path => {
                if let Some(rel) = path.strip_prefix('/').filter(|p| assets::get(p).is_some()) {
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
                Response::text(404, "Not found.\n")
            }
        }
    }
}

fn method_not_allowed(allow: &'static str) -> Response {
    Response::text(405, "This method is not allowed here.\n").header("allow", allow)
}

fn is_known_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "OPTIONS" | "PATCH")
}
