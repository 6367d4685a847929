//! One pass over an integration's resource mailbox: release what expired, carry out decisions left
//! over (after a crash or an outage), take in new items with SyncFolderItems, and decide and answer
//! each. Every decision is stored with its intent before Exchange is told, so a crash at any point
//! repeats the same answer instead of deciding again, and an answer is never sent twice.

use jiff::Timestamp;

use super::Context;
use super::decide::{self, Decision};
use crate::exchange::{ExchangeError, ItemChange, ItemId, Mailbox, MeetingMessage, Reply, ResponseCode};
use crate::meeting::body;
use crate::store::{Intent, Operation, PendingIntent, Processed, StoreError};

/// Items taken from the queue per pass.
const QUEUE_BATCH: usize = 200;
/// SyncFolderItems pages per pass.
const SYNC_PAGES: usize = 20;
const SYNC_PAGE_SIZE: u16 = 100;
/// Reads of an item that keep failing with a permanent error before it gets the general-error reply.
const MAX_UNREADABLE_ATTEMPTS: u32 = 3;
/// Passes in which one item (or one answer) failed for a passing reason of its own, not an outage
/// of Exchange, before it is given up: so that one bad item cannot hold up all the others forever.
const MAX_ITEM_RETRIES: u32 = 50;

/// What a pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CycleReport {
    pub synced: usize,
    pub processed: usize,
    pub released: usize,
    /// Exchange could not be reached or refused the work; the rest waits for the next pass.
    pub deferred: Option<String>,
}

/// Why a pass stopped early.
#[derive(Debug)]
pub enum CycleError {
    Store(StoreError),
}

impl std::fmt::Display for CycleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CycleError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<StoreError> for CycleError {
    fn from(e: StoreError) -> Self {
        CycleError::Store(e)
    }
}

/// Runs one pass at time `now`.
pub fn run_cycle(ctx: &Context, mailbox: &mut dyn Mailbox, now: Timestamp) -> Result<CycleReport, CycleError> {
    let name = &ctx.integration.name;
    let mut report = CycleReport::default();
    for vmr in ctx.store.release_expired(name, now)? {
        report.released += 1;
        log::info!(
            "{name}: released alias {} ({})",
            vmr.alias,
            if matches!(vmr.state, crate::store::VmrState::Reserved { .. }) {
                "reservation unused"
            } else {
                "cancelled meeting's window closed"
            }
        );
    }
    // Decisions whose answer did not reach Exchange yet.
    for pending in ctx.store.intents(name)? {
        if let Err(e) = carry_out(ctx, mailbox, &pending, now, true)? {
            report.deferred = Some(e.to_string());
            if e.is_outage() {
                return Ok(report);
            }
        }
    }
    if let Err(e) = sync(ctx, mailbox, now, &mut report) {
        report.deferred = Some(e.to_string());
        ctx.log_deferral(&e);
    }
    for item in ctx.store.queue(name, QUEUE_BATCH)? {
        let id = ItemId { id: item.item_id.clone(), change_key: item.change_key.clone() };
        match process(ctx, mailbox, &id, now)? {
            Ok(()) => report.processed += 1,
            Err(e) => {
                report.deferred = Some(e.to_string());
                if e.is_outage() {
                    break;
                }
            }
        }
    }
    Ok(report)
}

/// Takes new and changed inbox items into the queue, storing the sync state with them.
fn sync(
    ctx: &Context,
    mailbox: &mut dyn Mailbox,
    now: Timestamp,
    report: &mut CycleReport,
) -> Result<(), ExchangeError> {
    let name = &ctx.integration.name;
    for _ in 0..SYNC_PAGES {
        let state = ctx.store.sync_state(name).map_err(store_as_setup)?;
        let changes = match mailbox.sync(state.as_deref().filter(|s| !s.is_empty()), SYNC_PAGE_SIZE) {
            Ok(c) => c,
            Err(e) if e.response_code() == Some(ResponseCode::ErrorInvalidSyncStateData) => {
                // Exchange forgot our state (mailbox moved, state expired): start over. Items
                // already processed are recognised and skipped.
                log::warn!("{name}: Exchange refused the sync state; synchronising the inbox from the start");
                ctx.store.write(|w| w.set_sync_state(name, "")).map_err(store_as_setup)?;
                continue;
            }
            Err(e) => return Err(e),
        };
        ctx.store
            .write(|w| {
                for change in &changes.items {
                    if let ItemChange::Created(id) | ItemChange::Updated(id) = change
                        && w.processed(name, &id.id)?.is_none()
                    {
                        w.enqueue(name, &id.id, &id.change_key, now)?;
                    }
                }
                w.set_sync_state(name, &changes.sync_state)
            })
            .map_err(store_as_setup)?;
        report.synced += changes.items.len();
        if !changes.more_available {
            break;
        }
    }
    Ok(())
}

fn store_as_setup(e: StoreError) -> ExchangeError {
    ExchangeError::Setup { detail: e.to_string() }
}

/// Reads, decides and answers one queued item. `Err` (inner): Exchange is unavailable; stop the pass.
fn process(
    ctx: &Context,
    mailbox: &mut dyn Mailbox,
    id: &ItemId,
    now: Timestamp,
) -> Result<Result<(), ExchangeError>, StoreError> {
    let name = &ctx.integration.name;
    let correlation_id = crate::addin::correlation_id();
    let message = match mailbox.meeting_message(id) {
        Ok(m) => m,
        Err(e) if e.response_code() == Some(ResponseCode::ErrorItemNotFound) => {
            // Gone before we saw it (moved or deleted by someone else): nothing to answer.
            ctx.store.write(|w| w.dequeue(name, &id.id))?;
            return Ok(Ok(()));
        }
        // Exchange itself is away: the item is not at fault, and waits without counting.
        Err(e) if e.is_outage() => return Ok(Err(e)),
        Err(e) => {
            let attempts = ctx.store.write(|w| w.count_attempt(name, &id.id))?;
            let limit = if e.is_transient() { MAX_ITEM_RETRIES } else { MAX_UNREADABLE_ATTEMPTS };
            if attempts < limit {
                if attempts == 1 || attempts % 20 == 0 {
                    log::warn!("{name}: cannot read item (attempt {attempts} of {limit}), will retry: {e}");
                }
                return Ok(if e.is_transient() { Err(e) } else { Ok(()) });
            }
            log::warn!("{name}: item still unreadable after {attempts} attempts: {e} [{correlation_id}]");
            let decision = decide::unreadable(ctx, &correlation_id, e.to_string());
            let pending = record(ctx, id, &decision, &correlation_id, now, Some(e.code()))?;
            return match pending {
                Some(p) => carry_out(ctx, mailbox, &p, now, false),
                None => Ok(Ok(())),
            };
        }
    };
    let pending = ctx.store.write(|w| {
        if w.processed(name, &id.id)?.is_some() {
            w.dequeue(name, &id.id)?;
            return Ok(None);
        }
        let decision = decide::decide(w, ctx, &message, now, &correlation_id)?;
        persist(w, ctx, id, &decision, &correlation_id, now, None).map(Some)
    })?;
    match pending.flatten() {
        Some(p) => carry_out(ctx, mailbox, &p, now, false),
        None => {
            if let MeetingMessage::Other { .. } = message {
                log::debug!("{name}: item {} is not a meeting message", id.id);
            }
            Ok(Ok(()))
        }
    }
}

/// Stores a decision (made outside a transaction) with its intent.
fn record(
    ctx: &Context,
    id: &ItemId,
    decision: &Decision,
    correlation_id: &str,
    now: Timestamp,
    error_code: Option<String>,
) -> Result<Option<PendingIntent>, StoreError> {
    ctx.store.write(|w| persist(w, ctx, id, decision, correlation_id, now, error_code))
}

/// In one transaction: the VMR change, the intent (or, with nothing to tell Exchange, the item
/// marked done), the operation log entry, and the item off the queue.
fn persist(
    w: &crate::store::Writer<'_>,
    ctx: &Context,
    id: &ItemId,
    d: &Decision,
    correlation_id: &str,
    now: Timestamp,
    error_code: Option<String>,
) -> Result<Option<PendingIntent>, StoreError> {
    let name = &ctx.integration.name;
    for vmr in &d.vmrs {
        w.put_vmr(vmr)?;
    }
    let pending = d.intent.clone().map(|intent| PendingIntent {
        item_id: id.id.clone(),
        change_key: id.change_key.clone(),
        intent,
        correlation_id: correlation_id.to_string(),
        decided_at: now,
        attempts: 0,
    });
    match &pending {
        Some(p) => w.put_intent(name, p)?,
        None => w.mark_processed(
            name,
            &id.id,
            &Processed { at: now, outcome: d.action.clone(), correlation_id: correlation_id.to_string() },
        )?,
    }
    w.dequeue(name, &id.id)?;
    let op = Operation {
        at: now,
        integration: name.clone(),
        correlation_id: correlation_id.to_string(),
        item_id: id.id.clone(),
        uid: d.uid.clone(),
        subject: d.subject.clone(),
        organizer: d.organizer.clone(),
        action: d.action.clone(),
        outcome: if pending.is_some() { "decided".into() } else { "done".into() },
        alias: d.alias.clone(),
        error_code: error_code.unwrap_or_default(),
        detail: d.detail.clone(),
    };
    w.log(&op)?;
    ctx.notify(&op);
    Ok(pending)
}

/// Tells Exchange what was decided. `recovered`: the intent was stored by an earlier pass, so the
/// answer may already have gone out before a crash; check before repeating it.
fn carry_out(
    ctx: &Context,
    mailbox: &mut dyn Mailbox,
    p: &PendingIntent,
    now: Timestamp,
    recovered: bool,
) -> Result<Result<(), ExchangeError>, StoreError> {
    let id = ItemId { id: p.item_id.clone(), change_key: p.change_key.clone() };
    let result = match &p.intent {
        Intent::Accept { body_html } | Intent::Decline { body_html } => {
            let reply = match &p.intent {
                Intent::Accept { .. } => Reply::Accept { body_html: body_html.clone() },
                _ => Reply::Decline { body_html: body_html.clone() },
            };
            match recovered.then(|| mailbox.awaits_answer(&id)) {
                Some(Ok(false)) => Ok("already answered"),
                Some(Err(e)) => Err(e),
                _ => mailbox.reply(&id, &reply).map(|()| "answered"),
            }
        }
        Intent::RemoveCancelled => mailbox.remove_cancelled(&id).map(|()| "removed from the calendar"),
        Intent::FillPlaceholder { organizer, uid, instructions_html, token } => {
            fill_placeholder(mailbox, organizer, uid, instructions_html, token)
        }
    };
    let name = &ctx.integration.name;
    let (outcome, code, detail) = match result {
        Ok(what) => ("done", String::new(), what.to_string()),
        // Exchange itself is away: the answer waits, without counting against it.
        Err(e) if e.is_outage() => {
            ctx.log_deferral(&e);
            return Ok(Err(e));
        }
        Err(e) if e.is_transient() && p.attempts + 1 < MAX_ITEM_RETRIES => {
            let again = PendingIntent { attempts: p.attempts + 1, ..p.clone() };
            ctx.store.write(|w| w.put_intent(name, &again))?;
            log::warn!("{name}: {} failed (attempt {}), will retry: {e}", intent_name(&p.intent), again.attempts);
            return Ok(Err(e));
        }
        // The organizer would otherwise wait forever for the instructions the placeholder
        // promised: the meeting gets the general-error reply instead, and its VMR goes back.
        Err(e) if matches!(p.intent, Intent::FillPlaceholder { .. }) => {
            return give_up_placeholder(ctx, mailbox, p, now, &e);
        }
        // The item went away or can no longer be answered (cancelled meanwhile, answered by
        // someone else): nothing more will come of retrying.
        Err(e) => ("failed", e.code(), e.to_string()),
    };
    let op = ctx.store.write(|w| {
        w.delete_intent(name, &p.item_id)?;
        w.mark_processed(
            name,
            &p.item_id,
            &Processed { at: now, outcome: outcome.to_string(), correlation_id: p.correlation_id.clone() },
        )?;
        let op = Operation {
            at: now,
            integration: name.clone(),
            correlation_id: p.correlation_id.clone(),
            item_id: p.item_id.clone(),
            uid: String::new(),
            subject: String::new(),
            organizer: String::new(),
            action: intent_name(&p.intent).to_string(),
            outcome: outcome.to_string(),
            alias: String::new(),
            error_code: code.clone(),
            detail: detail.clone(),
        };
        w.log(&op)?;
        Ok(op)
    })?;
    if outcome == "failed" {
        log::warn!("{name}: {} failed: {detail} [{}]", op.action, p.correlation_id);
    }
    ctx.notify(&op);
    Ok(Ok(()))
}

/// Replaces a placeholder fill that cannot succeed by the general-error decline, releases the VMR
/// reserved for it, and sends the decline.
fn give_up_placeholder(
    ctx: &Context,
    mailbox: &mut dyn Mailbox,
    p: &PendingIntent,
    now: Timestamp,
    e: &ExchangeError,
) -> Result<Result<(), ExchangeError>, StoreError> {
    let name = &ctx.integration.name;
    let Intent::FillPlaceholder { organizer, uid, .. } = &p.intent else {
        return Ok(Ok(()));
    };
    let decline = PendingIntent { intent: decide::general_error(ctx, &p.correlation_id), attempts: 0, ..p.clone() };
    let op = ctx.store.write(|w| {
        let reserved_by = format!("placeholder:{}", organizer.to_ascii_lowercase());
        if let Some(vmr) = w.vmr_by_request(name, &reserved_by, &format!("placeholder:{uid}"))?
            && matches!(vmr.state, crate::store::VmrState::Reserved { .. })
        {
            w.delete_vmr(&vmr)?;
        }
        w.put_intent(name, &decline)?;
        let op = Operation {
            at: now,
            integration: name.clone(),
            correlation_id: p.correlation_id.clone(),
            item_id: p.item_id.clone(),
            uid: uid.clone(),
            subject: String::new(),
            organizer: organizer.clone(),
            action: "update_organizer_meeting".into(),
            outcome: "failed".into(),
            alias: String::new(),
            error_code: e.code(),
            detail: format!("{e}; the meeting gets the general-error reply"),
        };
        w.log(&op)?;
        Ok(op)
    })?;
    log::warn!("{name}: cannot put the instructions into {organizer}'s meeting: {e} [{}]", p.correlation_id);
    ctx.notify(&op);
    carry_out(ctx, mailbox, &decline, now, false)
}

/// Puts the real instructions into the organizer's meeting (impersonating the organizer) and sends
/// the update to every attendee; does nothing if they are there already (a repeat after a crash).
fn fill_placeholder(
    mailbox: &mut dyn Mailbox,
    organizer: &str,
    uid: &str,
    instructions_html: &str,
    token: &str,
) -> Result<&'static str, ExchangeError> {
    let Some(meeting) = mailbox.find_organizer_meeting(organizer, uid)? else {
        return Err(ExchangeError::Response {
            code: ResponseCode::ErrorItemNotFound,
            code_text: "ErrorItemNotFound".into(),
            message: format!("the organizer's meeting {uid} was not found in {organizer}'s calendar"),
        });
    };
    if meeting.body_html.contains(token) {
        return Ok("instructions already in place");
    }
    let updated = body::replace_block(&meeting.body_html, instructions_html);
    mailbox.update_organizer_meeting(organizer, &meeting.id, &updated)?;
    Ok("organizer's meeting updated for all attendees")
}

fn intent_name(intent: &Intent) -> &'static str {
    match intent {
        Intent::Accept { .. } => "send_accept",
        Intent::Decline { .. } => "send_decline",
        Intent::RemoveCancelled => "remove_cancelled",
        Intent::FillPlaceholder { .. } => "update_organizer_meeting",
    }
}
