/*
 * The demo page: an Outlook-like new-meeting form, the real add-in task pane beside it (in a frame,
 * with the Office.js test double bound to this form through window.__officeDoubleHost), and live
 * views of what Exchange and the appliance did. It acts on the simulated Exchange through the
 * demo's API (/demo/api/), which sends EWS requests as the organizer or the delegate.
 */
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const API = '/demo/api';
  const BLOCK_ID = 'vmr-scheduler-instructions';
  const TOKEN = /VMR:-([A-Z2-7]+)#/;
  const SUBJECTS = ['Quarterly review', 'Project sync', 'Design review', 'Budget planning', 'Team retrospective', 'Customer call'];

  let setup = null;
  let sent = 0;
  /* The meeting being composed, as Outlook keeps what the form does not show. */
  let draft = { customProperties: {}, enhancedLocations: [] };
  /* One click of the add-in cannot reach the appliance. */
  let unreachableOnce = false;
  let busy = false;

  /* ---------- Small helpers ---------- */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'className') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) if (c) node.append(c);
    return node;
  }

  async function api(path, body) {
    const init = body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    let response;
    try {
      response = await fetch(API + path, init);
    } catch (e) {
      // The appliance answers an oversized request with 413 and closes the connection after
      // reading a little more of it; a browser still sending then sees only the closed connection.
      if (init.body && setup && init.body.length > setup.max_body_bytes) {
        throw new Error(`The appliance refused it: the request is larger than the ${Math.round(setup.max_body_bytes / 1048576)} MiB it accepts (server.max_body_bytes), so it answered HTTP 413 and closed the connection.`);
      }
      throw new Error('The demo did not answer (was it stopped?).');
    }
    let json = null;
    try {
      json = await response.json();
    } catch (e) {
      json = null;
    }
    if (!response.ok) {
      const error = json && json.error;
      if (error) throw new Error(`${error.source === 'Exchange' ? 'Exchange refused it' : 'The demo refused it'}: ${error.message}`);
      if (response.status === 413) throw new Error(`The appliance refused it: the request is larger than the ${Math.round(setup.max_body_bytes / 1048576)} MiB it accepts (server.max_body_bytes), HTTP 413.`);
      throw new Error(`The appliance answered HTTP ${response.status}.`);
    }
    return json;
  }

  function showMessage(text, kind) {
    const box = $('form-message');
    box.hidden = !text;
    box.textContent = text || '';
    box.className = 'form-message ' + (kind || 'error');
    if (text && box.getBoundingClientRect().top < 0) box.scrollIntoView({ block: 'nearest' });
  }

  function emails(text) {
    return text.split(/[;,\s]+/).map((s) => s.trim()).filter(Boolean);
  }

  function localInput(date) {
    const pad = (n) => String(n).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }

  function sender() {
    return $('from').value === 'delegate' ? setup.delegate : setup.organizer;
  }

  /* ---------- The body editor ---------- */

  function bodyHtml() {
    return `<html><head></head><body>${$('body').innerHTML}</body></html>`;
  }

  function setBodyHtml(html) {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const inner = doc.body ? doc.body.innerHTML : html;
    if ($('body').innerHTML !== inner) $('body').innerHTML = inner;
  }

  /* ---------- The Office.js double's host: the add-in acts on this form ---------- */

  window.__officeDoubleHost = {
    setup() {
      const me = sender();
      return { mailboxVersion: '1.8', platform: 'OfficeOnline', userProfile: { displayName: me.name, emailAddress: me.email, timeZone: $('time-zone').value } };
    },
    read() {
      const person = (email) => ({ emailAddress: email, displayName: email });
      return {
        subject: $('subject').value,
        bodyType: 'html',
        body: bodyHtml(),
        location: $('location').value,
        enhancedLocations: draft.enhancedLocations,
        requiredAttendees: emails($('required').value).map(person),
        optionalAttendees: emails($('optional').value).map(person),
        savedCustomProperties: draft.customProperties,
        shared: $('from').value === 'delegate'
          ? { owner: setup.organizer.email, targetMailbox: setup.organizer.email, delegatePermissions: 63 }
          : null,
      };
    },
    write(state) {
      if ($('subject').value !== state.subject) $('subject').value = state.subject;
      setBodyHtml(state.body);
      $('location').value = state.location;
      draft.enhancedLocations = state.enhancedLocations;
      const list = (a) => a.map((r) => r.emailAddress).join('; ');
      if (list(state.requiredAttendees) !== emails($('required').value).join('; ')) $('required').value = list(state.requiredAttendees);
      if (list(state.optionalAttendees) !== emails($('optional').value).join('; ')) $('optional').value = list(state.optionalAttendees);
      draft.customProperties = state.savedCustomProperties || {};
      showCustomProperties();
      showNotification(state.notifications || {});
    },
    identityToken(done) {
      api('/token', { as: $('from').value })
        .then((r) => done({ value: r.token }))
        .catch((e) => done({ error: { name: 'GenericTokenError', code: 9018, message: e.message } }));
    },
    attach(frameWindow) {
      if (!unreachableOnce) return;
      unreachableOnce = false;
      // The network between Outlook and the appliance fails for this one call.
      const XHR = frameWindow.XMLHttpRequest;
      const open = XHR.prototype.open;
      const send = XHR.prototype.send;
      let armed = true;
      XHR.prototype.open = function (method, url, ...rest) {
        this.__vmrDemoUnreachable = armed && /\/single_use_vmr$/.test(String(url));
        return open.call(this, method, url, ...rest);
      };
      XHR.prototype.send = function (...args) {
        if (!this.__vmrDemoUnreachable) return send.apply(this, args);
        armed = false;
        setTimeout(() => this.onerror && this.onerror(new frameWindow.ProgressEvent('error')), 300);
        return undefined;
      };
    },
  };

  function showCustomProperties() {
    const props = draft.customProperties || {};
    $('custom-props').textContent = Object.keys(props).length ? JSON.stringify(props, null, 2) : 'none';
  }

  function showNotification(notifications) {
    const bar = $('notification');
    const list = Object.values(notifications);
    const last = list[list.length - 1];
    bar.hidden = !last;
    if (!last) return;
    bar.textContent = last.message;
    bar.className = 'infobar ' + (last.type === 'errorMessage' ? 'error' : last.type === 'progressIndicator' ? 'progress' : 'info');
  }

  /* ---------- The task pane ---------- */

  function paneState() {
    const frame = $('taskpane');
    try {
      const view = frame.contentDocument && frame.contentDocument.getElementById('view');
      return view ? view.getAttribute('data-state') : null;
    } catch (e) {
      return null;
    }
  }

  /* Opens the add-in as Outlook does when its button is clicked (again: a fresh pane). */
  function openAddin() {
    const frame = $('taskpane');
    $('taskpane-empty').hidden = true;
    frame.hidden = false;
    frame.src = 'about:blank';
    frame.src = setup.taskpane_url + '?_host_Info=Outlook$Web$16.01$en-US$$$$0';
  }

  /* Opens the add-in and waits until it has put a room (or the placeholder) into the meeting. */
  async function runAddin() {
    openAddin();
    const deadline = Date.now() + 20000;
    await new Promise((r) => setTimeout(r, 300));
    for (;;) {
      const state = paneState();
      if (state === 'success' || state === 'placeholder' || state === 'already') return state;
      if (state === 'error' || state === 'not-in-outlook') throw new Error('The add-in could not add a room; see its pane.');
      if (Date.now() > deadline) throw new Error('The add-in did not finish in 20 seconds.');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /* ---------- Composing and sending ---------- */

  function newDraft() {
    draft = { customProperties: {}, enhancedLocations: [] };
    const start = new Date();
    start.setDate(start.getDate() + 1);
    start.setHours(10, 0, 0, 0);
    const end = new Date(start.getTime() + 3600 * 1000);
    $('subject').value = SUBJECTS[sent % SUBJECTS.length];
    $('required').value = setup.attendees.map((a) => a.email).join('; ');
    $('optional').value = '';
    $('start').value = localInput(start);
    $('end').value = localInput(end);
    $('time-zone').value = setup.default_time_zone;
    $('repeat').value = 'none';
    $('count').value = '4';
    $('location').value = '';
    $('body').innerHTML = '<p>Hello everyone,</p><p>let’s meet to go through the open points.</p><p>Alex</p>';
    $('taskpane').hidden = true;
    $('taskpane').src = 'about:blank';
    $('taskpane-empty').hidden = false;
    $('notification').hidden = true;
    showCustomProperties();
  }

  function meetingFromForm() {
    return {
      as: $('from').value,
      subject: $('subject').value,
      required: emails($('required').value),
      optional: emails($('optional').value),
      start: $('start').value,
      end: $('end').value,
      time_zone: $('time-zone').value.trim(),
      repeat: $('repeat').value,
      count: Number($('count').value) || 0,
      location: $('location').value,
      body_html: bodyHtml(),
    };
  }

  async function send(note) {
    const meeting = meetingFromForm();
    const answer = await api('/send', meeting);
    sent += 1;
    if (answer.appointment) {
      showMessage(`Exchange saved “${meeting.subject}” in the calendar as an appointment: with no attendees there is no invitation to send, so the room never hears of it.`, 'info');
    } else {
      showMessage(`Sent “${meeting.subject}”${note ? ' ' + note : ''}. Exchange delivers it to the room’s mailbox; the scheduler answers within seconds.`, 'success');
    }
    newDraft();
    refresh();
  }

  /* Runs one user action: one at a time, its failure shown on the page. */
  function action(fn) {
    return async () => {
      if (busy) return;
      busy = true;
      document.body.setAttribute('aria-busy', 'true');
      showMessage('');
      try {
        await fn();
      } catch (e) {
        showMessage(e.message || String(e));
      } finally {
        busy = false;
        document.body.removeAttribute('aria-busy');
      }
    };
  }

  function addResource() {
    const list = emails($('required').value);
    if (!list.some((e) => e.toLowerCase() === setup.resource.email)) list.push(setup.resource.email);
    $('required').value = list.join('; ');
  }

  function removeBlock() {
    const block = $('body').querySelector('#' + BLOCK_ID);
    if (block) block.remove();
    draft.customProperties = {};
    showCustomProperties();
  }

  function yesterday() {
    const start = new Date();
    start.setDate(start.getDate() - 1);
    start.setMinutes(0, 0, 0);
    $('start').value = localInput(start);
    $('end').value = localInput(new Date(start.getTime() + 3600 * 1000));
  }

  const breaks = {
    'break-no-addin': async () => {
      removeBlock();
      $('subject').value = 'Room added by hand';
      addResource();
      await send('with the room added by hand');
    },
    'break-token': async () => {
      $('subject').value = 'Altered alias ID';
      if (!TOKEN.test($('body').innerHTML)) await runAddin();
      const html = $('body').innerHTML;
      const m = TOKEN.exec(html);
      if (!m) throw new Error('The body has no alias ID to alter.');
      const changed = m[1].slice(0, -1) + (m[1].endsWith('A') ? 'B' : 'A');
      $('body').innerHTML = html.replace(m[0], `VMR:-${changed}#`);
      await send('with one character of its alias ID changed');
    },
    'break-past': async () => {
      $('subject').value = 'Yesterday’s meeting';
      yesterday();
      await runAddin();
      await send('for yesterday');
    },
    'break-unreachable': async () => {
      $('subject').value = 'Sent while the appliance was unreachable';
      unreachableOnce = true;
      const state = await runAddin();
      if (state !== 'placeholder') throw new Error('The add-in reached the appliance after all.');
      await send('with the placeholder');
    },
  };

  /* ---------- Managing sent meetings ---------- */

  function manageForm(meeting) {
    const id = meeting.id;
    const field = (label, input) => el('label', { className: 'mini' }, el('span', { text: label }), input);
    const start = el('input', { type: 'datetime-local', value: meeting.start_input || '', 'aria-label': 'New start' });
    const end = el('input', { type: 'datetime-local', value: meeting.end_input || '', 'aria-label': 'New end' });
    const repeat = el('select', { 'aria-label': 'Repeat' },
      ['none', 'daily', 'weekly'].map((v) => el('option', { value: v, text: v === 'none' ? 'Never' : v[0].toUpperCase() + v.slice(1), selected: meeting.repeat.kind === v })));
    const count = el('input', { type: 'number', min: '1', max: '999', value: String(meeting.repeat.count || 4), 'aria-label': 'Occurrences' });
    const update = action(async () => {
      await api('/update', { as: $('from').value, id, start: start.value, end: end.value, time_zone: meeting.time_zone || '', repeat: repeat.value, count: Number(count.value) || 0 });
      showMessage(`Sent the update of “${meeting.subject}” to everyone.`, 'success');
      refresh();
    });
    const cancel = action(async () => {
      await api('/cancel', { as: $('from').value, id });
      showMessage(`Cancelled “${meeting.subject}” for everyone.`, 'success');
      refresh();
    });
    const occurrences = meeting.occurrences.map((o) => {
      const ostart = el('input', { type: 'datetime-local', value: o.start_input, 'aria-label': `New start of occurrence ${o.index}` });
      const oend = el('input', { type: 'datetime-local', value: o.end_input, 'aria-label': `New end of occurrence ${o.index}` });
      const move = action(async () => {
        await api('/update', { as: $('from').value, id, index: o.index, start: ostart.value, end: oend.value, time_zone: meeting.time_zone || '' });
        showMessage(`Moved occurrence ${o.index} of “${meeting.subject}”.`, 'success');
        refresh();
      });
      const remove = action(async () => {
        await api('/cancel', { as: $('from').value, id, index: o.index });
        showMessage(`Deleted occurrence ${o.index} of “${meeting.subject}”.`, 'success');
        refresh();
      });
      return el('li', { className: 'occurrence' + (o.deleted ? ' deleted' : ''), 'data-index': String(o.index) },
        el('span', { className: 'occ-when', text: `${o.index}. ${o.when}${o.modified ? ' (moved)' : ''}${o.deleted ? ' (deleted)' : ''}` }),
        o.deleted ? null : el('span', { className: 'occ-actions' }, ostart, oend,
          el('button', { type: 'button', className: 'button small', 'data-action': 'move-occurrence', onclick: move, text: 'Move' }),
          el('button', { type: 'button', className: 'button small danger', 'data-action': 'delete-occurrence', onclick: remove, text: 'Delete' })));
    });
    return el('div', { className: 'manage' },
      el('div', { className: 'manage-row' }, field('Start', start), field('End', end), field('Repeat', repeat), field('Occurrences', count)),
      el('div', { className: 'manage-row' },
        el('button', { type: 'button', className: 'button', 'data-action': 'update', onclick: update, text: 'Send update' }),
        el('button', { type: 'button', className: 'button danger', 'data-action': 'cancel', onclick: cancel, text: 'Cancel meeting' })),
      occurrences.length ? el('ol', { className: 'occurrences', 'aria-label': 'Occurrences' }, occurrences) : null);
  }

  /* ---------- Live views ---------- */

  const rendered = {};
  /* Meetings whose details the user opened stay open when the list is drawn again. */
  const openMeetings = new Set();

  function once(key, value, render) {
    const json = JSON.stringify(value);
    if (rendered[key] === json) return;
    rendered[key] = json;
    render(value);
  }

  /* A message body from Exchange, in a frame that runs no script. */
  function bodyFrame(html, title) {
    if (!html || !html.replace(/<[^>]*>|&nbsp;|\s/g, '')) return el('p', { className: 'body-empty', text: '(no text)' });
    const frame = el('iframe', { className: 'body-frame', sandbox: 'allow-same-origin', title: title || 'Message body' });
    frame.srcdoc = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0;font-family:'Segoe UI',system-ui,sans-serif;font-size:14px;color:#242424;overflow-wrap:anywhere}</style></head><body>${html}</body></html>`;
    frame.addEventListener('load', () => {
      try {
        frame.style.height = Math.min(frame.contentDocument.documentElement.scrollHeight + 4, 600) + 'px';
      } catch (e) {
        frame.style.height = '240px';
      }
    });
    return frame;
  }

  function answerChip(item) {
    const map = { Accept: ['Accepted', 'ok'], Decline: ['Declined', 'bad'], Tentative: ['Tentative', 'warn'] };
    const request = item.request_type && item.request_type !== 'NewMeetingRequest' ? 'Update' : 'Invitation';
    const [label, kind] = map[item.response_type] || [item.kind === 'MeetingCancellation' ? 'Cancelled' : item.kind === 'MeetingRequest' ? request : item.kind, 'neutral'];
    return el('span', { className: 'chip ' + kind, text: label });
  }

  function renderInbox(items) {
    const list = $('inbox');
    list.replaceChildren(...items.map((item, i) => el('li', { className: 'message', 'data-response': item.response_type || '', 'data-subject': item.subject },
      el('details', { open: i < 2 },
        el('summary', {}, answerChip(item), el('span', { className: 'msg-subject', text: item.subject }),
          el('span', { className: 'msg-from', text: item.from ? item.from.name || item.from.email : '' })),
        bodyFrame(item.body_html, `Reply: ${item.subject}`)))));
    if (!items.length) list.replaceChildren(el('li', { className: 'empty', text: 'No replies yet. Send a meeting.' }));
  }

  function renderVmrs(vmrs) {
    const list = $('vmrs');
    list.replaceChildren(...vmrs.map((v) => {
      const windows = (v.windows || []).slice(0, 6).map((w) => el('li', { className: w.past ? 'past' : w.open_now ? 'now' : '' , text: `${w.opens} – ${w.closes}` }));
      const more = (v.windows || []).length > 6 ? el('li', { text: `… ${v.windows.length - 6} more` }) : null;
      const state = { reserved: 'Reserved', scheduled: 'Scheduled', cancelled: 'Cancelled' }[v.state] || v.state;
      return el('li', { className: 'vmr', 'data-state': v.state, 'data-alias': v.numeric_alias },
        el('div', { className: 'vmr-head' }, el('span', { className: 'chip ' + (v.state === 'scheduled' ? 'ok' : v.state === 'cancelled' ? 'bad' : 'neutral'), text: state }),
          el('span', { className: 'alias', text: v.alias })),
        el('p', { className: 'vmr-meta', text: v.subject ? `“${v.subject}”${v.placeholder ? ' (from a placeholder)' : ''}` : v.state === 'reserved' ? `Handed to the add-in; released on ${v.until} unless a meeting claims it.` : '' }),
        v.state === 'cancelled' ? el('p', { className: 'vmr-meta', text: `Alias returns to the pool after ${v.until}.` }) : null,
        windows.length && v.state === 'scheduled' ? el('div', {}, el('p', { className: 'vmr-label', text: 'Join windows' }), el('ul', { className: 'windows' }, windows, more)) : null);
    }));
    if (!vmrs.length) list.replaceChildren(el('li', { className: 'empty', text: 'No rooms yet. Click “Add a video meeting room”.' }));
  }

  function renderMeetings(meetings) {
    const list = $('meetings');
    list.replaceChildren(...meetings.map((m) => {
      const responses = m.attendees.map((a) => el('span', { className: 'chip small ' + (a.response === 'Accept' ? 'ok' : a.response === 'Decline' ? 'bad' : 'neutral'), text: `${a.email.split('@')[0]}: ${a.response}` }));
      const repeat = m.repeat.kind === 'none' ? '' : ` · ${m.repeat.kind}, ${m.repeat.count} times`;
      const details = el('details', { open: openMeetings.has(m.id) },
          el('summary', {}, el('span', { className: 'msg-subject', text: m.subject }), el('span', { className: 'msg-from', text: `${m.when || ''}${repeat}` })),
          el('div', { className: 'responses' }, responses),
          manageForm(m));
      details.addEventListener('toggle', () => {
        if (details.open) openMeetings.add(m.id);
        else openMeetings.delete(m.id);
      });
      return el('li', { className: 'meeting' + (m.is_cancelled ? ' cancelled' : ''), 'data-subject': m.subject, 'data-id': m.id }, details);
    }));
    if (!meetings.length) list.replaceChildren(el('li', { className: 'empty', text: 'Nothing sent yet.' }));
  }

  function renderAttendees(people) {
    $('attendees').replaceChildren(...people.map((p) => {
      const latest = p.items[0];
      return el('div', { className: 'attendee', 'data-email': p.email },
        el('h3', { text: `${p.name} (${p.items.length} message${p.items.length === 1 ? '' : 's'})` }),
        latest ? el('div', { className: 'message' }, el('p', { className: 'msg-line' }, answerChip(latest), el('span', { className: 'msg-subject', text: latest.subject }), el('span', { className: 'msg-from', text: latest.request_type || '' })),
          bodyFrame(latest.body_html, `What ${p.name} received`)) : el('p', { className: 'empty', text: 'Nothing received yet.' }));
    }));
  }

  function renderOperations(ops) {
    $('operations').replaceChildren(...ops.map((o) => el('tr', { 'data-action': o.action, 'data-outcome': o.outcome },
      el('td', { text: o.time }), el('td', {}, el('code', { text: o.action })),
      el('td', {}, el('span', { className: 'chip small ' + (o.outcome === 'failed' ? 'bad' : o.outcome === 'done' ? 'ok' : 'neutral'), text: o.outcome })),
      el('td', { text: o.subject }), el('td', { text: o.alias }), el('td', {}, el('code', { text: o.correlation_id })))));
  }

  function renderScheduler(s) {
    const status = $('scheduler-status');
    if (!s) {
      status.textContent = 'Scheduler stopped';
      return;
    }
    status.textContent = s.last_error ? `Scheduler: ${s.last_error}` : `Scheduler watching ${setup.resource.email} every ${setup.poll_interval_seconds} s`;
    status.className = 'scheduler' + (s.last_error ? ' error' : '');
  }

  let refreshing = false;
  async function refresh() {
    if (refreshing) return;
    refreshing = true;
    try {
      const state = await api('/state');
      renderScheduler(state.scheduler);
      once('inbox', state.inbox, renderInbox);
      once('vmrs', state.vmrs, renderVmrs);
      // Not while the user is typing a new time into one of its fields.
      if (!document.querySelector('#meetings input:focus, #meetings select:focus')) once('meetings', state.meetings, renderMeetings);
      once('attendees', state.attendees, renderAttendees);
      once('operations', state.operations, renderOperations);
    } catch (e) {
      $('scheduler-status').textContent = e.message;
    } finally {
      refreshing = false;
    }
  }

  /* ---------- Start ---------- */

  async function start() {
    const iana = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    setup = await api('/setup?iana=' + encodeURIComponent(iana));
    $('time-zones').replaceChildren(...setup.time_zones.map((z) => el('option', { value: z })));
    $('known-people').textContent = [...setup.attendees, setup.delegate].map((p) => p.email).join(', ');
    $('exchange-url').textContent = setup.exchange_url;
    $('delivery-hint').textContent = `Exchange delivers the request to the room’s mailbox (${setup.resource.email}); the scheduler answers within seconds.`;
    newDraft();
    $('send').addEventListener('click', action(() => send()));
    $('open-addin').addEventListener('click', openAddin);
    $('new-meeting').addEventListener('click', () => {
      showMessage('');
      newDraft();
    });
    $('from').addEventListener('change', () => {
      // Outlook opens the add-in afresh for another mailbox.
      if (!$('taskpane').hidden) openAddin();
    });
    for (const [id, fn] of Object.entries(breaks)) $(id).addEventListener('click', action(fn));
    for (const b of document.querySelectorAll('.fmt')) {
      b.addEventListener('mousedown', (e) => e.preventDefault());
      b.addEventListener('click', () => {
        $('body').focus();
        document.execCommand(b.dataset.command);
      });
    }
    refresh();
    setInterval(() => {
      if (!document.hidden) refresh();
    }, 1000);
    document.body.setAttribute('data-ready', 'true');
  }

  start().catch((e) => showMessage(e.message || String(e)));
})();
