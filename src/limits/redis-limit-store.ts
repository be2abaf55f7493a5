import { createClient } from '@redis/client';
import { AppError } from '../shared/errors.js';
import type { Counter, LimitRule, LimitStore } from './limit-store.js';

/**
 * One hit, atomically in Redis (a script runs alone): the same rules as the
 * database store's upsert. A counter is a hash {failures, started, locked}
 * (times in ms) that expires by itself once neither its window nor its lock
 * can matter any more, so nothing needs pruning.
 */
const HIT = `
local now, windowMs, limit, lockMs, ttlMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local h = redis.call('HMGET', KEYS[1], 'failures', 'started', 'locked')
local failures, started, locked = tonumber(h[1]), tonumber(h[2]), tonumber(h[3]) or 0
local lockUntil = now + lockMs
local fresh = not failures or (locked > 0 and locked <= now) or (windowMs >= 0 and started < now - windowMs)
if fresh then
  failures, started = 1, now
  if limit <= 1 then locked = lockUntil else locked = 0 end
else
  failures = failures + 1
  if failures >= limit and locked == 0 then locked = lockUntil end
end
redis.call('HSET', KEYS[1], 'failures', failures, 'started', started, 'locked', locked)
redis.call('PEXPIRE', KEYS[1], ttlMs)
return {failures, locked}
`;

const FORGIVE = `
local n = tonumber(redis.call('HGET', KEYS[1], 'failures'))
if n and n > 0 then redis.call('HINCRBY', KEYS[1], 'failures', -1) end
return 0
`;

/** Counters of rules whose window never ends ("in a row") are kept this long after their last hit. */
const ENDLESS_KEEP_MS = 30 * 24 * 3600_000;

/** How long one Redis command may take before the request it guards is refused. */
const COMMAND_TIMEOUT_MS = 2000;

/** Redis cannot answer: the attempt is refused (never let through uncounted), with a message to try again. */
const unavailable = () =>
  new AppError(
    'LIMITS_UNAVAILABLE',
    503,
    'تعذّر التحقق من حدود الاستخدام الآن. حاول مجدداً بعد قليل.',
    'Usage limits cannot be checked right now. Please try again shortly.',
  );

/**
 * Limits in Redis (`REDIS_URL`), shared by every process and node that uses the same server. While Redis is
 * unreachable, what it guards (sign-in, second factor, comments) is refused at once with a 503 — fail closed,
 * never a hung request — and the reading site, which counts nothing, is unaffected; the client reconnects by
 * itself.
 */
export class RedisLimitStore implements LimitStore {
  private constructor(
    private readonly client: Awaited<ReturnType<typeof connectClient>>,
    private readonly prefix: string,
    private readonly now: () => number,
  ) {}

  static async connect(
    url: string,
    prefix: string,
    now: () => number = Date.now,
    onError: (err: unknown) => void = () => {},
  ): Promise<RedisLimitStore> {
    return new RedisLimitStore(await connectClient(url, onError), prefix, now);
  }

  /** One command, refused at once while Redis is down and after COMMAND_TIMEOUT_MS if it does not answer. */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    if (!this.client.isReady) throw unavailable();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        command(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(unavailable()), COMMAND_TIMEOUT_MS))),
      ]);
    } catch (err) {
      throw err instanceof AppError ? err : unavailable();
    } finally {
      clearTimeout(timer);
    }
  }

  async hit(key: string, rule: LimitRule): Promise<Counter> {
    const windowMs = Number.isFinite(rule.windowMs) ? rule.windowMs : -1;
    const ttlMs = Math.ceil(Math.max(windowMs < 0 ? ENDLESS_KEEP_MS : windowMs, rule.lockMs) + 1000);
    const [count, locked] = (await this.run(() =>
      this.client.eval(HIT, {
        keys: [this.prefix + key],
        arguments: [this.now(), windowMs, rule.limit, rule.lockMs, ttlMs].map(String),
      }),
    )) as [number, number];
    return { count: Number(count), lockedUntil: Number(locked) > 0 ? new Date(Number(locked)).toISOString() : null };
  }

  async forgive(key: string): Promise<void> {
    await this.run(() => this.client.eval(FORGIVE, { keys: [this.prefix + key], arguments: [] }));
  }

  /** Redis expires counters itself. */
  async prune(): Promise<number> {
    return 0;
  }

  async reset(key: string): Promise<void> {
    await this.run(() => this.client.del(this.prefix + key));
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.close();
  }
}

/**
 * Starts connecting, and waits for it at most 5 s: a node whose Redis is down still starts and serves readers.
 * Commands are never queued while disconnected (they fail at once); the client keeps reconnecting.
 */
async function connectClient(url: string, onError: (err: unknown) => void) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 5000, reconnectStrategy: (retries: number) => Math.min(200 * (retries + 1), 5000) },
  });
  let lastReport = 0;
  client.on('error', (err: unknown) => {
    // Reported at most every 30 s: a Redis that is down would otherwise fill the log.
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      onError(err);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.connect().catch(() => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000))),
  ]);
  clearTimeout(timer);
  return client;
}
