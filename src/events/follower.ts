import type { Database } from '../db/database.js';
import { reportApplied } from './followers.js';
import { lastEventId, type OutboxEvent, readEvents } from './outbox.js';
import { OutboxPosition } from './position.js';

const BATCH = 1000;
/** A follower that reports its place says so at least this often, even with nothing new: it is alive. */
const HEARTBEAT_MS = 5000;

export interface FollowerOptions {
  pollMs?: number;
  onError?: (err: unknown) => void;
  /**
   * Record in the database how far this process has applied the outbox (table `event_followers`), under this
   * name: a shared-cache purger waits for every live follower before it purges (see delivery/purge/).
   */
  reportAs?: string;
}

/**
 * Follows the outbox for this process: reads new events, in order, and hands
 * them to its handlers (the page cache, and whatever else lives in the
 * process). It polls every `pollMs`; on PostgreSQL a NOTIFY at commit wakes it
 * at once. A process starts at the newest event (its caches start empty);
 * durable consumers that must see every event across restarts keep their own
 * cursor in `event_cursors` instead (events/durable-consumer.ts).
 */
export class OutboxFollower {
  private position = new OutboxPosition(0);
  private readonly handlers: ((events: OutboxEvent[]) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private listening: { stop(): Promise<void> } | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly pollMs: number;
  private readonly onError: (err: unknown) => void;
  private reported = { id: -1, at: 0 };

  constructor(
    private readonly database: Database,
    private readonly options: FollowerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 200;
    this.onError = options.onError ?? (() => {});
  }

  onEvents(handler: (events: OutboxEvent[]) => void): void {
    this.handlers.push(handler);
  }

  /** Every event up to this id has reached this process's handlers. */
  get applied(): number {
    return this.position.applied;
  }

  async start(): Promise<void> {
    this.position = new OutboxPosition(await lastEventId(this.database.db));
    await this.report();
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
      const events = await readEvents(this.database.db, this.position.highWater, this.position.missingIds(), BATCH);
      if (!events.length) break;
      this.position.advance(events);
      for (const handle of this.handlers) handle(events);
      if (events.length < BATCH) break;
    }
    await this.report();
  }

  /** Says how far this process has got, when that changed or as a heartbeat. */
  private async report(): Promise<void> {
    const name = this.options.reportAs;
    if (!name) return;
    const id = this.position.applied;
    const now = Date.now();
    if (id === this.reported.id && now - this.reported.at < HEARTBEAT_MS) return;
    await reportApplied(this.database.db, name, id, new Date(now).toISOString());
    this.reported = { id, at: now };
  }
}
