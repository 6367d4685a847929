//! The add-in's single-use API and the identity tokens it trusts. Each security test names the rule
//! it checks (Microsoft, "Validate an Exchange identity token"; issue 4 §1).

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use ring::signature::RsaKeyPair;
use rustls::pki_types::pem::PemObject;
use serde_json::{Value, json};
use vmr_scheduler::addin::{self, AddinApi, ApiReply, IdentityValidator, MetadataFetcher, TokenRejection};
use vmr_scheduler::config::{Config, Integration};
use vmr_scheduler::reservations::Tokens;
use vmr_scheduler::store::{Store, VmrState};
use vmr_scheduler::templates::Templates;

use crate::support::{self, TempDir};

const AMURL: &str = "https://mail.example.com:443/autodiscover/metadata/json/1";

/// Exchange's signing side, as the metadata document and tokens of a real server look.
pub struct Exchange {
    key: RsaKeyPair,
    cert_der: Vec<u8>,
}

impl Exchange {
    pub fn new() -> Exchange {
        let key_der =
            rustls::pki_types::PrivatePkcs8KeyDer::from_pem_file(support::fixture("identity/signing-key.pem"))
                .expect("key");
        let key = RsaKeyPair::from_pkcs8(key_der.secret_pkcs8_der()).expect("rsa key");
        let cert_der = rustls::pki_types::CertificateDer::from_pem_file(support::fixture("identity/signing-cert.pem"))
            .expect("cert");
        Exchange { key, cert_der: cert_der.to_vec() }
    }

    pub fn x5t(&self) -> String {
        URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.cert_der))
    }

    pub fn metadata(&self) -> Vec<u8> {
        json!({
            "id": "_4e5e4a5f-0000-4000-8000-000000000000",
            "version": "1.0",
            "name": "Exchange",
            "realm": "*",
            "serviceName": "00000002-0000-0ff1-ce00-000000000000",
            "issuer": "00000002-0000-0ff1-ce00-000000000000@*",
            "allowedAudiences": ["00000002-0000-0ff1-ce00-000000000000@*"],
            "keys": [{"usage": "signing", "keyinfo": {"x5t": self.x5t()}, "keyvalue": {"type": "x509Certificate", "value": STANDARD.encode(&self.cert_der)}}],
            "endpoints": [{"location": "https://mail.example.com:443/autodiscover/metadata/json/1", "protocol": "OAuth2", "usage": "metadata"}],
        })
        .to_string()
        .into_bytes()
    }

    /// A token with these header and claims, signed with the real key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), input.as_bytes(), &mut sig)
            .expect("sign");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    pub fn header(&self) -> Value {
        json!({"typ": "JWT", "alg": "RS256", "x5t": self.x5t()})
    }

    /// The claims of a real token (strings for nbf/exp, appctx as a JSON string) for `aud` at `now`.
    pub fn claims(&self, aud: &str, user: &str, now: Timestamp) -> Value {
        let s = now.as_second();
        json!({
            "aud": aud,
            "iss": "00000002-0000-0ff1-ce00-000000000000@mail.example.com",
            "nbf": (s - 60).to_string(),
            "exp": (s + 8 * 3600).to_string(),
            "appctxsender": "00000002-0000-0ff1-ce00-000000000000@mail.example.com",
            "isbrowserhostedapp": "True",
            "appctx": json!({"msexchuid": user, "version": "ExIdTok.V1", "amurl": AMURL}).to_string(),
        })
    }
}

/// Serves the metadata document from memory and records every URL asked for.
struct RecordingFetcher {
    document: Vec<u8>,
    asked: Arc<Mutex<Vec<String>>>,
}

impl MetadataFetcher for RecordingFetcher {
    fn fetch(&self, _integration: &Integration, url: &str) -> Result<Vec<u8>, String> {
        self.asked.lock().expect("lock").push(url.to_string());
        Ok(self.document.clone())
    }
}

struct Fixture {
    api: AddinApi,
    config: Arc<Config>,
    store: Arc<Store>,
    exchange: Exchange,
    asked: Arc<Mutex<Vec<String>>>,
    _dir: TempDir,
}

fn fixture_with(extra: Value) -> Fixture {
    let dir = TempDir::new("api");
    let mut integration_extra = json!({"scheduled_alias_prefix": "77", "scheduled_alias_domain": "vc.example.com"});
    if let (Some(m), Some(e)) = (integration_extra.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    let config =
        Arc::new(support::load(&support::document(vec![support::integration("corp", integration_extra)], json!({}))));
    let store = Arc::new(Store::open(&dir.path().join("store.redb")).expect("store"));
    let templates = Arc::new(Templates::compile(&config).expect("templates"));
    let tokens = Arc::new(Tokens::load(&store).expect("tokens"));
    let exchange = Exchange::new();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let fetcher = RecordingFetcher { document: exchange.metadata(), asked: Arc::clone(&asked) };
    let api = AddinApi::new(Arc::clone(&config), Arc::clone(&store), templates, tokens, Box::new(fetcher));
    Fixture { api, config, store, exchange, asked, _dir: dir }
}

fn fixture() -> Fixture {
    fixture_with(json!({}))
}

fn now() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().expect("time")
}

const REQUEST: &str = "6f1e3c0a-4b2d-4c8e-9a7f-1d2e3f405162";
const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

impl Fixture {
    fn aud(&self) -> String {
        addin::taskpane_url(&self.config.integrations[0])
    }

    fn call(&self, token: &str, request_id: &str) -> ApiReply {
        let body = json!({"identity_token": token, "token_type": "exchange_identity", "request_id": request_id, "subject": "Budget <review>", "shared_calendar": false});
        self.api.single_use_vmr("corp", body.to_string().as_bytes(), PEER, now())
    }

    fn valid_token(&self, user: &str) -> String {
        self.exchange.sign(&self.exchange.header(), &self.exchange.claims(&self.aud(), user, now()))
    }

    fn reserved(&self) -> usize {
        self.store.vmrs(None).expect("vmrs").len()
    }
}

fn code(reply: &ApiReply) -> &str {
    reply.body["error"]["code"].as_str().unwrap_or("")
}

#[test]
fn a_valid_token_reserves_a_vmr_with_instructions_and_its_alias_id_token() {
    let f = fixture();
    let reply = f.call(&f.valid_token("user-1"), REQUEST);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let b = &reply.body;
    let numeric = b["numeric_alias"].as_str().expect("numeric");
    assert!(numeric.starts_with("77") && numeric.len() == 8);
    assert_eq!(b["alias"], json!(format!("{numeric}@vc.example.com")));
    assert_eq!(b["location"], b["alias"]);
    assert_eq!(b["resource_mailbox"]["email"], json!("vmr@example.com"));
    let token = b["alias_id_token"].as_str().expect("token");
    let html = b["instructions_html"].as_str().expect("html");
    assert!(html.contains(token), "the token is in the instructions");
    assert!(html.contains(&format!("{numeric}@vc.example.com")));
    assert_eq!(f.asked.lock().expect("lock").as_slice(), [AMURL], "metadata fetched from the token's amurl");
    let vmr = f.store.vmr(b["reservation_id"].as_str().expect("id")).expect("read").expect("stored");
    assert_eq!(vmr.reserved_by, format!("{AMURL}|user-1"), "the user key is amurl + msexchuid");
    assert!(matches!(vmr.state, VmrState::Reserved { .. }));

    let again = f.call(&f.valid_token("user-1"), REQUEST);
    assert_eq!(again.body["reservation_id"], b["reservation_id"], "the same request id gets the same reservation");
    assert_eq!(f.reserved(), 1);
    assert_eq!(f.asked.lock().expect("lock").len(), 1, "the metadata document is cached");
}

/// Validation step: the signature must verify with the certificate from the metadata document.
#[test]
fn a_tampered_token_is_refused_and_reserves_nothing() {
    let f = fixture();
    let token = f.valid_token("user-1");
    let parts: Vec<&str> = token.split('.').collect();
    let other = f.exchange.claims(&f.aud(), "someone-else", now());
    let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(other.to_string()), parts[2]);
    let reply = f.call(&forged, REQUEST);
    assert_eq!((reply.status, code(&reply)), (401, "invalid_token"));
    assert_eq!(f.reserved(), 0);
}

/// Validation step: `alg` must be RS256; `none` and HMAC with the public certificate are refused.
#[test]
fn unsigned_and_hmac_tokens_are_refused() {
    let f = fixture();
    let claims = f.exchange.claims(&f.aud(), "user-1", now());
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"typ": "JWT", "alg": "none", "x5t": f.exchange.x5t()}).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    assert_eq!(f.call(&none, REQUEST).status, 401);
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(json!({"typ": "JWT", "alg": "HS256", "x5t": f.exchange.x5t()}).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &f.exchange.cert_der);
    let hs = format!("{input}.{}", URL_SAFE_NO_PAD.encode(ring::hmac::sign(&key, input.as_bytes())));
    assert_eq!(f.call(&hs, REQUEST).status, 401);
    assert_eq!(f.reserved(), 0);
}

/// Validation step: `aud` must be this add-in's own page URL.
#[test]
fn a_token_for_another_add_in_is_refused() {
    let f = fixture();
    let claims = f.exchange.claims("https://other-addin.example.com/taskpane.html", "user-1", now());
    let reply = f.call(&f.exchange.sign(&f.exchange.header(), &claims), REQUEST);
    assert_eq!((reply.status, code(&reply)), (401, "invalid_token"));
}

/// Validation step: `nbf` and `exp` bound the token's life (five minutes of clock skew allowed).
#[test]
fn expired_and_future_tokens_are_refused() {
    let f = fixture();
    let mut claims = f.exchange.claims(&f.aud(), "user-1", now());
    claims["exp"] = json!((now().as_second() - 600).to_string());
    assert_eq!(f.call(&f.exchange.sign(&f.exchange.header(), &claims), REQUEST).status, 401);
    let mut claims = f.exchange.claims(&f.aud(), "user-1", now());
    claims["nbf"] = json!(now().as_second() + 3600);
    assert_eq!(f.call(&f.exchange.sign(&f.exchange.header(), &claims), REQUEST).status, 401);
    let mut claims = f.exchange.claims(&f.aud(), "user-1", now());
    claims["exp"] = json!(now().as_second() - 60); // within the skew, and numeric
    assert_eq!(f.call(&f.exchange.sign(&f.exchange.header(), &claims), REQUEST).status, 200);
}

/// Issue 4 §1: the metadata document is never fetched from a host outside exchange_domains.
#[test]
fn a_token_pointing_at_an_untrusted_metadata_host_is_refused_without_fetching() {
    let f = fixture();
    let mut claims = f.exchange.claims(&f.aud(), "user-1", now());
    claims["appctx"] =
        json!(json!({"msexchuid": "u", "version": "ExIdTok.V1", "amurl": "https://evil.example/metadata"}).to_string());
    let reply = f.call(&f.exchange.sign(&f.exchange.header(), &claims), REQUEST);
    assert_eq!(reply.status, 401);
    assert!(f.asked.lock().expect("lock").is_empty(), "nothing fetched from evil.example");
    claims["appctx"] = json!(json!({"msexchuid": "u", "version": "ExIdTok.V2", "amurl": AMURL}).to_string());
    assert_eq!(f.call(&f.exchange.sign(&f.exchange.header(), &claims), REQUEST).status, 401, "wrong version");
}

/// Issue 4 §1: an unknown x5t refreshes the cached metadata (a key rollover), but not more than once
/// per interval, so made-up keys cannot make the appliance hammer Exchange.
#[test]
fn an_unknown_signing_key_refreshes_the_metadata_but_not_on_every_request() {
    let f = fixture();
    let integration = &f.config.integrations[0];
    let fetcher = |asked: &Arc<Mutex<Vec<String>>>| {
        Box::new(RecordingFetcher { document: f.exchange.metadata(), asked: Arc::clone(asked) })
    };
    let header = json!({"typ": "JWT", "alg": "RS256", "x5t": URL_SAFE_NO_PAD.encode([7u8; 20])});
    let unknown = f.exchange.sign(&header, &f.exchange.claims(&f.aud(), "user-1", now()));
    let known = f.valid_token("user-1");

    let asked = Arc::new(Mutex::new(Vec::new()));
    let eager = IdentityValidator::with_refetch_interval(fetcher(&asked), std::time::Duration::ZERO);
    assert!(eager.validate(&known, integration, now()).is_ok());
    assert!(matches!(eager.validate(&unknown, integration, now()), Err(TokenRejection::UnknownKey(_))));
    assert_eq!(asked.lock().expect("lock").len(), 2, "the unknown key made it fetch again");

    let asked = Arc::new(Mutex::new(Vec::new()));
    let default = IdentityValidator::new(fetcher(&asked));
    assert!(default.validate(&known, integration, now()).is_ok());
    for _ in 0..5 {
        assert!(matches!(default.validate(&unknown, integration, now()), Err(TokenRejection::UnknownKey(_))));
    }
    assert_eq!(asked.lock().expect("lock").len(), 1, "no refetch within the minute");
    assert!(default.validate(&known, integration, now()).is_ok(), "known keys still work from the cache");
}

#[test]
fn garbage_tokens_and_bodies_are_refused_cleanly() {
    let f = fixture();
    for token in ["", "a.b", "a.b.c.d", "!!!.###.$$$", &"x".repeat(20_000)] {
        let reply = f.call(token, REQUEST);
        assert!(reply.status == 401 || reply.status == 400, "{token:.20}: {}", reply.status);
    }
    for body in [
        &b"not json"[..],
        b"{}",
        br#"{"identity_token":"x","token_type":"entra_naa","request_id":"6f1e3c0a-4b2d-4c8e-9a7f-1d2e3f405162"}"#,
        br#"{"identity_token":"x","token_type":"exchange_identity","request_id":"not-a-uuid"}"#,
    ] {
        let reply = f.api.single_use_vmr("corp", body, PEER, now());
        assert_eq!((reply.status, code(&reply)), (400, "invalid_request"), "{}", String::from_utf8_lossy(body));
        assert!(reply.body["error"]["correlation_id"].as_str().is_some_and(|c| c.len() == 16));
    }
    assert_eq!(code(&f.api.single_use_vmr("nope", b"{}", PEER, now())), "integration_unknown");
    assert_eq!(f.reserved(), 0);
}

#[test]
fn reservations_per_user_are_rate_limited_but_repeats_are_free() {
    let f = fixture_with(json!({"max_reservations_per_user_per_hour": 2}));
    let token = f.valid_token("user-1");
    assert_eq!(f.call(&token, "00000000-0000-4000-8000-000000000001").status, 200);
    assert_eq!(f.call(&token, "00000000-0000-4000-8000-000000000002").status, 200);
    let third = f.call(&token, "00000000-0000-4000-8000-000000000003");
    assert_eq!((third.status, code(&third)), (429, "rate_limited"));
    assert!(third.body["error"]["retry_after_seconds"].as_u64().is_some_and(|s| s > 3000));
    assert_eq!(f.call(&token, "00000000-0000-4000-8000-000000000001").status, 200, "a repeat is not a new reservation");
    assert_eq!(f.call(&f.valid_token("user-2"), "00000000-0000-4000-8000-000000000003").status, 200, "per user");
}

#[test]
fn an_integration_without_single_use_vmrs_refuses_the_call() {
    let f = fixture_with(json!({"enable_dynamic_vmrs": false, "enable_personal_vmrs": true}));
    let reply = f.call(&f.valid_token("user-1"), REQUEST);
    assert_eq!((reply.status, code(&reply)), (403, "vmr_type_disabled"));
}

mod token_parser {
    //! Property tests: whatever arrives as a token, validation answers with a reason and never
    //! panics; a valid token with any single byte changed is refused.

    use proptest::collection::vec;
    use proptest::num::u8::ANY;
    use proptest::{prop_assert, proptest};

    use super::fixture;

    proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 300, ..Default::default() })]

        #[test]
        fn arbitrary_bytes_are_refused_without_panicking(bytes in vec(ANY, 0..600)) {
            let f = fixture();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            prop_assert!(f.api_validate(&text).is_err());
            let dotted = format!("{text}.{text}.{text}");
            prop_assert!(f.api_validate(&dotted).is_err());
        }

        #[test]
        fn a_valid_token_with_one_byte_changed_is_refused(position in 0usize..2000, replacement in ANY) {
            let f = fixture();
            let token = f.valid_token("user-1");
            let mut bytes = token.clone().into_bytes();
            let i = position % bytes.len();
            if bytes[i] != replacement {
                bytes[i] = replacement;
                let changed = String::from_utf8_lossy(&bytes).into_owned();
                // Base64url has 2 spare bits in a final character: a change there can decode to the
                // same bytes, and then the token is the same token.
                if super::decoded(&changed) != super::decoded(&token) {
                    prop_assert!(f.api_validate(&changed).is_err(), "accepted a changed token: {changed}");
                }
            }
        }
    }
}

impl Fixture {
    fn api_validate(&self, token: &str) -> Result<(), String> {
        let validator = IdentityValidator::new(Box::new(RecordingFetcher {
            document: self.exchange.metadata(),
            asked: Arc::clone(&self.asked),
        }));
        validator.validate(token, &self.config.integrations[0], now()).map(drop).map_err(|e| e.to_string())
    }
}

/// The decoded parts of a token (to tell a real change from a spelling of the same bytes).
fn decoded(token: &str) -> Vec<Option<Vec<u8>>> {
    token.split('.').map(|p| URL_SAFE_NO_PAD.decode(p).ok()).collect()
}
