//! The simulator as the add-in's identity provider: Exchange user identity tokens (RS256 JWTs
//! signed with the simulator's TEST key, as `getUserIdentityTokenAsync` returns them) and the JSON
//! authentication metadata document published at the tokens' `amurl`.
//! See <https://learn.microsoft.com/en-us/office/dev/add-ins/outlook/inside-the-identity-token> and
//! <https://learn.microsoft.com/en-us/office/dev/add-ins/outlook/validate-an-identity-token>.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use jiff::Timestamp;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use serde_json::json;

/// The simulator's signing key: a TEST key, committed on purpose, never to be trusted outside tests
/// and the demo.
const TEST_SIGNING_KEY: &str = include_str!("sim-test-signing-key.pem");
/// Its self-signed certificate (what Exchange's "Microsoft Exchange Server Auth Certificate" is).
const TEST_SIGNING_CERT: &str = include_str!("sim-test-signing-cert.pem");

/// Exchange's well-known application id in `iss` and `appctxsender`.
pub const EXCHANGE_APP_ID: &str = "00000002-0000-0ff1-ce00-000000000000";
/// How long a token lives (Microsoft's example: `exp - nbf` = 8 hours).
pub const TOKEN_LIFETIME_SECS: i64 = 8 * 3600;

/// The signing key and certificate.
pub struct Identity {
    key: RsaKeyPair,
    cert_der: Vec<u8>,
    x5t: String,
}

impl Identity {
    /// Loads the embedded test key and certificate.
    pub fn load() -> Result<Identity, String> {
        let key_der = PrivatePkcs8KeyDer::from_pem_slice(TEST_SIGNING_KEY.as_bytes())
            .map_err(|e| format!("simulator signing key: {e}"))?;
        let key =
            RsaKeyPair::from_pkcs8(key_der.secret_pkcs8_der()).map_err(|e| format!("simulator signing key: {e}"))?;
        let cert = CertificateDer::from_pem_slice(TEST_SIGNING_CERT.as_bytes())
            .map_err(|e| format!("simulator signing certificate: {e}"))?;
        let cert_der = cert.as_ref().to_vec();
        let x5t = B64URL.encode(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert_der));
        Ok(Identity { key, cert_der, x5t })
    }

    /// The base64url SHA-1 thumbprint of the signing certificate (the JWT header's `x5t`).
    pub fn x5t(&self) -> &str {
        &self.x5t
    }

    /// The DER signing certificate.
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// A signed identity token for `msexchuid`, valid from `now` for [`TOKEN_LIFETIME_SECS`].
    pub fn token(
        &self,
        aud: &str,
        msexchuid: &str,
        amurl: &str,
        realm: &str,
        now: Timestamp,
    ) -> Result<String, String> {
        let header = json!({ "typ": "JWT", "alg": "RS256", "x5t": self.x5t });
        // `appctx` is a JSON string inside the payload, as in real tokens.
        let appctx = json!({ "msexchuid": msexchuid, "version": "ExIdTok.V1", "amurl": amurl }).to_string();
        let issuer = format!("{EXCHANGE_APP_ID}@{realm}");
        let payload = json!({
            "aud": aud,
            "iss": issuer,
            "nbf": now.as_second().to_string(),
            "exp": (now.as_second() + TOKEN_LIFETIME_SECS).to_string(),
            "appctxsender": issuer,
            "isbrowserhostedapp": "true",
            "appctx": appctx,
        });
        let signing_input = format!("{}.{}", B64URL.encode(header.to_string()), B64URL.encode(payload.to_string()));
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut signature)
            .map_err(|_| "signing the identity token failed".to_string())?;
        Ok(format!("{signing_input}.{}", B64URL.encode(signature)))
    }

    /// The authentication metadata document served at `amurl`.
    pub fn metadata(&self, amurl: &str, realm: &str) -> serde_json::Value {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.cert_der);
        json!({
            "id": format!("_{}", guid(digest.as_ref())),
            "version": "1.0",
            "name": "Exchange",
            "realm": realm,
            "serviceName": EXCHANGE_APP_ID,
            "issuer": format!("{EXCHANGE_APP_ID}@{realm}"),
            "allowedAudiences": [format!("{EXCHANGE_APP_ID}@{realm}")],
            "keys": [{
                "usage": "signing",
                "keyinfo": { "x5t": self.x5t },
                "keyvalue": { "type": "x509Certificate", "value": B64.encode(&self.cert_der) },
            }],
            "endpoints": [{ "location": amurl, "protocol": "OAuth2", "usage": "metadata" }],
        })
    }
}

/// The stable Exchange id of a mailbox (`msexchuid`): a GUID derived from its address, `@realm`.
pub fn msexchuid(email: &str, realm: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, email.trim().to_ascii_lowercase().as_bytes());
    format!("{}@{realm}", guid(digest.as_ref()))
}

fn guid(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_against_the_published_certificate() {
        let identity = match Identity::load() {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        let now = Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH);
        let amurl = "https://127.0.0.1:1/autodiscover/metadata/json/1";
        let token = identity.token("https://a.example/addin/taskpane.html", "u@r", amurl, "r", now).unwrap_or_default();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let doc = identity.metadata(amurl, "r");
        let cert_b64 = doc["keys"][0]["keyvalue"]["value"].as_str().unwrap_or("");
        let cert = B64.decode(cert_b64).unwrap_or_default();
        let der = rustls::pki_types::CertificateDer::from(cert.as_slice());
        let certificate = webpki::EndEntityCert::try_from(&der);
        let signature = B64URL.decode(parts[2]).unwrap_or_default();
        let message = format!("{}.{}", parts[0], parts[1]);
        assert!(certificate.is_ok_and(|c| {
            c.verify_signature(webpki::ring::RSA_PKCS1_2048_8192_SHA256, message.as_bytes(), &signature).is_ok()
        }));
    }
}
