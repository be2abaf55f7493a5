/**
 * Values computed at most once per `ttlMs` per key, shared by concurrent
 * callers while the computation runs. For small, hot, slightly-stale-is-fine
 * data such as the breaking strip or the most-read list.
 */
export class TtlCache<T> {
  private readonly values = new Map<string, { value: Promise<T>; expires: number }>();

  /** With `maxEntries`, the oldest key goes when a new one would exceed it (keys from readers' input). */
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = Infinity,
  ) {}

  get(key: string, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.values.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = compute();
    this.values.delete(key);
    if (this.values.size >= this.maxEntries) this.values.delete(this.values.keys().next().value!);
    this.values.set(key, { value, expires: now + this.ttlMs });
    value.catch(() => this.values.delete(key));
    return value;
  }

  clear(): void {
    this.values.clear();
  }
}
