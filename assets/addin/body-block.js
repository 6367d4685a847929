/*
 * vmr-scheduler task pane: the marked block of joining instructions in a meeting body.
 *
 * The block is a wrapper <div id="vmr-scheduler-instructions"> holding the instructions between
 * two rule lines (40 x U+2500). A re-run finds the block by the id (or Outlook on the web's "x_"
 * form of it) and, when a client dropped the id, by the two rule lines, and replaces it; without a
 * block, the new one goes before </body>. Every character outside the block stays as it was.
 * Plain-text bodies get the same rule lines around the text. See docs/addin-api.md.
 *
 * Pure string functions, so that they run in the browser (window.VmrBodyBlock) and in Node tests.
 */
(function (root) {
  'use strict';

  var BLOCK_ID = 'vmr-scheduler-instructions';
  var RULE = new Array(41).join('\u2500');

  function blockHtml(inner) {
    var rule = '<p style="margin:0;color:#a6a6a6;font-size:8pt;line-height:10pt">' + RULE + '</p>';
    return '<div id="' + BLOCK_ID + '" style="margin:12pt 0 0 0">' + rule + inner + rule + '</div>';
  }

  function blockText(text) {
    return RULE + '\n' + text + '\n' + RULE;
  }

  /* Replaces the marked block in `html`, or inserts it before </body> (or at the end); every byte
     outside the block stays as it was. */
  function replaceHtmlBlock(html, block) {
    // Outlook on the web prefixes ids with "x_" in some views.
    var open = new RegExp('<div\\b[^>]*?\\bid\\s*=\\s*(["\']?)(?:x_)?' + BLOCK_ID + '\\1(?=[\\s>/])[^>]*>', 'i');
    var m = open.exec(html);
    if (m) {
      var end = matchingDivEnd(html, m.index + m[0].length);
      if (end > 0) return html.slice(0, m.index) + block + html.slice(end);
    }
    var first = html.indexOf(RULE);
    var second = first >= 0 ? html.indexOf(RULE, first + RULE.length) : -1;
    if (second > 0) {
      // The rules' own paragraphs belong to the block only when they hold nothing else: a body
      // converted from text may hold every line in one element, and those lines stay.
      var start = Math.max(lastTagStart(html, first, 'p'), lastTagStart(html, first, 'div'));
      if (start < 0 || html.slice(start, first).replace(/<[^>]*>/g, '').replace(/\s+/g, '') !== '') start = first;
      var ruleEnd = second + RULE.length;
      var close = /^(?:\s|<\/(?:span|font|b|i|u|strong|em)\s*>)*<\/(?:p|div)(?:\s[^>]*)?>/i.exec(html.slice(ruleEnd));
      var stop = close ? ruleEnd + close[0].length : ruleEnd;
      return html.slice(0, start) + block + html.slice(stop);
    }
    var bodyEnd = html.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
    if (bodyEnd >= 0) return html.slice(0, bodyEnd) + block + html.slice(bodyEnd);
    return html + block;
  }

  function lastTagStart(html, before, tag) {
    var re = new RegExp('<' + tag + '\\b', 'ig');
    var found = -1;
    var m;
    while ((m = re.exec(html)) && m.index < before) found = m.index;
    return found;
  }

  /* The index just after the </div> that closes a <div> whose content starts at `from`. */
  function matchingDivEnd(html, from) {
    var re = /<(\/?)div\b[^>]*>/ig;
    re.lastIndex = from;
    var depth = 1;
    var m;
    while ((m = re.exec(html))) {
      depth += m[1] ? -1 : 1;
      if (depth === 0) return m.index + m[0].length;
    }
    return -1;
  }

  function replaceTextBlock(body, block) {
    var first = body.indexOf(RULE);
    var second = first >= 0 ? body.indexOf(RULE, first + RULE.length) : -1;
    if (second > 0) return body.slice(0, first) + block + body.slice(second + RULE.length);
    return body + (body && !/\n$/.test(body) ? '\n\n' : '\n') + block + '\n';
  }


  var api = {
    ID: BLOCK_ID,
    RULE: RULE,
    html: blockHtml,
    text: blockText,
    replaceHtml: replaceHtmlBlock,
    replaceText: replaceTextBlock
  };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.VmrBodyBlock = api;
})(this);
