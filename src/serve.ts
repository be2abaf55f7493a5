import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrator.js';

/** The longest a worker takes to stop after SIGTERM/SIGINT: the whole site is down within 10 s. */
const WORKER_SHUTDOWN_MS = 9000;

/** How many processes serve: `--workers`, then SAFIR_WORKERS, then one per CPU. */
export function workerCount(flag: string | undefined, env = process.env): number {
  const wanted = Number(flag ?? env.SAFIR_WORKERS ?? availableParallelism());
  if (!Number.isInteger(wanted) || wanted < 1 || wanted > 256)
    throw new Error(
      `--workers / SAFIR_WORKERS must be a whole number from 1 to 256, got "${flag ?? env.SAFIR_WORKERS}"`,
    );
  return wanted;
}

/**
 * `safir serve`. With one worker, this process serves. With more, it prepares
 * the database (migrations, the demo on an empty one) and forks the workers,
 * which share the listening socket (node:cluster) and each hold their own page
 * cache, fed by the outbox like another node's would be. Jobs that must run
 * once per site take a lease in the database, so they run in one worker. A
 * worker that dies is replaced; SIGTERM/SIGINT stop them all gracefully.
 */
export async function serve(config: Config, workers: number): Promise<void> {
  if (cluster.isPrimary) {
    const database = openDatabase(config.databaseUrl);
    try {
      await migrateToLatest(database.db, database.dialect);
      // Loaded only when wanted: the supervising process of several workers stays small.
      const seedDemoContent = config.seedDemo && (await import('./content/demo/seed.js')).seedDemoContent;
      if (seedDemoContent) {
        const { openMediaStore } = await import('./media/storage/index.js');
        const media = await openMediaStore(config.mediaStore, config.mediaRoot);
        try {
          if (await seedDemoContent(database, media)) console.log('Seeded the demo magazine (مجلة السفير).');
        } finally {
          await media.close();
        }
      }
    } finally {
      // Migrations may rightly run long; the serving connections get the request timeouts.
      await database.close();
    }
    if (workers === 1) return serveHere(config);
    return supervise(config, workers);
  }
  return serveHere(config);
}

async function serveHere(config: Config): Promise<void> {
  const database = openDatabase(config.databaseUrl, { timeoutMs: config.databaseTimeoutMs });
  const { buildApp } = await import('./app.js');
  const { app } = await buildApp({
    database,
    mediaRoot: config.mediaRoot,
    mediaStore: config.mediaStore,
    mediaPublicUrl: config.mediaPublicUrl,
    trustProxy: config.trustProxy,
    siteUrl: config.siteUrl,
    production: config.production,
    allowedHosts: config.allowedHosts,
    pageCacheMs: config.pageCacheMs,
    pageCacheBytes: config.pageCacheBytes,
    schedulerMs: config.schedulerMs,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    purge: config.purge,
    sharedCache: config.sharedCache,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    databaseTimeoutMs: config.databaseTimeoutMs,
    backups: config.backups,
    logger: { level: config.logLevel },
    // Which worker answered, for operators tracing a request (a small number, like a CDN's X-Served-By).
    workerId: cluster.isWorker ? cluster.worker!.id : undefined,
    siblings: cluster.isWorker
      ? {
          send: (fill) => {
            if (process.connected) process.send!(fill, undefined, undefined, () => {});
          },
          receive: (handler) => process.on('message', (message: unknown) => handler(message)),
        }
      : undefined,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // New connections are refused and requests in flight finish (their own timeouts bound them); whatever still
    // holds on after this (a hung flush, say) is cut short, so a deploy or a restart never waits long.
    setTimeout(() => {
      app.log.error(`shutdown took longer than ${WORKER_SHUTDOWN_MS / 1000} s; exiting now`);
      process.exit(1);
    }, WORKER_SHUTDOWN_MS).unref();
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await app.listen({ port: config.port, host: config.host });
  const worker = cluster.isWorker ? ` (worker ${cluster.worker!.id})` : '';
  app.log.info(
    `Safir is serving ${database.dialect} (${database.location}) on http://${config.host}:${config.port}/${worker}`,
  );
}

function supervise(config: Config, workers: number): Promise<void> {
  let stopping = false;
  const started = new Map<number, number>();
  // Messages carry page bodies as bytes (structured clone), not as JSON text.
  cluster.setupPrimary({ serialization: 'advanced' });
  const fork = () => {
    const worker = cluster.fork();
    started.set(worker.id, Date.now());
    // A page one worker rendered goes to the others (delivery/page-cache.ts, `siblings`): once per node.
    worker.on('message', (message: unknown) => {
      if ((message as { type?: unknown } | null)?.type !== 'safir:page-fill') return;
      for (const other of Object.values(cluster.workers ?? {}))
        if (other && other.id !== worker.id && other.isConnected()) other.send(message as object, undefined, () => {});
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (!Object.keys(cluster.workers ?? {}).length) process.exit(0);
      return;
    }
    // A worker that dies is replaced; one that dies right after starting is not restarted in a tight loop.
    const lived = Date.now() - (started.get(worker.id) ?? 0);
    console.error(`worker ${worker.id} exited (${signal ?? code}); starting another`);
    setTimeout(fork, lived < 5000 ? 2000 : 0);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill(signal);
    // Workers finish their requests and close within WORKER_SHUTDOWN_MS; this is the backstop.
    setTimeout(() => process.exit(1), WORKER_SHUTDOWN_MS + 1000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  console.log(`Safir: ${workers} workers on http://${config.host}:${config.port}/`);
  for (let i = 0; i < workers; i++) fork();
  return new Promise(() => {});
}
