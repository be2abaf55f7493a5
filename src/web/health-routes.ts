import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { PUBLIC } from '../accounts/http.js';
import type { DB } from '../db/database.js';
import { pendingMigrations } from '../db/migrator.js';
import { AnyQuery } from './schemas.js';

export interface HealthDeps {
  db: DB;
  /** The longest a readiness check waits for the database before it says "not ready". */
  timeoutMs: number;
  /** True once the process has begun to shut down: load balancers should send no more requests. */
  stopping: () => boolean;
}

/**
 * For load balancers and orchestrators: `/healthz` says the process lives (restart it if not); `/readyz` says it
 * can serve now (send it readers): not shutting down, the database answering, its schema current.
 */
export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  const noStore = { 'cache-control': 'no-store' };
  app.get('/healthz', { ...PUBLIC, schema: { querystring: AnyQuery } }, async (_req, reply) =>
    reply.headers(noStore).send({ status: 'live' }),
  );
  // It is public (probes, and anyone else): a "ready" holds for a second, and callers at the same moment share
  // one check. A failure is not kept: the first request after the database is back sees it.
  let readyAt = 0;
  let checking: Promise<{ status: number; body: { status: string } }> | undefined;
  app.get('/readyz', { ...PUBLIC, schema: { querystring: AnyQuery } }, async (_req, reply) => {
    reply.headers(noStore);
    if (deps.stopping()) return reply.code(503).send({ status: 'stopping' });
    if (Date.now() - readyAt < 1000) return reply.send({ status: 'ready' });
    checking ??= check().finally(() => (checking = undefined));
    const result = await checking;
    if (result.status === 200) readyAt = Date.now();
    return reply.code(result.status).send(result.body);
  });

  async function check(): Promise<{ status: number; body: { status: string } }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), deps.timeoutMs);
    });
    const probe = (async () => {
      await sql`select 1`.execute(deps.db);
      return pendingMigrations(deps.db);
    })();
    try {
      const pending = await Promise.race([probe, late]);
      if (pending === 'timeout') return { status: 503, body: { status: 'database-timeout' } };
      // Which migrations are missing would tell strangers the version: the operator has `safir migrate`.
      if (pending.length) return { status: 503, body: { status: 'migrations-pending' } };
      return { status: 200, body: { status: 'ready' } };
    } catch {
      return { status: 503, body: { status: 'database-unavailable' } };
    } finally {
      clearTimeout(timer);
      probe.catch(() => {}); // a late failure after the timeout answered
    }
  }
}
