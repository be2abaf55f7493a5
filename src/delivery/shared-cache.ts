/**
 * What Safir tells shared caches (Varnish, a CDN) about a public page: how
 * long they may keep it and serve it stale, and the keys it is built from,
 * which the purger (delivery/purge/) later names when they change. Browsers
 * get `max-age=0`: they ask again each time, and a 304 is cheap.
 */
export interface SharedCachePolicy {
  /** `s-maxage`: seconds a shared cache may keep a page without asking (purges end it sooner). */
  maxAge: number;
  /** `stale-while-revalidate`: seconds a stale page may be served while it is fetched again. */
  staleWhileRevalidate: number;
  /** `stale-if-error`: seconds a stale page may be served while Safir cannot answer. */
  staleIfError: number;
  /** Also send the keys as Cloudflare's comma-separated `Cache-Tag`. */
  cacheTag: boolean;
}

export const DEFAULT_SHARED_CACHE: SharedCachePolicy = {
  maxAge: 60,
  staleWhileRevalidate: 60,
  staleIfError: 86_400,
  cacheTag: false,
};

/**
 * The Cache-Control of a public page. A page this node already knows is out of date (served stale while it
 * re-renders) may be kept by a shared cache for one second only, so a purge is followed by the new page.
 */
export function publicCacheControl(policy: SharedCachePolicy, stale = false): string {
  const sharedAge = stale ? 1 : policy.maxAge;
  return `public, max-age=0, s-maxage=${sharedAge}, stale-while-revalidate=${policy.staleWhileRevalidate}, stale-if-error=${policy.staleIfError}`;
}

/** The headers that name a page's cache keys: `Surrogate-Key` (Fastly and others), `xkey` (Varnish). */
export function cacheKeyHeaders(policy: SharedCachePolicy, keys: string[]): Record<string, string> {
  if (!keys.length) return {};
  const list = keys.join(' ');
  const headers: Record<string, string> = { 'surrogate-key': list, xkey: list };
  if (policy.cacheTag) headers['cache-tag'] = keys.join(',');
  return headers;
}
