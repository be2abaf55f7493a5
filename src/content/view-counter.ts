import type { ContentRepository } from './repository.js';

/**
 * Counts article reads in memory and adds them to the database in one
 * transaction every `intervalMs`, so that a page view costs no write. Counts
 * are increments, so several app nodes can flush into the same rows.
 */
export class ViewCounter {
  private pending = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly content: ContentRepository,
    /** Today's date (YYYY-MM-DD) in the site's time zone. */
    private readonly today: () => Promise<string>,
    private readonly intervalMs = 10_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush().catch(() => {}), this.intervalMs);
    this.timer.unref();
  }

  count(articleId: number): void {
    this.pending.set(articleId, (this.pending.get(articleId) ?? 0) + 1);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.content.addViews(await this.today(), batch);
    } catch (err) {
      // Put the counts back so that the next flush retries them.
      for (const [id, n] of batch) this.pending.set(id, (this.pending.get(id) ?? 0) + n);
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
