//! The demo's certificates, made fresh at every start with rcgen (ECDSA P-256): a CA, and from it
//! one leaf for the appliance's HTTPS listener and one for the simulated Exchange, both for
//! `localhost`, `127.0.0.1` and `::1`. Nothing here is used outside the demo.

use jiff::{Timestamp, ToSpan};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// A certificate chain and its key, PEM.
pub struct Leaf {
    /// The leaf followed by the CA (the chain a server presents).
    pub chain_pem: String,
    pub key_pem: String,
}

/// The demo CA and the two leaves it signed.
pub struct DemoPki {
    pub ca_pem: String,
    pub appliance: Leaf,
    pub exchange: Leaf,
}

/// Names every leaf is valid for: what a browser or the EWS client on this machine may use.
const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Makes a CA valid from yesterday for 30 days and the two leaves.
pub fn generate(now: Timestamp) -> Result<DemoPki, rcgen::Error> {
    let ((fy, fm, fd), (uy, um, ud)) = validity(now);
    let from = rcgen::date_time_ymd(fy, fm, fd);
    let until = rcgen::date_time_ymd(uy, um, ud);
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name = name("vmr-scheduler demo CA (generated at start, not trusted anywhere)");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    ca.not_before = from;
    ca.not_after = until;
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?)?;
    let ca_pem = ca.pem();
    let leaf = |common_name: &str| -> Result<Leaf, rcgen::Error> {
        let mut params = CertificateParams::new(NAMES.iter().map(|n| n.to_string()).collect::<Vec<_>>())?;
        params.distinguished_name = name(common_name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = from;
        params.not_after = until;
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let cert = params.signed_by(&key, &ca)?;
        Ok(Leaf { chain_pem: format!("{}{}", cert.pem(), ca_pem), key_pem: key.serialize_pem() })
    };
    Ok(DemoPki { appliance: leaf("vmr-scheduler demo appliance")?, exchange: leaf("simulated Exchange")?, ca_pem })
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn
}

/// Yesterday (clocks differ a little) to 30 days on, as (year, month, day) in UTC.
fn validity(now: Timestamp) -> ((i32, u8, u8), (i32, u8, u8)) {
    let day = |t: Timestamp| {
        let d = t.to_zoned(jiff::tz::TimeZone::UTC).date();
        // jiff's months and days are always 1-12 and 1-31.
        (i32::from(d.year()), d.month().unsigned_abs(), d.day().unsigned_abs())
    };
    let from = now.checked_sub(24.hours()).unwrap_or(now);
    let until = now.checked_add((30 * 24).hours()).unwrap_or(now);
    (day(from), day(until))
}
