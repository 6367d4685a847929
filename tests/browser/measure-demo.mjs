// Measures `vmr-scheduler demo` (not a test; run by hand, figures go to the README):
//   - time from starting the binary to the URL being printed (median of 10 starts);
//   - RSS when idle, and after N meetings sent through the page (add-in, then Send);
//   - time from Send (the page's request answered) to the room's acceptance in the organizer's inbox.
//
//   cargo build --release && VMR_SCHEDULER_BIN=target/release/vmr-scheduler node tests/browser/measure-demo.mjs [N]
//
// Meetings alternate between the organizer and the delegate (the add-in API allows 60 rooms per
// user per hour by default).

import { spawn } from 'node:child_process';
import fs from 'node:fs';

import * as h from './harness.mjs';

// The polling below reads the demo's API with Node's fetch, which must accept the demo's own certificate.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

const N = Number(process.argv[2] || 100);

function rssKib(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

function median(list) {
  const s = [...list].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function percentile(list, p) {
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
}

async function timeToUrl() {
  const started = process.hrtime.bigint();
  const child = spawn(h.BINARY, ['demo', '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  const ms = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d.toString();
      if (/Open https:\/\//.test(out)) resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return ms;
}

const starts = [];
for (let i = 0; i < 10; i++) starts.push(await timeToUrl());
console.log(`start to URL printed: median ${median(starts).toFixed(1)} ms (min ${Math.min(...starts).toFixed(1)}, max ${Math.max(...starts).toFixed(1)})`);

const demo = await h.startDemo();
const pid = Number(/vmr-scheduler-demo-(\d+)-/.exec(demo.output())[1]);
await new Promise((r) => setTimeout(r, 3000));
console.log(`RSS idle: ${(rssKib(pid) / 1024).toFixed(1)} MiB`);

const browser = await h.launchBrowser();
const page = await browser.context.newPage();
await page.setViewportSize({ width: 1280, height: 800 });
await page.goto(demo.url);
await page.waitForSelector('body[data-ready="true"]');
console.log(`RSS with the page open: ${(rssKib(pid) / 1024).toFixed(1)} MiB`);

async function accepted(subject) {
  const r = await fetch(`${demo.origin}/demo/api/state`);
  const state = await r.json();
  return state.inbox.some((m) => m.subject === `Accepted: ${subject}`);
}

const latencies = [];
for (let i = 1; i <= N; i++) {
  const subject = `Load ${i}`;
  await page.selectOption('#from', i % 2 ? 'organizer' : 'delegate');
  await page.fill('#subject', subject);
  await page.click('#open-addin');
  await page.frameLocator('#taskpane').locator('#view[data-state="success"]').waitFor({ timeout: 15000 });
  await page.click('#send');
  await page.waitForSelector('#form-message.success', { timeout: 15000 });
  const sent = performance.now();
  while (!(await accepted(subject))) {
    if (performance.now() - sent > 30000) throw new Error(`no acceptance for ${subject}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  latencies.push(performance.now() - sent);
}
console.log(`RSS after ${N} meetings sent through the page: ${(rssKib(pid) / 1024).toFixed(1)} MiB`);
console.log(`Send to accept reply in the organizer's inbox: median ${median(latencies).toFixed(0)} ms, p90 ${percentile(latencies, 90).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`);
await browser.close();
await demo.stop();
