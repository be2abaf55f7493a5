import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { client, createStaff, PASSWORD, signIn } from '../helpers/admin.js';
import { startSite, type TestSite } from '../helpers/server.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('signing in', () => {
  let site: TestSite;
  let logs = '';
  before(async () => {
    const stream = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    site = await startSite('sqlite', { app: { trustProxy: '127.0.0.1', logger: { level: 'trace', stream } } });
    await createStaff(site);
  });
  after(() => site.close());

  async function attempt(email: string, password: string, headers: Record<string, string> = {}) {
    const c = client(site);
    await c.request('GET', '/admin/sign-in', undefined, headers);
    const t = performance.now();
    const r = await c.request('POST', '/admin/sign-in', { _csrf: c.csrf, email, password }, headers);
    return { ...r, ms: performance.now() - t };
  }

  test('the session cookie is HttpOnly, SameSite=Lax, and Secure over HTTPS', async () => {
    const plain = await attempt('editor@safir.test', PASSWORD);
    assert.equal(plain.status, 303);
    const cookie = plain.headers.getSetCookie().find((c) => c.startsWith('safir_session='))!;
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Path=\//);
    assert.doesNotMatch(cookie, /Secure/, 'plain HTTP on loopback: no Secure, or the browser would drop it');
    // Behind an HTTPS proxy: Secure, and the __Host- prefix so no subdomain or plain-HTTP page can plant or shadow it.
    const https = await attempt('editor@safir.test', PASSWORD, { 'x-forwarded-proto': 'https' });
    assert.equal(https.status, 303);
    const secure = https.headers.getSetCookie().find((c) => c.startsWith('__Host-safir_session='))!;
    assert.match(secure, /; Secure/);
    assert.match(secure, /; HttpOnly/);
    assert.match(secure, /; Path=\//);
    assert.doesNotMatch(secure, /Domain=/i);
  });

  test('sign-in starts a new session id; a password change and a change of role end the other sessions', async () => {
    const a = await signIn(site, 'author@safir.test', PASSWORD);
    const first = a.cookie;
    await a.request('GET', '/admin/sign-in');
    await a.request('POST', '/admin/sign-in', { _csrf: a.csrf, email: 'author@safir.test', password: PASSWORD });
    assert.notEqual(a.cookie, first, 'signing in again issues a new session id');
    const stale = client(site);
    const token = /safir_session=([^;]+)/.exec(first)![1]!;
    assert.equal((await stale.request('GET', '/admin', undefined, { cookie: `safir_session=${token}` })).status, 303);

    const other = await signIn(site, 'author@safir.test', PASSWORD);
    await a.request('GET', '/admin/profile');
    const changed = await a.request('POST', '/admin/profile/password', {
      _csrf: a.csrf,
      current: PASSWORD,
      password: 'a new long password',
    });
    assert.equal(changed.status, 303);
    assert.equal((await a.request('GET', '/admin')).status, 200, 'this browser stays signed in');
    assert.equal((await other.request('GET', '/admin')).status, 303, 'every other session ended');

    const admin = await signIn(site, 'administrator@safir.test', PASSWORD);
    await admin.request('GET', '/admin/users');
    const author = (await site.services.accounts.userByEmail('author@safir.test'))!;
    const role = await admin.request('POST', `/admin/users/${author.id}/role`, { _csrf: admin.csrf, role: 'editor' });
    assert.equal(role.status, 303);
    assert.equal((await a.request('GET', '/admin')).status, 303, "a change of role ends the person's sessions");
  });

  test('a sign-in form without its token is refused', async () => {
    const res = await fetch(`${site.base}/admin/sign-in`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'editor@safir.test', password: PASSWORD }),
      redirect: 'manual',
    });
    assert.equal(res.status, 403);
  });

  test('wrong password and unknown email get the same answer in about the same time', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i++) {
      const a = await attempt('author@safir.test', `wrong ${i}`);
      const b = await attempt(`nobody${i}@safir.test`, `wrong ${i}`);
      assert.equal(a.status, 401);
      assert.equal(b.status, 401);
      assert.equal(a.text.replace(/value="[^"]*"/g, ''), b.text.replace(/value="[^"]*"/g, ''), 'same page');
      known.push(a.ms);
      unknown.push(b.ms);
    }
    const [k, u] = [median(known), median(unknown)];
    assert.ok(Math.abs(k - u) < Math.max(k, u) * 0.35, `median ${k.toFixed(1)} ms vs ${u.toFixed(1)} ms`);
    // Both include a full scrypt: an unknown email is not answered early.
    assert.ok(u > 20, `unknown email answered in ${u.toFixed(1)} ms`);
  });

  test('20 wrong passwords in a row lock the account, even against the right password; unknown emails lock alike', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await attempt('contributor@safir.test', `nope ${i}`)).status, 401);
    const locked = await attempt('contributor@safir.test', PASSWORD);
    assert.equal(locked.status, 429);
    assert.match(locked.text, /محاولات كثيرة/);
    for (let i = 0; i < 20; i++) await attempt('ghost@safir.test', `nope ${i}`);
    const ghost = await attempt('ghost@safir.test', 'anything');
    assert.equal(ghost.status, 429, 'an address without an account locks the same way');
    // Another account is not affected.
    assert.equal((await attempt('administrator@safir.test', PASSWORD)).status, 303);
  });

  test('passwords never reach the log', async () => {
    await attempt('editor@safir.test', 'a very distinctive wrong password');
    await signIn(site, 'editor@safir.test', PASSWORD);
    assert.ok(logs.length > 1000, 'the log was written');
    assert.ok(!logs.includes(PASSWORD));
    assert.ok(!logs.includes('distinctive'));
    assert.ok(!logs.includes('%20long%20test'), 'nor URL-encoded');
  });

  test('sign out ends the session; signing out everywhere ends them all', async () => {
    const a = await signIn(site, 'editor@safir.test', PASSWORD);
    const b = await signIn(site, 'editor@safir.test', PASSWORD);
    assert.equal((await a.request('GET', '/admin')).status, 200);
    await a.request('POST', '/admin/sign-out', { _csrf: a.csrf });
    assert.equal((await a.request('GET', '/admin')).status, 303);
    assert.equal((await b.request('GET', '/admin')).status, 200);
    const c = await signIn(site, 'editor@safir.test', PASSWORD);
    await c.request('POST', '/admin/sign-out-everywhere', { _csrf: c.csrf });
    assert.equal((await b.request('GET', '/admin')).status, 303, 'the other browser is signed out too');
  });
});
