import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/accounts/password.js';
import { ACCOUNT_FAILURE_LIMIT, AccountService, IP_FAILURE_LIMIT } from '../../src/accounts/service.js';
import { serverSecret } from '../../src/accounts/secret.js';
import { acceptedTotpStep, newTotpSecret, totpCode } from '../../src/accounts/totp.js';
import { can, canEditArticle } from '../../src/accounts/roles.js';
import { AppError } from '../../src/shared/errors.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

test('scrypt hashes verify only the right password and never contain it', async () => {
  const hash = await hashPassword('كلمة-سر-طويلة-جداً');
  assert.match(hash, /^scrypt\$32768\$8\$1\$/);
  assert.ok(!hash.includes('كلمة'));
  assert.equal(await verifyPassword('كلمة-سر-طويلة-جداً', hash), true);
  assert.equal(await verifyPassword('كلمة-سر-طويلة-جدا', hash), false);
  assert.notEqual(await hashPassword('same password'), await hashPassword('same password'), 'salted');
});

test('TOTP matches RFC 6238 test vector and accepts one step of drift', () => {
  // RFC 6238 appendix B, SHA-1 key "12345678901234567890" = base32 below, T = 59 s → 94287082 (8 digits; we use 6).
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  assert.equal(totpCode(secret, 59_000), '287082');
  assert.equal(acceptedTotpStep(secret, '287082', 59_000 + 30_000), 1, 'a step late is accepted');
  assert.equal(acceptedTotpStep(secret, '٢٨٧٠٨٢', 59_000), 1, 'Arabic-Indic digits');
  assert.equal(acceptedTotpStep(secret, '287082', 59_000 + 90_000), undefined, 'three steps late is not');
  assert.equal(acceptedTotpStep(secret, '287082', 59_000, 1), undefined, 'a spent step is refused');
  assert.equal(acceptedTotpStep('not base32!', '287082', 59_000), undefined);
  assert.match(newTotpSecret(), /^[A-Z2-7]{32}$/);
});

test('roles: WordPress meanings', () => {
  const actor = (role: 'administrator' | 'editor' | 'author' | 'contributor') => ({ id: 1, role, authorId: 7 });
  assert.ok(can(actor('administrator'), 'manage_users'));
  assert.ok(!can(actor('editor'), 'manage_users'));
  assert.ok(can(actor('editor'), 'edit_others_articles'));
  assert.ok(can(actor('author'), 'upload_media') && !can(actor('contributor'), 'upload_media'));
  assert.ok(!can(actor('contributor'), 'publish_articles'));
  const own = { author_id: 7, status: 'published' as const };
  const others = { author_id: 8, status: 'draft' as const };
  assert.ok(canEditArticle(actor('author'), own));
  assert.ok(!canEditArticle(actor('author'), others));
  assert.ok(!canEditArticle(actor('contributor'), own), 'contributors cannot touch published articles');
  assert.ok(canEditArticle(actor('contributor'), { author_id: 7, status: 'pending' }));
  assert.ok(canEditArticle(actor('editor'), others));
});

for (const dialect of DIALECTS) {
  describe(`accounts on ${dialect}`, () => {
    let db: TestDatabase;
    let accounts: AccountService;
    let clock = Date.parse('2026-11-26T10:00:00Z');
    before(async () => {
      db = await createTestDatabase(dialect);
      accounts = new AccountService(db.db, await serverSecret(db.db), () => clock);
    });
    after(() => db.drop());

    test('creating a user validates input, lower-cases the email and gives them an author profile', async () => {
      const user = await accounts.createUser({
        email: ' Editor@Example.COM ',
        name: 'هالة التحرير',
        role: 'editor',
        password: 'correct horse battery',
      });
      assert.equal(user.email, 'editor@example.com');
      const author = await db.db.selectFrom('authors').selectAll().where('id', '=', user.author_id).executeTakeFirst();
      assert.equal(author?.name, 'هالة التحرير');
      await assert.rejects(
        accounts.createUser({ email: 'editor@example.com', name: 'x', role: 'editor', password: 'long enough pw' }),
        (e: AppError) => e.code === 'EMAIL_TAKEN' && e.status === 409,
      );
      for (const bad of [
        { email: 'not-an-email', name: 'x', role: 'editor', password: 'long enough pw' },
        { email: 'a@b.co', name: '', role: 'editor', password: 'long enough pw' },
        { email: 'a@b.co', name: 'x', role: 'king', password: 'long enough pw' },
        { email: 'a@b.co', name: 'x', role: 'editor', password: 'short' },
      ] as const) {
        await assert.rejects(accounts.createUser(bad as never), (e: AppError) => e.status === 400 && !!e.field);
      }
      assert.equal((await accounts.listUsers()).length, 1, 'nothing half-written');
    });

    test('sign-in: right password, wrong password, unknown email look alike; 20 failures lock the account', async () => {
      await accounts.createUser({
        email: 'lock@example.com',
        name: 'Lock',
        role: 'author',
        password: 'the right password',
      });
      const ok = await accounts.signIn('LOCK@example.com', 'the right password', '10.0.0.1');
      assert.equal(ok.ok, true);
      assert.deepEqual(await accounts.signIn('lock@example.com', 'wrong', '10.0.0.1'), {
        ok: false,
        reason: 'invalid',
      });
      assert.deepEqual(await accounts.signIn('nobody@example.com', 'wrong', '10.0.0.1'), {
        ok: false,
        reason: 'invalid',
      });
      for (let i = 1; i < ACCOUNT_FAILURE_LIMIT; i++)
        await accounts.signIn('lock@example.com', `wrong ${i}`, `10.0.1.${i}`);
      const locked = await accounts.signIn('lock@example.com', 'the right password', '10.0.0.9');
      assert.deepEqual(locked, { ok: false, reason: 'locked' }, 'even the right password is refused while locked');
      clock += 16 * 60_000;
      assert.equal(
        (await accounts.signIn('lock@example.com', 'the right password', '10.0.0.9')).ok,
        true,
        'lock expires',
      );
    });

    test('one address is refused after 100 failures across any accounts; another address is not', async () => {
      await accounts.createUser({
        email: 'ipvictim@example.com',
        name: 'IP',
        role: 'author',
        password: 'ip right password',
      });
      for (let i = 0; i < IP_FAILURE_LIMIT; i++) await accounts.signIn(`guess${i}@example.com`, 'wrong', '10.66.0.1');
      assert.deepEqual(await accounts.signIn('ipvictim@example.com', 'ip right password', '10.66.0.1'), {
        ok: false,
        reason: 'locked',
      });
      assert.equal((await accounts.signIn('ipvictim@example.com', 'ip right password', '10.66.0.2')).ok, true);
    });

    test('sessions: token stored only as a hash, sliding expiry, sign out everywhere', async () => {
      const user = (await accounts.userByEmail('lock@example.com'))!;
      const a = await accounts.createSession(user.id, 'ua-1');
      const b = await accounts.createSession(user.id, 'ua-2');
      const rows = await db.db.selectFrom('sessions').select('id').execute();
      assert.ok(rows.every((r) => r.id !== a.token && r.id !== b.token));
      assert.equal((await accounts.sessionByToken(a.token))?.user.id, user.id);
      assert.equal(await accounts.sessionByToken('forged'), undefined);
      assert.equal(await accounts.endAllSessions(user.id), 2);
      assert.equal(await accounts.sessionByToken(b.token), undefined);
    });

    test('a reset token works once and ends old sessions', async () => {
      const user = (await accounts.userByEmail('lock@example.com'))!;
      const session = await accounts.createSession(user.id, 'ua');
      const token = await accounts.createResetToken(user.id);
      assert.equal((await accounts.resetTokenUser(token))?.id, user.id);
      await accounts.resetPassword(token, 'a brand new password');
      await assert.rejects(accounts.resetPassword(token, 'another new password'), (e: AppError) => e.status === 400);
      assert.equal(await accounts.sessionByToken(session.token), undefined);
      assert.equal((await accounts.signIn('lock@example.com', 'a brand new password', '10.0.0.1')).ok, true);
    });

    test('two-factor: the password opens a half session that only a valid code completes, and a code works once', async () => {
      const user = (await accounts.userByEmail('lock@example.com'))!;
      const secret = newTotpSecret();
      assert.equal(await accounts.setTotpSecret(user.id, secret, '000000'), false, 'a wrong code turns nothing on');
      assert.equal(await accounts.setTotpSecret(user.id, secret, totpCode(secret, clock)), true);
      clock += 30_000;
      const r = await accounts.signIn('lock@example.com', 'a brand new password', '10.0.0.1');
      assert.ok(r.ok && r.needsSecondFactor);
      const half = await accounts.createSession(user.id, 'ua', false);
      assert.equal(await accounts.verifySecondFactor(half.token, '000000'), null);
      const code = totpCode(secret, clock);
      const full = await accounts.verifySecondFactor(half.token, code);
      assert.ok(full && full.session.verified === 1);
      assert.equal(await accounts.sessionByToken(half.token), undefined, 'the half session is gone');

      // The same code again, within its window, from a fresh half session: refused.
      const replay = await accounts.createSession(user.id, 'ua', false);
      assert.equal(await accounts.verifySecondFactor(replay.token, code), null, 'a code accepted once is refused');
      clock += 10_000;
      assert.equal(await accounts.verifySecondFactor(replay.token, code), null, 'still refused later in its window');
      // Two requests racing with the next code: exactly one wins.
      clock += 30_000;
      const next = totpCode(secret, clock);
      const [a, b] = await Promise.all([
        accounts.createSession(user.id, 'ua', false),
        accounts.createSession(user.id, 'ua', false),
      ]);
      const won = await Promise.all([
        accounts.verifySecondFactor(a.token, next),
        accounts.verifySecondFactor(b.token, next),
      ]);
      assert.equal(won.filter(Boolean).length, 1);
    });

    test('deleting an account credits its articles to another author and removes its profile', async () => {
      const gone = await accounts.createUser({
        email: 'gone@example.com',
        name: 'مغادر',
        role: 'author',
        password: 'leaving password',
      });
      const stays = (await accounts.userByEmail('editor@example.com'))!;
      const category = await db.db
        .insertInto('categories')
        .values({ slug: 'c', name: 'c', description: '', parent_id: null, position: 0 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.db
        .insertInto('articles')
        .values({
          slug: 'a-gone',
          title: 't',
          excerpt: '',
          body_html: '<p>x</p>',
          status: 'draft',
          published_at: null,
          created_at: '2026-01-01T00:00:00.000Z',
          updated_at: '2026-01-01T00:00:00.000Z',
          author_id: gone.author_id,
          category_id: category.id,
          featured_media_id: null,
          featured: 0,
          breaking: 0,
          seo_title: '',
          seo_description: '',
          word_count: 1,
          source_id: null,
        })
        .execute();
      await accounts.deleteUser(gone.id, stays.author_id);
      assert.equal(await accounts.userById(gone.id), undefined);
      assert.equal(
        (await db.db.selectFrom('articles').select('author_id').where('slug', '=', 'a-gone').executeTakeFirstOrThrow())
          .author_id,
        stays.author_id,
      );
      assert.equal(
        await db.db.selectFrom('authors').select('id').where('id', '=', gone.author_id).executeTakeFirst(),
        undefined,
      );
    });

    test('the last administrator cannot be demoted or deleted', async () => {
      const admin = await accounts.createUser({
        email: 'root@example.com',
        name: 'Root',
        role: 'administrator',
        password: 'root password!',
      });
      await assert.rejects(
        accounts.updateUser(admin.id, { role: 'editor' }),
        (e: AppError) => e.code === 'LAST_ADMINISTRATOR',
      );
      await assert.rejects(
        accounts.deleteUser(admin.id, admin.author_id),
        (e: AppError) => e.code === 'LAST_ADMINISTRATOR',
      );
    });
  });
}
