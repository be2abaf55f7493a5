import type { FastifyInstance } from 'fastify';
import { type AppOptions, buildApp, type Services } from '../../src/app.js';
import { seedDemoContent } from '../../src/content/demo/seed.js';
import type { Database } from '../../src/db/database.js';
import type { Dialect } from '../../src/db/dialect.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export interface TestSite {
  app: FastifyInstance;
  services: Services;
  db: TestDatabase;
  /** `http://127.0.0.1:PORT`, a real socket on loopback. */
  base: string;
  close(): Promise<void>;
}

/** A real Safir server on a free loopback port, over a fresh database, with the demo seeded unless told not to. */
export async function startSite(
  dialect: Dialect,
  opts: {
    seed?: boolean;
    app?: Partial<AppOptions>;
    /** The app's own handle on the database (through a fault proxy, with timeouts); closed with the site. */
    connect?: (db: TestDatabase) => Database;
    /** Where the site's folder (SQLite file, media) goes: a small filesystem, say. */
    under?: string;
  } = {},
): Promise<TestSite> {
  const db = await createTestDatabase(dialect, { under: opts.under });
  const mediaRoot = `${db.dir}/media`;
  if (opts.seed !== false) await seedDemoContent(db, mediaRoot);
  const own = opts.connect?.(db);
  const { app, services } = await buildApp({ database: own ?? db, mediaRoot, viewFlushMs: 200, ...opts.app });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    services,
    db,
    base: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await own?.close();
      await db.drop();
    },
  };
}

export async function get(site: TestSite, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(site.base + path, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export async function getJson<T = unknown>(site: TestSite, path: string) {
  const res = await fetch(site.base + path, { redirect: 'manual' });
  const body = (await res.json()) as T;
  return { status: res.status, body };
}

/**
 * A page as it is after every change made so far: the outbox read, and any
 * stale copy the cache still holds replaced (the first request after a change
 * may be answered from the old copy while one render replaces it).
 */
export async function getFresh(site: TestSite, path: string, headers: Record<string, string> = {}) {
  await site.services.outbox.caughtUp();
  await get(site, path, headers);
  await site.services.pageCache.idle();
  return get(site, path, headers);
}
