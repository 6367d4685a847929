// `vmr-scheduler demo` end to end in headless Chromium: the demo page at /demo/ with the real task
// pane, the production appliance (identity tokens validated against the simulated Exchange's
// metadata document) and the production scheduler answering over EWS. Each test drives the page as
// a user would and waits for what the organizer would see. Screenshots of every state go to
// tests/browser/artifacts/demo/; with UPDATE_SCREENSHOT=1 the README's docs/demo.png is rewritten.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as h from './harness.mjs';

const SHOTS = path.join(h.ARTIFACTS, 'demo');
const SCHEDULER_TIMEOUT = 20000;

let demo;
let browser;
let page;
const problems = [];
/* Answers of the add-in API to the task pane: [{status, body}]. */
const addinCalls = [];

before(async () => {
  demo = await h.startDemo();
  browser = await h.launchBrowser();
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
  });
  page.on('response', async (res) => {
    if (res.url().endsWith('/single_use_vmr')) addinCalls.push({ status: res.status(), body: await res.text().catch(() => '') });
  });
  await page.goto(demo.url);
  await page.waitForSelector('body[data-ready="true"]');
});

after(async () => {
  await browser?.close();
  if (demo) {
    fs.mkdirSync(SHOTS, { recursive: true });
    fs.writeFileSync(path.join(SHOTS, 'demo-output.txt'), `${demo.output()}\n--- stderr ---\n${demo.log()}`);
    const code = await demo.stop();
    assert.equal(code, 0, `the demo stops cleanly on SIGTERM:\n${demo.log()}`);
  }
});

async function shot(name, { fullPage = true } = {}) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

const pane = () => page.frameLocator('#taskpane');

async function paneState(state) {
  await pane().locator(`#view[data-state="${state}"]`).waitFor({ timeout: 15000 });
}

/** Clicks "Add a video meeting room" and waits for the pane to show `state`. */
async function addRoom(state = 'success') {
  await page.click('#open-addin');
  await paneState(state);
}

async function send() {
  await page.click('#send');
  await page.waitForSelector('#form-message.success', { timeout: 15000 });
  return page.textContent('#form-message');
}

/** Waits until the log shows `action` for `subject` (cancellations say "Canceled: <subject>"),
 * with `outcome`, `count` times. */
async function waitForOperation(action, subject, { count = 1, outcome } = {}) {
  const selector = `#operations tr[data-action="${action}"]${outcome ? `[data-outcome="${outcome}"]` : ''}`;
  await page.waitForFunction(
    ({ selector, subject, count }) =>
      [...document.querySelectorAll(selector)].filter((tr) => tr.children[3].textContent.includes(subject)).length >= count,
    { selector, subject, count },
    { timeout: SCHEDULER_TIMEOUT },
  );
}

/** The organizer's newest reply about `subject` once it has arrived: its answer and body text. */
async function reply(subject, answer) {
  const item = page.locator(`#inbox li[data-subject="${answer === 'Accept' ? 'Accepted' : 'Declined'}: ${subject}"][data-response="${answer}"]`).first();
  await item.waitFor({ timeout: SCHEDULER_TIMEOUT });
  const frame = item.locator('iframe.body-frame');
  const text = await frame.evaluate((f) => f.contentDocument.body.innerText);
  return text;
}

async function vmrFor(subject) {
  const vmr = page.locator('#vmrs li.vmr', { hasText: `“${subject}”` }).first();
  await vmr.waitFor({ timeout: SCHEDULER_TIMEOUT });
  return vmr;
}

async function setForm({ subject, start, end, repeat, count, zone, required }) {
  if (subject !== undefined) await page.fill('#subject', subject);
  if (start !== undefined) await page.fill('#start', start);
  if (end !== undefined) await page.fill('#end', end);
  if (zone !== undefined) await page.fill('#time-zone', zone);
  if (repeat !== undefined) await page.selectOption('#repeat', repeat);
  if (count !== undefined) await page.fill('#count', String(count));
  if (required !== undefined) await page.fill('#required', required);
}

function meeting(subject) {
  return page.locator(`#meetings li.meeting[data-subject="${subject}"]`).first();
}

async function openMeeting(subject) {
  const m = meeting(subject);
  await m.waitFor({ timeout: 10000 });
  if (!(await m.locator('details').evaluate((d) => d.open))) await m.locator('summary').click();
  return m;
}

/** A datetime-local value `days` days and `hours` hours from now, on the hour, local time. */
function future(days, hour) {
  const d = new Date();
  d.setDate(d.getDate() + days);
  d.setHours(hour, 0, 0, 0);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:00`;
}

describe('the demo page', () => {
  test('a single-use VMR is added by the real add-in, sent, and accepted by the scheduler', async () => {
    await shot('01-new-meeting', { fullPage: false });
    await addRoom();
    const body = await page.innerHTML('#body');
    assert.match(body, /id="vmr-scheduler-instructions"/, 'the add-in wrote its block into the form body');
    assert.match(body, /VMR:-[A-Z2-7]+#/, 'with the alias-ID token');
    assert.match(await page.inputValue('#location'), /^77\d+@vc\.example\.com$/, 'and set the location');
    assert.match(await page.inputValue('#required'), /vmr@example\.com/, 'and added the room mailbox');
    assert.match(await page.textContent('#custom-props'), /vmr_reservation/, 'and saved the reservation with the item');
    // The appliance accepted the identity token the simulated Exchange signed...
    assert.equal(addinCalls.at(-1).status, 200, addinCalls.at(-1).body);
    // ...and checks it as in production: the same token with its signature altered is refused.
    const forged = await page.evaluate(async () => {
      const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const { token } = await (await post('/demo/api/token', { as: 'organizer' })).json();
      const [header, payload, signature] = token.split('.');
      const altered = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
      const r = await post('/api/client/v2/msexchange_schedulers/demo/single_use_vmr', {
        identity_token: `${header}.${payload}.${altered}`, token_type: 'exchange_identity', request_id: crypto.randomUUID(), subject: 'Forged', shared_calendar: false,
      });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, 'invalid_token');
    await shot('02-room-added', { fullPage: false });

    // Opening the add-in again on the same meeting: "already assigned", no second reservation.
    const calls = addinCalls.length;
    await addRoom('already');
    assert.equal(addinCalls.length, calls, 'the second click calls nobody');
    await shot('03-already-assigned', { fullPage: false });

    const message = await send();
    assert.match(message, /Sent “Quarterly review”/);
    const text = await reply('Quarterly review', 'Accept');
    assert.match(text, /77\d+@vc\.example\.com/, 'the accept reply names the room');
    await waitForOperation('accept_new_single_meeting', 'Quarterly review');
    await waitForOperation('send_accept', 'Quarterly review', { outcome: 'done' });
    const vmr = await vmrFor('Quarterly review');
    assert.equal(await vmr.getAttribute('data-state'), 'scheduled');
    assert.match(await vmr.textContent(), /Join windows/);
    const correlation = await page.textContent('#operations tr[data-action="accept_new_single_meeting"] td:last-child');
    assert.match(correlation, /^[0-9a-f]{16}$/);
    assert.match(demo.output(), new RegExp(`accept_new_single_meeting .*"Quarterly review".*\\[${correlation}\\]`), 'the terminal printed the operation');
    // The attendees got the invitation with the joining instructions.
    const attendee = page.locator('#attendees .attendee[data-email="sam.rivera@example.com"] iframe');
    assert.match(await attendee.evaluate((f) => f.contentDocument.body.innerText), /Join the video meeting/);
    await shot('04-accepted');
    // The README's picture: the next meeting with its room added, beside the first one's outcome.
    await setForm({ subject: 'Project sync' });
    await addRoom();
    await page.evaluate(() => window.scrollTo(0, 0));
    const bottom = await page.evaluate(() => {
      const panel = document.querySelector('.results .panel');
      return Math.ceil(panel.getBoundingClientRect().bottom + window.scrollY + 16);
    });
    await shot('04b-next-meeting');
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await page.screenshot({ path: path.join(h.ROOT, 'docs', 'demo.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: bottom } });
    }
    await page.click('#new-meeting');
  });

  test('moving the meeting gets the edited-meeting acceptance', async () => {
    const m = await openMeeting('Quarterly review');
    await m.locator('input[aria-label="New start"]').fill(future(2, 14));
    await m.locator('input[aria-label="New end"]').fill(future(2, 15));
    await m.locator('[data-action="update"]').click();
    await waitForOperation('accept_edited_single_meeting', 'Quarterly review');
    await page.locator('#inbox li[data-subject="Accepted: Quarterly review"]').nth(1).waitFor({ timeout: SCHEDULER_TIMEOUT });
    await shot('05-rescheduled');
  });

  test('making it a series gets the edited-series acceptance', async () => {
    const m = await openMeeting('Quarterly review');
    await m.locator('select[aria-label="Repeat"]').selectOption('daily');
    await m.locator('input[aria-label="Occurrences"]').fill('3');
    await m.locator('[data-action="update"]').click();
    await waitForOperation('accept_edited_recurring_series', 'Quarterly review');
    await page.waitForFunction(() => {
      const v = [...document.querySelectorAll('#vmrs li.vmr')].find((li) => li.textContent.includes('“Quarterly review”'));
      return v && v.querySelectorAll('.windows li').length === 3;
    }, null, { timeout: SCHEDULER_TIMEOUT });
    await shot('05b-recurrence-changed');
  });

  test('cancelling the meeting ends its VMR', async () => {
    const m = await openMeeting('Quarterly review');
    await m.locator('[data-action="cancel"]').click();
    await waitForOperation('cancel_meeting', 'Quarterly review');
    const vmr = await vmrFor('Quarterly review');
    await page.waitForFunction((alias) => document.querySelector(`#vmrs li[data-alias="${alias}"]`)?.dataset.state === 'cancelled',
      await vmr.getAttribute('data-alias'), { timeout: SCHEDULER_TIMEOUT });
    assert.match(await page.locator('#vmrs li[data-state="cancelled"]').first().textContent(), /returns to the pool after/);
    await shot('06-cancelled');
  });

  test('a weekly series with one occurrence moved and one deleted keeps one VMR with the right windows', async () => {
    await setForm({ subject: 'Weekly team meeting', start: future(1, 9), end: future(1, 10), repeat: 'weekly', count: 4 });
    await addRoom();
    await send();
    await reply('Weekly team meeting', 'Accept');
    await waitForOperation('accept_new_recurring_series', 'Weekly team meeting');
    const vmr = await vmrFor('Weekly team meeting');
    assert.equal(await vmr.locator('.windows li').count(), 4, 'four join windows');

    let m = await openMeeting('Weekly team meeting');
    const second = m.locator('li.occurrence[data-index="2"]');
    await second.locator('input[aria-label="New start of occurrence 2"]').fill(future(8, 16));
    await second.locator('input[aria-label="New end of occurrence 2"]').fill(future(8, 17));
    await second.locator('[data-action="move-occurrence"]').click();
    await waitForOperation('accept_edited_occurrence', 'Weekly team meeting');

    m = await openMeeting('Weekly team meeting');
    await m.locator('li.occurrence[data-index="3"] [data-action="delete-occurrence"]').click();
    await waitForOperation('cancel_occurrence', 'Weekly team meeting');
    await page.waitForFunction(() => {
      const v = [...document.querySelectorAll('#vmrs li.vmr')].find((li) => li.textContent.includes('“Weekly team meeting”'));
      return v && v.querySelectorAll('.windows li').length === 3;
    }, null, { timeout: SCHEDULER_TIMEOUT });
    const windows = await (await vmrFor('Weekly team meeting')).locator('.windows li').allTextContents();
    assert.ok(windows.some((w) => /15:30/.test(w.split('–')[0])), `the moved occurrence opens at 15:30 (16:00 less 30 minutes): ${windows}`);
    m = await openMeeting('Weekly team meeting');
    assert.match(await m.locator('li.occurrence[data-index="3"]').textContent(), /deleted/);
    assert.match(await m.locator('li.occurrence[data-index="2"]').textContent(), /moved/);
    await shot('07-series-moved-and-deleted');

    m = await openMeeting('Weekly team meeting');
    await m.locator('[data-action="cancel"]').click();
    await waitForOperation('cancel_meeting', 'Weekly team meeting');
    await page.waitForFunction(() => {
      const v = [...document.querySelectorAll('#vmrs li.vmr')].find((li) => li.textContent.includes('“Weekly team meeting”'));
      return v && v.dataset.state === 'cancelled';
    }, null, { timeout: SCHEDULER_TIMEOUT });
    await shot('07b-series-cancelled');
  });

  test('a delegate sends for the organizer: the room is booked for the organizer', async () => {
    await page.selectOption('#from', 'delegate');
    await setForm({ subject: 'Board preparation' });
    await addRoom();
    await send();
    await reply('Board preparation', 'Accept');
    const vmr = await vmrFor('Board preparation');
    assert.equal(await vmr.getAttribute('data-state'), 'scheduled');
    await page.selectOption('#from', 'organizer');
    await shot('08-delegate');
  });
});

describe('break it', () => {
  test('the room added by hand, without the add-in, is declined for a missing alias ID', async () => {
    await page.click('#break-no-addin');
    const text = await reply('Room added by hand', 'Decline');
    assert.match(text, /no valid video meeting room/);
    await waitForOperation('reject_invalid_alias_id', 'Room added by hand');
    await shot('09-break-no-addin');
  });

  test('an altered alias ID is declined', async () => {
    await page.click('#break-token');
    const text = await reply('Altered alias ID', 'Decline');
    assert.match(text, /was changed|no valid video meeting room/);
    await waitForOperation('reject_invalid_alias_id', 'Altered alias ID');
    await shot('10-break-token');
  });

  test('a meeting in the past is declined', async () => {
    await page.click('#break-past');
    await reply('Yesterday’s meeting', 'Decline');
    await waitForOperation('reject_single_meeting_past', 'Yesterday’s meeting');
    await shot('11-break-past');
  });

  test('with the appliance unreachable the placeholder goes in, and the scheduler fills it in for everyone', async () => {
    const subject = 'Sent while the appliance was unreachable';
    await page.click('#break-unreachable');
    await page.waitForSelector('#form-message.success', { timeout: 20000 });
    await waitForOperation('fill_placeholder', subject);
    await waitForOperation('update_organizer_meeting', subject, { outcome: 'done' });
    await reply(subject, 'Accept');
    // What the attendees received last: the update with the real instructions, no placeholder.
    const frame = page.locator('#attendees .attendee[data-email="priya.shah@example.com"] iframe');
    await page.waitForFunction(() => {
      const f = document.querySelector('#attendees .attendee[data-email="priya.shah@example.com"] iframe');
      return f && /Join the video meeting/.test(f.contentDocument?.body?.innerText || '');
    }, null, { timeout: SCHEDULER_TIMEOUT });
    const text = await frame.evaluate((f) => f.contentDocument.body.innerText);
    assert.match(text, /77\d+@vc\.example\.com/);
    const vmr = await vmrFor(subject);
    assert.match(await vmr.textContent(), /from a placeholder/);
    await shot('12-break-unreachable');
  });
});

describe('bad input gets a message from Exchange or the appliance, and the demo keeps running', () => {
  async function refused(pattern) {
    await page.click('#send');
    await page.waitForSelector('#form-message.error', { timeout: 15000 });
    const text = await page.textContent('#form-message');
    assert.match(text, pattern);
    return text;
  }

  test('an end before the start', async () => {
    await page.click('#new-meeting');
    await setForm({ subject: 'Backwards', start: future(3, 11), end: future(3, 10) });
    await refused(/Exchange refused it: ErrorCalendarEndDateIsEarlierThanStartDate/);
    await shot('13-end-before-start', { fullPage: false });
  });

  test('a time zone Exchange does not know', async () => {
    await page.click('#new-meeting');
    await setForm({ subject: 'Nowhere', zone: 'Mars Standard Time' });
    await refused(/Exchange refused it: .*Mars Standard Time/);
  });

  test('a 5 MB body', async () => {
    await page.click('#new-meeting');
    await page.evaluate(() => {
      document.getElementById('body').textContent = 'x'.repeat(5 * 1024 * 1024);
    });
    await refused(/appliance refused it: the request is larger than the 1 MiB it accepts .*HTTP 413/);
    await page.click('#new-meeting');
  });

  test('no attendees: Exchange saves an appointment and nothing is sent', async () => {
    await page.click('#new-meeting');
    await setForm({ subject: 'Just me', required: '' });
    await page.click('#send');
    await page.waitForSelector('#form-message.info', { timeout: 15000 });
    assert.match(await page.textContent('#form-message'), /appointment/);
  });

  test('the page and the add-in ran without script errors or policy violations', async () => {
    assert.deepEqual(problems, []);
    const health = await page.evaluate(async () => (await fetch('/healthz')).status);
    assert.equal(health, 200, 'the appliance still answers');
  });
});

describe('layout', () => {
  test('readable in a narrow window and usable from the keyboard', async () => {
    await page.setViewportSize({ width: 420, height: 900 });
    await page.click('#new-meeting');
    await shot('14-narrow', { fullPage: false });
    await page.evaluate(() => window.scrollTo(0, document.querySelector('.break').offsetTop));
    await shot('15-narrow-break-it', { fullPage: false });
    await page.evaluate(() => window.scrollTo(0, 0));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at 420 px (${overflow} px too wide)`);
    await page.setViewportSize({ width: 1280, height: 800 });
    // Keyboard: the add-in's button is reachable with Tab and works with Enter.
    await page.focus('#send');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'open-addin');
    await page.keyboard.press('Enter');
    await paneState('success');
    await page.click('#new-meeting');
  });
});
