import type { ContentRepository } from '../../content/repository.js';
import type { SettingsStore } from '../../content/settings.js';
import type { Category } from '../../content/types.js';
import type { ThemeAssets } from './assets.js';
import { SiteUrl } from '../site-url.js';
import { buildViewContext, type ViewContext } from './view-context.js';

/**
 * The per-site part of every page (settings, menu, footer pages, formatters),
 * rebuilt at most once per `ttlMs`. Several app nodes each hold their own copy,
 * so a change made on one shows on the others within the TTL.
 */
export class SiteContext {
  private current: { ctx: ViewContext; categories: Category[]; at: number } | undefined;
  /** The newest copy ever loaded, even if invalidated since: error pages use it when the database is out of reach. */
  private lastGood: { ctx: ViewContext; categories: Category[] } | undefined;
  private loading: Promise<void> | undefined;
  /** Bumped by every invalidation: a load that began before one must not become the current copy. */
  private generation = 0;

  constructor(
    private readonly settings: SettingsStore,
    private readonly content: ContentRepository,
    private readonly assets: ThemeAssets,
    private readonly siteUrl: SiteUrl = new SiteUrl(undefined),
    private readonly ttlMs = 10_000,
  ) {}

  async get(): Promise<{ ctx: ViewContext; categories: Category[] }> {
    while (!this.current || Date.now() - this.current.at > this.ttlMs) {
      if (!this.loading) {
        const loading = this.load().finally(() => {
          if (this.loading === loading) this.loading = undefined;
        });
        this.loading = loading;
      }
      await this.loading;
    }
    return this.current;
  }

  /** The site as last loaded, without asking the database (which may be what failed); undefined before any load. */
  known(): { ctx: ViewContext; categories: Category[] } | undefined {
    return this.current ?? this.lastGood;
  }

  /** Forget the cached copy now (after a settings or taxonomy change, here or anywhere: see the outbox). */
  invalidate(): void {
    this.current = undefined;
    this.loading = undefined;
    this.generation++;
  }

  private async load(): Promise<void> {
    const generation = this.generation;
    const [site, categories, pages] = await Promise.all([
      this.settings.get(),
      this.content.categories(),
      this.content.pages(),
    ]);
    const nav = categories.filter((c) => c.parent_id === null);
    const logo = site.logoMediaId ? await this.content.image(site.logoMediaId) : null;
    if (generation !== this.generation) return; // read before the change: get() loads again
    this.current = {
      ctx: buildViewContext(site, this.assets, nav, pages, logo, this.siteUrl.origin),
      categories,
      at: Date.now(),
    };
    this.lastGood = this.current;
  }
}

/** A category's id and the ids of all categories below it. */
export function categoryWithDescendants(categories: Category[], id: number): number[] {
  const out = [id];
  for (let i = 0; i < out.length; i++) {
    for (const c of categories) if (c.parent_id === out[i] && !out.includes(c.id)) out.push(c.id);
  }
  return out;
}
