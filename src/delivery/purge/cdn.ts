import { keyBatches, PurgeError, purgeCall, type PurgeTarget } from './purge-target.js';

export type CdnProvider = 'fastly' | 'cloudflare';

export interface CdnOptions {
  provider: CdnProvider;
  /** Fastly's service id, or Cloudflare's zone id. */
  service: string;
  token: string;
  /** The API's origin; by default the provider's own (tests point it at a local server). */
  apiUrl?: string;
}

const API: Record<CdnProvider, string> = {
  fastly: 'https://api.fastly.com',
  cloudflare: 'https://api.cloudflare.com',
};

/**
 * Purge by tag through a CDN's HTTP API.
 * - Fastly: `POST /service/{id}/purge` with the keys in `Surrogate-Key` (256 a call); soft purges carry
 *   `Fastly-Soft-Purge: 1`, so an edited page is served stale while it is fetched again.
 * - Cloudflare: `POST /client/v4/zones/{zone}/purge_cache` with `{"tags": […]}` (30 a call); Cloudflare has no
 *   soft purge, so every key is dropped. Pages carry their keys in `Cache-Tag` for it (SHARED_CACHE_TAG_HEADER).
 */
export class CdnPurger implements PurgeTarget {
  readonly name: string;
  private readonly api: string;

  constructor(private readonly options: CdnOptions) {
    this.api = (options.apiUrl ?? API[options.provider]).replace(/\/+$/, '');
    this.name = `cdn:${options.provider}:${options.service}`;
  }

  async purge(soft: string[], hard: string[]): Promise<void> {
    if (this.options.provider === 'fastly') {
      for (const batch of keyBatches(hard, 8000, 256)) await this.fastly(batch, false);
      for (const batch of keyBatches(soft, 8000, 256)) await this.fastly(batch, true);
    } else {
      for (const batch of keyBatches([...hard, ...soft], Infinity, 30)) await this.cloudflare(batch);
    }
  }

  private async fastly(keys: string[], soft: boolean): Promise<void> {
    const url = `${this.api}/service/${encodeURIComponent(this.options.service)}/purge`;
    const headers: Record<string, string> = {
      'fastly-key': this.options.token,
      'surrogate-key': keys.join(' '),
      accept: 'application/json',
    };
    if (soft) headers['fastly-soft-purge'] = '1';
    const res = await purgeCall(this.name, url, { method: 'POST', headers });
    await res.arrayBuffer();
    if (!res.ok) throw new PurgeError(this.name, `${url} answered ${res.status}`);
  }

  private async cloudflare(tags: string[]): Promise<void> {
    const url = `${this.api}/client/v4/zones/${encodeURIComponent(this.options.service)}/purge_cache`;
    const res = await purgeCall(this.name, url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tags }),
    });
    const answer = (await res.json().catch(() => ({}))) as { success?: boolean };
    if (!res.ok || answer.success === false) throw new PurgeError(this.name, `${url} answered ${res.status}`);
  }
}
