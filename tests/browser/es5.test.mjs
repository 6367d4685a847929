// The task pane's scripts parse as ECMAScript 5: classic Outlook on Windows (volume-licensed
// Outlook 2016/2019, common with on-premises Exchange) may host add-ins in Internet Explorer 11.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import * as acorn from 'acorn';

import { ROOT } from './harness.mjs';

for (const file of ['taskpane.js', 'body-block.js']) {
  test(`assets/addin/${file} is ECMAScript 5`, () => {
    const source = fs.readFileSync(path.join(ROOT, 'assets', 'addin', file), 'utf8');
    assert.doesNotThrow(() => acorn.parse(source, { ecmaVersion: 5, sourceType: 'script' }));
  });
}

test('the task pane stylesheet uses no custom properties (unknown to Internet Explorer 11)', () => {
  const css = fs.readFileSync(path.join(ROOT, 'assets', 'addin', 'taskpane.css'), 'utf8');
  assert.doesNotMatch(css, /var\(--|^\s*--[a-z]/m);
});
