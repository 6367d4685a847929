//! From a meeting's UID to the `PidLidCleanGlobalObjectId` value Exchange can search on (EWS refuses
//! restrictions on `calendar:UID`), and back from that property to a UID.
//! Layout per MS-OXOCAL 2.2.1.27 (PidLidGlobalObjectId).

use base64::Engine as _;

/// The 16-byte class id every GlobalObjectId starts with.
const CLASS_ID: [u8; 16] =
    [0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08];
/// Bytes 16..20 (YH, YL, M, D) carry an exception's instance date; the clean id has them zero.
const INSTANCE_DATE: std::ops::Range<usize> = 16..20;
const HEADER_LEN: usize = 40;

/// The base64 `PidLidCleanGlobalObjectId` of the meeting whose EWS `UID` is `uid`. Outlook-made
/// meetings have a UID that is the GlobalObjectId in hex: its instance date is zeroed. Any other UID
/// (an iCalendar UID from another system) is wrapped the way Exchange wraps it: a header then
/// `"vCal-Uid" 01 00 00 00 <uid> 00`.
pub fn clean_global_object_id(uid: &str) -> String {
    let bytes = match decode_hex(uid) {
        Some(mut blob) if blob.len() >= HEADER_LEN && blob.starts_with(&CLASS_ID) => {
            blob[INSTANCE_DATE].fill(0);
            blob
        }
        _ => {
            let mut data = b"vCal-Uid\x01\x00\x00\x00".to_vec();
            data.extend_from_slice(uid.as_bytes());
            data.push(0);
            let mut blob = CLASS_ID.to_vec();
            blob.resize(HEADER_LEN - 4, 0);
            blob.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_le_bytes());
            blob.extend_from_slice(&data);
            blob
        }
    };
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The UID for a base64 `PidLidCleanGlobalObjectId` value: the uppercase hex of the blob, which is
/// what EWS shows as `UID` for meetings made in Outlook, and which [`clean_global_object_id`] turns back
/// into exactly the same value (also for meetings from other systems, whose blob wraps their iCalendar
/// UID with bytes that may not be reproducible from the UID alone). `None` if the value is not base64
/// of a GlobalObjectId.
pub fn uid_from_global_object_id(value: &str) -> Option<String> {
    let blob = base64::engine::general_purpose::STANDARD.decode(value.trim()).ok()?;
    if blob.len() < HEADER_LEN || !blob.starts_with(&CLASS_ID) {
        return None;
    }
    Some(blob.iter().map(|b| format!("{b:02X}")).collect())
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().as_bytes();
    if !s.len().is_multiple_of(2) || s.is_empty() {
        return None;
    }
    s.chunks(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const UID: &str = "040000008200E00074C5B7101A82E00800000000A0B1C2D3E4F5D6010000000000000000100000001234567890ABCDEF1234567890ABCDEF";

    // Value computed with exchangelib's UID.to_global_object_id for the same UID (notes §7).
    #[test]
    fn an_outlook_uid_becomes_the_base64_of_its_global_object_id() {
        assert_eq!(
            clean_global_object_id(UID),
            "BAAAAIIA4AB0xbcQGoLgCAAAAACgscLT5PXWAQAAAAAAAAAAEAAAABI0VniQq83vEjRWeJCrze8="
        );
    }

    // MS-OXOCAL 2.2.1.27: YH, YL, M and D are zero in the clean id of an exception.
    #[test]
    fn the_instance_date_of_an_exception_uid_is_zeroed() {
        let exception = format!("{}07E9010D{}", &UID[..32], &UID[40..]);
        assert_eq!(clean_global_object_id(&exception), clean_global_object_id(UID));
    }

    #[test]
    fn a_foreign_uid_is_wrapped_as_vcal_uid_and_the_blob_round_trips_exactly() {
        let value = clean_global_object_id("abc@example.com");
        let Ok(blob) = base64::engine::general_purpose::STANDARD.decode(&value) else { panic!("not base64") };
        assert_eq!(&blob[..16], &CLASS_ID);
        assert_eq!(&blob[36..40], &[28, 0, 0, 0]);
        assert_eq!(&blob[40..], b"vCal-Uid\x01\x00\x00\x00abc@example.com\x00");
        let Some(hex) = uid_from_global_object_id(&value) else { panic!("not a GlobalObjectId") };
        assert_eq!(clean_global_object_id(&hex), value);
        assert_eq!(uid_from_global_object_id(&clean_global_object_id(UID)).as_deref(), Some(UID));
        assert_eq!(uid_from_global_object_id("%%%"), None);
        assert_eq!(uid_from_global_object_id("AAAA"), None);
    }
}
