// Browser-test harness: runs the real appliance (target/debug/vmr-scheduler serve) with a temporary
// config, an HTTPS Exchange "authentication metadata" server on loopback whose certificate signs
// the identity tokens, and headless Debian Chromium driven by playwright-core. The task pane loads
// the Office.js test double (src/demo/web/office-double.js) from the integration's configured
// office_js_url, which the page fetches from a host that does not exist and Playwright answers.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
const TLS = path.join(ROOT, 'tests', 'fixtures', 'tls');
const IDENTITY = path.join(ROOT, 'tests', 'fixtures', 'identity');
export const ARTIFACTS = path.join(here, 'artifacts');
export const BINARY = process.env.VMR_SCHEDULER_BIN || path.join(ROOT, 'target', 'debug', 'vmr-scheduler');
export const OFFICE_JS_URL = 'https://office-double.invalid/office.js';
const OFFICE_DOUBLE = path.join(ROOT, 'src', 'demo', 'web', 'office-double.js');
const CA = fs.readFileSync(path.join(TLS, 'ca.pem'));

export const RESOURCE = { email: 'vmr-resource@example.com', name: 'Video Meeting Resource' };

/** A TCP port free right now on 127.0.0.1 (the appliance's config must name it before it starts). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function b64url(buf) {
  return Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * The Exchange side of identity tokens: an HTTPS server on localhost serving the authentication
 * metadata document (keys[].keyinfo.x5t, keys[].keyvalue.value = base64 DER certificate), and a
 * signer of RS256 tokens in the format of
 * https://learn.microsoft.com/office/dev/add-ins/outlook/inside-the-identity-token
 */
export async function startExchangeMetadata() {
  const certPem = fs.readFileSync(path.join(IDENTITY, 'signing-cert.pem'), 'utf8');
  const key = crypto.createPrivateKey(fs.readFileSync(path.join(IDENTITY, 'signing-key.pem')));
  const der = new crypto.X509Certificate(certPem).raw;
  const x5t = b64url(crypto.createHash('sha1').update(der).digest());
  let requests = 0;
  const server = https.createServer(
    { cert: fs.readFileSync(path.join(TLS, 'rsa.pem')), key: fs.readFileSync(path.join(TLS, 'rsa-pkcs8.key')) },
    (req, res) => {
      requests += 1;
      if (req.url !== '/autodiscover/metadata/json/1') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({
        id: '_vmr-scheduler-test-metadata',
        version: '1.0',
        name: 'Exchange',
        realm: '*',
        serviceName: '00000002-0000-0ff1-ce00-000000000000',
        issuer: '00000002-0000-0ff1-ce00-000000000000@*',
        allowedAudiences: ['00000002-0000-0ff1-ce00-000000000000@*'],
        keys: [{ usage: 'signing', keyinfo: { x5t }, keyvalue: { type: 'x509Certificate', value: der.toString('base64') } }],
        endpoints: [],
      }));
    },
  );
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const amurl = `https://localhost:${port}/autodiscover/metadata/json/1`;
  return {
    amurl,
    requests: () => requests,
    /** An Exchange user identity token for the add-in at `aud` (the task pane URL). */
    token({ aud, msexchuid = '53e925fa-76ba-45e1-be0f-4ef08b59d389@localhost', lifetimeSeconds = 8 * 3600 }) {
      const now = Math.floor(Date.now() / 1000);
      const header = { typ: 'JWT', alg: 'RS256', x5t };
      const payload = {
        aud,
        iss: '00000002-0000-0ff1-ce00-000000000000@localhost',
        nbf: String(now - 60),
        exp: String(now + lifetimeSeconds),
        appctxsender: '00000002-0000-0ff1-ce00-000000000000@localhost',
        isbrowserhostedapp: 'true',
        // Real tokens carry appctx as a JSON string.
        appctx: JSON.stringify({ msexchuid, version: 'ExIdTok.V1', amurl }),
      };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
      const signature = crypto.sign('sha256', Buffer.from(input), key);
      return `${input}.${b64url(signature)}`;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function integration(name, port, extra) {
  return {
    name,
    addin_server_domain: `localhost:${port}`,
    exchange_domains: ['localhost'],
    room_mailbox_email_address: RESOURCE.email,
    room_mailbox_name: RESOURCE.name,
    // The scheduler polls this; port 1 on loopback refuses at once and nothing leaves the machine.
    url: 'https://127.0.0.1:1/EWS/Exchange.asmx',
    ca_certificates_file: path.join(TLS, 'ca.pem'),
    username: 'svc-vmr@example.com',
    password: 'not-used-by-these-tests',
    scheduled_alias_domain: 'vc.example.com',
    office_js_url: OFFICE_JS_URL,
    ...extra,
  };
}

/**
 * The integrations every browser test can use (distinct alias prefixes keep their pools apart):
 * `corp` offers both VMR types, `single` only single-use, `personal` only personal VMRs.
 */
export function integrations(port) {
  return [
    integration('corp', port, { scheduled_alias_prefix: '77', enable_personal_vmrs: true }),
    // Each integration watches its own resource mailbox (the config refuses one watched twice).
    integration('single', port, { scheduled_alias_prefix: '78', room_mailbox_email_address: 'vmr-single@example.com' }),
    integration('personal', port, {
      scheduled_alias_prefix: '79',
      room_mailbox_email_address: 'vmr-personal@example.com',
      enable_dynamic_vmrs: false,
      enable_personal_vmrs: true,
    }),
  ];
}

/** Starts `vmr-scheduler serve` on a free port with a fresh store; resolves once /healthz answers. */
export async function startAppliance() {
  if (!fs.existsSync(BINARY)) {
    throw new Error(`${BINARY} is missing; run "cargo build" first (tests/browser/run does)`);
  }
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmr-browser-'));
  const config = {
    server: {
      listen: [`127.0.0.1:${port}`],
      tls_certificate_file: path.join(TLS, 'rsa.pem'),
      tls_private_key_file: path.join(TLS, 'rsa-pkcs8.key'),
      hsts_max_age_seconds: 0,
      office_js_dir: path.join(dir, 'office-js'),
    },
    store: { path: path.join(dir, 'store.redb') },
    log_level: 'debug',
    integrations: integrations(port),
  };
  const configPath = path.join(dir, 'config.json');
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
  const child = spawn(BINARY, ['serve', '--config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => {
    log += d.toString();
  });
  const origin = `https://localhost:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vmr-scheduler exited with ${child.exitCode}:\n${log}`);
    if (await healthy(origin)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`vmr-scheduler did not answer /healthz within 15 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    port,
    dir,
    log: () => log,
    taskpaneUrl: (name) => `${origin}/addin/${name}/taskpane.html`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts `vmr-scheduler demo` (its own simulated Exchange, certificates and temporary directory)
 * and resolves once it has printed its URL. `args` go after `demo` (default `--port 0`).
 */
export async function startDemo(args = ['--port', '0']) {
  if (!fs.existsSync(BINARY)) {
    throw new Error(`${BINARY} is missing; run "cargo build" first (tests/browser/run does)`);
  }
  const child = spawn(BINARY, ['demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d.toString();
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo printed no URL within 20 s:\n${stdout}\n${stderr}`)), 20000);
    child.stdout.on('data', (d) => {
      stdout += d.toString();
      const m = /Open (https:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    output: () => stdout,
    log: () => stderr,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

function healthy(origin) {
  return new Promise((resolve) => {
    const req = https.get(`${origin}/healthz`, { ca: CA, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** Debian's Chromium with the flags this machine needs (no network beyond loopback). */
export async function launchBrowser() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmr-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true,
    viewport: { width: 360, height: 640 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the task pane of `integration` in a new page with the Office.js double configured by
 * `setup` (`beforeGoto(page)` may add routes first). Records the page's requests to the add-in API (observed, never answered by the test)
 * and any CSP violation or page error.
 */
export async function openTaskpane(browser, appliance, integrationName, setup, { width = 360, height = 640, beforeGoto } = {}) {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height });
  const officeDouble = fs.readFileSync(OFFICE_DOUBLE, 'utf8');
  await page.route(OFFICE_JS_URL, (route) =>
    route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: officeDouble }),
  );
  await page.addInitScript((s) => {
    window.__officeDoubleSetup = s;
    // Every state the pane shows, in order (the view's data-state attribute).
    window.__states = [];
    document.addEventListener('DOMContentLoaded', () => {
      const view = document.getElementById('view');
      const note = () => {
        const state = view.getAttribute('data-state');
        if (state && window.__states[window.__states.length - 1] !== state) window.__states.push(state);
      };
      note();
      new MutationObserver(note).observe(view, { attributes: true, attributeFilter: ['data-state'] });
    });
  }, setup);
  const api = [];
  const problems = [];
  page.on('request', (req) => {
    if (req.url().includes('/api/client/v2/msexchange_schedulers/')) {
      api.push({ url: req.url(), method: req.method(), body: req.postData() });
    }
  });
  page.on('response', async (res) => {
    const entry = api.find((a) => a.url === res.url() && a.status === undefined);
    if (!entry) return;
    entry.status = res.status();
    entry.text = await res.text().catch(() => null);
    try {
      entry.json = JSON.parse(entry.text);
    } catch {
      entry.json = null;
    }
  });
  page.on('requestfailed', (req) => {
    const entry = api.find((a) => a.url === req.url() && a.status === undefined);
    if (entry) entry.status = 'failed';
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text());
  });
  if (beforeGoto) await beforeGoto(page);
  const url = appliance.taskpaneUrl(integrationName) + '?_host_Info=Outlook$Web$16.01$en-US$$$$0';
  const response = await page.goto(url);
  return { page, api, problems, response };
}

/** Waits until the pane shows `state` (the view's data-state) and returns it. */
export async function waitForState(page, state, timeout = 10000) {
  await page.waitForSelector(`#view[data-state="${state}"]`, { timeout });
  return state;
}

/** Waits until the pane shows one of the given states and returns which. */
export async function waitForAnyState(page, states, timeout = 10000) {
  const selector = states.map((s) => `#view[data-state="${s}"]`).join(', ');
  const handle = await page.waitForSelector(selector, { timeout });
  return handle.getAttribute('data-state');
}

export async function states(page) {
  return page.evaluate(() => window.__states.slice());
}

/** The settings JSON the server rendered into the page. */
export async function pageSettings(page) {
  return page.evaluate(() => JSON.parse(document.getElementById('vmr-config').textContent));
}

export async function officeCalls(page) {
  return page.evaluate(() => window.__officeCalls.filter((c) => c.api !== 'requirements.isSetSupported'));
}

export async function itemState(page) {
  return page.evaluate(() => window.__officeDouble.state());
}

export async function doubleStats(page) {
  return page.evaluate(() => window.__officeDouble.stats());
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
