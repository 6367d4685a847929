//! The simulator's state: accounts and rights, mailboxes with their folders and items, the change
//! journal that sync states point into, and the opaque ids (item, occurrence, folder, change key,
//! sync state) that EWS clients see. Meeting semantics live in `meetings.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::Timestamp;

use crate::exchange::{Person, Recurrence};

/// Whether a mailbox belongs to a person or is a room/equipment resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailboxKind {
    User,
    Resource,
}

/// The distinguished folders every simulated mailbox has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Folder {
    Root,
    MsgFolderRoot,
    Inbox,
    Calendar,
    SentItems,
    DeletedItems,
    Drafts,
    Outbox,
    JunkEmail,
    Contacts,
    Tasks,
    Notes,
    Journal,
}

impl Folder {
    pub const ALL: [Folder; 13] = [
        Folder::Root,
        Folder::MsgFolderRoot,
        Folder::Inbox,
        Folder::Calendar,
        Folder::SentItems,
        Folder::DeletedItems,
        Folder::Drafts,
        Folder::Outbox,
        Folder::JunkEmail,
        Folder::Contacts,
        Folder::Tasks,
        Folder::Notes,
        Folder::Journal,
    ];

    /// The `DistinguishedFolderId/@Id` value.
    pub fn id(self) -> &'static str {
        match self {
            Folder::Root => "root",
            Folder::MsgFolderRoot => "msgfolderroot",
            Folder::Inbox => "inbox",
            Folder::Calendar => "calendar",
            Folder::SentItems => "sentitems",
            Folder::DeletedItems => "deleteditems",
            Folder::Drafts => "drafts",
            Folder::Outbox => "outbox",
            Folder::JunkEmail => "junkemail",
            Folder::Contacts => "contacts",
            Folder::Tasks => "tasks",
            Folder::Notes => "notes",
            Folder::Journal => "journal",
        }
    }

    pub fn from_id(id: &str) -> Option<Folder> {
        Folder::ALL.into_iter().find(|f| f.id() == id)
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Folder::Root => "Root",
            Folder::MsgFolderRoot => "Top of Information Store",
            Folder::Inbox => "Inbox",
            Folder::Calendar => "Calendar",
            Folder::SentItems => "Sent Items",
            Folder::DeletedItems => "Deleted Items",
            Folder::Drafts => "Drafts",
            Folder::Outbox => "Outbox",
            Folder::JunkEmail => "Junk Email",
            Folder::Contacts => "Contacts",
            Folder::Tasks => "Tasks",
            Folder::Notes => "Notes",
            Folder::Journal => "Journal",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Folder::Root => "",
            Folder::Calendar => "IPF.Appointment",
            Folder::Contacts => "IPF.Contact",
            Folder::Tasks => "IPF.Task",
            Folder::Notes => "IPF.StickyNote",
            Folder::Journal => "IPF.Journal",
            _ => "IPF.Note",
        }
    }

    pub fn parent(self) -> Option<Folder> {
        match self {
            Folder::Root => None,
            Folder::MsgFolderRoot => Some(Folder::Root),
            _ => Some(Folder::MsgFolderRoot),
        }
    }

    fn code(self) -> u8 {
        Folder::ALL.iter().position(|f| *f == self).unwrap_or(0) as u8
    }
}

/// The EWS element an item is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Message,
    CalendarItem,
    MeetingRequest,
    MeetingResponse,
    MeetingCancellation,
}

impl Kind {
    pub fn element(self) -> &'static str {
        match self {
            Kind::Message => "t:Message",
            Kind::CalendarItem => "t:CalendarItem",
            Kind::MeetingRequest => "t:MeetingRequest",
            Kind::MeetingResponse => "t:MeetingResponse",
            Kind::MeetingCancellation => "t:MeetingCancellation",
        }
    }
}

/// `ResponseTypeType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    Unknown,
    Organizer,
    Tentative,
    Accept,
    Decline,
    NoResponseReceived,
}

impl Response {
    pub fn as_str(self) -> &'static str {
        match self {
            Response::Unknown => "Unknown",
            Response::Organizer => "Organizer",
            Response::Tentative => "Tentative",
            Response::Accept => "Accept",
            Response::Decline => "Decline",
            Response::NoResponseReceived => "NoResponseReceived",
        }
    }
}

/// An item body: HTML or text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Body {
    pub html: bool,
    pub text: String,
}

/// A meeting attendee and what they answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Attendee {
    pub person: Person,
    pub response: Response,
    pub last_response: Option<Timestamp>,
}

/// An occurrence of a series moved or changed away from its pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Exception {
    pub original_start: Timestamp,
    pub start: Timestamp,
    pub end: Timestamp,
    pub subject: Option<String>,
    pub location: Option<String>,
    pub body: Option<Body>,
}

/// The meeting data shared by calendar items and the meeting messages that carry them.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    /// The clean GlobalObjectId (PidLidCleanGlobalObjectId); `UID` is its upper-case hex.
    pub goid: Vec<u8>,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Windows time-zone ids of `StartTimeZone`/`EndTimeZone`.
    pub start_tz: Option<String>,
    pub end_tz: Option<String>,
    pub all_day: bool,
    pub location: String,
    pub free_busy: String,
    pub organizer: Person,
    pub required: Vec<Attendee>,
    pub optional: Vec<Attendee>,
    pub resources: Vec<Attendee>,
    pub recurrence: Option<Recurrence>,
    pub exceptions: Vec<Exception>,
    /// Original starts of removed occurrences.
    pub deleted: Vec<Timestamp>,
    pub sequence: u32,
    pub is_meeting: bool,
    pub is_cancelled: bool,
    pub request_was_sent: bool,
    pub my_response: Response,
    pub reply_time: Option<Timestamp>,
    /// For a message about one occurrence: that occurrence's original start.
    pub recurrence_id: Option<Timestamp>,
    pub stamp: Timestamp,
}

impl Meeting {
    pub fn uid(&self) -> String {
        self.goid.iter().map(|b| format!("{b:02X}")).collect()
    }

    pub fn attendees(&self) -> impl Iterator<Item = &Attendee> {
        self.required.iter().chain(self.optional.iter()).chain(self.resources.iter())
    }

    pub fn attendee_mut(&mut self, email: &str) -> Option<&mut Attendee> {
        self.required
            .iter_mut()
            .chain(self.optional.iter_mut())
            .chain(self.resources.iter_mut())
            .find(|a| a.person.email.eq_ignore_ascii_case(email))
    }
}

/// Fields only meeting messages have (`MeetingMessageType` and its subtypes).
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingMessage {
    /// `MeetingRequestType` for requests.
    pub request_type: Option<&'static str>,
    /// For a response: what the attendee answered; for a request: the recipient's answer so far.
    pub response: Response,
    /// The recipient's own calendar item of this meeting.
    pub associated: Option<u64>,
    pub is_out_of_date: bool,
    pub has_been_processed: bool,
    pub intended_free_busy: String,
}

/// A property set with `ExtendedFieldURI` by a client, kept as given.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtendedValue {
    pub key: ExtKey,
    pub values: Vec<String>,
    pub multi: bool,
}

/// What names an extended property (normalized: set GUIDs in lower case, tags as numbers).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtKey {
    pub set: String,
    pub id: String,
    pub kind: String,
}

/// One item in a folder.
#[derive(Debug, Clone)]
pub struct Item {
    pub num: u64,
    pub folder: Folder,
    pub kind: Kind,
    pub class: String,
    pub subject: String,
    pub body: Body,
    pub importance: String,
    pub sensitivity: String,
    pub categories: Vec<String>,
    pub created: Timestamp,
    pub received: Timestamp,
    pub sent: Option<Timestamp>,
    pub modified: Timestamp,
    /// The journal version of the last change; the change key encodes it.
    pub change: u64,
    pub is_read: bool,
    pub from: Option<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub internet_message_id: String,
    pub reminder_is_set: bool,
    pub reminder_minutes: u32,
    pub extended: Vec<ExtendedValue>,
    pub meeting: Option<Meeting>,
    pub message: Option<MeetingMessage>,
}

/// What happened to an item in a folder, as SyncFolderItems reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Create,
    Update,
    ReadFlag,
    Delete,
}

#[derive(Debug, Clone)]
pub struct JournalEntry {
    pub version: u64,
    pub folder: Folder,
    pub item: u64,
    pub change: Change,
}

/// One mailbox.
#[derive(Debug)]
pub struct Mailbox {
    pub email: String,
    pub name: String,
    pub kind: MailboxKind,
    pub items: BTreeMap<u64, Item>,
    pub journal: Vec<JournalEntry>,
    next_item: u64,
}

impl Mailbox {
    pub fn person(&self) -> Person {
        Person { name: self.name.clone(), email: self.email.clone() }
    }

    pub fn in_folder(&self, folder: Folder) -> impl Iterator<Item = &Item> {
        self.items.values().filter(move |i| i.folder == folder)
    }
}

/// One line of the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// The operation (body element name), or what the request was when it had none.
    pub operation: String,
    /// The authenticated account.
    pub account: Option<String>,
    /// The mailbox acted on (impersonated, or the account's own).
    pub mailbox: Option<String>,
    pub http_status: u16,
    /// `Success`, `Warning`, `Error` of the first response message, or `Fault`.
    pub response_class: String,
    pub response_code: String,
    /// The raw request and response bodies, when body recording is on.
    pub request_body: Option<String>,
    pub response_body: Option<String>,
}

/// Everything the simulator knows, behind one lock.
pub struct Store {
    pub mailboxes: Vec<Mailbox>,
    pub version: u64,
    pub passwords: HashMap<String, String>,
    pub impersonate_all: HashSet<String>,
    pub impersonate: HashSet<(String, String)>,
    /// (account, mailbox) pairs with delegate (full) access without impersonation.
    pub delegates: HashSet<(String, String)>,
    pub busy: Option<(u32, u64)>,
    pub unavailable: bool,
    pub record_bodies: bool,
    pub log: Vec<LoggedRequest>,
    /// Keys the sync-state checksum, so a state cannot be forged or carried to another simulator.
    pub secret: [u8; 16],
}

impl Store {
    pub fn new(secret: [u8; 16]) -> Store {
        Store {
            mailboxes: Vec::new(),
            version: 1,
            passwords: HashMap::new(),
            impersonate_all: HashSet::new(),
            impersonate: HashSet::new(),
            delegates: HashSet::new(),
            busy: None,
            unavailable: false,
            record_bodies: false,
            log: Vec::new(),
            secret,
        }
    }

    pub fn add_mailbox(&mut self, email: &str, name: &str, kind: MailboxKind) -> u32 {
        if let Some(m) = self.mailbox_index(email) {
            return m;
        }
        let index = self.mailboxes.len() as u32;
        self.mailboxes.push(Mailbox {
            email: email.to_string(),
            name: name.to_string(),
            kind,
            items: BTreeMap::new(),
            journal: Vec::new(),
            next_item: 1,
        });
        index
    }

    pub fn mailbox_index(&self, email: &str) -> Option<u32> {
        self.mailboxes.iter().position(|m| m.email.eq_ignore_ascii_case(email.trim())).map(|i| i as u32)
    }

    pub fn mailbox(&self, index: u32) -> Option<&Mailbox> {
        self.mailboxes.get(index as usize)
    }

    pub fn mailbox_mut(&mut self, index: u32) -> Option<&mut Mailbox> {
        self.mailboxes.get_mut(index as usize)
    }

    pub fn item(&self, r: ItemRef) -> Option<&Item> {
        self.mailbox(r.mailbox)?.items.get(&r.item)
    }

    pub fn item_mut(&mut self, mailbox: u32, num: u64) -> Option<&mut Item> {
        self.mailbox_mut(mailbox)?.items.get_mut(&num)
    }

    fn bump(&mut self) -> u64 {
        self.version += 1;
        self.version
    }

    /// Stores a new item; returns its number.
    pub fn insert(&mut self, mailbox: u32, mut item: Item) -> u64 {
        let version = self.bump();
        let Some(m) = self.mailbox_mut(mailbox) else {
            return 0;
        };
        let num = m.next_item;
        m.next_item += 1;
        item.num = num;
        item.change = version;
        m.journal.push(JournalEntry { version, folder: item.folder, item: num, change: Change::Create });
        m.items.insert(num, item);
        num
    }

    /// Records that an item changed (`Update`, or `ReadFlag` when only its read flag did).
    pub fn touch(&mut self, mailbox: u32, num: u64, change: Change, now: Timestamp) {
        let version = self.bump();
        if let Some(m) = self.mailbox_mut(mailbox)
            && let Some(item) = m.items.get_mut(&num)
        {
            item.change = version;
            item.modified = now;
            m.journal.push(JournalEntry { version, folder: item.folder, item: num, change });
        }
    }

    pub fn move_item(&mut self, mailbox: u32, num: u64, to: Folder) {
        let version = self.bump();
        if let Some(m) = self.mailbox_mut(mailbox)
            && let Some(item) = m.items.get_mut(&num)
        {
            if item.folder == to {
                return;
            }
            let from = item.folder;
            item.folder = to;
            item.change = version;
            m.journal.push(JournalEntry { version, folder: from, item: num, change: Change::Delete });
            m.journal.push(JournalEntry { version, folder: to, item: num, change: Change::Create });
        }
    }

    pub fn remove(&mut self, mailbox: u32, num: u64) {
        let version = self.bump();
        if let Some(m) = self.mailbox_mut(mailbox)
            && let Some(item) = m.items.remove(&num)
        {
            m.journal.push(JournalEntry { version, folder: item.folder, item: num, change: Change::Delete });
        }
    }

    /// Whether `account` may act as `target` (its own mailbox, or ApplicationImpersonation).
    pub fn may_impersonate(&self, account: &str, target: &str) -> bool {
        let account = account.to_ascii_lowercase();
        account == target.to_ascii_lowercase()
            || self.impersonate_all.contains(&account)
            || self.impersonate.contains(&(account, target.to_ascii_lowercase()))
    }
}

/// An item, or one occurrence of a series (by its original start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRef {
    pub mailbox: u32,
    pub item: u64,
    pub occurrence: Option<i64>,
}

const ITEM_TAG: &[u8; 4] = b"SIMI";
const FOLDER_TAG: &[u8; 4] = b"SIMF";

impl ItemRef {
    pub fn new(mailbox: u32, item: u64) -> ItemRef {
        ItemRef { mailbox, item, occurrence: None }
    }

    /// The opaque `ItemId/@Id`.
    pub fn encode(self) -> String {
        let mut bytes = ITEM_TAG.to_vec();
        bytes.extend_from_slice(&self.mailbox.to_be_bytes());
        bytes.extend_from_slice(&self.item.to_be_bytes());
        if let Some(occ) = self.occurrence {
            bytes.extend_from_slice(&occ.to_be_bytes());
        }
        B64.encode(bytes)
    }

    pub fn decode(id: &str) -> Option<ItemRef> {
        let bytes = B64.decode(id.trim()).ok()?;
        if bytes.len() != 16 && bytes.len() != 24 || !bytes.starts_with(ITEM_TAG) {
            return None;
        }
        let mailbox = u32::from_be_bytes(bytes.get(4..8)?.try_into().ok()?);
        let item = u64::from_be_bytes(bytes.get(8..16)?.try_into().ok()?);
        let occurrence = match bytes.get(16..24) {
            Some(b) => Some(i64::from_be_bytes(b.try_into().ok()?)),
            None => None,
        };
        Some(ItemRef { mailbox, item, occurrence })
    }
}

/// The opaque `FolderId/@Id` of a mailbox folder.
pub fn folder_id(mailbox: u32, folder: Folder) -> String {
    let mut bytes = FOLDER_TAG.to_vec();
    bytes.extend_from_slice(&mailbox.to_be_bytes());
    bytes.push(folder.code());
    B64.encode(bytes)
}

pub fn decode_folder_id(id: &str) -> Option<(u32, Folder)> {
    let bytes = B64.decode(id.trim()).ok()?;
    if bytes.len() != 9 || !bytes.starts_with(FOLDER_TAG) {
        return None;
    }
    let mailbox = u32::from_be_bytes(bytes.get(4..8)?.try_into().ok()?);
    let folder = *Folder::ALL.get(*bytes.get(8)? as usize)?;
    Some((mailbox, folder))
}

/// The `ChangeKey` of an item or folder at journal version `version`.
pub fn change_key(version: u64) -> String {
    let mut bytes = b"CK".to_vec();
    bytes.extend_from_slice(&version.to_be_bytes());
    B64.encode(bytes)
}

/// The journal version a change key stands for.
pub fn decode_change_key(key: &str) -> Option<u64> {
    let bytes = B64.decode(key.trim()).ok()?;
    if bytes.len() != 10 || !bytes.starts_with(b"CK") {
        return None;
    }
    Some(u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?))
}

/// The opaque `SyncState`: mailbox, folder and journal version, with a keyed checksum.
pub fn encode_sync_state(secret: &[u8; 16], mailbox: u32, folder: Folder, version: u64) -> String {
    let mut bytes = b"SIMS".to_vec();
    bytes.extend_from_slice(&mailbox.to_be_bytes());
    bytes.push(folder.code());
    bytes.extend_from_slice(&version.to_be_bytes());
    let mac = checksum(secret, &bytes);
    bytes.extend_from_slice(&mac);
    B64.encode(bytes)
}

/// The journal version a sync state stands for; `None` for anything this simulator did not issue
/// for this mailbox and folder.
pub fn decode_sync_state(secret: &[u8; 16], state: &str, mailbox: u32, folder: Folder) -> Option<u64> {
    let bytes = B64.decode(state.trim()).ok()?;
    if bytes.len() != 4 + 4 + 1 + 8 + 8 || !bytes.starts_with(b"SIMS") {
        return None;
    }
    let (body, mac) = bytes.split_at(17);
    if checksum(secret, body) != mac {
        return None;
    }
    let m = u32::from_be_bytes(body.get(4..8)?.try_into().ok()?);
    if m != mailbox || body.get(8) != Some(&folder.code()) {
        return None;
    }
    Some(u64::from_be_bytes(body.get(9..17)?.try_into().ok()?))
}

fn checksum(secret: &[u8; 16], bytes: &[u8]) -> [u8; 8] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(secret);
    ctx.update(bytes);
    let digest = ctx.finish();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest.as_ref()[..8]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_garbage_is_rejected() {
        let r = ItemRef { mailbox: 3, item: 42, occurrence: Some(1_700_000_000) };
        assert_eq!(ItemRef::decode(&r.encode()), Some(r));
        assert_eq!(ItemRef::decode("DUMMY"), None);
        assert_eq!(decode_folder_id(&folder_id(2, Folder::Calendar)), Some((2, Folder::Calendar)));
    }

    #[test]
    fn sync_states_are_bound_to_their_folder_and_cannot_be_forged() {
        let secret = [7u8; 16];
        let s = encode_sync_state(&secret, 1, Folder::Inbox, 99);
        assert_eq!(decode_sync_state(&secret, &s, 1, Folder::Inbox), Some(99));
        assert_eq!(decode_sync_state(&secret, &s, 1, Folder::Calendar), None);
        assert_eq!(decode_sync_state(&[8u8; 16], &s, 1, Folder::Inbox), None);
        assert_eq!(decode_sync_state(&secret, "H4sIAAA==", 1, Folder::Inbox), None);
    }
}
