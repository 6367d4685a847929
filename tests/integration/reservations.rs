//! The alias pool and alias-ID tokens: unique aliases from the configured range, idempotent
//! reservations, a clear error when the pool is full, expiry, and tokens that survive Outlook's HTML
//! but not tampering.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};
use vmr_scheduler::reservations::{self, ReserveError, TokenFound, Tokens};
use vmr_scheduler::store::{Store, VmrState};

use crate::support::{TempDir, loaded_integration as integration};

fn now() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().expect("time")
}

#[test]
fn aliases_come_from_the_configured_range_and_never_repeat() {
    let dir = TempDir::new("pool");
    let store = Store::open(&dir.join("store.redb")).expect("store");
    let mut i = integration(dir.path());
    i.scheduled_alias_prefix = "77".into();
    i.scheduled_alias_domain = "vc.example.com".into();
    let mut seen = HashSet::new();
    for n in 0..200 {
        let r = reservations::reserve(&store, &i, "user-a", Some(&format!("req-{n}")), now()).expect("reserve");
        assert!(r.created);
        let v = r.vmr;
        assert_eq!(v.numeric_alias.len(), 8);
        assert!(v.numeric_alias.starts_with("77") && v.numeric_alias.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(v.alias, format!("{}@vc.example.com", v.numeric_alias));
        assert!(
            matches!(v.state, VmrState::Reserved { expires_at } if expires_at == now() + SignedDuration::from_hours(7 * 24))
        );
        assert!(seen.insert(v.numeric_alias), "an alias was handed out twice");
    }
}

#[test]
fn the_same_request_gets_the_same_reservation() {
    let dir = TempDir::new("pool");
    let store = Store::open(&dir.join("store.redb")).expect("store");
    let i = integration(dir.path());
    let first = reservations::reserve(&store, &i, "user-a", Some("req-1"), now()).expect("reserve");
    let again = reservations::reserve(&store, &i, "user-a", Some("req-1"), now()).expect("reserve");
    assert!(!again.created);
    assert_eq!(first.vmr, again.vmr);
    let other_user = reservations::reserve(&store, &i, "user-b", Some("req-1"), now()).expect("reserve");
    assert_ne!(other_user.vmr.id, first.vmr.id, "request ids are per user");
}

#[test]
fn a_full_pool_is_a_clear_error_and_expired_reservations_refill_it() {
    let dir = TempDir::new("pool");
    let store = Store::open(&dir.join("store.redb")).expect("store");
    let mut i = integration(dir.path());
    i.scheduled_alias_suffix_length = 1; // ten aliases: below what the config allows, to fill it fast
    for n in 0..10 {
        reservations::reserve(&store, &i, "u", Some(&n.to_string()), now()).expect("reserve");
    }
    let err = reservations::reserve(&store, &i, "u", Some("one too many"), now()).expect_err("full");
    assert!(matches!(err, ReserveError::PoolExhausted { size: 10, .. }), "{err}");
    assert!(err.to_string().contains("raise scheduled_alias_suffix_length"), "{err}");

    let later = now() + SignedDuration::from_hours(7 * 24 + 1);
    let released = store.release_expired(&i.name, later).expect("release");
    assert_eq!(released.len(), 10);
    assert!(reservations::reserve(&store, &i, "u", Some("after expiry"), later).is_ok());
}

#[test]
fn tokens_name_their_vmr_and_reveal_tampering() {
    let dir = TempDir::new("tokens");
    let store = Store::open(&dir.join("store.redb")).expect("store");
    let tokens = Tokens::load(&store).expect("tokens");
    let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let token = tokens.token(id);
    assert!(token.starts_with("VMR:-") && token.ends_with('#') && token.len() == 38, "{token}");
    let body = format!(
        "<div><p>Join: 77123456</p><p style=\"color:#999\">{}<span>{}</span></p></div>",
        &token[..10],
        &token[10..]
    );
    assert_eq!(tokens.find(&body), TokenFound::Valid(id.to_string()));
    let mut tampered = token.clone().into_bytes();
    tampered[12] = if tampered[12] == b'A' { b'B' } else { b'A' };
    assert_eq!(tokens.find(&String::from_utf8(tampered).expect("utf8")), TokenFound::Tampered);
    assert_eq!(tokens.find("<p>no video here</p>"), TokenFound::Absent);
    assert_eq!(tokens.find("<p>Video instructions will follow. VMR:-PENDING#</p>"), TokenFound::Placeholder);
    assert_eq!(
        tokens.find(&format!("<p>VMR:-PENDING#</p><p>{token}</p>")),
        TokenFound::Valid(id.to_string()),
        "a filled placeholder counts as its real token"
    );
    let reopened = Tokens::load(&store).expect("tokens");
    assert_eq!(reopened.find(&token), TokenFound::Valid(id.to_string()), "the key persists in the store");
    let other_dir = TempDir::new("tokens");
    let other = Tokens::load(&Store::open(&other_dir.join("store.redb")).expect("store")).expect("tokens");
    assert_eq!(other.find(&token), TokenFound::Tampered, "another appliance's key does not accept it");
}
