//! The add-in's JSON API (docs/addin-api.md): the single-use call reserves a VMR for the validated
//! Outlook user and renders its joining instructions. Answers are plain values (status and JSON);
//! `http` sends them. Rejected tokens are explained in the log, never to the caller.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Value, json};

use super::identity::{IdentityValidator, MetadataFetcher};
use crate::config::{Config, Integration};
use crate::reservations::{self, PLACEHOLDER_TOKEN, ReserveError, Tokens};
use crate::store::{Store, Vmr};
use crate::templates::{Template, Templates, Vars};

/// Largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
const RATE_WINDOW: Duration = Duration::from_secs(3600);

/// An answer: an HTTP status and its JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiReply {
    pub status: u16,
    pub body: Value,
}

/// The add-in API of every integration.
pub struct AddinApi {
    config: Arc<Config>,
    store: Arc<Store>,
    templates: Arc<Templates>,
    tokens: Arc<Tokens>,
    identity: IdentityValidator,
    /// New reservations per user key in the last hour.
    recent: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl AddinApi {
    pub fn new(
        config: Arc<Config>,
        store: Arc<Store>,
        templates: Arc<Templates>,
        tokens: Arc<Tokens>,
        fetcher: Box<dyn MetadataFetcher>,
    ) -> AddinApi {
        AddinApi {
            config,
            store,
            templates,
            tokens,
            identity: IdentityValidator::new(fetcher),
            recent: Mutex::new(HashMap::new()),
        }
    }

    /// The placeholder HTML of an integration's task pane: its template and the marker the
    /// scheduler looks for.
    pub fn placeholder_html(&self, integration: &Integration) -> String {
        let vars = Vars { addin_server_domain: integration.addin_server_domain.clone(), ..Vars::default() };
        let text = match self.templates.render(&integration.name, Template::PlaceholderInstructions, &vars) {
            Ok(t) => t,
            Err(e) => {
                log::error!("{e}");
                String::new()
            }
        };
        format!("{text}{}", reservations::token_html(PLACEHOLDER_TOKEN))
    }

    /// `POST .../<integration>/single_use_vmr`.
    pub fn single_use_vmr(&self, integration: &str, body: &[u8], peer: IpAddr, now: Timestamp) -> ApiReply {
        let correlation_id = correlation_id();
        let fail = |status: u16, code: &str, message: &str| error(status, code, message, &correlation_id);
        let Some(integration) = self.config.integration(integration) else {
            return fail(404, "integration_unknown", "This add-in is not set up on the appliance.");
        };
        if !integration.enable_dynamic_vmrs {
            return fail(403, "vmr_type_disabled", "Single-use video meeting rooms are not offered here.");
        }
        let request = match SingleUseRequest::parse(body) {
            Ok(r) => r,
            Err(why) => {
                log::info!("{peer}: single_use_vmr ({}) refused: {why} [{correlation_id}]", integration.name);
                return fail(400, "invalid_request", "The request could not be understood.");
            }
        };
        let identity = match self.identity.validate(&request.identity_token, integration, now) {
            Ok(id) => id,
            Err(why) => {
                log::warn!("{peer}: identity token refused for {}: {why} [{correlation_id}]", integration.name);
                return fail(
                    401,
                    "invalid_token",
                    "Outlook's sign-in could not be verified. Close and reopen the add-in.",
                );
            }
        };
        let existing = self.store.vmr_by_request(&integration.name, &identity.user_key, &request.request_id);
        match existing {
            Ok(Some(vmr)) => return self.success(integration, &vmr, &request),
            Ok(None) => {}
            Err(e) => {
                log::error!("single_use_vmr ({}): {e} [{correlation_id}]", integration.name);
                return fail(500, "internal", "The appliance could not reserve a room.");
            }
        }
        if let Some(retry_after) = self.rate_limited(&identity.user_key, integration.max_reservations_per_user_per_hour)
        {
            log::warn!(
                "{peer}: {} reached {} reservations this hour [{correlation_id}]",
                identity.user_key,
                integration.max_reservations_per_user_per_hour
            );
            let mut reply =
                fail(429, "rate_limited", "You have added many video meeting rooms recently. Try again later.");
            reply.body["error"]["retry_after_seconds"] = json!(retry_after);
            return reply;
        }
        match reservations::reserve(&self.store, integration, &identity.user_key, Some(&request.request_id), now) {
            Ok(reserved) => {
                if reserved.created {
                    log::info!(
                        "reserved {} for {} ({}) [{correlation_id}]",
                        reserved.vmr.alias,
                        identity.user_key,
                        integration.name
                    );
                }
                self.success(integration, &reserved.vmr, &request)
            }
            Err(e @ ReserveError::PoolExhausted { .. }) => {
                log::error!("{e} [{correlation_id}]");
                fail(
                    503,
                    "pool_exhausted",
                    "No video meeting room is free right now. Try again later or contact your administrator.",
                )
            }
            Err(e) => {
                log::error!("single_use_vmr ({}): {e} [{correlation_id}]", integration.name);
                fail(500, "internal", "The appliance could not reserve a room.")
            }
        }
    }

    fn success(&self, integration: &Integration, vmr: &Vmr, request: &SingleUseRequest) -> ApiReply {
        let token = self.tokens.token(&vmr.id);
        let vars = Vars {
            alias: vmr.alias.clone(),
            numeric_alias: vmr.numeric_alias.clone(),
            alias_uuid: vmr.id.clone(),
            addin_server_domain: integration.addin_server_domain.clone(),
            subject: request.subject.clone(),
            ..Vars::default()
        };
        let instructions = match self.templates.render(&integration.name, Template::MeetingInstructions, &vars) {
            Ok(html) => html,
            Err(e) => {
                let correlation_id = correlation_id();
                log::error!("{e} [{correlation_id}]");
                return error(500, "internal", "The joining instructions could not be prepared.", &correlation_id);
            }
        };
        ApiReply {
            status: 200,
            body: json!({
                "reservation_id": vmr.id,
                "alias": vmr.alias,
                "numeric_alias": vmr.numeric_alias,
                "alias_id_token": token,
                "resource_mailbox": {
                    "email": integration.room_mailbox_email_address,
                    "name": integration.room_mailbox_name,
                },
                "instructions_html": format!("{instructions}{}", reservations::token_html(&token)),
                "location": vmr.alias,
            }),
        }
    }

    /// Counts a new reservation for `user`; `Some(seconds to wait)` if the hourly limit is reached.
    fn rate_limited(&self, user: &str, per_hour: u32) -> Option<u64> {
        let now = Instant::now();
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        // Forget users idle for an hour, so the map does not grow without bound.
        if recent.len() > 10_000 {
            recent.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < RATE_WINDOW));
        }
        let times = recent.entry(user.to_string()).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= RATE_WINDOW) {
            times.pop_front();
        }
        if times.len() >= per_hour as usize {
            let oldest = times.front().copied().unwrap_or(now);
            return Some(RATE_WINDOW.saturating_sub(now.duration_since(oldest)).as_secs().max(1));
        }
        times.push_back(now);
        None
    }
}

fn error(status: u16, code: &str, message: &str, correlation_id: &str) -> ApiReply {
    ApiReply { status, body: json!({"error": {"code": code, "message": message, "correlation_id": correlation_id}}) }
}

/// A short random id that ties a user's error to the log line.
pub fn correlation_id() -> String {
    let mut b = [0u8; 8];
    let _ = SystemRandom::new().fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct SingleUseRequest {
    identity_token: String,
    request_id: String,
    subject: String,
}

impl SingleUseRequest {
    fn parse(body: &[u8]) -> Result<SingleUseRequest, String> {
        if body.len() > MAX_BODY_BYTES {
            return Err("body larger than 64 KiB".into());
        }
        let v: Value = serde_json::from_slice(body).map_err(|e| format!("body is not JSON ({e})"))?;
        let text = |name: &str| v.get(name).and_then(Value::as_str);
        let identity_token = text("identity_token").filter(|t| !t.is_empty()).ok_or("identity_token is missing")?;
        match text("token_type") {
            Some("exchange_identity") => {}
            other => return Err(format!("token_type {other:?} is not \"exchange_identity\"")),
        }
        let request_id = text("request_id").ok_or("request_id is missing")?;
        if !is_uuid(request_id) {
            return Err("request_id is not a UUID".into());
        }
        let subject = match v.get("subject") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.chars().take(1024).collect(),
            Some(_) => return Err("subject is not a string".into()),
        };
        if v.get("shared_calendar").is_some_and(|s| !s.is_boolean() && !s.is_null()) {
            return Err("shared_calendar is not true/false".into());
        }
        Ok(SingleUseRequest {
            identity_token: identity_token.to_string(),
            request_id: request_id.to_ascii_lowercase(),
            subject,
        })
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}
