//! Resource-mailbox processing: turns meeting requests into scheduled VMRs and replies, one thread
//! per integration polling its mailbox. Reaches Exchange only through `exchange::Mailbox` and writes
//! only through `store`.

mod cycle;
mod decide;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use jiff::Timestamp;

pub use cycle::{CycleError, CycleReport, run_cycle};

use crate::config::{Config, Integration};
use crate::exchange::{ExchangeError, Mailbox};
use crate::reservations::Tokens;
use crate::store::{Operation, Store};
use crate::templates::Templates;

/// The mailboxes to watch: `(integration name, mailbox)`.
pub type Mailboxes = Vec<(String, Box<dyn Mailbox>)>;

/// Called with every operation the scheduler records (the demo prints them as they happen).
pub type Observer = Arc<dyn Fn(&Operation) + Send + Sync>;

/// What one integration's processing needs.
pub struct Context<'a> {
    pub integration: &'a Integration,
    pub store: &'a Store,
    pub templates: &'a Templates,
    pub tokens: &'a Tokens,
    pub observer: Option<&'a Observer>,
}

impl Context<'_> {
    fn notify(&self, op: &Operation) {
        log::info!(
            "{}: {} {} for \"{}\" ({}) alias {} [{}]{}",
            op.integration,
            op.action,
            op.outcome,
            op.subject,
            op.organizer,
            if op.alias.is_empty() { "-" } else { &op.alias },
            op.correlation_id,
            if op.error_code.is_empty() { String::new() } else { format!(" error {}", op.error_code) }
        );
        if let Some(observer) = self.observer {
            observer(op);
        }
    }

    fn log_deferral(&self, e: &ExchangeError) {
        log::warn!("{}: Exchange unavailable, will retry: {e}", self.integration.name);
    }
}

/// The health of one integration's scheduler, for status views.
#[derive(Debug, Clone, Default)]
pub struct IntegrationStatus {
    pub integration: String,
    pub last_pass: Option<Timestamp>,
    /// When an item was last processed successfully.
    pub last_processed: Option<Timestamp>,
    /// The last error, cleared by a pass without one.
    pub last_error: Option<String>,
}

struct Shared {
    stop: AtomicBool,
    wake: (Mutex<u64>, Condvar),
    status: Mutex<Vec<IntegrationStatus>>,
}

/// The running scheduler threads.
pub struct Scheduler {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Scheduler {
    /// Starts one thread per mailbox (`(integration name, mailbox)` pairs).
    pub fn start(
        config: Arc<Config>,
        store: Arc<Store>,
        templates: Arc<Templates>,
        tokens: Arc<Tokens>,
        mailboxes: Mailboxes,
        observer: Option<Observer>,
    ) -> std::io::Result<Scheduler> {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            wake: (Mutex::new(0), Condvar::new()),
            status: Mutex::new(
                mailboxes
                    .iter()
                    .map(|(name, _)| IntegrationStatus { integration: name.clone(), ..Default::default() })
                    .collect(),
            ),
        });
        let mut threads = Vec::new();
        for (index, (name, mut mailbox)) in mailboxes.into_iter().enumerate() {
            let (config, store, templates, tokens, observer, shared) = (
                Arc::clone(&config),
                Arc::clone(&store),
                Arc::clone(&templates),
                Arc::clone(&tokens),
                observer.clone(),
                Arc::clone(&shared),
            );
            let thread = std::thread::Builder::new().name(format!("scheduler-{name}")).spawn(move || {
                let Some(integration) = config.integration(&name) else { return };
                let ctx = Context {
                    integration,
                    store: &store,
                    templates: &templates,
                    tokens: &tokens,
                    observer: observer.as_ref(),
                };
                run_loop(&ctx, mailbox.as_mut(), &shared, index);
            })?;
            threads.push(thread);
        }
        Ok(Scheduler { shared, threads })
    }

    /// Makes every thread look at its mailbox now instead of at its next poll.
    pub fn wake(&self) {
        let (lock, cvar) = &self.shared.wake;
        let mut generation = lock.lock().unwrap_or_else(|p| p.into_inner());
        *generation += 1;
        cvar.notify_all();
    }

    pub fn status(&self) -> Vec<IntegrationStatus> {
        self.shared.status.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stops the threads after their current pass (a pass in progress finishes its item).
    pub fn stop(self) {
        self.shared.stop.store(true, Ordering::Release);
        self.wake();
        for t in self.threads {
            let _ = t.join();
        }
    }
}

fn run_loop(ctx: &Context, mailbox: &mut dyn Mailbox, shared: &Shared, index: usize) {
    let name = &ctx.integration.name;
    log::info!(
        "{name}: watching {} every {}s",
        ctx.integration.room_mailbox_email_address,
        ctx.integration.poll_interval.as_secs()
    );
    let mut failures: u32 = 0;
    let mut last_prune: Option<std::time::Instant> = None;
    while !shared.stop.load(Ordering::Acquire) {
        let generation = *shared.wake.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Timestamp::now();
        if last_prune.is_none_or(|t| t.elapsed() > PRUNE_EVERY) {
            // Markers of items seen long ago: Exchange does not bring those items back.
            let before = now.checked_sub(jiff::SignedDuration::from_hours(24 * PROCESSED_KEPT_DAYS)).unwrap_or(now);
            if let Err(e) = ctx.store.prune_processed(name, before) {
                log::warn!("{name}: {e}");
            }
            last_prune = Some(std::time::Instant::now());
        }
        let result = run_cycle(ctx, mailbox, now);
        let pause = {
            let mut status = shared.status.lock().unwrap_or_else(|p| p.into_inner());
            let entry = status.get_mut(index);
            match &result {
                Ok(report) => {
                    if let Some(s) = entry {
                        s.last_pass = Some(now);
                        if report.processed > 0 {
                            s.last_processed = Some(now);
                        }
                        s.last_error = report.deferred.clone();
                    }
                    if report.deferred.is_some() { failures += 1 } else { failures = 0 }
                }
                Err(e) => {
                    log::error!("{name}: {e}");
                    if let Some(s) = entry {
                        s.last_error = Some(e.to_string());
                    }
                    failures += 1;
                }
            }
            backoff(ctx.integration.poll_interval, failures)
        };
        let (lock, cvar) = &shared.wake;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        if *guard == generation && !shared.stop.load(Ordering::Acquire) {
            let _ = cvar.wait_timeout_while(guard, pause, |g| *g == generation && !shared.stop.load(Ordering::Acquire));
        }
    }
    log::info!("{name}: scheduler stopped");
}

/// How often processed-item markers are pruned, and how long they are kept.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
const PROCESSED_KEPT_DAYS: i64 = 180;

/// The poll interval, doubled for each failed pass in a row up to ten minutes, so that an outage
/// of Exchange is not met with a flood of requests.
fn backoff(interval: Duration, failures: u32) -> Duration {
    let factor = 1u32 << failures.min(6);
    (interval * factor).min(Duration::from_secs(600).max(interval))
}
