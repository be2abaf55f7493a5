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
  '/api/v1/articles?limit=1e2',
  '/api/v1/articles?author=%00',
  '/wp-admin/',
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
        const res = await fetch(site.base + path, { redirect: 'manual' });
        const body = await res.text();
        const label = path.slice(0, 80);
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
        const { status } = await rawRequest(site, path);
        assert.ok(status >= 400 && status < 500, `${path.slice(0, 80)} → ${status}`);
      }
    });

    test('a hostile Host header does not reach absolute links', async () => {
      // fetch() drops a Host header it is given, so this goes over a raw socket.
      const fair = await rawRequest(site, '/', 'news.example:8080');
      assert.match(
        fair.text,
        /<link rel="canonical" href="http:\/\/news\.example:8080\/">/,
        'the Host is used when it is a host',
      );
      const hostile = await rawRequest(site, '/', 'evil.example"><script>alert(1)</script>');
      assert.equal(hostile.status, 200);
      assert.ok(!hostile.text.includes('<script>alert') && !hostile.text.includes('evil.example'));
      assert.match(hostile.text, /<link rel="canonical" href="http:\/\/localhost\/">/);
    });
  });
}
