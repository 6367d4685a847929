/*
 * Office.js test double: the subset of the Office JavaScript API (Outlook, appointment organizer)
 * that the vmr-scheduler task pane uses, with the same names, signatures, AsyncResult shapes and
 * requirement-set behaviour, recording every call in `window.__officeCalls`.
 *
 * Served only by the browser tests and the demo, never by the appliance in production.
 *
 * Set `window.__officeDoubleSetup` (e.g. with Playwright's addInitScript) before this script runs:
 *   mailboxVersion    highest Mailbox requirement set the "client" supports (default "1.5", as
 *                     Exchange 2016/2019 on-premises); APIs of later sets are absent below it
 *   platform          Office.PlatformType value (default "OfficeOnline")
 *   userProfile       {displayName, emailAddress}
 *   item              {subject, bodyType: "html"|"text", body, location, enhancedLocations: [],
 *                      requiredAttendees: [], optionalAttendees: [], customProperties: {},
 *                      shared: null | {owner, targetMailbox, delegatePermissions}}
 *   identityToken     string handed out by getUserIdentityTokenAsync, or
 *   identityTokenError {name, code, message}
 *   dialog            {messages: [string, ...]} delivered as DialogMessageReceived after opening,
 *                     or {event: 12006} delivered as DialogEventReceived (closed by the user)
 *   asyncDelayMs      delay before each callback (default 5)
 *
 * Bound to a host page (the demo): when the page that loads the double is shown in a frame of a
 * same-origin page defining `window.__officeDoubleHost`, that host gives the setup (`setup()`),
 * the item before each asynchronous call (`read()`: any of the item fields above, plus
 * `savedCustomProperties`), is told the item after it (`write(state)`), and hands out identity
 * tokens (`identityToken(done)`, `done({value})` or `done({error})`). So the add-in acts on what
 * the host page shows. `attach(window)`, if the host has it, is called once the double is set up.
 *
 * Signatures and limits follow the Office JavaScript API reference (Outlook requirement sets
 * 1.1-1.8): https://learn.microsoft.com/javascript/api/outlook
 */
(function () {
  'use strict';

  var host = null;
  try {
    if (window.parent !== window && window.parent.__officeDoubleHost) host = window.parent.__officeDoubleHost;
  } catch (e) {
    host = null; // a parent of another origin
  }
  var setup = window.__officeDoubleSetup || (host && host.setup()) || {};
  var itemSetup = setup.item || {};
  var calls = (window.__officeCalls = window.__officeCalls || []);
  var delay = typeof setup.asyncDelayMs === 'number' ? setup.asyncDelayMs : 5;

  /* Outlook on the web and new Outlook allow three asynchronous calls in flight per add-in
     ("Limits for activation and JavaScript API for Outlook add-ins"). */
  var MAX_CONCURRENT = 3;
  var inFlight = 0;
  var stats = { maxInFlight: 0 };

  function versionAtLeast(have, want) {
    var a = String(have).split('.');
    var b = String(want || '1.1').split('.');
    for (var i = 0; i < Math.max(a.length, b.length); i++) {
      var x = Number(a[i] || 0);
      var y = Number(b[i] || 0);
      if (x !== y) return x > y;
    }
    return true;
  }
  var mailboxVersion = setup.mailboxVersion || '1.5';
  function has(version) {
    return versionAtLeast(mailboxVersion, version);
  }

  function clone(v) {
    if (typeof v === 'function') return '[callback]';
    if (v === undefined) return undefined;
    try {
      return JSON.parse(JSON.stringify(v, function (k, x) { return typeof x === 'function' ? '[callback]' : x; }));
    } catch (e) {
      return String(v);
    }
  }

  function record(api, args) {
    var list = [];
    for (var i = 0; i < args.length; i++) list.push(clone(args[i]));
    calls.push({ api: api, args: list });
  }

  var Status = { Succeeded: 'succeeded', Failed: 'failed' };

  function result(value, error, asyncContext) {
    return {
      status: error ? Status.Failed : Status.Succeeded,
      value: error ? undefined : value,
      error: error ? { name: error.name, code: error.code, message: error.message } : undefined,
      asyncContext: asyncContext,
      diagnostics: error && error.diagnostics
    };
  }

  /* Splits (options?, callback?) the way Office.js overloads do. */
  function optionsAndCallback(a, b) {
    if (typeof a === 'function') return { options: {}, callback: a };
    return { options: a || {}, callback: b };
  }

  /* Runs an asynchronous API: records it, enforces the in-flight limit, answers later. `work`
     returns the outcome, or (taking one argument) hands it to the function it is given. */
  function asyncCall(api, args, options, callback, work) {
    record(api, args);
    if (inFlight >= MAX_CONCURRENT) {
      throw new Error('Office.js double: more than ' + MAX_CONCURRENT + ' asynchronous calls in flight (' + api + ')');
    }
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    setTimeout(function () {
      var answered = false;
      function finish(outcome) {
        if (answered) return;
        answered = true;
        inFlight--;
        if (host) host.write(clone(state));
        if (callback) callback(result(outcome && outcome.value, outcome && outcome.error, options && options.asyncContext));
      }
      try {
        if (host) pullFromHost();
        if (work.length === 1) {
          work(finish);
          return;
        }
        finish(work());
      } catch (e) {
        finish({ error: { name: 'InternalError', code: 5001, message: String(e.message || e) } });
      }
    }, delay);
  }

  var HOST_FIELDS = ['subject', 'bodyType', 'body', 'location', 'enhancedLocations', 'requiredAttendees', 'optionalAttendees', 'savedCustomProperties', 'shared'];

  /* The host's item is the truth: what the user typed since the last call counts. */
  function pullFromHost() {
    var item = host.read() || {};
    for (var i = 0; i < HOST_FIELDS.length; i++) {
      var k = HOST_FIELDS[i];
      if (item[k] === undefined) continue;
      state[k] = k === 'requiredAttendees' || k === 'optionalAttendees' ? item[k].map(toDetails) : clone(item[k]);
    }
  }

  function argumentError(message) {
    var e = new Error(message);
    e.name = 'Sys.ArgumentException';
    return e;
  }

  /* ---------- Item state ---------- */

  function toDetails(r) {
    if (typeof r === 'string') return { emailAddress: r, displayName: r, appointmentResponse: 'none', recipientType: 'other' };
    return {
      emailAddress: r.emailAddress,
      displayName: r.displayName || r.emailAddress,
      appointmentResponse: r.appointmentResponse || 'none',
      recipientType: r.recipientType || 'other'
    };
  }

  var state = {
    subject: itemSetup.subject || '',
    bodyType: itemSetup.bodyType || 'html',
    body: typeof itemSetup.body === 'string' ? itemSetup.body : '<html><head></head><body><div><br></div></body></html>',
    location: itemSetup.location || '',
    enhancedLocations: (itemSetup.enhancedLocations || []).slice(),
    requiredAttendees: (itemSetup.requiredAttendees || []).map(toDetails),
    optionalAttendees: (itemSetup.optionalAttendees || []).map(toDetails),
    savedCustomProperties: JSON.parse(JSON.stringify(itemSetup.customProperties || {})),
    shared: itemSetup.shared || null,
    notifications: {},
    dialogs: []
  };

  function escapeHtml(s) {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }

  function htmlToText(html) {
    var doc = new DOMParser().parseFromString(html, 'text/html');
    return (doc.body && doc.body.innerText !== undefined ? doc.body.innerText : doc.body.textContent) || '';
  }

  var body = {
    getTypeAsync: function (a, b) {
      var p = optionsAndCallback(a, b);
      asyncCall('item.body.getTypeAsync', arguments, p.options, p.callback, function () {
        return { value: state.bodyType };
      });
    },
    getAsync: function (coercionType, a, b) {
      var p = optionsAndCallback(a, b);
      asyncCall('item.body.getAsync', arguments, p.options, p.callback, function () {
        if (coercionType === 'html') {
          // A plain-text body is handed out as HTML when asked for HTML.
          return { value: state.bodyType === 'html' ? state.body : '<html><body><pre>' + escapeHtml(state.body) + '</pre></body></html>' };
        }
        if (coercionType === 'text') return { value: state.bodyType === 'html' ? htmlToText(state.body) : state.body };
        throw argumentError('coercionType');
      });
    },
    setAsync: function (data, a, b) {
      var p = optionsAndCallback(a, b);
      if (typeof data !== 'string') throw argumentError('data');
      asyncCall('item.body.setAsync', arguments, p.options, p.callback, function () {
        var coercion = p.options.coercionType || 'text';
        if (data.length > 1000000) return { error: { name: 'DataExceedsMaximumSize', code: 1000, message: 'The data exceeds the maximum size.' } };
        if (coercion === 'html' && state.bodyType === 'text') {
          return { error: { name: 'InvalidFormatError', code: 9000, message: 'HTML cannot be set into a plain-text body.' } };
        }
        state.body = data;
        return {};
      });
    },
    prependAsync: function (data, a, b) {
      var p = optionsAndCallback(a, b);
      asyncCall('item.body.prependAsync', arguments, p.options, p.callback, function () {
        state.body = data + state.body;
        return {};
      });
    }
  };

  function stringProperty(name, max) {
    return {
      getAsync: function (a, b) {
        var p = optionsAndCallback(a, b);
        asyncCall('item.' + name + '.getAsync', arguments, p.options, p.callback, function () {
          return { value: state[name] };
        });
      },
      setAsync: function (value, a, b) {
        var p = optionsAndCallback(a, b);
        if (typeof value !== 'string') throw argumentError(name);
        if (value.length > max) {
          var e = argumentError('The ' + name + ' exceeds ' + max + ' characters.');
          e.name = 'Sys.ArgumentOutOfRangeException';
          throw e;
        }
        asyncCall('item.' + name + '.setAsync', arguments, p.options, p.callback, function () {
          state[name] = value;
          return {};
        });
      }
    };
  }

  function recipients(name) {
    return {
      getAsync: function (a, b) {
        var p = optionsAndCallback(a, b);
        asyncCall('item.' + name + '.getAsync', arguments, p.options, p.callback, function () {
          return { value: clone(state[name]) };
        });
      },
      addAsync: function (list, a, b) {
        var p = optionsAndCallback(a, b);
        if (!list || typeof list.length !== 'number') throw argumentError('recipients');
        asyncCall('item.' + name + '.addAsync', arguments, p.options, p.callback, function () {
          if (list.length > 100) return { error: { name: 'NumberOfRecipientsExceeded', code: 9036, message: 'Too many recipients.' } };
          for (var i = 0; i < list.length; i++) state[name].push(toDetails(list[i]));
          return {};
        });
      },
      setAsync: function (list, a, b) {
        var p = optionsAndCallback(a, b);
        asyncCall('item.' + name + '.setAsync', arguments, p.options, p.callback, function () {
          state[name] = list.map(toDetails);
          return {};
        });
      }
    };
  }

  var enhancedLocation = {
    getAsync: function (a, b) {
      var p = optionsAndCallback(a, b);
      asyncCall('item.enhancedLocation.getAsync', arguments, p.options, p.callback, function () {
        return {
          value: state.enhancedLocations.map(function (l) {
            return { locationIdentifier: { id: l.id, type: l.type }, displayName: l.id, emailAddress: l.type === 'room' ? l.id : '' };
          })
        };
      });
    },
    addAsync: function (ids, a, b) {
      var p = optionsAndCallback(a, b);
      asyncCall('item.enhancedLocation.addAsync', arguments, p.options, p.callback, function () {
        for (var i = 0; i < ids.length; i++) {
          if (!ids[i] || !ids[i].id || (ids[i].type !== 'custom' && ids[i].type !== 'room')) {
            return { error: { name: 'InvalidFormatError', code: 9000, message: 'Invalid location identifier.' } };
          }
        }
        for (var j = 0; j < ids.length; j++) state.enhancedLocations.push({ id: ids[j].id, type: ids[j].type });
        state.location = state.enhancedLocations.map(function (l) { return l.id; }).join('; ');
        return {};
      });
    },
    removeAsync: function (ids, a, b) {
      var p = optionsAndCallback(a, b);
      asyncCall('item.enhancedLocation.removeAsync', arguments, p.options, p.callback, function () {
        state.enhancedLocations = state.enhancedLocations.filter(function (l) {
          return !ids.some(function (x) { return x.id === l.id && x.type === l.type; });
        });
        state.location = state.enhancedLocations.map(function (l) { return l.id; }).join('; ');
        return {};
      });
    }
  };

  /* CustomProperties: changes live in the object until saveAsync writes them to the item. */
  function CustomProperties(initial) {
    var values = JSON.parse(JSON.stringify(initial));
    this.get = function (name) {
      record('customProperties.get', [name]);
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    };
    this.set = function (name, value) {
      record('customProperties.set', [name, value]);
      values[name] = String(value);
    };
    this.remove = function (name) {
      record('customProperties.remove', [name]);
      delete values[name];
    };
    if (has('1.9')) {
      this.getAll = function () {
        return JSON.parse(JSON.stringify(values));
      };
    }
    this.saveAsync = function (callback, asyncContext) {
      asyncCall('customProperties.saveAsync', arguments, { asyncContext: asyncContext }, callback, function () {
        var size = JSON.stringify(values).length;
        if (size > 2500) return { error: { name: 'CustomPropertiesTooLarge', code: 9000, message: 'Custom properties exceed 2,500 characters.' } };
        state.savedCustomProperties = JSON.parse(JSON.stringify(values));
        return {};
      });
    };
  }

  var NOTIFICATION_TYPES = ['progressIndicator', 'informationalMessage', 'errorMessage', 'insightMessage'];

  var notificationMessages = {
    addAsync: function (key, details, a, b) {
      var p = optionsAndCallback(a, b);
      checkNotification(key, details);
      asyncCall('item.notificationMessages.addAsync', arguments, p.options, p.callback, function () {
        if (state.notifications[key]) return { error: { name: 'DuplicateNotificationKey', code: 9000, message: 'A notification with this key exists.' } };
        return storeNotification(key, details);
      });
    },
    replaceAsync: function (key, details, a, b) {
      var p = optionsAndCallback(a, b);
      checkNotification(key, details);
      asyncCall('item.notificationMessages.replaceAsync', arguments, p.options, p.callback, function () {
        return storeNotification(key, details);
      });
    },
    removeAsync: function (key, a, b) {
      var p = optionsAndCallback(a, b);
      asyncCall('item.notificationMessages.removeAsync', arguments, p.options, p.callback, function () {
        if (!state.notifications[key]) return { error: { name: 'KeyNotFound', code: 9000, message: 'No notification has this key.' } };
        delete state.notifications[key];
        return {};
      });
    },
    getAllAsync: function (a, b) {
      var p = optionsAndCallback(a, b);
      asyncCall('item.notificationMessages.getAllAsync', arguments, p.options, p.callback, function () {
        return { value: Object.keys(state.notifications).map(function (k) { return clone(state.notifications[k]); }) };
      });
    }
  };

  /* The documented argument rules of NotificationMessageDetails (Mailbox 1.3). */
  function checkNotification(key, d) {
    if (!key || typeof key !== 'string') throw argumentError('key');
    if (!d || NOTIFICATION_TYPES.indexOf(d.type) < 0) throw argumentError('type');
    if (typeof d.message !== 'string' || d.message.length === 0) throw argumentError('message');
    if (d.message.length > 150) {
      var e = argumentError('message is longer than 150 characters');
      e.name = 'Sys.ArgumentOutOfRangeException';
      throw e;
    }
    var info = d.type === 'informationalMessage' || d.type === 'insightMessage';
    if (info && !d.icon) throw argumentError('icon is required for ' + d.type);
    if (!info && (d.icon !== undefined || d.persistent !== undefined)) throw argumentError('icon and persistent are not allowed for ' + d.type);
  }

  function storeNotification(key, d) {
    if (!state.notifications[key] && Object.keys(state.notifications).length >= 5) {
      return { error: { name: 'NumberOfNotificationMessagesExceeded', code: 9000, message: 'Too many notifications.' } };
    }
    var copy = clone(d);
    copy.key = key;
    state.notifications[key] = copy;
    return {};
  }

  var item = {
    itemType: 'appointment',
    body: body,
    subject: stringProperty('subject', 255),
    location: stringProperty('location', 255),
    requiredAttendees: recipients('requiredAttendees'),
    optionalAttendees: recipients('optionalAttendees'),
    notificationMessages: notificationMessages,
    loadCustomPropertiesAsync: function (callback, userContext) {
      asyncCall('item.loadCustomPropertiesAsync', arguments, { asyncContext: userContext }, callback, function () {
        return { value: new CustomProperties(state.savedCustomProperties) };
      });
    }
  };

  if (has('1.8')) {
    item.enhancedLocation = enhancedLocation;
    item.getSharedPropertiesAsync = function (a, b) {
      var p = optionsAndCallback(a, b);
      asyncCall('item.getSharedPropertiesAsync', arguments, p.options, p.callback, function () {
        if (!state.shared) return { error: { name: 'GenericResponseError', code: 9020, message: 'The item is not in a shared folder.' } };
        return { value: clone(state.shared) };
      });
    };
  }

  /* ---------- Dialog API (Mailbox 1.4) ---------- */

  function Dialog(url) {
    var handlers = {};
    var self = this;
    this.addEventHandler = function (eventType, handler, callback) {
      record('dialog.addEventHandler', [eventType, handler]);
      handlers[eventType] = handler;
      if (callback) setTimeout(function () { callback(result(undefined)); }, delay);
    };
    this.close = function () {
      record('dialog.close', []);
      self.closed = true;
    };
    this.deliver = function () {
      var d = setup.dialog || {};
      setTimeout(function () {
        if (d.event && handlers.dialogEventReceived) {
          handlers.dialogEventReceived({ error: d.event, type: 'dialogEventReceived' });
          return;
        }
        (d.messages || []).forEach(function (m) {
          if (!self.closed && handlers.dialogMessageReceived) {
            handlers.dialogMessageReceived({ message: m, origin: window.location.origin, type: 'dialogMessageReceived' });
          }
        });
      }, delay * 4);
    };
    state.dialogs.push(url);
  }

  var ui = {};
  if (has('1.4')) {
    ui.displayDialogAsync = function (url, a, b) {
      var p = optionsAndCallback(a, b);
      var dialog = null;
      asyncCall('ui.displayDialogAsync', arguments, p.options, p.callback, function () {
        if (!/^https:\/\//i.test(url)) return { error: { name: 'DisplayDialogError', code: 12005, message: 'The URL must use HTTPS.' } };
        if (url.indexOf(window.location.origin + '/') !== 0) {
          return { error: { name: 'DisplayDialogError', code: 12004, message: 'The domain of the URL is not trusted.' } };
        }
        dialog = new Dialog(url);
        dialog.deliver();
        return { value: dialog };
      });
    };
    ui.messageParent = function (message) {
      record('ui.messageParent', [message]);
    };
  }

  var mailbox = {
    item: setup.noItem ? null : item,
    userProfile: setup.userProfile || { displayName: 'Alex Organizer', emailAddress: 'alex@example.com', timeZone: 'W. Europe Standard Time' },
    diagnostics: { hostName: 'OutlookWebApp', hostVersion: '15.2.1544.4', OWAView: 'ThreeColumns' },
    getUserIdentityTokenAsync: function (callback, userContext) {
      if (host && host.identityToken) {
        asyncCall('mailbox.getUserIdentityTokenAsync', arguments, { asyncContext: userContext }, callback, function (done) {
          host.identityToken(done);
        });
        return;
      }
      asyncCall('mailbox.getUserIdentityTokenAsync', arguments, { asyncContext: userContext }, callback, function () {
        if (setup.identityTokenError) return { error: setup.identityTokenError };
        return { value: setup.identityToken || '' };
      });
    }
  };

  var readyInfo = { host: 'Outlook', platform: setup.platform || 'OfficeOnline' };

  window.Office = {
    AsyncResultStatus: Status,
    CoercionType: { Html: 'html', Text: 'text' },
    HostType: { Outlook: 'Outlook' },
    PlatformType: { PC: 'PC', OfficeOnline: 'OfficeOnline', Mac: 'Mac', iOS: 'iOS', Android: 'Android', Universal: 'Universal' },
    EventType: { DialogMessageReceived: 'dialogMessageReceived', DialogEventReceived: 'dialogEventReceived' },
    MailboxEnums: {
      ItemType: { Message: 'message', Appointment: 'appointment' },
      LocationType: { Custom: 'custom', Room: 'room' },
      ItemNotificationMessageType: {
        ProgressIndicator: 'progressIndicator',
        InformationalMessage: 'informationalMessage',
        ErrorMessage: 'errorMessage',
        InsightMessage: 'insightMessage'
      },
      RecipientType: { DistributionList: 'distributionList', User: 'user', ExternalUser: 'externalUser', Other: 'other' },
      ResponseType: { None: 'none', Organizer: 'organizer', Tentative: 'tentative', Accepted: 'accepted', Declined: 'declined' },
      DelegatePermissions: { Read: 1, Write: 2, DeleteOwn: 4, DeleteAll: 8, EditOwn: 16, EditAll: 32 }
    },
    context: {
      mailbox: mailbox,
      ui: ui,
      diagnostics: has('1.5') ? { host: 'Outlook', platform: readyInfo.platform, version: '16.0' } : undefined,
      requirements: {
        isSetSupported: function (name, minVersion) {
          record('requirements.isSetSupported', [name, minVersion]);
          return name === 'Mailbox' && has(minVersion || '1.1');
        }
      }
    },
    onReady: function (callback) {
      record('Office.onReady', [callback]);
      return new Promise(function (resolve) {
        setTimeout(function () {
          if (typeof window.Office.initialize === 'function') window.Office.initialize('');
          if (callback) callback(readyInfo);
          resolve(readyInfo);
        }, delay);
      });
    }
  };

  /* The host may prepare this frame (before the add-in's own scripts run). */
  if (host && host.attach) host.attach(window);

  /* For assertions: the item as Outlook would now hold it. */
  window.__officeDouble = {
    state: function () {
      return clone(state);
    },
    stats: function () {
      return clone(stats);
    }
  };
})();
