import type { FastifyBaseLogger } from 'fastify';
import type { DB } from '../db/database.js';
import { JobLease } from './lease.js';

export interface SiteJob {
  name: string;
  everyMs: number;
  run(): Promise<unknown>;
}

/**
 * The jobs that must run once for the whole site, not once per worker or
 * node: publishing due articles, refreshing the most-read box, pruning
 * tables. Every process runs this loop; the one holding the `site-jobs`
 * lease runs the jobs, and another takes over within the lease's life if it
 * dies. A job that fails is logged with its name and tried again next time;
 * the others go on.
 */
export class SiteJobs {
  private readonly lease: JobLease;
  private timer: NodeJS.Timeout | undefined;
  private readonly lastRun = new Map<string, number>();
  private running: Promise<void> | undefined;
  holding = false;

  constructor(
    db: DB,
    holder: string,
    private readonly jobs: SiteJob[],
    private readonly log: FastifyBaseLogger,
    private readonly tickMs = 2000,
  ) {
    this.lease = new JobLease(db, 'site-jobs', holder, Math.max(10_000, tickMs * 5));
  }

  start(): void {
    const tick = () => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (this.timer) this.timer = setTimeout(tick, this.tickMs).unref();
      });
    };
    this.timer = setTimeout(tick, Math.min(this.tickMs, 500)).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.holding) await this.lease.release().catch(() => {});
  }

  /** One round: renew or take the lease; if ours, run the jobs that are due. */
  async tick(): Promise<void> {
    try {
      this.holding = await this.lease.acquire();
    } catch (err) {
      this.log.warn({ err }, 'the site-jobs lease could not be read; trying again');
      this.holding = false;
    }
    if (!this.holding) return;
    const now = Date.now();
    for (const job of this.jobs) {
      if (now - (this.lastRun.get(job.name) ?? 0) < job.everyMs) continue;
      this.lastRun.set(job.name, now);
      try {
        await job.run();
      } catch (err) {
        this.log.error({ err, job: job.name }, 'a site job failed; it runs again at its next turn');
      }
    }
  }
}
