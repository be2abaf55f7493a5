import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';

for (const dialect of DIALECTS) {
  describe(`health and readiness for load balancers (${dialect})`, () => {
    let site: TestSite;
    before(async () => {
      site = await startSite(dialect, { seed: false });
    });
    after(() => site.close());

    test('/readyz is 503 while a migration is missing, without naming it; /healthz is 200 all along', async () => {
      const get = async (path: string) => {
        const res = await fetch(site.base + path);
        return { status: res.status, cache: res.headers.get('cache-control'), text: await res.text() };
      };
      assert.deepEqual(await get('/readyz'), { status: 200, cache: 'no-store', text: '{"status":"ready"}' });
      const last = await site.db.db
        .selectFrom('kysely_migration' as never)
        .selectAll()
        .orderBy('name' as never, 'desc')
        .executeTakeFirstOrThrow();
      const name = (last as { name: string }).name;
      await site.db.db
        .deleteFrom('kysely_migration' as never)
        .where('name' as never, '=', name as never)
        .execute();
      try {
        await new Promise((r) => setTimeout(r, 1100)); // a "ready" holds for a second
        const pending = await get('/readyz');
        assert.equal(pending.status, 503);
        assert.equal(pending.text, '{"status":"migrations-pending"}', 'no migration named to strangers');
        assert.equal((await get('/healthz')).status, 200, 'the process lives');
      } finally {
        await site.db.db
          .insertInto('kysely_migration' as never)
          .values(last as never)
          .execute();
      }
      assert.equal((await get('/readyz')).status, 200);
    });
  });
}
