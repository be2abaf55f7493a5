import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseSiteUrl } from './web/site-url.js';

/** Everything an operator sets, read from the environment once at start. */
export interface Config {
  databaseUrl: string | undefined;
  port: number;
  host: string;
  mediaRoot: string;
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
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    port,
    host: env.HOST || '127.0.0.1',
    mediaRoot: resolve(env.MEDIA_DIR || 'data/media'),
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
  };
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
