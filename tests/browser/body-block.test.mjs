// The body block's string functions (assets/addin/body-block.js) on their own, in Node: edge cases
// of finding and replacing the block that the browser tests do not reach.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';

import { ROOT } from './harness.mjs';

const Block = createRequire(import.meta.url)(path.join(ROOT, 'assets', 'addin', 'body-block.js'));
const NEW = Block.html('<p>new</p>');

test('a body without </body> gets the block at its end', () => {
  assert.equal(Block.replaceHtml('<p>only a fragment</p>', NEW), `<p>only a fragment</p>${NEW}`);
});

test('the last </body> is the one used, whatever its case', () => {
  const html = '<html><body><pre>&lt;/body&gt; </body></pre></BODY >\n</html>';
  assert.equal(Block.replaceHtml(html, NEW), `<html><body><pre>&lt;/body&gt; </body></pre>${NEW}</BODY >\n</html>`);
});

test('an id in single quotes, without quotes, or among other attributes is found', () => {
  for (const open of [
    `<div id='${Block.ID}'>`,
    `<div id=${Block.ID}>`,
    `<DIV class="x" ID="${Block.ID}" style="a:b">`,
    `<div style="margin:0" id="x_${Block.ID}">`,
  ]) {
    const html = `<p>a</p>${open}<div>old <div>deep</div></div><p>old</p></div><p>b</p>`;
    assert.equal(Block.replaceHtml(html, NEW), `<p>a</p>${NEW}<p>b</p>`, open);
  }
});

test('a longer id that merely starts with ours is not our block', () => {
  const html = `<body><div id="${Block.ID}-other">keep</div></body>`;
  assert.equal(Block.replaceHtml(html, NEW), `<body><div id="${Block.ID}-other">keep</div>${NEW}</body>`);
});

test('rule lines rewritten into spans by the client still delimit the block', () => {
  const rule = `<p class="elementToProof"><span style="color:#a6a6a6">${Block.RULE}</span></p>`;
  const html = `<p>before</p><div>${rule}<p>old</p>${rule}</div><p>after</p>`;
  assert.equal(Block.replaceHtml(html, NEW), `<p>before</p><div>${NEW}</div><p>after</p>`);
});

test('plain text: the block between rule lines is replaced, the rest kept; a first insert is appended', () => {
  const old = `${Block.RULE}\nold instructions\n${Block.RULE}`;
  const body = `Agenda\r\n\r\n${old}\r\nRegards`;
  assert.equal(Block.replaceText(body, Block.text('new')), `Agenda\r\n\r\n${Block.RULE}\nnew\n${Block.RULE}\r\nRegards`);
  assert.equal(Block.replaceText('', Block.text('x')), `\n${Block.RULE}\nx\n${Block.RULE}\n`);
  assert.equal(Block.replaceText('Hi\n', Block.text('x')), `Hi\n\n${Block.RULE}\nx\n${Block.RULE}\n`);
});

test('text around the rule lines in one element is kept (a body converted from plain text)', () => {
  const R = Block.RULE;
  const html = `<div class="PlainText">Agenda<br>${R}<br>placeholder<br>${R}<br>Notes</div>`;
  assert.equal(Block.replaceHtml(html, NEW), `<div class="PlainText">Agenda<br>${NEW}<br>Notes</div>`);
  const pre = `<pre>Agenda\n${R}\nplaceholder\n${R}\nNotes</pre>`;
  assert.equal(Block.replaceHtml(pre, NEW), `<pre>Agenda\n${NEW}\nNotes</pre>`, '</pre> is not </p>');
});
