/**
 * A shared cache in front of Safir (a Varnish server, a CDN) that can drop
 * responses by cache key. `soft` keys may keep being served while the cache
 * fetches them again; `hard` keys must not be served again (a page taken
 * down). A call either purges everything it was given or throws, and may be
 * repeated: purging is idempotent.
 */
export interface PurgeTarget {
  /** Stable and unique (it names the target's outbox cursor), e.g. `varnish:http://10.0.0.5:6081`. */
  readonly name: string;
  purge(soft: string[], hard: string[]): Promise<void>;
}

/** Cache keys are made of these only (delivery/cache-keys.ts), so they travel in headers and ban expressions as they are. */
export const KEY_PATTERN = /^[a-z0-9:-]+$/;

/** Splits keys into space-separated lists of at most `maxChars` characters and `maxKeys` keys. */
export function keyBatches(keys: string[], maxChars: number, maxKeys = Infinity): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let chars = 0;
  for (const key of keys) {
    if (batch.length && (chars + key.length + 1 > maxChars || batch.length >= maxKeys)) {
      batches.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(key);
    chars += key.length + 1;
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/** A purge request that did not work: kept with its answer, and tried again by the consumer with backoff. */
export class PurgeError extends Error {
  constructor(target: string, detail: string) {
    super(`purging ${target} failed: ${detail}`);
  }
}

/** One HTTP call with a deadline; a network error or a timeout becomes a PurgeError. */
export async function purgeCall(target: string, url: string, init: RequestInit, timeoutMs = 5000): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new PurgeError(target, `${url}: ${(err as Error).message}`);
  }
}
