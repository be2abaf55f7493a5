import { resolve } from 'node:path';

/** Everything an operator sets, read from the environment once at start. */
export interface Config {
  databaseUrl: string | undefined;
  port: number;
  host: string;
  mediaRoot: string;
  logLevel: string;
  trustProxy: boolean;
  seedDemo: boolean;
  pageCacheMs: number;
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
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    seedDemo: env.SAFIR_DEMO !== '0',
    pageCacheMs: Math.max(0, Number(env.PAGE_CACHE_SECONDS ?? 30)) * 1000 || 0,
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || 'Safir <no-reply@localhost>',
    schedulerMs: Math.max(1, Number(env.SCHEDULER_SECONDS ?? 15)) * 1000 || 15_000,
  };
}
