import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countWords, excerptOf, paragraphsToHtml, sanitizeBody, textOf } from '../../src/content/sanitize.js';

test('scripts, handlers, javascript: links, frames and styles are removed', () => {
  const dirty =
    '<p onclick="x()">نص<script>alert(1)</script></p><img src=x onerror=alert(1)><a href="javascript:alert(1)">رابط</a>' +
    '<iframe src="https://evil.example"></iframe><p style="background:url(javascript:alert(1))">ب</p><a href="//evil.example">c</a>';
  const clean = sanitizeBody(dirty);
  for (const bad of ['script', 'onclick', 'onerror', 'javascript:', 'iframe', 'style=', '//evil']) {
    assert.ok(!clean.includes(bad), `${bad} in ${clean}`);
  }
  assert.ok(clean.includes('<p>نص</p>'));
});

test('allowed structure survives and links get rel=noopener', () => {
  const clean = sanitizeBody('<h2>عنوان</h2><blockquote>اقتباس</blockquote><a href="https://example.com">x</a>');
  assert.ok(clean.includes('<h2>عنوان</h2>'));
  assert.ok(clean.includes('<a href="https://example.com" rel="noopener">x</a>'));
});

test('text, word counts and excerpts', () => {
  assert.equal(textOf('<p>أ &amp; ب</p><p>ج&lt;</p>'), 'أ & ب ج<');
  assert.equal(textOf('<p>&amp;lt;</p>'), '&lt;');
  assert.equal(countWords('الصين وروسيا، تحالف 2024'), 4);
  const ex = excerptOf('كلمة '.repeat(100), 50);
  assert.ok(ex.endsWith('…') && ex.length <= 51);
});

test('plain paragraphs become escaped <p> elements', () => {
  assert.equal(paragraphsToHtml('أ <b>\n\nب\nج'), '<p>أ &lt;b&gt;</p>\n<p>ب<br>ج</p>');
});
