import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/shared/errors.js';
import { canonicalPath, parseIntParam, parsePage } from '../../src/shared/query.js';

test('page numbers: absent is 1; junk is a 400 AppError', () => {
  assert.equal(parsePage(undefined), 1);
  assert.equal(parsePage('7'), 7);
  for (const bad of ['0', '-1', '1.5', 'abc', '9999999', '1e3', ['1', '2']]) {
    assert.throws(
      () => parsePage(bad),
      (e: unknown) => e instanceof AppError && e.status === 400,
      String(bad),
    );
  }
});

test('bounded integers', () => {
  assert.equal(parseIntParam('limit', '100', 20, 1, 100), 100);
  assert.throws(() => parseIntParam('limit', '101', 20, 1, 100), AppError);
});

test('canonical paths compare raw and percent-encoded Arabic equal, and reject broken encoding', () => {
  const encoded = `/tag/${encodeURIComponent('روسيا')}`;
  assert.equal(canonicalPath('/tag/روسيا'), encoded);
  assert.equal(canonicalPath(`${encoded}/?page=2`), encoded);
  assert.equal(canonicalPath('/tag/%E0%A4%A'), undefined);
});
