/*
 * vmr-scheduler task pane: adds a video meeting room (VMR) to the Outlook meeting being composed.
 *
 * Plain ES5 (no framework, no build step): classic Outlook on Windows may still host add-ins in
 * Internet Explorer 11. Settings and every user-visible text come from the server-rendered
 * <script type="application/json" id="vmr-config">; the API contract is docs/addin-api.md.
 *
 * Office.js calls are made one at a time (Outlook on the web allows only three in flight).
 * Minimum requirement set Mailbox 1.3; 1.4 (dialog), 1.8 (enhancedLocation, shared folders) are
 * detected at run time.
 */
(function () {
  'use strict';

  /* Custom properties of the item (Outlook keeps them per add-in, 2,500 characters in all). */
  var PROP_RESERVATION = 'vmr_reservation'; // JSON: what was added to this meeting
  var PROP_REQUEST = 'vmr_request'; // the request_id of the single-use call, saved before calling
  var PROP_PLACEHOLDER = 'vmr_placeholder'; // "1" when the placeholder text was inserted
  var NOTIFICATION_KEY = 'vmrScheduler';
  var NOTIFICATION_ICON = 'Icon16'; // a bt:Image resid of the manifest
  var REQUEST_TIMEOUT_MS = 30000;
  var OFFICE_READY_TIMEOUT_MS = 15000;
  var MAX_NOTIFICATION_CHARS = 150;
  var MAX_LOCATION_CHARS = 255;

  var settings = readSettings();
  var T = settings.texts || {};
  var appEl = document.getElementById('app');
  var viewEl = document.getElementById('view');
  var statusEl = document.getElementById('status');

  /* What init() learns about the host and the item. */
  var ctx = { item: null, mailbox: null, sets: {}, shared: false, props: null, types: [] };

  function readSettings() {
    var el = document.getElementById('vmr-config');
    try {
      return JSON.parse(el ? el.textContent : '{}');
    } catch (e) {
      return { texts: {} };
    }
  }

  function text(key) {
    return T[key] || '';
  }

  function truncate(s, n) {
    s = String(s || '');
    return s.length <= n ? s : s.slice(0, n - 1) + '\u2026';
  }

  /* ---------- DOM ---------- */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var k;
    for (k in attrs || {}) {
      if (!Object.prototype.hasOwnProperty.call(attrs, k)) continue;
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'onclick') node.addEventListener('click', attrs[k]);
      else if (k === 'className') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    for (var i = 0; children && i < children.length; i++) {
      if (children[i]) node.appendChild(children[i]);
    }
    return node;
  }

  function button(label, onclick, kind) {
    return el('button', { type: 'button', className: 'button ' + (kind || ''), text: label, onclick: onclick });
  }

  /* Replaces the view, announces the state to screen readers and moves focus to its heading. */
  function render(state, nodes, announce, busy) {
    viewEl.innerHTML = '';
    viewEl.setAttribute('data-state', state);
    for (var i = 0; i < nodes.length; i++) if (nodes[i]) viewEl.appendChild(nodes[i]);
    appEl.setAttribute('aria-busy', busy ? 'true' : 'false');
    statusEl.textContent = '';
    if (announce) {
      setTimeout(function () {
        statusEl.textContent = announce;
      }, 50);
    }
    // Focus follows the outcome (a heading), so keyboard and screen-reader users land on it.
    var heading = viewEl.querySelector('h2');
    if (heading && !busy) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }

  function card(kind, badge, heading, paragraphs) {
    var body = [el('h2', { text: heading })];
    for (var i = 0; i < paragraphs.length; i++) if (paragraphs[i]) body.push(paragraphs[i]);
    return el('div', { className: 'card ' + kind }, [
      el('span', { className: 'badge', 'aria-hidden': 'true', text: badge }),
      el('div', { className: 'card-body' }, body)
    ]);
  }

  function para(s, className) {
    return s ? el('p', { className: className || 'message', text: s }) : null;
  }

  function backButton() {
    return ctx.types.length > 1 ? button(text('back_button'), showChoice) : null;
  }

  /* ---------- States ---------- */

  function showWorking(message) {
    render('working', [el('div', { className: 'working' }, [el('span', { className: 'spinner', 'aria-hidden': 'true' }), para(message)])], message, true);
  }

  function showNotInOutlook() {
    render('not-in-outlook', [card('info', 'i', text('title'), [para(text('not_in_outlook_message'))])], text('not_in_outlook_message'));
  }

  function showChoice() {
    var items = [];
    if (ctx.types.indexOf('single') >= 0) {
      items.push(choice('choose-single-use', text('button_title'), text('single_use_hint'), startSingleUse));
    }
    if (ctx.types.indexOf('personal') >= 0) {
      items.push(choice('choose-personal', text('personal_vmr_add_button'), text('personal_vmr_hint'), startPersonal));
    }
    render('choice', [para(text('description'), 'description'), el('ul', { className: 'choices' }, items)], text('description'));
  }

  function choice(id, title, hint, action) {
    var b = el('button', { type: 'button', className: 'choice', id: id, onclick: action }, [
      el('span', { className: 'choice-title', text: title }),
      hint ? el('span', { className: 'choice-hint', text: hint }) : null
    ]);
    return el('li', {}, [b]);
  }

  function aliasBox(alias) {
    return alias ? el('p', { className: 'alias', text: alias }) : null;
  }

  function showSuccess(alias) {
    render('success', [card('success', '\u2713', text('success_heading'), [para(text('success_message')), aliasBox(alias)])],
      text('success_heading') + '. ' + text('success_message'));
  }

  function showAlready(reservation) {
    render('already', [card('info', 'i', text('already_video_meeting_heading'), [para(text('already_video_meeting_message')), aliasBox(reservation.alias)])],
      text('already_video_meeting_heading') + '. ' + text('already_video_meeting_message'));
  }

  function showPlaceholder() {
    render('placeholder', [card('warning', '!', text('management_node_down_heading'), [para(text('management_node_down_message'))])],
      text('management_node_down_heading') + '. ' + text('management_node_down_message'));
  }

  function showSharedOnly() {
    render('shared-calendar', [card('info', 'i', text('title'), [para(text('shared_calendar_message'))])], text('shared_calendar_message'));
  }

  /* An error with a retry. `problem` is {message, correlation_id, retry_after_seconds, detail}. */
  function showError(state, message, problem, retry) {
    problem = problem || {};
    var retryButton = button(text('retry_button'), retry, 'primary');
    var details = [para(message)];
    if (problem.message) details.push(para(problem.message, 'detail'));
    if (problem.detail) details.push(para(problem.detail, 'detail'));
    if (problem.correlation_id) details.push(para(text('reference_label') + ': ' + problem.correlation_id, 'detail'));
    render(state, [card('error', '!', text('general_error_heading'), details), el('div', { className: 'actions' }, [retryButton, backButton()])],
      text('general_error_heading') + '. ' + message);
    var wait = Number(problem.retry_after_seconds);
    if (wait > 0) {
      retryButton.disabled = true;
      setTimeout(function () {
        retryButton.disabled = false;
      }, Math.min(wait, 600) * 1000);
    }
  }

  function showSignIn(url) {
    render('sign-in', [para(text('personal_vmr_sign_in_message')), el('div', { className: 'actions' }, [
      button(text('personal_vmr_sign_in_button'), function () { signIn(url); }, 'primary'),
      backButton()
    ])], text('personal_vmr_sign_in_message'));
  }

  function showVmrList(vmrs) {
    var items = [];
    for (var i = 0; i < vmrs.length; i++) {
      items.push(el('li', {}, [vmrButton(vmrs[i])]));
    }
    render('personal-list', [para(text('personal_vmr_select_message')), el('ul', { className: 'choices' }, items), backButton()],
      text('personal_vmr_select_message'));
  }

  function vmrButton(vmr) {
    return el('button', { type: 'button', className: 'vmr', 'data-vmr-id': String(vmr.id), onclick: function () { choosePersonalVmr(vmr); } }, [
      el('span', { className: 'vmr-name', text: vmr.name || vmr.alias || String(vmr.id) }),
      vmr.description ? el('span', { className: 'vmr-detail', text: vmr.description }) : null,
      vmr.alias ? el('span', { className: 'vmr-detail', text: vmr.alias }) : null
    ]);
  }

  function showNoVmrs() {
    render('personal-none', [card('info', 'i', text('title'), [para(text('personal_vmr_none_message'))]), backButton()],
      text('personal_vmr_none_message'));
  }

  /* ---------- Office.js helpers ---------- */

  function succeeded(result) {
    return !!result && result.status === Office.AsyncResultStatus.Succeeded;
  }

  function officeProblem(operation, result) {
    var e = (result && result.error) || {};
    return { detail: 'Outlook: ' + operation + ' \u2014 ' + (e.name || 'error') + (e.code ? ' ' + e.code : '') + (e.message ? ': ' + e.message : '') };
  }

  /* Runs `steps` (each function (next, fail)) one after another. */
  function run(steps, done, fail) {
    var i = 0;
    function next() {
      if (i >= steps.length) {
        done();
        return;
      }
      var step = steps[i++];
      try {
        step(next, fail);
      } catch (e) {
        fail({ detail: String((e && e.message) || e) });
      }
    }
    next();
  }

  function isSupported(version) {
    var r = Office.context.requirements;
    try {
      return !!(r && r.isSetSupported && r.isSetSupported('Mailbox', version));
    } catch (e) {
      return false;
    }
  }

  function notify(type, message, done) {
    var messages = ctx.item.notificationMessages;
    if (!messages || !messages.replaceAsync) {
      if (done) done();
      return;
    }
    var details = { type: type, message: truncate(message, MAX_NOTIFICATION_CHARS) };
    if (type === Office.MailboxEnums.ItemNotificationMessageType.InformationalMessage) {
      details.icon = NOTIFICATION_ICON;
      details.persistent = false;
    }
    try {
      // The bar is a courtesy: its failure never stops the work.
      messages.replaceAsync(NOTIFICATION_KEY, details, function () {
        if (done) done();
      });
    } catch (e) {
      if (done) done();
    }
  }

  var Notice = {
    progress: function (m, d) { notify(Office.MailboxEnums.ItemNotificationMessageType.ProgressIndicator, m, d); },
    info: function (m, d) { notify(Office.MailboxEnums.ItemNotificationMessageType.InformationalMessage, m, d); },
    error: function (m, d) { notify(Office.MailboxEnums.ItemNotificationMessageType.ErrorMessage, m, d); }
  };

  /* The identity seam: today the Exchange user identity token; the Microsoft 365 issue adds an
     Entra token obtained with nested app authentication ("entra_naa") here. */
  function getToken(done, fail) {
    ctx.mailbox.getUserIdentityTokenAsync(function (result) {
      if (succeeded(result) && result.value) done({ identity_token: result.value, token_type: 'exchange_identity' });
      else fail(officeProblem('getUserIdentityTokenAsync', result));
    });
  }

  function getSubject(done) {
    var subject = ctx.item.subject;
    if (!subject || typeof subject.getAsync !== 'function') {
      done('');
      return;
    }
    subject.getAsync(function (result) {
      done(succeeded(result) && typeof result.value === 'string' ? result.value : '');
    });
  }

  function saveProps(changes, done, fail) {
    for (var k in changes) {
      if (!Object.prototype.hasOwnProperty.call(changes, k)) continue;
      if (changes[k] === null) ctx.props.remove(k);
      else ctx.props.set(k, changes[k]);
    }
    ctx.props.saveAsync(function (result) {
      if (succeeded(result)) done();
      else fail(officeProblem('customProperties.saveAsync', result));
    });
  }

  function reservationProp() {
    var raw = ctx.props && ctx.props.get(PROP_RESERVATION);
    if (!raw) return null;
    try {
      var r = JSON.parse(raw);
      return r && (r.reservation_id || r.personal_vmr_id) ? r : null;
    } catch (e) {
      return null;
    }
  }

  /* ---------- The body block (body-block.js) ---------- */

  var Block = window.VmrBodyBlock;

  function htmlToText(html) {
    var doc = new DOMParser().parseFromString('<body>' + html + '</body>', 'text/html');
    var out = [];
    (function walk(node) {
      for (var c = node.firstChild; c; c = c.nextSibling) {
        if (c.nodeType === 3) out.push(c.nodeValue.replace(/\s+/g, ' '));
        else if (c.nodeType === 1) {
          var tag = c.tagName.toLowerCase();
          if (tag === 'br') out.push('\n');
          else if (tag === 'a' && c.getAttribute('href') && c.textContent !== c.getAttribute('href')) {
            walk(c);
            out.push(' <' + c.getAttribute('href') + '>');
          } else {
            var block = /^(p|div|li|tr|h[1-6]|table|ul|ol)$/.test(tag);
            if (block) out.push('\n');
            walk(c);
            if (block) out.push('\n');
          }
        }
      }
    })(doc.body);
    return out.join('').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').replace(/^\s+|\s+$/g, '');
  }

  function insertBlock(innerHtml, done, fail) {
    var body = ctx.item.body;
    body.getTypeAsync(function (type) {
      if (!succeeded(type)) {
        fail(officeProblem('body.getTypeAsync', type));
        return;
      }
      var html = type.value === Office.CoercionType.Html;
      var coercion = html ? Office.CoercionType.Html : Office.CoercionType.Text;
      body.getAsync(coercion, function (current) {
        if (!succeeded(current)) {
          fail(officeProblem('body.getAsync', current));
          return;
        }
        var value = current.value || '';
        var updated = html ? Block.replaceHtml(value, Block.html(innerHtml)) : Block.replaceText(value, Block.text(htmlToText(innerHtml)));
        body.setAsync(updated, { coercionType: coercion }, function (set) {
          if (succeeded(set)) done();
          else fail(officeProblem('body.setAsync', set));
        });
      });
    });
  }

  /* ---------- Location and resource ---------- */

  function setLocation(location, previous, done, fail) {
    if (!location) {
      done();
      return;
    }
    location = truncate(location, MAX_LOCATION_CHARS);
    var enhanced = ctx.item.enhancedLocation;
    if (!(ctx.sets['1.8'] && enhanced && typeof enhanced.addAsync === 'function')) {
      ctx.item.location.setAsync(location, function (r) {
        if (succeeded(r)) done();
        else fail(officeProblem('location.setAsync', r));
      });
      return;
    }
    var custom = Office.MailboxEnums.LocationType.Custom;
    enhanced.getAsync(function (current) {
      if (!succeeded(current)) {
        fail(officeProblem('enhancedLocation.getAsync', current));
        return;
      }
      var has = {};
      var list = current.value || [];
      for (var i = 0; i < list.length; i++) {
        if (list[i].locationIdentifier) has[list[i].locationIdentifier.id] = true;
      }
      var steps = [];
      if (previous && previous !== location && has[previous]) {
        steps.push(function (next) {
          // A stale location of an earlier run goes; its failure is not worth stopping for.
          enhanced.removeAsync([{ id: previous, type: custom }], function () { next(); });
        });
      }
      if (!has[location]) {
        steps.push(function (next, stop) {
          enhanced.addAsync([{ id: location, type: custom }], function (r) {
            if (succeeded(r)) next();
            else stop(officeProblem('enhancedLocation.addAsync', r));
          });
        });
      }
      run(steps, done, fail);
    });
  }

  /* Mailbox 1.3 has no "resources" field for compose (office-js issue #186), so the resource
     mailbox joins as a required attendee: Exchange delivers the request to it all the same. */
  function addResource(mailbox, done, fail) {
    if (!mailbox || !mailbox.email) {
      done();
      return;
    }
    var wanted = mailbox.email.toLowerCase();
    function contains(list) {
      for (var i = 0; i < (list || []).length; i++) {
        if (String(list[i].emailAddress || '').toLowerCase() === wanted) return true;
      }
      return false;
    }
    ctx.item.requiredAttendees.getAsync(function (required) {
      if (!succeeded(required)) {
        fail(officeProblem('requiredAttendees.getAsync', required));
        return;
      }
      if (contains(required.value)) {
        done();
        return;
      }
      ctx.item.optionalAttendees.getAsync(function (optional) {
        if (succeeded(optional) && contains(optional.value)) {
          done();
          return;
        }
        ctx.item.requiredAttendees.addAsync([{ displayName: mailbox.name || mailbox.email, emailAddress: mailbox.email }], function (r) {
          if (succeeded(r)) done();
          else fail(officeProblem('requiredAttendees.addAsync', r));
        });
      });
    });
  }

  /* ---------- The appliance ---------- */

  /* POSTs JSON; calls back with {status, json, network} (network: no HTTP answer at all). */
  function post(path, body, done) {
    var xhr = new XMLHttpRequest();
    var finished = false;
    function finish(result) {
      if (finished) return;
      finished = true;
      done(result);
    }
    try {
      xhr.open('POST', settings.api_base + path, true);
      xhr.timeout = REQUEST_TIMEOUT_MS;
      xhr.setRequestHeader('Content-Type', 'application/json');
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.onload = function () {
        var json = null;
        try {
          json = JSON.parse(xhr.responseText);
        } catch (e) {
          json = null;
        }
        finish({ status: xhr.status, json: json, network: xhr.status === 0 });
      };
      xhr.onerror = function () { finish({ status: 0, json: null, network: true }); };
      xhr.ontimeout = function () { finish({ status: 0, json: null, network: true }); };
      xhr.send(JSON.stringify(body));
    } catch (e) {
      finish({ status: 0, json: null, network: true });
    }
  }

  function apiError(response) {
    var e = response.json && response.json.error;
    if (e && typeof e === 'object') {
      return { code: e.code, message: e.message, correlation_id: e.correlation_id, retry_after_seconds: e.retry_after_seconds, sign_in_url: e.sign_in_url };
    }
    return { code: null, detail: response.status ? 'HTTP ' + response.status : null };
  }

  /* No answer, or a gateway's answer without our error body: the appliance is out of reach. */
  function unreachable(response) {
    if (response.network) return true;
    var gateway = response.status === 502 || response.status === 503 || response.status === 504;
    return gateway && !(response.json && response.json.error);
  }

  function newUuid() {
    var c = window.crypto || window.msCrypto;
    var b = new Uint8Array(16);
    c.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = '';
    for (var i = 0; i < 16; i++) h += (b[i] + 0x100).toString(16).slice(1);
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  /* ---------- Single-use VMR ---------- */

  function startSingleUse() {
    showWorking(text('working_message'));
    var requestId = ctx.props.get(PROP_REQUEST) || newUuid();
    var token = null;
    var subject = '';
    function failed(problem) {
      Notice.error(text('general_error_heading'));
      showError('error', text('general_error_message'), problem, startSingleUse);
    }
    run([
      function (next) { Notice.progress(text('working_message'), next); },
      function (next, fail) {
        // Saved before the call, so that a retry after a lost answer gets the same reservation.
        if (ctx.props.get(PROP_REQUEST) === requestId) {
          next();
          return;
        }
        var changes = {};
        changes[PROP_REQUEST] = requestId;
        saveProps(changes, next, fail);
      },
      function (next, fail) { getToken(function (t) { token = t; next(); }, fail); },
      function (next) { getSubject(function (s) { subject = s; next(); }); }
    ], function () {
      post('/single_use_vmr', {
        identity_token: token.identity_token,
        token_type: token.token_type,
        request_id: requestId,
        subject: subject,
        shared_calendar: ctx.shared
      }, function (response) {
        if (unreachable(response)) insertPlaceholder(failed);
        else if (response.status === 200 && response.json && typeof response.json.instructions_html === 'string') applySingleUse(response.json, failed);
        else failed(apiError(response));
      });
    }, failed);
  }

  function applySingleUse(r, failed) {
    var previous = reservationProp();
    var record = {
      reservation_id: String(r.reservation_id || ''),
      alias: r.alias || '',
      numeric_alias: r.numeric_alias || '',
      location: truncate(r.location || '', MAX_LOCATION_CHARS)
    };
    run([
      function (next, fail) { insertBlock(r.instructions_html, next, fail); },
      function (next, fail) { setLocation(r.location, previous && previous.location, next, fail); },
      function (next, fail) { addResource(r.resource_mailbox || settings.resource_mailbox, next, fail); },
      function (next, fail) {
        var changes = {};
        changes[PROP_RESERVATION] = JSON.stringify(record);
        changes[PROP_PLACEHOLDER] = null;
        saveProps(changes, next, fail);
      },
      function (next) { Notice.info(text('notification_success_message'), next); }
    ], function () { showSuccess(record.alias); }, failed);
  }

  /* The appliance is out of reach: the placeholder text and the resource mailbox go in, and the
     scheduler assigns a VMR when the request reaches the resource. */
  function insertPlaceholder(failed) {
    run([
      function (next, fail) { insertBlock(settings.placeholder_html || '', next, fail); },
      function (next, fail) { addResource(settings.resource_mailbox, next, fail); },
      function (next, fail) {
        var changes = {};
        changes[PROP_PLACEHOLDER] = '1';
        saveProps(changes, next, fail);
      },
      function (next) { Notice.info(text('notification_placeholder_message'), next); }
    ], showPlaceholder, failed);
  }

  /* ---------- Personal VMR ---------- */

  function startPersonal() {
    showWorking(text('working_message'));
    function failed(problem) {
      showError('personal-error', text('personal_vmr_error_getting_message'), problem, startPersonal);
    }
    getToken(function (token) {
      post('/personal_vmrs', token, function (response) {
        var json = response.json || {};
        var e = apiError(response);
        if (response.status === 200 && json.vmrs && typeof json.vmrs.length === 'number') {
          if (json.vmrs.length) showVmrList(json.vmrs);
          else showNoVmrs();
        } else if (response.status === 401 && e.code === 'sign_in_required' && e.sign_in_url) {
          showSignIn(e.sign_in_url);
        } else {
          failed(e);
        }
      });
    }, failed);
  }

  function signIn(url) {
    function failed(problem) {
      showError('sign-in-error', text('personal_vmr_error_signing_in_message'), problem, startPersonal);
    }
    // Only our own sign-in start page may open, on our own origin (the dialog must start there).
    var origin = window.location.protocol + '//' + window.location.host + '/';
    var ui = Office.context.ui;
    if (String(url).indexOf(origin) !== 0 || !isSupported('1.4') || !ui || typeof ui.displayDialogAsync !== 'function') {
      failed(null);
      return;
    }
    showWorking(text('working_message'));
    ui.displayDialogAsync(url, { height: 60, width: 30 }, function (opened) {
      if (!succeeded(opened)) {
        failed(officeProblem('displayDialogAsync', opened));
        return;
      }
      var dialog = opened.value;
      var settled = false;
      dialog.addEventHandler(Office.EventType.DialogMessageReceived, function (arg) {
        if (settled) return;
        settled = true;
        dialog.close();
        var message = null;
        try {
          message = JSON.parse(arg.message);
        } catch (e) {
          message = null;
        }
        if (arg.origin && arg.origin + '/' !== origin) message = null;
        if (message && message.type === 'vmr-sign-in' && message.status === 'success') startPersonal();
        else failed({ message: message && message.message });
      });
      dialog.addEventHandler(Office.EventType.DialogEventReceived, function () {
        if (settled) return;
        settled = true;
        failed(null);
      });
    });
  }

  function choosePersonalVmr(vmr) {
    showWorking(text('working_message'));
    function failed(problem) {
      Notice.error(text('general_error_heading'));
      showError('personal-error', text('personal_vmr_error_inserting_meeting_message'), problem, function () { choosePersonalVmr(vmr); });
    }
    var previous = reservationProp();
    getToken(function (token) {
      post('/personal_vmr', { identity_token: token.identity_token, token_type: token.token_type, vmr_id: vmr.id }, function (response) {
        var r = response.json;
        if (response.status !== 200 || !r || typeof r.instructions_html !== 'string') {
          failed(apiError(response));
          return;
        }
        var record = { personal_vmr_id: String(vmr.id), alias: vmr.alias || '', location: truncate(r.location || '', MAX_LOCATION_CHARS) };
        run([
          function (next) { Notice.progress(text('working_message'), next); },
          function (next, fail) { insertBlock(r.instructions_html, next, fail); },
          function (next, fail) { setLocation(r.location, previous && previous.location, next, fail); },
          function (next, fail) {
            var changes = {};
            changes[PROP_RESERVATION] = JSON.stringify(record);
            saveProps(changes, next, fail);
          },
          function (next) { Notice.info(text('notification_success_message'), next); }
        ], function () { showSuccess(record.alias); }, failed);
      });
    }, failed);
  }

  /* ---------- Start ---------- */

  /* Is the item in a calendar shared with this user (the user is a delegate)? Mailbox 1.8. */
  function detectShared(done) {
    var item = ctx.item;
    if (!ctx.sets['1.8'] || typeof item.getSharedPropertiesAsync !== 'function') {
      done(false);
      return;
    }
    item.getSharedPropertiesAsync(function (r) {
      if (!succeeded(r) || !r.value) {
        done(false);
        return;
      }
      var me = String((ctx.mailbox.userProfile && ctx.mailbox.userProfile.emailAddress) || '').toLowerCase();
      var owner = String(r.value.owner || '').toLowerCase();
      done(!!owner && owner !== me);
    });
  }

  function decide() {
    var reservation = reservationProp();
    if (reservation) {
      showAlready(reservation);
      return;
    }
    ctx.types = [];
    if (settings.enable_single_use) ctx.types.push('single');
    // Delegates never get the owner's personal VMRs.
    if (settings.enable_personal && !ctx.shared) ctx.types.push('personal');
    if (ctx.types.length === 0) showSharedOnly();
    else if (ctx.types.length > 1) showChoice();
    else if (ctx.types[0] === 'single') startSingleUse();
    else startPersonal();
  }

  function init() {
    var mailbox = Office.context && Office.context.mailbox;
    if (!mailbox || !mailbox.item) {
      showNotInOutlook();
      return;
    }
    ctx.mailbox = mailbox;
    ctx.item = mailbox.item;
    ctx.sets = { '1.4': isSupported('1.4'), '1.5': isSupported('1.5'), '1.7': isSupported('1.7'), '1.8': isSupported('1.8') };
    detectShared(function (shared) {
      ctx.shared = shared;
      ctx.item.loadCustomPropertiesAsync(function (r) {
        if (!succeeded(r)) {
          showError('error', text('general_error_message'), officeProblem('loadCustomPropertiesAsync', r), init);
          return;
        }
        ctx.props = r.value;
        decide();
      });
    });
  }

  function start() {
    showWorking(text('working_message'));
    if (typeof Office === 'undefined' || typeof Office.onReady !== 'function') {
      showNotInOutlook();
      return;
    }
    var timer = setTimeout(showNotInOutlook, OFFICE_READY_TIMEOUT_MS);
    Office.onReady(function () {
      clearTimeout(timer);
      init();
    });
  }

  start();
})();
