import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { actorOf } from '../../src/accounts/roles.js';
import { AccountService } from '../../src/accounts/service.js';
import { serverSecret } from '../../src/accounts/secret.js';
import { Editorial } from '../../src/content/editorial.js';
import { ensureCategory } from '../../src/content/service.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

/**
 * Writes that pick a free name and then insert it (slugs, new tags) race when
 * they run at once; the unique index decides and writeTransaction re-runs the
 * loser, so every writer succeeds with a name of its own.
 */
for (const dialect of DIALECTS) {
  describe(`concurrent writes that choose names (${dialect})`, () => {
    let db: TestDatabase;
    let accounts: AccountService;
    before(async () => {
      db = await createTestDatabase(dialect);
      accounts = new AccountService(db.db, await serverSecret(db.db));
    });
    after(() => db.drop());

    test('ten accounts with the same name at once get ten author slugs', async () => {
      const users = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          accounts.createUser({
            email: `same${i}@safir.test`,
            name: 'عابر سبيل',
            role: 'author',
            password: 'a long password',
          }),
        ),
      );
      const slugs = await db.db
        .selectFrom('authors')
        .select('slug')
        .where(
          'id',
          'in',
          users.map((u) => u.author_id),
        )
        .execute();
      assert.equal(new Set(slugs.map((s) => s.slug)).size, 10);
    });

    test('ten articles with the same title and a new tag, saved at once, all land with their own slugs and one tag', async () => {
      const editor = await accounts.createUser({
        email: 'ed@safir.test',
        name: 'محرر',
        role: 'editor',
        password: 'a long password',
      });
      const categoryId = await ensureCategory(db.db, { name: 'سياسة' });
      const editorial = new Editorial(db.db);
      const ids = await Promise.all(
        Array.from({ length: 10 }, () =>
          editorial.save(
            actorOf(editor),
            undefined,
            { title: 'خبر عاجل', bodyHtml: '<p>نص</p>', categoryId, tagNames: ['وسم جديد تماماً'] },
            'save',
          ),
        ),
      );
      const rows = await db.db.selectFrom('articles').select('slug').where('id', 'in', ids).execute();
      assert.equal(new Set(rows.map((r) => r.slug)).size, 10);
      const tags = await db.db.selectFrom('tags').select('id').where('name', '=', 'وسم جديد تماماً').execute();
      assert.equal(tags.length, 1);
    });
  });
}
