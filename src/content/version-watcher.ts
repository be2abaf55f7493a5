import type { DB } from '../db/database.js';
import { CONTENT_VERSION_KEY } from './service.js';

/**
 * Polls the content version (bumped by every content write, on any node) and
 * tells its listeners when it changes, so that caches in this process are
 * dropped within `pollMs` of a change made anywhere.
 */
export class ContentVersionWatcher {
  private version: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly db: DB,
    private readonly pollMs = 1000,
  ) {}

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async start(): Promise<void> {
    this.version = await this.read();
    this.timer ??= setInterval(() => void this.check(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Checks now; returns whether the version had changed. */
  async check(): Promise<boolean> {
    let v: string | undefined;
    try {
      v = await this.read();
    } catch {
      return false; // A database hiccup: keep serving; cache TTLs still bound staleness.
    }
    if (v === this.version) return false;
    this.version = v;
    for (const l of this.listeners) l();
    return true;
  }

  private async read(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', CONTENT_VERSION_KEY)
      .executeTakeFirst();
    return row?.value;
  }
}
