import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { actorOf } from '../../src/accounts/roles.js';
import { createStaff, PASSWORD, signIn, type Client } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/databases.js';
import { startSite, type TestSite } from '../helpers/server.js';

/** Checks the policy an HTML page carries against the scripts it actually contains. */
function checkPage(label: string, headers: Headers, html: string, newsroom: boolean): void {
  const csp = headers.get('content-security-policy') ?? '';
  assert.ok(csp, `${label}: a Content-Security-Policy`);
  const scriptSrc = /script-src ([^;]+)/.exec(csp)?.[1] ?? '';
  assert.ok(scriptSrc, `${label}: script-src`);
  assert.doesNotMatch(scriptSrc, /'unsafe-inline'|'unsafe-eval'|\*/, `${label}: ${scriptSrc}`);
  assert.match(csp, /object-src 'none'/, label);
  assert.match(csp, /base-uri 'self'/, label);
  // Every inline script that runs must be allowed by its hash, or the page would break under its own policy.
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*application\/ld\+json)[^>]*>([\s\S]*?)<\/script>/g)) {
    const hash = createHash('sha256').update(m[1]!).digest('base64');
    assert.ok(scriptSrc.includes(`'sha256-${hash}'`), `${label}: an inline script without its hash in the policy`);
  }
  assert.equal(headers.get('x-content-type-options'), 'nosniff', label);
  assert.equal(headers.get('referrer-policy'), 'strict-origin-when-cross-origin', label);
  assert.match(headers.get('permissions-policy') ?? '', /camera=\(\).*geolocation=\(\)/, label);
  if (newsroom) {
    assert.match(csp, /frame-ancestors 'none'/, `${label}: the newsroom is never framed`);
    assert.equal(headers.get('x-frame-options'), 'DENY', label);
    assert.match(headers.get('cache-control') ?? '', /no-store/, `${label}: never kept by a shared cache`);
    assert.match(headers.get('cache-control') ?? '', /private/, label);
  } else {
    assert.match(csp, /frame-ancestors 'self'/, label);
  }
}

for (const dialect of DIALECTS) {
  describe(`security headers on every kind of page (${dialect})`, () => {
    let site: TestSite;
    let editor: Client;
    before(async () => {
      site = await startSite(dialect);
      await createStaff(site);
      editor = await signIn(site, 'editor@safir.test', PASSWORD);
    });
    after(() => site.close());

    test('public pages: hashes, not unsafe-inline; framing only by the site itself', async () => {
      const lead = (await site.services.content.lead())!;
      const category = (await site.services.content.categories())[0]!;
      const paths = [
        '/',
        `/article/${encodeURIComponent(lead.slug)}`,
        `/category/${encodeURIComponent(category.slug)}`,
        `/author/${encodeURIComponent(lead.author.slug)}`,
        `/search?q=${encodeURIComponent('روسيا')}`,
        '/no-such-page',
        `/article/${encodeURIComponent(lead.slug)}?replytocom=99999999999`,
      ];
      for (const path of paths) {
        const res = await fetch(site.base + path);
        checkPage(path, res.headers, await res.text(), false);
      }
      const feed = await fetch(`${site.base}/feed`);
      assert.equal(feed.headers.get('x-content-type-options'), 'nosniff');
    });

    test('admin pages, signed in or not: no framing at all, no shared caching', async () => {
      const signedOut = await fetch(`${site.base}/admin/sign-in`);
      checkPage('/admin/sign-in', signedOut.headers, await signedOut.text(), true);
      const user = (await site.services.accounts.userByEmail('editor@safir.test'))!;
      const draft = await site.services.editorial.save(
        actorOf(user),
        undefined,
        { title: 'مسودة', bodyHtml: '<p>نص</p>', categoryId: 1 },
        'save',
      );
      for (const path of [
        '/admin',
        '/admin/articles',
        `/admin/articles/${draft}`,
        `/admin/articles/${draft}/preview`,
      ]) {
        const res = await editor.request('GET', path);
        assert.equal(res.status, 200, path);
        checkPage(path, res.headers, res.text, true);
      }
      const api = await editor.request('GET', '/api/v1/admin/articles');
      assert.match(api.headers.get('cache-control') ?? '', /no-store/);
    });
  });
}
