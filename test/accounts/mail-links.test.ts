import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createStaff, PASSWORD, signIn } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';
import { mailText, startSmtp } from '../helpers/smtp.js';

const SITE_URL = 'https://news.example';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A form post with the Host, X-Forwarded-Host and Origin an attacker chooses (fetch would not send them). */
function post(
  site: TestSite,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string>,
  cookie = '',
): Promise<{ status: number; text: string; cookies: string[] }> {
  const body = new URLSearchParams(form).toString();
  const { port } = new URL(site.base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          cookie,
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, text, cookies: res.headers['set-cookie'] ?? [] }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Every http(s) host named in a mail's text. */
const hostsIn = (text: string) => [...text.matchAll(/https?:\/\/([^/\s"'<>]+)/g)].map((m) => m[1]);

const HOSTILE: Record<string, string>[] = [
  { host: 'evil.example', origin: 'http://evil.example' },
  { host: '127.0.0.1', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
  { host: 'evil.example:8443', 'x-forwarded-host': 'phish.example', origin: 'https://phish.example' },
];

for (const dialect of DIALECTS) {
  describe(`links in mail name only SITE_URL, whatever the request said (${dialect})`, () => {
    let site: TestSite;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    before(async () => {
      smtp = await startSmtp();
      // The proxy on loopback is trusted, so X-Forwarded-Host is believed for req.host; it must still never reach a link.
      site = await startSite(dialect, { app: { smtpUrl: smtp.url, siteUrl: SITE_URL, trustProxy: '127.0.0.1' } });
      await createStaff(site);
    });
    after(async () => {
      await site.close();
      await smtp.close();
    });

    test('password-reset mails', async () => {
      for (const [i, headers] of HOSTILE.entries()) {
        const email = ['author', 'editor', 'contributor'][i]!;
        const token = `guest-form-token-guest-form-toke${i}`;
        const res = await post(
          site,
          '/admin/forgot',
          { _csrf: token, email: `${email}@safir.test` },
          headers,
          `safir_form=${token}; __Host-safir_form=${token}`,
        );
        assert.equal(res.status, 200, `${JSON.stringify(headers)}: ${res.text.slice(0, 200)}`);
      }
      for (let i = 0; i < 100 && smtp.mails.length < HOSTILE.length; i++) await wait(20);
      assert.equal(smtp.mails.length, HOSTILE.length, 'one reset mail per request');
      for (const mail of smtp.mails) {
        const text = mailText(mail.raw);
        assert.match(text, /https:\/\/news\.example\/admin\/reset\/[A-Za-z0-9_-]{20,}/);
        assert.deepEqual([...new Set(hostsIn(text))], ['news.example'], text);
      }
    });

    test('moderation mails about a held comment', async () => {
      smtp.mails.length = 0;
      const slug = (await site.services.content.lead())!.slug;
      const path = `/article/${encodeURIComponent(slug)}/comments`;
      const token = ((await (await fetch(`${site.base}${path}/token`)).json()) as { token: string }).token;
      await wait(3100); // the form's "faster than a person" limit
      const res = await post(
        site,
        path,
        { author: 'قارئ', email: 'reader@example.com', url: '', comment: 'تعليق ينتظر المراجعة', token },
        HOSTILE[0]!,
      );
      assert.equal(res.status, 303, res.text.slice(0, 200));
      for (let i = 0; i < 100 && smtp.mails.length < 2; i++) await wait(20);
      assert.ok(smtp.mails.length >= 2, 'the administrator and the editor hear of it');
      for (const mail of smtp.mails) {
        const text = mailText(mail.raw);
        assert.match(text, /https:\/\/news\.example\/admin\/comments/);
        assert.deepEqual([...new Set(hostsIn(text))], ['news.example'], text);
      }
    });

    test('pages, feeds and sitemaps use SITE_URL too', async () => {
      for (const path of ['/', '/feed', '/sitemap.xml', '/robots.txt', '/api/v1/articles']) {
        const res = await fetch(site.base + path, { headers: { 'x-forwarded-host': 'evil.example' } });
        const text = await res.text();
        assert.equal(res.status, 200, path);
        assert.ok(text.includes(SITE_URL), `${path} names ${SITE_URL}`);
        assert.ok(!text.includes('evil.example') && !text.includes('127.0.0.1'), `${path} names another host`);
      }
    });
  });
}

describe('in production without SITE_URL, no mail with links is sent', () => {
  let site: TestSite;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
    site = await startSite('sqlite', { app: { smtpUrl: smtp.url, production: true } });
    await createStaff(site);
  });
  after(async () => {
    await site.close();
    await smtp.close();
  });

  test('the reset form says so, nothing is sent, and administrators see why', async () => {
    const token = 'guest-form-token-guest-form-token';
    const res = await post(
      site,
      '/admin/forgot',
      { _csrf: token, email: 'author@safir.test' },
      {},
      `safir_form=${token}`,
    );
    assert.equal(res.status, 409);
    await wait(200);
    assert.equal(smtp.mails.length, 0);
    const admin = await signIn(site, 'administrator@safir.test', PASSWORD);
    const dashboard = await admin.request('GET', '/admin');
    assert.match(dashboard.text, /SITE_URL/);
  });
});
