import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DatabaseLimitStore } from '../../src/limits/database-limit-store.js';
import type { LimitStore } from '../../src/limits/limit-store.js';
import { RedisLimitStore } from '../../src/limits/redis-limit-store.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

/** Every limit store keeps the same rules: one scenario, with a clock the test moves, on each of them. */

const REDIS_URL = process.env.SAFIR_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const kinds = [...DIALECTS, 'redis'] as const;

for (const kind of kinds) {
  describe(`limit store: ${kind}`, () => {
    let clock = Date.parse('2026-12-01T10:00:00Z');
    const now = () => clock;
    let store: LimitStore;
    let db: TestDatabase | undefined;
    let redis: RedisLimitStore | undefined;
    before(async () => {
      if (kind === 'redis')
        store = redis = await RedisLimitStore.connect(REDIS_URL, `safir-test-${randomBytes(4).toString('hex')}:`, now);
      else {
        db = await createTestDatabase(kind);
        store = new DatabaseLimitStore(db.db, now);
      }
    });
    after(async () => {
      await redis?.close();
      await db?.drop();
    });

    test('a window counts, locks at the limit, and starts again when the lock ends', async () => {
      const rule = { limit: 3, windowMs: 60_000, lockMs: 60_000 };
      assert.deepEqual(await store.hit('k', rule), { count: 1, lockedUntil: null });
      assert.deepEqual(await store.hit('k', rule), { count: 2, lockedUntil: null });
      const third = await store.hit('k', rule);
      assert.equal(third.count, 3);
      assert.equal(third.lockedUntil, new Date(clock + 60_000).toISOString());
      clock += 30_000; // locked: every hit still counts
      const fourth = await store.hit('k', rule);
      assert.equal(fourth.count, 4);
      assert.equal(fourth.lockedUntil, third.lockedUntil);
      clock += 31_000; // the lock has ended
      assert.deepEqual(await store.hit('k', rule), { count: 1, lockedUntil: null });
    });

    test('a window that has passed starts a new count; forgive takes one back; reset forgets', async () => {
      const rule = { limit: 10, windowMs: 1000, lockMs: 1000 };
      await store.hit('w', rule);
      await store.hit('w', rule);
      await store.forgive('w');
      assert.equal((await store.hit('w', rule)).count, 2);
      clock += 1001;
      assert.equal((await store.hit('w', rule)).count, 1);
      await store.reset('w');
      assert.equal((await store.hit('w', rule)).count, 1);
      const endless = { limit: 2, windowMs: Infinity, lockMs: 5000 };
      await store.hit('e', endless);
      clock += 10 * 24 * 3600_000; // "in a row" never expires by age
      assert.equal((await store.hit('e', endless)).count, 2);
    });

    test('100 parallel hits count 100', async () => {
      const rule = { limit: 20, windowMs: 60_000, lockMs: 60_000 };
      const counts = await Promise.all(Array.from({ length: 100 }, () => store.hit('p', rule)));
      assert.deepEqual(
        counts.map((c) => c.count).sort((a, b) => a - b),
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
    });
  });
}
