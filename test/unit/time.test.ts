import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Formatter } from '../../src/i18n/format.js';
import { instant, isInstant, parseInstant, utcToZoned } from '../../src/shared/time.js';

test('times with Z or an offset become the UTC instant, in the one stored form', () => {
  assert.equal(parseInstant('2026-11-26T09:00:00+03:00', 'Europe/London'), '2026-11-26T06:00:00.000Z');
  assert.equal(parseInstant('2026-11-26T09:00:00Z', 'Asia/Riyadh'), '2026-11-26T09:00:00.000Z');
  assert.equal(parseInstant('2026-11-26T09:00-0530', 'UTC'), '2026-11-26T14:30:00.000Z');
  assert.equal(parseInstant('2026-11-26 09:00:00.5+00:00', 'UTC'), '2026-11-26T09:00:00.500Z');
  assert.ok(isInstant(parseInstant('2026-11-26T09:00:00+03:00', 'UTC')));
});

test('a wall-clock time without an offset is read in the site zone, across daylight saving', () => {
  assert.equal(parseInstant('2026-11-26T09:00', 'Asia/Riyadh'), '2026-11-26T06:00:00.000Z');
  assert.equal(parseInstant('2026-07-01T12:00', 'Europe/London'), '2026-07-01T11:00:00.000Z');
  assert.equal(parseInstant('2026-01-01T12:00', 'Europe/London'), '2026-01-01T12:00:00.000Z');
  assert.equal(utcToZoned('2026-11-26T06:00:00.000Z', 'Asia/Riyadh'), '2026-11-26T09:00');
});

test('daylight saving in Cairo, Beirut and London: summer and winter, a skipped hour, a repeated hour', () => {
  for (const zone of ['Africa/Cairo', 'Asia/Beirut']) {
    assert.equal(parseInstant('2026-07-01T12:00', zone), '2026-07-01T09:00:00.000Z', `${zone} summer (UTC+3)`);
    assert.equal(parseInstant('2026-01-15T12:00', zone), '2026-01-15T10:00:00.000Z', `${zone} winter (UTC+2)`);
    assert.equal(utcToZoned('2026-07-01T09:00:00.000Z', zone), '2026-07-01T12:00');
    assert.equal(utcToZoned('2026-01-15T10:00:00.000Z', zone), '2026-01-15T12:00');
  }
  // London, 29 March 2026: 01:00 GMT becomes 02:00 BST; 01:30 never happens and is read as 02:30 BST.
  assert.equal(parseInstant('2026-03-29T01:30', 'Europe/London'), '2026-03-29T01:30:00.000Z');
  assert.equal(parseInstant('2026-03-29T02:30', 'Europe/London'), '2026-03-29T01:30:00.000Z');
  // 25 October 2026: 01:00–02:00 happens twice (BST, then GMT); the first is meant.
  assert.equal(parseInstant('2026-10-25T01:30', 'Europe/London'), '2026-10-25T00:30:00.000Z');
  assert.equal(parseInstant('2026-10-25T02:30', 'Europe/London'), '2026-10-25T02:30:00.000Z');
  // Beirut moves at midnight: 29 March 00:30 is skipped; 24 October 23:30 happens twice.
  assert.equal(parseInstant('2026-03-29T00:30', 'Asia/Beirut'), '2026-03-28T22:30:00.000Z');
  assert.equal(parseInstant('2026-10-24T23:30', 'Asia/Beirut'), '2026-10-24T20:30:00.000Z');
});

test('garbage, impossible dates and out-of-range values are refused', () => {
  for (const bad of [
    '1 garbage',
    '',
    'tomorrow',
    '2026-02-30T10:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-11-26T24:00:00Z',
    '2026-11-26T10:60:00Z',
    '2026-11-26T10:00:61Z',
    '2026-11-26T10:00:00+15:00',
    '2026-11-26T10:00:00+03:75',
    '99999-01-01T00:00:00Z',
    '0999-01-01T00:00:00Z',
    '2026-11-26',
    '26/11/2026 09:00',
    'Thu, 26 Nov 2026 07:35:55 GMT',
    '2026-11-26T09:00:00+03:00 trailing',
  ])
    assert.equal(parseInstant(bad, 'Asia/Riyadh'), undefined, bad);
});

test('stored values that are not times render as nothing, never an exception', () => {
  const fmt = new Formatter({ lang: 'ar', dateStyle: 'both', digits: 'arabic', timeZone: 'Asia/Riyadh' });
  for (const bad of ['1 garbage', '', 'NaN', '2026-02-30T99:99']) {
    assert.equal(instant(bad), undefined);
    assert.equal(fmt.date(bad), '');
    assert.equal(fmt.time(bad), '');
    assert.equal(fmt.day(bad), '');
    assert.equal(utcToZoned(bad, 'Asia/Riyadh'), '');
  }
  assert.notEqual(fmt.date('2026-11-26T06:00:00.000Z'), '');
});
