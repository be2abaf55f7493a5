import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { parseTrustProxy } from '../../src/config.js';
import { DIALECTS } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';

/** One HTTP exchange from a chosen loopback address (all of 127.0.0.0/8 is this machine). */
function exchange(
  site: TestSite,
  from: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string; cookies: string[] }> {
  const { port } = new URL(site.base);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, localAddress: from, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text, cookies: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A wrong password sent from `from` with the given forwarding headers. */
async function wrongPassword(site: TestSite, from: string, forwarded: Record<string, string>): Promise<number> {
  const page = await exchange(site, from, 'GET', '/admin/sign-in', forwarded);
  const cookie = page.cookies[0]!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  const body = new URLSearchParams({ _csrf: csrf, email: 'someone@safir.test', password: 'wrong' }).toString();
  const res = await exchange(
    site,
    from,
    'POST',
    '/admin/sign-in',
    {
      ...forwarded,
      cookie,
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(body.length),
    },
    body,
  );
  return res.status;
}

test('TRUST_PROXY: addresses and ranges, never "everyone"', () => {
  assert.equal(parseTrustProxy(undefined), false);
  assert.equal(parseTrustProxy('0'), false);
  assert.equal(parseTrustProxy('1'), 'loopback');
  assert.equal(parseTrustProxy('true'), 'loopback');
  assert.equal(parseTrustProxy('127.0.0.1, 10.0.0.0/8'), '127.0.0.1,10.0.0.0/8');
  assert.equal(parseTrustProxy('::1,fd00::/8,uniquelocal'), '::1,fd00::/8,uniquelocal');
  for (const bad of ['*', 'all', '10.0.0.0/33', '300.1.1.1', 'proxy.example', '10.0.0.0/8/1'])
    assert.throws(() => parseTrustProxy(bad), /TRUST_PROXY/, bad);
});

for (const dialect of DIALECTS) {
  describe(`X-Forwarded-For counts only from the proxies TRUST_PROXY names (${dialect})`, () => {
    let site: TestSite;
    before(async () => {
      site = await startSite(dialect, { seed: false, app: { trustProxy: '127.0.0.1' } });
    });
    after(() => site.close());

    const failuresOf = async (ip: string) =>
      Number(
        (
          await site.db.db
            .selectFrom('auth_throttle')
            .select('failures')
            .where('key', '=', site.services.accounts.ipKey(ip))
            .executeTakeFirst()
        )?.failures ?? 0,
      );

    test('a forged X-Forwarded-For from another peer changes nothing: it is counted as that peer', async () => {
      for (let i = 0; i < 12; i++)
        assert.equal(await wrongPassword(site, '127.0.0.2', { 'x-forwarded-for': `203.0.113.${i}` }), 401);
      assert.equal(await failuresOf('127.0.0.2'), 12, 'every attempt counted against the real peer');
      for (let i = 0; i < 12; i++) assert.equal(await failuresOf(`203.0.113.${i}`), 0, 'no forged address counted');
    });

    test('through the trusted proxy, the client is the right-most address that is not a trusted proxy', async () => {
      await wrongPassword(site, '127.0.0.1', { 'x-forwarded-for': '198.51.100.7, 192.0.2.9' });
      assert.equal(await failuresOf('192.0.2.9'), 1, 'the hop the proxy saw, not what the client claimed');
      assert.equal(await failuresOf('198.51.100.7'), 0);
      await wrongPassword(site, '127.0.0.1', { 'x-forwarded-for': '198.51.100.7, 192.0.2.9, 127.0.0.1' });
      assert.equal(await failuresOf('192.0.2.9'), 2, 'trusted hops in the chain are skipped');
    });
  });
}

describe('ALLOWED_HOSTS', () => {
  let site: TestSite;
  before(async () => {
    site = await startSite('sqlite', { seed: false, app: { allowedHosts: ['news.example', 'www.news.example'] } });
  });
  after(() => site.close());

  test('a request for a host not listed is refused with a 400; listed hosts are served', async () => {
    for (const [host, status] of [
      ['news.example', 200],
      ['NEWS.example:8080', 200],
      ['www.news.example', 200],
      ['evil.example', 400],
      ['news.example.evil.example', 400],
    ] as const) {
      const res = await exchange(site, '127.0.0.1', 'GET', '/robots.txt', { host });
      assert.equal(res.status, status, host);
    }
  });
});
