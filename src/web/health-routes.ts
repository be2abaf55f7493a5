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
  app.get('/readyz', { ...PUBLIC, schema: { querystring: AnyQuery } }, async (_req, reply) => {
    reply.headers(noStore);
    if (deps.stopping()) return reply.code(503).send({ status: 'stopping' });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), deps.timeoutMs);
    });
    const check = (async () => {
      await sql`select 1`.execute(deps.db);
      return pendingMigrations(deps.db);
    })();
    try {
      const pending = await Promise.race([check, late]);
      if (pending === 'timeout') return reply.code(503).send({ status: 'database-timeout' });
      if (pending.length) return reply.code(503).send({ status: 'migrations-pending', pending });
      return reply.send({ status: 'ready' });
    } catch {
      return reply.code(503).send({ status: 'database-unavailable' });
    } finally {
      clearTimeout(timer);
      check.catch(() => {}); // a late failure after the timeout answered
    }
  });
}
