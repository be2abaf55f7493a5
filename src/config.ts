import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseSiteUrl } from './web/site-url.js';
import type { CdnOptions } from './delivery/purge/cdn.js';
import { DEFAULT_SHARED_CACHE, type SharedCachePolicy } from './delivery/shared-cache.js';
import { parseS3Url } from './media/storage/s3-store.js';
import type { BackupSchedule } from './jobs/scheduled-backups.js';

/** Everything an operator sets, read from the environment once at start. */
export interface Config {
  databaseUrl: string | undefined;
  port: number;
  host: string;
  mediaRoot: string;
  /** `MEDIA_STORE`: `s3://bucket/prefix` to keep media in S3-compatible storage shared by every node. */
  mediaStore: string | undefined;
  /** `MEDIA_PUBLIC_URL`: where readers fetch media from (a CDN in front of the bucket). */
  mediaPublicUrl: string | undefined;
  logLevel: string;
  /** Which peers may set X-Forwarded-For/-Proto/-Host: addresses or CIDR ranges (proxy-addr syntax); false for none. */
  trustProxy: string | false;
  /** The public origin every absolute link uses (`SITE_URL`); undefined: the listening address. */
  siteUrl: string | undefined;
  /** NODE_ENV=production: mails with links need SITE_URL. */
  production: boolean;
  /** Host names requests may carry (`ALLOWED_HOSTS`, comma-separated); undefined accepts any. */
  allowedHosts: string[] | undefined;
  seedDemo: boolean;
  /** The longest a page is cached without a change to what it shows (a safety net: writes invalidate it). */
  pageCacheMs: number;
  /** Memory for cached pages per process, in bytes. */
  pageCacheBytes: number;
  /** SMTP server for password resets and notifications; unset: no email is sent. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** How often due scheduled articles are published (ms). */
  schedulerMs: number;
  /** Shared caches in front of the nodes to purge when content changes (see delivery/purge/). */
  purge: PurgeConfig;
  /** What shared caches are told about public pages (s-maxage and the rest). */
  sharedCache: SharedCachePolicy;
  /** `BACKUP_DIR` (with `BACKUP_EVERY_HOURS`, `BACKUP_KEEP`): backups on a schedule; unset, none. */
  backups: BackupSchedule | undefined;
  /** `DB_TIMEOUT_SECONDS`: the longest a request waits for PostgreSQL (a connection, one statement). */
  databaseTimeoutMs: number;
  /** `REDIS_URL`: rate limits and lockouts in Redis rather than the database. */
  redisUrl: string | undefined;
  /** `REDIS_PREFIX`: what Safir's keys in Redis start with; default `safir:<a hash of the site's secret>:`. */
  redisPrefix: string | undefined;
}

export interface PurgeConfig {
  /** `PURGE_VARNISH`: Varnish servers running deploy/varnish/safir.vcl, as http://host:port. */
  varnish: string[];
  /** `PURGE_VARNISH_MODE`: `xkey` (soft purges, the default) or `ban` (a Varnish without the xkey module). */
  varnishMode: 'xkey' | 'ban';
  /** `PURGE_CDN` with `CDN_SERVICE_ID`, `CDN_API_TOKEN` and optionally `CDN_API_URL`. */
  cdn: CdnOptions | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const purge = parsePurge(env);
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    port,
    host: env.HOST || '127.0.0.1',
    mediaRoot: resolve(env.MEDIA_DIR || 'data/media'),
    mediaStore: mediaStoreUrl(env.MEDIA_STORE),
    mediaPublicUrl: env.MEDIA_PUBLIC_URL ? publicUrl(env.MEDIA_PUBLIC_URL) : undefined,
    logLevel: env.LOG_LEVEL || 'info',
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    siteUrl: env.SITE_URL ? parseSiteUrl(env.SITE_URL) : undefined,
    production: env.NODE_ENV === 'production',
    allowedHosts: env.ALLOWED_HOSTS
      ? env.ALLOWED_HOSTS.split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean)
      : undefined,
    seedDemo: env.SAFIR_DEMO !== '0',
    pageCacheMs: Math.max(0, Number(env.PAGE_CACHE_SECONDS ?? 1800)) * 1000 || 0,
    pageCacheBytes: Math.max(0, Number(env.PAGE_CACHE_MB ?? 128)) * 1024 * 1024 || 0,
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || 'Safir <no-reply@localhost>',
    schedulerMs: Math.max(1, Number(env.SCHEDULER_SECONDS ?? 15)) * 1000 || 15_000,
    purge,
    databaseTimeoutMs: seconds(env, 'DB_TIMEOUT_SECONDS', 5) * 1000,
    backups: env.BACKUP_DIR
      ? {
          dir: resolve(env.BACKUP_DIR),
          everyMs: wholeNumber(env, 'BACKUP_EVERY_HOURS', 24, 'a whole number of hours, at least 1', 1) * 3600_000,
          keep: wholeNumber(env, 'BACKUP_KEEP', 7, 'a whole number of backups, at least 1', 1),
        }
      : undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX || undefined,
    sharedCache: {
      ...DEFAULT_SHARED_CACHE,
      // With purges, a shared cache may keep pages for a day: a change reaches it within seconds anyway.
      maxAge: seconds(env, 'SHARED_CACHE_SECONDS', purging(purge) ? 86_400 : DEFAULT_SHARED_CACHE.maxAge),
      cacheTag: purge.cdn?.provider === 'cloudflare',
    },
  };
}

function mediaStoreUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!parseS3Url(value)) throw new Error(`MEDIA_STORE must be s3://bucket/prefix, got "${value}"`);
  return value;
}

function publicUrl(value: string): string {
  const url = urlOrUndefined(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search || url.hash)
    throw new Error(`MEDIA_PUBLIC_URL must be an http(s) address such as https://media.example.com, got "${value}"`);
  return url.toString().replace(/\/+$/, '');
}

/** The URL, or undefined for text that is not one (settings are checked with a message of their own). */
function urlOrUndefined(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export function purging(purge: PurgeConfig): boolean {
  return purge.varnish.length > 0 || purge.cdn !== undefined;
}

/** A whole-number setting: `fallback` when unset, otherwise digits only, at least `min`. */
function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, what: string, min = 0): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value) || Number(value) < min) throw new Error(`${name} must be ${what}, got "${value}"`);
  return Number(value);
}

const seconds = (env: NodeJS.ProcessEnv, name: string, fallback: number) =>
  wholeNumber(env, name, fallback, 'a whole number of seconds');

/** Reads the purge settings, refusing what could not work (a URL that is not http, a CDN without its id). */
export function parsePurge(env: NodeJS.ProcessEnv): PurgeConfig {
  const varnish = (env.PURGE_VARNISH ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const v of varnish) {
    const url = urlOrUndefined(v);
    if (!url || url.protocol !== 'http:' || url.pathname !== '/' || url.search || url.username || url.password)
      throw new Error(`PURGE_VARNISH must list Varnish servers as http://host:port, got "${v}"`);
  }
  const mode = env.PURGE_VARNISH_MODE || 'xkey';
  if (mode !== 'xkey' && mode !== 'ban') throw new Error(`PURGE_VARNISH_MODE must be xkey or ban, got "${mode}"`);
  let cdn: CdnOptions | undefined;
  const provider = env.PURGE_CDN;
  if (provider) {
    if (provider !== 'fastly' && provider !== 'cloudflare')
      throw new Error(`PURGE_CDN must be fastly or cloudflare, got "${provider}"`);
    if (!env.CDN_SERVICE_ID || !env.CDN_API_TOKEN)
      throw new Error('PURGE_CDN needs CDN_SERVICE_ID (Fastly service or Cloudflare zone) and CDN_API_TOKEN');
    cdn = {
      provider,
      service: env.CDN_SERVICE_ID,
      token: env.CDN_API_TOKEN,
      apiUrl: env.CDN_API_URL ? cdnApiUrl(env.CDN_API_URL) : undefined,
    };
  }
  // One spelling per server: the cursor is named after it, and a reformatted URL must not start it afresh.
  return { varnish: varnish.map((v) => new URL(v).origin), varnishMode: mode, cdn };
}

/** The CDN's API carries its token: https, or plain http to this machine only (a test's recording server). */
function cdnApiUrl(value: string): string {
  const url = urlOrUndefined(value);
  const local = url?.hostname === '127.0.0.1' || url?.hostname === 'localhost' || url?.hostname === '[::1]';
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && local)) || url.username || url.password)
    throw new Error(`CDN_API_URL must be an https address (the API token travels with every purge), got "${value}"`);
  return url.origin;
}

/**
 * `TRUST_PROXY` names the reverse proxies whose X-Forwarded-* headers count:
 * addresses or CIDR ranges, comma-separated (`127.0.0.1,10.0.0.0/8`), or
 * proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`). The client's
 * address is then the right-most one that is not a trusted proxy. `1`/`true`
 * means `loopback` (a proxy on this machine), never "everyone": trusting any
 * peer would let every client pick its own address and escape rate limits.
 */
export function parseTrustProxy(value: string | undefined): string | false {
  if (!value || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return 'loopback';
  const parts = value.split(',').map((p) => p.trim());
  const named = new Set(['loopback', 'linklocal', 'uniquelocal']);
  for (const p of parts) {
    const [address, bits, extra] = p.split('/');
    const ip = isIP(address ?? '');
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (ip === 6 ? 128 : 32));
    if (!(named.has(p) || (ip && bitsOk && extra === undefined)))
      throw new Error(`TRUST_PROXY must list proxy addresses or CIDR ranges (e.g. 127.0.0.1,10.0.0.0/8), got "${p}"`);
  }
  return parts.join(',');
}
