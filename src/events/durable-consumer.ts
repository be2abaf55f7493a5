import type { FastifyBaseLogger } from 'fastify';
import type { DB } from '../db/database.js';
import { JobLease } from '../jobs/lease.js';
import { lastEventId, type OutboxEvent, readEvents } from './outbox.js';
import { OutboxPosition } from './position.js';

const BATCH = 500;
const FIRST_RETRY_MS = 500;
/** Short enough that a target back from an outage is purged again within seconds. */
const LONGEST_RETRY_MS = 10_000;
/** How often the lease is renewed, and idle consumers look for events NOTIFY or the follower did not wake them for. */
const TICK_MS = 1000;

/**
 * Something outside this process that must hear of every change exactly in
 * order, across crashes and restarts: a CDN or Varnish purger, later
 * webhooks and newsletters. `handle` may be called again with events it has
 * already handled (after a crash before the cursor was saved), so it must be
 * idempotent; it throws to have the same batch tried again, with backoff.
 */
export interface DurableConsumer {
  /** Stable and unique: the name of its cursor in `event_cursors`. */
  readonly name: string;
  /**
   * `lost` is true when events were pruned before this consumer saw them (it was stopped for longer than the
   * outbox keeps events): it should act as if everything changed.
   */
  handle(events: OutboxEvent[], info: { lost: boolean }): Promise<void>;
}

interface Running {
  consumer: DurableConsumer;
  position?: OutboxPosition;
  failures: number;
  retryAt: number;
  busy?: Promise<void>;
  again: boolean;
}

/**
 * Runs the durable consumers of the outbox once for the whole site: every
 * process starts one, the holder of the `outbox-consumers` lease does the
 * work. Each consumer has its own cursor and its own backoff, so one target
 * that is down (one Varnish of two, say) holds back only itself. The cursor
 * moves after `handle` succeeds: nothing is skipped, a crash repeats a batch.
 */
export class DurableConsumers {
  private readonly lease: JobLease;
  private readonly running: Running[];
  private timer: NodeJS.Timeout | undefined;
  private holding = false;
  private leaseCheckedAt = 0;

  constructor(
    private readonly db: DB,
    holder: string,
    consumers: DurableConsumer[],
    private readonly log: FastifyBaseLogger,
  ) {
    this.lease = new JobLease(db, 'outbox-consumers', holder, 10_000);
    this.running = consumers.map((consumer) => ({ consumer, failures: 0, retryAt: 0, again: false }));
  }

  get size(): number {
    return this.running.length;
  }

  start(): void {
    if (!this.running.length) return;
    this.timer = setInterval(() => this.wake(), TICK_MS);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled(this.running.map((r) => r.busy));
    if (this.holding) await this.lease.release().catch(() => {});
    this.holding = false;
  }

  /** Something may have happened: each consumer that is not waiting out a failure reads on. */
  wake(): void {
    for (const r of this.running) {
      if (r.busy) {
        r.again = true;
        continue;
      }
      r.busy = this.turn(r).finally(() => {
        r.busy = undefined;
        if (r.again && this.timer) {
          r.again = false;
          this.wake();
        }
      });
    }
  }

  /** Resolves once every consumer has handled every event committed before the call (tests, shutdown). */
  async drain(timeoutMs = 10_000): Promise<void> {
    const target = await lastEventId(this.db);
    const deadline = Date.now() + timeoutMs;
    while (this.running.some((r) => (r.position?.applied ?? -1) < target)) {
      if (Date.now() > deadline) throw new Error('the outbox consumers did not catch up in time');
      this.wake();
      await Promise.allSettled(this.running.map((r) => r.busy));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async holds(): Promise<boolean> {
    const now = Date.now();
    if (now - this.leaseCheckedAt >= 3000) {
      this.leaseCheckedAt = now;
      try {
        const held = await this.lease.acquire();
        if (held !== this.holding) {
          // Another process may have moved the cursors meanwhile: start again from what is saved.
          for (const r of this.running) r.position = undefined;
          this.holding = held;
        }
      } catch (err) {
        this.log.warn({ err }, 'the outbox-consumers lease could not be read; trying again');
        this.holding = false;
      }
    }
    return this.holding;
  }

  private async turn(r: Running): Promise<void> {
    if (Date.now() < r.retryAt || !(await this.holds())) return;
    const name = r.consumer.name;
    try {
      let lost = false;
      if (!r.position) {
        const start = await this.cursor(name);
        lost = start.lost;
        r.position = new OutboxPosition(start.id);
      }
      for (;;) {
        const events = await readEvents(this.db, r.position.highWater, r.position.missingIds(), BATCH);
        if (!events.length && !lost) break;
        // A long catch-up must not outlive the lease: renewed before each batch, and given up if lost.
        if (!(await this.lease.acquire())) {
          this.holding = false;
          r.position = undefined;
          return;
        }
        await r.consumer.handle(events, { lost });
        lost = false;
        r.position.advance(events);
        await this.save(name, r.position.applied);
        if (events.length < BATCH) break;
      }
      r.failures = 0;
    } catch (err) {
      r.failures++;
      const wait = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (r.failures - 1));
      r.retryAt = Date.now() + wait;
      this.log.warn({ err, consumer: name, failures: r.failures, retryInMs: wait }, 'an outbox consumer failed');
    }
  }

  /** Where a consumer starts: its saved cursor, or (the first time) the newest event, with nothing to catch up. */
  private async cursor(name: string): Promise<{ id: number; lost: boolean }> {
    const row = await this.db
      .selectFrom('event_cursors')
      .select('last_id')
      .where('consumer', '=', name)
      .executeTakeFirst();
    if (!row) {
      const id = await lastEventId(this.db);
      await this.save(name, id);
      return { id, lost: false };
    }
    const id = Number(row.last_id);
    const oldest = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.min('id').as('id'))
      .executeTakeFirst();
    return { id, lost: oldest?.id != null && Number(oldest.id) > id + 1 };
  }

  /** Moves a cursor forward only: a process that held the lease a moment ago cannot move it back. */
  private async save(name: string, id: number): Promise<void> {
    await this.db
      .insertInto('event_cursors')
      .values({ consumer: name, last_id: id })
      .onConflict((oc) => oc.column('consumer').doUpdateSet({ last_id: id }).where('event_cursors.last_id', '<', id))
      .execute();
  }
}
