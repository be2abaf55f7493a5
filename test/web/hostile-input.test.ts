import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';

/** Sends a request exactly as written (raw UTF-8, odd bytes, any Host), bypassing fetch's normalisation. */
function rawRequest(site: TestSite, path: string, host = 'localhost'): Promise<{ status: number; text: string }> {
  const { port } = new URL(site.base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0), text });
    });
    socket.on('error', reject);
    socket.write(
      Buffer.concat([
        Buffer.from('GET '),
        Buffer.from(path, 'utf8'),
        Buffer.from(` HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
      ]),
    );
  });
}

const PATHS = [
  '/article/..%2F..%2F..%2Fetc%2Fpasswd',
  '/article/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/media/..%2F..%2Fsafir.db',
  '/media/2026/../../safir.db',
  '/media/%2e%2e/%2e%2e/etc/passwd',
  '/assets/..%2Fpackage.json',
  '/assets/theme.css',
  '/article/%E0%A4%A',
  '/category/%',
  '/tag/%00',
  '/tag/a%00b',
  `/article/${'ش'.repeat(3000)}`,
  `/article/${encodeURIComponent('ش'.repeat(3000))}`,
  '/category/no-such-category',
  '/category/no-such-category?page=2',
  `/category/${encodeURIComponent('سياسة')}?page=999`,
  `/category/${encodeURIComponent('سياسة')}?page=-1`,
  `/category/${encodeURIComponent('سياسة')}?page=1%27%20OR%201=1`,
  `/category/${encodeURIComponent('سياسة')}?page=1&page=2`,
  `/tag/${encodeURIComponent('روسيا')}?page=${'1'.repeat(5000)}`,
  '/author/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  "/article/x' OR '1'='1",
  '/%D8%A7%D8%AA%D8%B5%D9%84-%D8%A8%D9%86%D8%A7-%D8%BA%D9%8A%D8%B1',
  '/api/v1/articles/%E0%A4%A',
  '/api/v1/articles?limit=1.5',
  '/api/v1/articles?limit=Infinity',
  '/api/v1/articles?page=1e999',
  `/api/v1/articles?page=${'9'.repeat(400)}`,
  '/api/v1/articles?page=0x10',
  '/api/v1/articles?author=%00',
  '/wp-admin/',
  '/feed/constructor',
  '/feed/__proto__',
  '/category/x/feed/valueOf',
  '/sitemaps/toString',
  '/sitemaps/constructor',
  '/.env',
  '/index.php?p=1',
];

for (const dialect of DIALECTS) {
  describe(`hostile and odd input on ${dialect}`, () => {
    let site: TestSite;
    before(async () => {
      site = await startSite(dialect);
    });
    after(() => site.close());

    test('every odd path gets a clean 4xx page or JSON, never a 500', async () => {
      for (const path of PATHS) {
        let res = await fetch(site.base + path, { redirect: 'manual' });
        const label = path.slice(0, 80);
        if (res.status === 301) {
          // Another spelling of a path is sent to its one canonical form, which must then be refused or missing.
          const location = res.headers.get('location') ?? '';
          assert.ok(location.startsWith('/') && !/\/\.\.?(\/|$)|\/\//.test(location), `${label} → ${location}`);
          res = await fetch(site.base + location, { redirect: 'manual' });
        }
        const body = await res.text();
        assert.ok(res.status >= 400 && res.status < 500, `${label} → ${res.status}`);
        if (path.startsWith('/api/')) assert.ok(JSON.parse(body).errors, label);
        else assert.match(body, /<html lang="ar" dir="rtl">/, label);
        assert.ok(!body.includes('root:x:0'), label);
        assert.ok(!body.includes('SQLITE') && !body.includes('syntax error'), label);
      }
    });

    test('unencoded Arabic in a URL is encoded by clients and served', async () => {
      // fetch, like every browser, percent-encodes the Arabic before sending it.
      const res = await fetch(`${site.base}/tag/روسيا?page=1`);
      assert.equal(res.status, 200);
    });

    test('raw bytes on the wire: requests the HTTP parser refuses still get a clean 4xx page', async () => {
      // Raw UTF-8 in the request line is refused by Node's strict parser (see client-error.ts).
      for (const path of [
        '/tag/روسيا',
        '/article/../../../etc/passwd',
        '/media/../../safir.db',
        '/tag/%ZZ',
        '/category/%D8',
        `/${'a'.repeat(20000)}`,
      ]) {
        const { status, text } = await rawRequest(site, path);
        const location = /\r\nlocation: ([^\r]*)/i.exec(text)?.[1];
        if (status === 301) assert.ok(location && !location.includes('..'), `${path} → ${location}`);
        else assert.ok(status >= 400 && status < 500, `${path.slice(0, 80)} → ${status}`);
      }
    });

    test('the Host header never reaches absolute links: they all start with the site address', async () => {
      // fetch() drops a Host header it is given, so this goes over a raw socket.
      const canonical = new RegExp(`<link rel="canonical" href="${site.base.replace(/\./g, '\\.')}/">`);
      for (const host of ['news.example:8080', 'evil.example"><script>alert(1)</script>']) {
        const res = await rawRequest(site, '/', host);
        assert.equal(res.status, 200);
        assert.match(res.text, canonical, host);
        assert.ok(!res.text.includes('evil.example') && !res.text.includes('news.example'), host);
      }
    });
  });
}
