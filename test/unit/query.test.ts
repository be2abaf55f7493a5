import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalPath } from '../../src/shared/query.js';

test('canonical paths compare raw and percent-encoded Arabic equal, and reject broken encoding', () => {
  const encoded = `/tag/${encodeURIComponent('روسيا')}`;
  assert.equal(canonicalPath('/tag/روسيا'), encoded);
  assert.equal(canonicalPath(`${encoded}/?page=2`), encoded);
  assert.equal(canonicalPath('/tag/%E0%A4%A'), undefined);
});
