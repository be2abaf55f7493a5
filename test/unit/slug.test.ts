import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidSlug, slugify, uniqueSlug } from '../../src/content/slug.js';

test('Arabic titles keep their letters; punctuation becomes hyphens', () => {
  assert.equal(slugify('الصين وروسيا، تحالف الضرورة ضد عدو مشترك'), 'الصين-وروسيا-تحالف-الضرورة-ضد-عدو-مشترك');
});

test('diacritics and tatweel are dropped, Latin is lowercased', () => {
  assert.equal(slugify('مُكافَحـــة Covid-19!'), 'مكافحة-covid-19');
});

test('long slugs are cut at a hyphen within the limit', () => {
  const slug = slugify('كلمة '.repeat(40));
  assert.ok([...slug].length <= 80);
  assert.ok(!slug.endsWith('-'));
});

test('isValidSlug accepts Arabic and Latin slugs and refuses traversal and odd characters', () => {
  assert.ok(isValidSlug('الصين-وروسيا'));
  assert.ok(isValidSlug('about-us-2'));
  for (const bad of ['', '..', '../etc/passwd', 'a--b', '-a', 'a b', 'a/b', '<script>', 'x'.repeat(201)]) {
    assert.equal(isValidSlug(bad), false, bad);
  }
});

test('uniqueSlug appends the first free number', async () => {
  const taken = new Set(['خبر', 'خبر-2']);
  assert.equal(await uniqueSlug('خبر', async (s) => taken.has(s)), 'خبر-3');
  assert.equal(await uniqueSlug('جديد', async (s) => taken.has(s)), 'جديد');
});
