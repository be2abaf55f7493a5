import type { Database } from '../db/database.js';
import { lastEventId, type OutboxEvent, readEvents } from './outbox.js';

/** How long an id below the high-water mark may stay missing before it is given up (a rolled-back write). */
const GAP_PATIENCE_MS = 60_000;
const BATCH = 1000;

/**
 * Follows the outbox for this process: reads new events, in order, and hands
 * them to its handlers (the page cache, and whatever else lives in the
 * process). It polls every `pollMs`; on PostgreSQL a NOTIFY at commit wakes it
 * at once. A process starts at the newest event (its caches start empty);
 * durable consumers that must see every event across restarts keep their own
 * cursor in `event_cursors` instead.
 *
 * On PostgreSQL two transactions can commit out of id order, so an id below
 * the newest seen may still appear: those ids are remembered as missing and
 * asked for again until they arrive or are clearly rolled back.
 */
export class OutboxFollower {
  private highWater = 0;
  private readonly missing = new Map<number, number>();
  private readonly handlers: ((events: OutboxEvent[]) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private listening: { stop(): Promise<void> } | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly database: Database,
    private readonly pollMs = 200,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  onEvents(handler: (events: OutboxEvent[]) => void): void {
    this.handlers.push(handler);
  }

  async start(): Promise<void> {
    this.highWater = await lastEventId(this.database.db);
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
    if (this.database.listenForEvents)
      this.listening = await this.database
        .listenForEvents(() => this.wake())
        .catch((err: unknown) => {
          this.onError(err); // polling still covers it
          return undefined;
        });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.listening?.stop();
    await this.running;
  }

  /** Reads now (coalesced: a wake during a read makes one more read after it). */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.poll()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Resolves once every event committed before the call has been handed to the handlers. */
  async caughtUp(): Promise<void> {
    await this.running;
    await this.poll();
  }

  private async poll(): Promise<void> {
    for (;;) {
      const events = await readEvents(this.database.db, this.highWater, [...this.missing.keys()], BATCH);
      const now = Date.now();
      for (const [id, since] of this.missing) if (now - since > GAP_PATIENCE_MS) this.missing.delete(id);
      if (!events.length) return;
      for (const e of events) {
        this.missing.delete(e.id);
        // A long run of missing ids is not a commit race (sequences skip after a crash): only short gaps are waited for.
        if (e.id - this.highWater <= 1000) for (let id = this.highWater + 1; id < e.id; id++) this.missing.set(id, now);
        if (e.id > this.highWater) this.highWater = e.id;
      }
      for (const handle of this.handlers) handle(events);
      if (events.length < BATCH) return;
    }
  }
}
