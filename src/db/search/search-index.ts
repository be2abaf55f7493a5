import { type RawBuilder, sql } from 'kysely';

/**
 * The search index behind one interface, with an implementation per dialect:
 * SQLite FTS5, PostgreSQL tsvector + GIN. Both rank with the same BM25 (the
 * formula of FTS5's bm25(), re-stated in SQL for PostgreSQL), so the same
 * query orders the same articles on either database.
 */

/** Analyzed terms of one article, per field, plus its plain text for snippets. */
export interface IndexedDocument {
  title: string[];
  excerpt: string[];
  body: string[];
  tags: string[];
  category: string[];
  author: string[];
  plain: string;
}

export const FIELDS = ['title', 'excerpt', 'body', 'tags', 'category', 'author'] as const;

/**
 * BM25 column weights (a term in the title counts five times one in the body)
 * and parameters. Tuning notes live in src/search/README.md.
 */
export const RANKING = {
  weights: { title: 5, excerpt: 2, body: 1, tags: 3, category: 2, author: 2 },
  k1: 1.2,
  b: 0.75,
  /** Freshness: score × (1 + boost / (1 + age in days / halfLifeDays)). */
  freshnessBoost: 0.2,
  freshnessHalfLifeDays: 30,
} as const;

/**
 * What must match: every term, phrase and the prefix (`all`, the default), or
 * at least one of them (`any`, the fallback when all finds nothing); never an
 * excluded term.
 */
export interface MatchExpression {
  terms: string[];
  phrases: string[][];
  prefix?: string;
  excluded: string[];
  mode?: 'all' | 'any';
}

export interface SearchFilters {
  categoryIds?: number[];
  authorId?: number;
  tagId?: number;
  /** Inclusive lower bound on published_at (ISO). */
  from?: string;
  /** Exclusive upper bound on published_at (ISO). */
  to?: string;
  now: string;
}

/**
 * At most this many matching articles (the newest by id, after the filters) are ranked and counted, so a
 * common word costs the same on 5,000 or 500,000 articles; a search that matches more says so (`capped`).
 */
export const RANKED_MATCHES = 2000;

export interface SearchHit {
  articleId: number;
  score: number;
  plain: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** Matches, counted up to RANKED_MATCHES. */
  total: number;
  /** More articles match than were ranked and counted. */
  capped: boolean;
}

export interface SearchIndex {
  upsert(articleId: number, doc: IndexedDocument): Promise<void>;
  remove(articleId: number): Promise<void>;
  search(match: MatchExpression, filters: SearchFilters, limit: number, offset: number): Promise<SearchResult>;
  /**
   * How many documents contain each of these terms; absent terms are left out. With `cap`, a count stops
   * there (a common term costs the same as a rare one): for questions like "is this word known" or "which
   * spelling is more common", not for ranking.
   */
  documentFrequencies(terms: string[], cap?: number): Promise<Map<string, number>>;
}

/** Terms are letters and digits only (the analyzer guarantees it); this keeps query strings safe regardless. */
export function safeTerm(term: string): string {
  return term.replace(/[^\p{L}\p{N}]/gu, '');
}

/** Counts weighted term frequencies and the token total, as FTS5's bm25 sees a row. */
export function weightedFrequencies(doc: IndexedDocument): { tf: Record<string, number>; ntok: number } {
  const tf: Record<string, number> = {};
  let ntok = 0;
  for (const field of FIELDS) {
    const w = RANKING.weights[field];
    for (const term of doc[field]) {
      tf[term] = (tf[term] ?? 0) + w;
      ntok++;
    }
  }
  return { tf, ntok };
}

/** The conditions on the joined `articles a` row that both dialects share: filters beyond the text match. */
export function publishedArticleFilters(f: SearchFilters): RawBuilder<unknown> {
  return sql`${f.categoryIds ? sql`AND a.category_id IN (${sql.join(f.categoryIds)})` : sql``}
    ${f.authorId !== undefined ? sql`AND a.author_id = ${f.authorId}` : sql``}
    ${f.tagId !== undefined ? sql`AND EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id AND t.tag_id = ${f.tagId})` : sql``}
    ${f.from ? sql`AND a.published_at >= ${f.from}` : sql``}
    ${f.to ? sql`AND a.published_at < ${f.to}` : sql``}`;
}
