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
