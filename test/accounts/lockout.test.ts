import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AccountService, ACCOUNT_FAILURE_LIMIT } from '../../src/accounts/service.js';
import { serverSecret } from '../../src/accounts/secret.js';
import { newTotpSecret, totpCode } from '../../src/accounts/totp.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

for (const dialect of DIALECTS) {
  describe(`the sign-in lockout counts every attempt exactly, however many run at once (${dialect})`, () => {
    let db: TestDatabase;
    let accounts: AccountService;
    before(async () => {
      db = await createTestDatabase(dialect);
      accounts = new AccountService(db.db, await serverSecret(db.db));
      await accounts.createUser({
        email: 'target@safir.test',
        name: 'هدف',
        role: 'editor',
        password: 'the right password',
      });
    });
    after(async () => {
      await db.drop();
    });

    const failures = async (key: string) =>
      Number(
        (await db.db.selectFrom('auth_throttle').select('failures').where('key', '=', key).executeTakeFirst())
          ?.failures ?? 0,
      );

    test('100 parallel wrong passwords through the service count 100, lock the account, and at most 20 are checked', async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => accounts.signIn('target@safir.test', `wrong ${i}`, `10.1.0.${i % 50}`)),
      );
      assert.equal(await failures('account:target@safir.test'), 100);
      const checked = results.filter((r) => !r.ok && r.reason === 'invalid').length;
      assert.ok(
        checked <= ACCOUNT_FAILURE_LIMIT,
        `${checked} passwords were checked; the rest must be refused unchecked`,
      );
      const right = await accounts.signIn('target@safir.test', 'the right password', '10.9.9.9');
      assert.deepEqual(right, { ok: false, reason: 'locked' }, 'locked: even the right password is refused');
      await db.db.deleteFrom('auth_throttle').execute();
    });

    test('parallel second-factor guesses: at most 10 codes are ever checked', async () => {
      const user = (await accounts.userByEmail('target@safir.test'))!;
      const secret = newTotpSecret();
      await db.db.updateTable('users').set({ totp_secret: secret }).where('id', '=', user.id).execute();
      let checked = 0;
      const accept = accounts.acceptTotp.bind(accounts);
      accounts.acceptTotp = async (u, code) => {
        checked++;
        return accept(u, code);
      };
      try {
        const halves = await Promise.all(
          Array.from({ length: 60 }, () => accounts.createSession(user.id, 'ua', false)),
        );
        const done = await Promise.all(halves.map((h, i) => accounts.verifySecondFactor(h.token, String(100000 + i))));
        assert.ok(done.every((d) => d === null));
        assert.ok(checked <= 10, `${checked} codes were checked`);
        const right = await accounts.createSession(user.id, 'ua', false);
        assert.equal(
          await accounts.verifySecondFactor(right.token, totpCode(secret)),
          null,
          'locked: even the right code',
        );
      } finally {
        accounts.acceptTotp = accept;
        await db.db.updateTable('users').set({ totp_secret: null }).where('id', '=', user.id).execute();
        await db.db.deleteFrom('auth_throttle').execute();
      }
    });
  });
}
