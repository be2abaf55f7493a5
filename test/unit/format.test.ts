import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Formatter, readingMinutes } from '../../src/i18n/format.js';
import { messagesFor } from '../../src/i18n/messages.js';

const ar = new Formatter({ lang: 'ar', dateStyle: 'both', digits: 'latin', timeZone: 'Asia/Riyadh' });
const t = messagesFor('ar');

test('reading time uses all Arabic plural forms', () => {
  assert.equal(ar.plural(t.readingTime, 1), 'دقيقة واحدة');
  assert.equal(ar.plural(t.readingTime, 2), 'دقيقتان');
  assert.equal(ar.plural(t.readingTime, 3), '3 دقائق');
  assert.equal(ar.plural(t.readingTime, 10), '10 دقائق');
  assert.equal(ar.plural(t.readingTime, 11), '11 دقيقة');
  assert.equal(ar.plural(t.readingTime, 100), '100 دقيقة');
});

test('article counts use zero, one, two, few, many and other', () => {
  assert.deepEqual(
    [0, 1, 2, 5, 11, 100].map((n) => ar.plural(t.articleCount, n)),
    ['لا توجد مقالات', 'مقال واحد', 'مقالان', '5 مقالات', '11 مقالاً', '100 مقال'],
  );
});

test('dates: Gregorian with Arabic month names, Hijri (Umm al-Qura), or both', () => {
  const iso = '2021-12-14T09:00:00Z';
  assert.equal(ar.gregorianDate(iso), '14 ديسمبر 2021');
  assert.equal(ar.hijriDate(iso), '10 جمادى الأولى 1443 هـ');
  assert.equal(ar.date(iso), '14 ديسمبر 2021 - 10 جمادى الأولى 1443 هـ');
  const hijriOnly = new Formatter({ lang: 'ar', dateStyle: 'hijri', digits: 'latin', timeZone: 'Asia/Riyadh' });
  assert.equal(hijriOnly.date(iso), '10 جمادى الأولى 1443 هـ');
});

test('the date follows the site time zone', () => {
  const iso = '2021-12-14T22:30:00Z';
  assert.equal(ar.gregorianDate(iso), '15 ديسمبر 2021');
  const utc = new Formatter({ lang: 'ar', dateStyle: 'gregorian', digits: 'latin', timeZone: 'UTC' });
  assert.equal(utc.date(iso), '14 ديسمبر 2021');
});

test('Arabic-Indic digits as a setting', () => {
  const indic = new Formatter({ lang: 'ar', dateStyle: 'gregorian', digits: 'arabic', timeZone: 'UTC' });
  assert.equal(indic.plural(t.readingTime, 3), '٣ دقائق');
  assert.equal(indic.date('2021-12-14T09:00:00Z'), '١٤ ديسمبر ٢٠٢١');
  assert.equal(indic.digits(2026), '٢٠٢٦');
});

test('English sites read in English', () => {
  const en = new Formatter({ lang: 'en', dateStyle: 'gregorian', digits: 'latin', timeZone: 'UTC' });
  assert.equal(en.plural(messagesFor('en').readingTime, 1), '1 min read');
  assert.equal(en.plural(messagesFor('en').readingTime, 4), '4 min read');
  assert.equal(en.date('2021-12-14T09:00:00Z'), '14 December 2021');
});

test('reading time is at least a minute at 200 words a minute', () => {
  assert.equal(readingMinutes(0), 1);
  assert.equal(readingMinutes(450), 2);
  assert.equal(readingMinutes(2200), 11);
});
