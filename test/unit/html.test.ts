import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, html, raw } from '../../src/web/theme/html.js';

test('interpolated strings are escaped', () => {
  const evil = `<script>alert("x")</script>&'`;
  assert.equal(html`<p>${evil}</p>`.value, '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>');
});

test('attribute values cannot break out of quotes', () => {
  const value = `" onmouseover="alert(1)`;
  assert.equal(html`<a title="${value}">x</a>`.value, '<a title="&quot; onmouseover=&quot;alert(1)">x</a>');
});

test('nested templates and raw() are inserted as is; arrays are joined; empty values render nothing', () => {
  const items = ['أ', '<b>'].map((s) => html`<li>${s}</li>`);
  assert.equal(
    html`<ul>${items}</ul>${null}${undefined}${false}${raw('<hr>')}`.value,
    '<ul><li>أ</li><li>&lt;b&gt;</li></ul><hr>',
  );
});

test('escapeHtml leaves clean text untouched and is stable across calls', () => {
  assert.equal(escapeHtml('نص عربي'), 'نص عربي');
  for (let i = 0; i < 3; i++) assert.equal(escapeHtml('a<b'), 'a&lt;b');
});
