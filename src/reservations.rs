//! Single-use VMR reservations: the alias pool (prefix plus CSPRNG digits, never an alias that is
//! reserved or still held), reserving for the add-in or for a placeholder meeting, and the alias-ID
//! token that ties a meeting body to its reservation.

use std::fmt;

use jiff::Timestamp;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use crate::config::Integration;
use crate::store::{Store, StoreError, Vmr, VmrState, Writer};

/// Random aliases tried before falling back to a scan for a free one.
const RANDOM_TRIES: usize = 64;
/// Most aliases examined by the scan when the pool is nearly full.
const SCAN_LIMIT: u64 = 1_000_000;

/// The text that opens every alias-ID token; the token is `VMR:-<32 base32 characters>#`.
pub const TOKEN_PREFIX: &str = "VMR:-";
/// The marker the add-in's placeholder text carries when it could not reach the appliance.
pub const PLACEHOLDER_TOKEN: &str = "VMR:-PENDING#";

/// Why a reservation could not be made.
#[derive(Debug)]
pub enum ReserveError {
    /// Every alias of the integration's range is in use.
    PoolExhausted {
        integration: String,
        size: u64,
    },
    /// The system's random number generator failed.
    Random,
    Store(StoreError),
}

impl fmt::Display for ReserveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReserveError::PoolExhausted { integration, size } => write!(
                f,
                "integration \"{integration}\": all {size} single-use aliases are in use; raise scheduled_alias_suffix_length or lower unused_reservation_expiry_days"
            ),
            ReserveError::Random => write!(f, "the system random number generator failed"),
            ReserveError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ReserveError {}

impl From<StoreError> for ReserveError {
    fn from(e: StoreError) -> Self {
        ReserveError::Store(e)
    }
}

/// A reservation, and whether this call made it (false: an earlier call with the same request id did).
#[derive(Debug)]
pub struct Reserved {
    pub vmr: Vmr,
    pub created: bool,
}

/// Reserves a fresh alias for `reserved_by`, or returns the reservation an earlier call with the same
/// `request_id` made. Atomic: two calls never get the same alias.
pub fn reserve(
    store: &Store,
    integration: &Integration,
    reserved_by: &str,
    request_id: Option<&str>,
    now: Timestamp,
) -> Result<Reserved, ReserveError> {
    let draw = Draw::new(integration)?;
    store.write(|w| Ok(draw.reserve(w, integration, reserved_by, request_id, now)))?
}

/// [`reserve`] inside a transaction the caller already holds (the scheduler's placeholder path).
pub fn reserve_in(
    w: &Writer<'_>,
    integration: &Integration,
    reserved_by: &str,
    request_id: Option<&str>,
    now: Timestamp,
) -> Result<Reserved, ReserveError> {
    Draw::new(integration)?.reserve(w, integration, reserved_by, request_id, now)
}

/// The random choices of one reservation, drawn before the transaction (the system RNG may block
/// briefly; a write transaction should not).
struct Draw {
    id: String,
    candidates: Vec<u64>,
    scan_start: u64,
    size: u64,
    digits: usize,
}

impl Draw {
    fn new(integration: &Integration) -> Result<Draw, ReserveError> {
        let rng = SystemRandom::new();
        let digits = u32::from(integration.scheduled_alias_suffix_length);
        let size = 10u64.pow(digits);
        let mut candidates = Vec::with_capacity(RANDOM_TRIES);
        for _ in 0..RANDOM_TRIES {
            candidates.push(random_below(&rng, size)?);
        }
        Ok(Draw {
            id: uuid_v4(&rng)?,
            candidates,
            scan_start: random_below(&rng, size)?,
            size,
            digits: digits as usize,
        })
    }

    fn reserve(
        &self,
        w: &Writer<'_>,
        integration: &Integration,
        reserved_by: &str,
        request_id: Option<&str>,
        now: Timestamp,
    ) -> Result<Reserved, ReserveError> {
        if let Some(request) = request_id
            && let Some(existing) = w.vmr_by_request(&integration.name, reserved_by, request)?
        {
            return Ok(Reserved { vmr: existing, created: false });
        }
        let free = |n: u64| -> Result<Option<String>, StoreError> {
            let numeric = format!("{}{:0width$}", integration.scheduled_alias_prefix, n, width = self.digits);
            Ok(w.vmr_by_alias(&integration.name, &numeric)?.is_none().then_some(numeric))
        };
        let mut chosen = None;
        for n in &self.candidates {
            if let Some(numeric) = free(*n)? {
                chosen = Some(numeric);
                break;
            }
        }
        if chosen.is_none() {
            for step in 0..self.size.min(SCAN_LIMIT) {
                if let Some(numeric) = free((self.scan_start + step) % self.size)? {
                    chosen = Some(numeric);
                    break;
                }
            }
        }
        let Some(numeric_alias) = chosen else {
            return Err(ReserveError::PoolExhausted { integration: integration.name.clone(), size: self.size });
        };
        let alias = if integration.scheduled_alias_domain.is_empty() {
            numeric_alias.clone()
        } else {
            format!("{numeric_alias}@{}", integration.scheduled_alias_domain)
        };
        let expires_at = now
            .checked_add(jiff::SignedDuration::try_from(integration.unused_reservation_expiry).unwrap_or_default())
            .unwrap_or(Timestamp::MAX);
        let vmr = Vmr {
            id: self.id.clone(),
            integration: integration.name.clone(),
            numeric_alias,
            alias,
            created_at: now,
            reserved_by: reserved_by.to_string(),
            request_id: request_id.map(str::to_string),
            state: VmrState::Reserved { expires_at },
        };
        w.put_vmr(&vmr)?;
        Ok(Reserved { vmr, created: true })
    }
}

/// The alias-ID token as the small grey line that follows the joining instructions.
pub fn token_html(token: &str) -> String {
    format!("<p style=\"margin:6pt 0 0 0;color:#8a8886;font-size:8pt;\">{token}</p>")
}

/// A random RFC 4122 version-4 UUID.
pub fn uuid_v4(rng: &SystemRandom) -> Result<String, ReserveError> {
    let mut b = [0u8; 16];
    rng.fill(&mut b).map_err(|_| ReserveError::Random)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]))
}

/// A uniformly random number below `bound` (rejection sampling, no modulo bias).
fn random_below(rng: &SystemRandom, bound: u64) -> Result<u64, ReserveError> {
    let limit = u64::MAX - (u64::MAX % bound);
    loop {
        let mut b = [0u8; 8];
        rng.fill(&mut b).map_err(|_| ReserveError::Random)?;
        let x = u64::from_be_bytes(b);
        if x < limit {
            return Ok(x % bound);
        }
    }
}

/// What a meeting body says about its VMR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFound {
    /// An intact token naming this VMR id.
    Valid(String),
    /// Something that looks like a token but was altered.
    Tampered,
    /// The add-in's placeholder: the appliance was unreachable when the meeting was written.
    Placeholder,
    /// Nothing at all.
    Absent,
}

/// Makes and checks alias-ID tokens: the VMR's UUID and a short MAC under this store's key, so that
/// an edited token is told apart from one whose VMR no longer exists.
pub struct Tokens {
    key: hmac::Key,
}

impl Tokens {
    /// The codec of this store (its key is created on first use and kept in the store).
    pub fn load(store: &Store) -> Result<Tokens, ReserveError> {
        let rng = SystemRandom::new();
        let mut fresh = [0u8; 32];
        rng.fill(&mut fresh).map_err(|_| ReserveError::Random)?;
        let secret = store.write(|w| w.secret("alias_token_key", || fresh.to_vec()))?;
        Ok(Tokens { key: hmac::Key::new(hmac::HMAC_SHA256, &secret) })
    }

    /// The token for a VMR id (a UUID).
    pub fn token(&self, vmr_id: &str) -> String {
        let mut raw = uuid_bytes(vmr_id).unwrap_or([0; 16]).to_vec();
        let tag = hmac::sign(&self.key, &raw);
        raw.extend_from_slice(&tag.as_ref()[..4]);
        format!("{TOKEN_PREFIX}{}#", base32(&raw))
    }

    /// Looks for a token in a meeting body (HTML or text).
    pub fn find(&self, body: &str) -> TokenFound {
        let text = visible_text(body);
        if text.contains(PLACEHOLDER_TOKEN) {
            // A real token wins over the placeholder (the placeholder may linger beside it).
            if let found @ TokenFound::Valid(_) = self.find_token(&text) {
                return found;
            }
            return TokenFound::Placeholder;
        }
        self.find_token(&text)
    }

    fn find_token(&self, text: &str) -> TokenFound {
        let mut result = TokenFound::Absent;
        for (i, _) in text.match_indices(TOKEN_PREFIX) {
            let rest = &text[i + TOKEN_PREFIX.len()..];
            let Some(end) = rest.find('#').filter(|e| *e <= 64) else {
                result = TokenFound::Tampered;
                continue;
            };
            let candidate = &rest[..end];
            if candidate == "PENDING" {
                continue;
            }
            match unbase32(candidate).filter(|raw| raw.len() == 20) {
                // The tag only tells an edited token from a stale one; the UUID itself is the secret.
                Some(raw) if hmac::sign(&self.key, &raw[..16]).as_ref()[..4] == raw[16..] => {
                    return TokenFound::Valid(uuid_string(&raw[..16]));
                }
                _ => result = TokenFound::Tampered,
            }
        }
        result
    }
}

/// The text of an HTML body with tags removed and the common entities decoded, so that a token
/// survives Outlook wrapping it in spans.
fn visible_text(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#58;", ":").replace("&#35;", "#").replace("&nbsp;", " ").replace("&amp;", "&")
}

fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

fn uuid_string(b: &[u8]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
fn base32(data: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for &b in data {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(BASE32[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn unbase32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = BASE32.iter().position(|&x| x == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trips() {
        for data in [&b""[..], b"f", b"fo", b"foobar", &[0xff; 20]] {
            assert_eq!(unbase32(&base32(data)).as_deref(), Some(data));
        }
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
    }

    #[test]
    fn uuids_are_version_4_and_round_trip_through_bytes() {
        let id = uuid_v4(&SystemRandom::new()).expect("random");
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_eq!(uuid_string(&uuid_bytes(&id).expect("bytes")), id);
    }

    #[test]
    fn tags_are_stripped_before_looking_for_tokens() {
        assert_eq!(visible_text("<p>VMR:-<span>AB</span>CD#</p>"), "VMR:-ABCD#");
    }
}
