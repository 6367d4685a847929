//! The simulator as the add-in's identity provider: Exchange user identity tokens verify with the
//! certificate its metadata document publishes, and carry the documented claims.
//! (learn.microsoft.com: "Inside the Exchange identity token", "Validate an Exchange identity token")

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};

use super::*;

const AUD: &str = "https://scheduler.example.com/addin/taskpane.html";

fn json_part(part: &str) -> serde_json::Value {
    let bytes = B64URL.decode(part).unwrap_or_else(|e| panic!("not base64url: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("not JSON: {e}"))
}

fn metadata(sim: &RunningSim) -> serde_json::Value {
    let mut resp = agent().get(sim.metadata_url()).call().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("metadata is not JSON: {e}"))
}

// validate-an-identity-token: pick the key whose keyinfo.x5t is the header's x5t, verify RS256.
#[test]
fn identity_tokens_verify_with_the_certificate_in_the_published_metadata() {
    let sim = start();
    let token = sim.identity_token(ORGANIZER, AUD).unwrap_or_else(|e| panic!("{e}"));
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header = json_part(parts[0]);
    let doc = metadata(&sim);
    let key = doc["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["keyinfo"]["x5t"] == header["x5t"]))
        .unwrap_or_else(|| panic!("no key with the token's x5t in {doc}"));
    assert_eq!(key["usage"], "signing");
    assert_eq!(key["keyvalue"]["type"], "x509Certificate");
    let cert = B64.decode(key["keyvalue"]["value"].as_str().unwrap_or("")).unwrap_or_default();
    let thumbprint = B64URL.encode(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert));
    assert_eq!(header["x5t"], thumbprint.as_str());
    let der = rustls::pki_types::CertificateDer::from(cert.as_slice());
    let certificate = webpki::EndEntityCert::try_from(&der).unwrap_or_else(|e| panic!("unreadable certificate: {e}"));
    let signature = B64URL.decode(parts[2]).unwrap_or_default();
    let signed = format!("{}.{}", parts[0], parts[1]);
    let verify = |message: &str| {
        certificate.verify_signature(webpki::ring::RSA_PKCS1_2048_8192_SHA256, message.as_bytes(), &signature)
    };
    assert!(verify(&signed).is_ok(), "signature does not verify");
    // A token altered after signing does not.
    let altered = B64URL.encode(json_part(parts[1]).to_string().replace(AUD, "https://evil.example/"));
    assert!(verify(&format!("{}.{altered}", parts[0])).is_err());
}

#[test]
fn identity_tokens_carry_the_documented_claims() {
    let sim = start();
    let now = jiff::Timestamp::from_second(1_900_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let token = sim.identity_token_at(ORGANIZER, AUD, now).unwrap_or_else(|e| panic!("{e}"));
    let parts: Vec<&str> = token.split('.').collect();
    let header = json_part(parts[0]);
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5t"].as_str().map(str::len), Some(27));
    let claims = json_part(parts[1]);
    assert_eq!(claims["aud"], AUD);
    let issuer = format!("00000002-0000-0ff1-ce00-000000000000@{}", sim.realm());
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["appctxsender"], issuer.as_str());
    assert_eq!(claims["nbf"], "1900000000");
    assert_eq!(claims["exp"], "1900028800");
    assert_eq!(claims["isbrowserhostedapp"], "true");
    // appctx is a JSON string, as in real tokens.
    let appctx: serde_json::Value =
        serde_json::from_str(claims["appctx"].as_str().unwrap_or_else(|| panic!("appctx is not a string")))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(appctx["version"], "ExIdTok.V1");
    assert_eq!(appctx["amurl"], sim.metadata_url().as_str());
    let uid = appctx["msexchuid"].as_str().unwrap_or("").to_string();
    assert_eq!(uid, sim.msexchuid(ORGANIZER));
    // Stable per mailbox, distinct between mailboxes.
    let again = json_part(sim.identity_token(ORGANIZER, AUD).unwrap_or_default().split('.').nth(1).unwrap_or(""));
    assert!(again["appctx"].as_str().unwrap_or("").contains(&uid));
    assert_ne!(sim.msexchuid(ATTENDEE), uid);
    let doc = metadata(&sim);
    assert_eq!(doc["version"], "1.0");
    assert_eq!(doc["name"], "Exchange");
    assert_eq!(doc["serviceName"], "00000002-0000-0ff1-ce00-000000000000");
    assert_eq!(doc["issuer"], issuer.as_str());
    assert_eq!(doc["endpoints"][0]["location"], sim.metadata_url().as_str());
    assert_eq!(doc["endpoints"][0]["protocol"], "OAuth2");
    assert!(sim.identity_token("nobody@example.com", AUD).is_err());
}
