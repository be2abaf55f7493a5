import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { instant } from '../shared/time.js';

export interface RenderedPage {
  html: string;
  /** The article shown, so that a read is counted even when the page comes from the cache. */
  articleId?: number;
  /** Default HTML; feeds and sitemaps set their own. */
  contentType?: string;
  /** When the content last changed (ISO), for Last-Modified and If-Modified-Since. */
  lastModified?: string;
}

interface Entry {
  body: Buffer;
  etag: string;
  contentType: string;
  lastModified?: string;
  gzip?: Buffer;
  articleId?: number;
  expires: number;
}

/**
 * Rendered public pages, kept in memory for `ttlMs`. The app clears it when
 * the content version changes (see ContentVersionWatcher), so a node serves a
 * stale page for about a second after a change made anywhere, and a scheduled
 * article appears within the TTL. Only 200 responses are kept; the least
 * recently used entry goes first when the cache is full. A TTL of 0 turns
 * caching off but keeps ETags and gzip.
 */
export class PageCache {
  private readonly entries = new Map<string, Entry>();
  /** Renders in progress: concurrent requests for one page wait for one render instead of each starting their own. */
  private readonly rendering = new Map<string, Promise<Entry>>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 2000,
  ) {}

  /** Bumped by clear(), so that a render begun before a content change is not stored after it. */
  private generation = 0;

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.rendering.clear();
  }

  private async render(key: string, render: () => Promise<RenderedPage>): Promise<Entry> {
    const generation = this.generation;
    const page = await render();
    const body = Buffer.from(page.html);
    const entry: Entry = {
      body,
      etag: `W/"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`,
      contentType: page.contentType ?? 'text/html; charset=utf-8',
      lastModified: instant(page.lastModified)?.toUTCString(),
      articleId: page.articleId,
      expires: Date.now() + this.ttlMs,
    };
    if (this.ttlMs > 0 && generation === this.generation) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return entry;
  }

  /**
   * Sends the cached page for this request, or renders, caches and sends it.
   * Answers 304 to a matching If-None-Match and gzips for clients that accept it.
   */
  async serve(
    req: FastifyRequest,
    reply: FastifyReply,
    render: () => Promise<RenderedPage>,
    onHit?: (page: { articleId?: number }) => void,
  ): Promise<FastifyReply> {
    const key = `${req.host}${req.url}`;
    let entry = this.entries.get(key);
    if (entry && entry.expires > Date.now()) {
      // Refresh its place in the LRU order.
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      let pending = this.rendering.get(key);
      if (!pending) {
        const started: Promise<Entry> = this.render(key, render).finally(() => {
          if (this.rendering.get(key) === started) this.rendering.delete(key);
        });
        pending = started;
        this.rendering.set(key, pending);
      }
      entry = await pending;
    }
    onHit?.(entry);
    reply
      .header('content-type', entry.contentType)
      .header('cache-control', 'public, max-age=0, must-revalidate')
      .header('etag', entry.etag)
      .header('vary', 'accept-encoding');
    if (entry.lastModified) reply.header('last-modified', entry.lastModified);
    if (req.headers['if-none-match'] === entry.etag) return reply.code(304).send();
    const since = req.headers['if-modified-since'];
    if (
      !req.headers['if-none-match'] &&
      since &&
      entry.lastModified &&
      Date.parse(since) >= Date.parse(entry.lastModified)
    )
      return reply.code(304).send();
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      entry.gzip ??= gzipSync(entry.body, { level: 6 });
      return reply.header('content-encoding', 'gzip').send(entry.gzip);
    }
    return reply.send(entry.body);
  }
}
