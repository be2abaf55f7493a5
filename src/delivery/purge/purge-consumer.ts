import type { FastifyBaseLogger } from 'fastify';
import type { DB } from '../../db/database.js';
import type { DurableConsumer } from '../../events/durable-consumer.js';
import { appliedByAll } from '../../events/followers.js';
import type { OutboxEvent } from '../../events/outbox.js';
import { CacheKeys } from '../cache-keys.js';
import { KEY_PATTERN, type PurgeTarget } from './purge-target.js';

/**
 * Follows the outbox for one shared cache and purges there exactly the keys
 * that changed, in order, with the consumer's retries and backoff. Before it
 * purges, it waits (up to `followerWaitMs`) until every live Safir process
 * has applied the same events to its own page cache: a proxy purged earlier
 * could fetch the old page again from a node that still held it, and keep it.
 */
export class PurgeConsumer implements DurableConsumer {
  readonly name: string;

  constructor(
    private readonly target: PurgeTarget,
    private readonly db: DB,
    private readonly log: FastifyBaseLogger,
    private readonly followerWaitMs = 5000,
  ) {
    this.name = `purge:${target.name}`;
  }

  async handle(events: OutboxEvent[], { lost }: { lost: boolean }): Promise<void> {
    const { soft, hard } = purgeKeys(events, lost);
    if (!soft.length && !hard.length) return;
    if (events.length) await this.waitForFollowers(Math.max(...events.map((e) => e.id)));
    await this.target.purge(soft, hard);
  }

  private async waitForFollowers(eventId: number): Promise<void> {
    const deadline = Date.now() + this.followerWaitMs;
    while (!(await appliedByAll(this.db, eventId))) {
      if (Date.now() > deadline) {
        this.log.warn({ eventId, target: this.target.name }, 'a Safir process is behind the outbox; purging anyway');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The keys a batch of events purges: `!key` hard, the others soft (a key both ways is purged hard). */
export function purgeKeys(events: OutboxEvent[], lost = false): { soft: string[]; hard: string[] } {
  const soft = new Set<string>(lost ? [CacheKeys.site] : []);
  const hard = new Set<string>();
  for (const event of events)
    for (const written of event.keys) {
      const drop = written.startsWith('!');
      const key = drop ? written.slice(1) : written;
      // Keys come from cache-keys.ts; anything else would not be a key any response carries.
      if (!KEY_PATTERN.test(key)) continue;
      (drop ? hard : soft).add(key);
    }
  for (const key of hard) soft.delete(key);
  return { soft: [...soft], hard: [...hard] };
}
