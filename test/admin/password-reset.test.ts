import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totpCode } from '../../src/accounts/totp.js';
import { client, createStaff, PASSWORD, signIn } from '../helpers/admin.js';
import { startSite, type TestSite } from '../helpers/server.js';
import { mailText, startSmtp } from '../helpers/smtp.js';

describe('password reset by email, and two-factor sign-in', () => {
  let site: TestSite;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
    site = await startSite('sqlite', { app: { smtpUrl: smtp.url, mailFrom: 'Safir <desk@safir.test>' } });
    await createStaff(site);
  });
  after(async () => {
    await site.close();
    await smtp.close();
  });

  const forgot = async (email: string) => {
    const c = client(site);
    await c.request('GET', '/admin/forgot');
    return c.request('POST', '/admin/forgot', { _csrf: c.csrf, email });
  };

  test('a reset link arrives by SMTP, works once, and the old password stops working', async () => {
    const known = await forgot('author@safir.test');
    const unknown = await forgot('nobody@safir.test');
    assert.equal(known.status, 200);
    assert.equal(unknown.status, 200);
    assert.match(known.text, /إن كان للعنوان حساب/);
    assert.equal(
      known.text.replace(/value="[^"]*"/g, ''),
      unknown.text.replace(/value="[^"]*"/g, ''),
      'no hint whether the address exists',
    );
    for (let i = 0; i < 50 && smtp.mails.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(smtp.mails.length, 1, 'one mail, to the existing account only');
    assert.deepEqual(smtp.mails[0]!.to, ['author@safir.test']);
    const text = mailText(smtp.mails[0]!.raw);
    const link = /http:\/\/127\.0\.0\.1:\d+(\/admin\/reset\/[A-Za-z0-9_-]+)/.exec(text);
    assert.ok(link, text);

    // A second request within five minutes sends nothing more.
    await forgot('author@safir.test');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(smtp.mails.length, 1);

    const c = client(site);
    assert.equal((await c.request('GET', link[1]!)).status, 200);
    const weak = await c.request('POST', link[1]!, { _csrf: c.csrf, password: 'short' });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /قصيرة/);
    const done = await c.request('POST', link[1]!, { _csrf: c.csrf, password: 'my brand new password' });
    assert.equal(done.status, 303);
    const again = await c.request('POST', link[1]!, { _csrf: c.csrf, password: 'another new password' });
    assert.equal(again.status, 400, 'a link works once');
    await signIn(site, 'author@safir.test', 'my brand new password');
    await assert.rejects(signIn(site, 'author@safir.test', PASSWORD));
  });

  test('with two-factor sign-in on, the password alone opens nothing', async () => {
    const c = await signIn(site, 'editor@safir.test', PASSWORD);
    const start = await c.request('POST', '/admin/profile/two-factor', { _csrf: c.csrf, start: '1' });
    const secret = /name="secret" value="([A-Z2-7]{32})"/.exec(start.text)![1]!;
    const wrong = await c.request('POST', '/admin/profile/two-factor', { _csrf: c.csrf, secret, code: '000000' });
    assert.equal(wrong.status, 400);
    // The app's code from the step before (still accepted): the current step stays unspent for the sign-in below.
    const on = await c.request('POST', '/admin/profile/two-factor', {
      _csrf: c.csrf,
      secret,
      code: totpCode(secret, Date.now() - 30_000),
    });
    assert.equal(on.status, 303);

    const d = client(site);
    await d.request('GET', '/admin/sign-in');
    const first = await d.request('POST', '/admin/sign-in', {
      _csrf: d.csrf,
      email: 'editor@safir.test',
      password: PASSWORD,
    });
    assert.equal(first.status, 303);
    assert.match(first.location!, /^\/admin\/two-factor/);
    assert.equal((await d.request('GET', '/admin')).status, 303, 'half signed in is not signed in');
    assert.equal((await d.request('GET', '/api/v1/admin/articles')).status, 401);
    await d.request('GET', first.location!);
    const bad = await d.request('POST', '/admin/two-factor', { _csrf: d.csrf, code: '123456', next: '/admin' });
    assert.equal(bad.status, 401);
    const code = totpCode(secret);
    const good = await d.request('POST', '/admin/two-factor', { _csrf: d.csrf, code, next: '/admin' });
    assert.equal(good.status, 303);
    assert.equal((await d.request('GET', '/admin')).status, 200);

    // The same code from another half-signed-in browser: refused, it was spent.
    const e = client(site);
    await e.request('GET', '/admin/sign-in');
    await e.request('POST', '/admin/sign-in', { _csrf: e.csrf, email: 'editor@safir.test', password: PASSWORD });
    await e.request('GET', '/admin/two-factor');
    const replay = await e.request('POST', '/admin/two-factor', {
      _csrf: e.csrf,
      code: totpCode(secret),
      next: '/admin',
    });
    assert.equal(replay.status, 401, 'a TOTP code accepted once is refused the second time');

    // Turning it off asks for the password again.
    await d.request('GET', '/admin/profile');
    const bare = await d.request('POST', '/admin/profile/two-factor', { _csrf: d.csrf, disable: '1' });
    assert.equal(bare.status, 400);
    const off = await d.request('POST', '/admin/profile/two-factor', {
      _csrf: d.csrf,
      disable: '1',
      confirm_password: PASSWORD,
    });
    assert.equal(off.status, 303);
  });
});
