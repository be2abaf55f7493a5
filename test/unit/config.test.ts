import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { keyBatches } from '../../src/delivery/purge/purge-target.js';
import { purgeKeys } from '../../src/delivery/purge/purge-consumer.js';
import { cacheKeyHeaders, publicCacheControl } from '../../src/delivery/shared-cache.js';

test('shared-cache settings: purges lengthen s-maxage; bad purge settings stop the start with a clear message', () => {
  assert.equal(loadConfig({}).sharedCache.maxAge, 60);
  const varnish = loadConfig({ PURGE_VARNISH: 'http://10.0.0.5:6081, http://10.0.0.6:6081' });
  assert.deepEqual(varnish.purge.varnish, ['http://10.0.0.5:6081', 'http://10.0.0.6:6081']);
  assert.equal(varnish.sharedCache.maxAge, 86_400);
  assert.equal(loadConfig({ PURGE_VARNISH: 'http://v:6081', SHARED_CACHE_SECONDS: '600' }).sharedCache.maxAge, 600);
  const cf = loadConfig({ PURGE_CDN: 'cloudflare', CDN_SERVICE_ID: 'zone', CDN_API_TOKEN: 't' });
  assert.equal(cf.sharedCache.cacheTag, true);
  assert.equal(cf.purge.cdn?.provider, 'cloudflare');
  assert.throws(() => loadConfig({ PURGE_VARNISH: 'varnish:6081' }), /PURGE_VARNISH must list Varnish servers/);
  assert.throws(() => loadConfig({ PURGE_VARNISH: 'https://v/purge' }), /PURGE_VARNISH/);
  assert.throws(() => loadConfig({ PURGE_VARNISH_MODE: 'soft' }), /PURGE_VARNISH_MODE must be xkey or ban/);
  assert.throws(() => loadConfig({ PURGE_CDN: 'akamai' }), /PURGE_CDN must be fastly or cloudflare/);
  assert.throws(() => loadConfig({ PURGE_CDN: 'fastly' }), /CDN_SERVICE_ID/);
  assert.throws(() => loadConfig({ SHARED_CACHE_SECONDS: '1e9' }), /whole number of seconds/);
  assert.throws(
    () => loadConfig({ PURGE_VARNISH: 'http://user:pw@v:6081' }),
    /PURGE_VARNISH/,
    'no credentials in a URL',
  );
  assert.deepEqual(loadConfig({ PURGE_VARNISH: 'http://V:6081/' }).purge.varnish, ['http://v:6081'], 'one spelling');
  const cdn = { PURGE_CDN: 'fastly', CDN_SERVICE_ID: 's', CDN_API_TOKEN: 't' };
  assert.throws(() => loadConfig({ ...cdn, CDN_API_URL: 'http://api.example.com' }), /CDN_API_URL must be an https/);
  assert.equal(loadConfig({ ...cdn, CDN_API_URL: 'http://127.0.0.1:9999' }).purge.cdn?.apiUrl, 'http://127.0.0.1:9999');
  assert.equal(loadConfig({ REDIS_URL: 'redis://r:6379' }).redisPrefix, undefined, 'a prefix per site by default');
});

test('what shared caches are told: s-maxage 1 for a page known to be stale; keys in three spellings', () => {
  const policy = { maxAge: 86_400, staleWhileRevalidate: 60, staleIfError: 86_400, cacheTag: true };
  assert.equal(
    publicCacheControl(policy),
    'public, max-age=0, s-maxage=86400, stale-while-revalidate=60, stale-if-error=86400',
  );
  assert.match(publicCacheControl(policy, true), /s-maxage=1,/);
  assert.deepEqual(cacheKeyHeaders(policy, ['site', 'article:1']), {
    'surrogate-key': 'site article:1',
    xkey: 'site article:1',
    'cache-tag': 'site,article:1',
  });
});

test('purge keys: `!key` is hard and wins over soft; unknown shapes are dropped; batches respect both limits', () => {
  const events = [
    { id: 1, type: 'article.updated' as const, keys: ['article:1', 'list:home'], payload: {}, createdAt: '' },
    {
      id: 2,
      type: 'article.unpublished' as const,
      keys: ['!article:1', 'bad key', 'card:1'],
      payload: {},
      createdAt: '',
    },
  ];
  assert.deepEqual(purgeKeys(events), { soft: ['list:home', 'card:1'], hard: ['article:1'] });
  assert.deepEqual(purgeKeys([], true), { soft: ['site'], hard: [] });
  const keys = Array.from({ length: 65 }, (_, i) => `card:${i}`);
  const batches = keyBatches(keys, 60, 30);
  assert.deepEqual(batches.flat(), keys);
  for (const b of batches) assert.ok(b.length <= 30 && b.join(' ').length <= 60);
});

test('fault settings: database timeout and scheduled backups, with their defaults and their refusals', () => {
  assert.equal(loadConfig({}).databaseTimeoutMs, 5000);
  assert.equal(loadConfig({ DB_TIMEOUT_SECONDS: '0' }).databaseTimeoutMs, 0, '0: no limit');
  assert.equal(loadConfig({}).backups, undefined, 'no backups unless a folder is named');
  const backups = loadConfig({ BACKUP_DIR: '/var/backups/safir' }).backups;
  assert.deepEqual(backups, { dir: '/var/backups/safir', everyMs: 24 * 3600_000, keep: 7 });
  assert.throws(
    () => loadConfig({ BACKUP_DIR: '/b', BACKUP_KEEP: '0' }),
    /BACKUP_KEEP must be a whole number of backups, at least 1/,
  );
  assert.throws(() => loadConfig({ BACKUP_DIR: '/b', BACKUP_EVERY_HOURS: '1.5' }), /BACKUP_EVERY_HOURS/);
  assert.throws(() => loadConfig({ DB_TIMEOUT_SECONDS: '-1' }), /whole number of seconds/);
});
