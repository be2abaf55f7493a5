import { keyBatches, PurgeError, purgeCall, type PurgeTarget } from './purge-target.js';

/** Varnish's default limit for one request header is 8 KB; a list of keys stays well under it. */
const HEADER_CHARS = 6000;

/**
 * One Varnish server running `deploy/varnish/safir.vcl`. Purges by xkey:
 * soft purges (the page stays in grace while one fetch replaces it) and hard
 * ones for pages taken down. `ban` mode sends BANs on the `xkey` header
 * instead, for a Varnish without the xkey module; it is also the fallback
 * when a server answers a PURGE without saying it purged (a VCL without xkey).
 */
export class VarnishPurger implements PurgeTarget {
  readonly name: string;

  constructor(
    private readonly base: string,
    private mode: 'xkey' | 'ban' = 'xkey',
  ) {
    this.base = base.replace(/\/+$/, '');
    this.name = `varnish:${this.base}`;
  }

  async purge(soft: string[], hard: string[]): Promise<void> {
    if (this.mode === 'xkey') {
      try {
        for (const batch of keyBatches(hard, HEADER_CHARS)) await this.xkey('xkey-purge', batch);
        for (const batch of keyBatches(soft, HEADER_CHARS)) await this.xkey('xkey-softpurge', batch);
        return;
      } catch (err) {
        if (!(err instanceof NoXkey)) throw err;
        this.mode = 'ban';
      }
    }
    // A ban cannot be soft: every key is dropped at once.
    for (const batch of keyBatches([...hard, ...soft], HEADER_CHARS)) await this.ban(batch);
  }

  private async xkey(header: string, keys: string[]): Promise<void> {
    const res = await purgeCall(this.name, `${this.base}/`, { method: 'PURGE', headers: { [header]: keys.join(' ') } });
    await res.arrayBuffer();
    if (res.status === 200 && res.headers.has('x-safir-purged')) return;
    if (res.status < 500 && res.status !== 403) throw new NoXkey(this.name, `PURGE answered ${res.status}`);
    throw new PurgeError(this.name, `PURGE answered ${res.status}`);
  }

  private async ban(keys: string[]): Promise<void> {
    const res = await purgeCall(this.name, `${this.base}/`, { method: 'BAN', headers: { 'xkey-ban': keys.join(' ') } });
    await res.arrayBuffer();
    if (res.status !== 200 || !res.headers.has('x-safir-banned'))
      throw new PurgeError(this.name, `BAN answered ${res.status}`);
  }
}

class NoXkey extends PurgeError {}
