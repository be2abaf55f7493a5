import { type Kysely, sql } from 'kysely';
import {
  FIELDS,
  type IndexedDocument,
  type MatchExpression,
  RANKED_MATCHES,
  RANKING,
  type SearchFilters,
  type SearchHit,
  type SearchResult,
  type SearchIndex,
  publishedArticleFilters,
  safeTerm,
} from './search-index.js';

const W = RANKING.weights;

/** FTS5: the MATCH string is built from analyzer terms only, each quoted, so reader input never reaches FTS5 syntax. */
export function fts5Match(m: MatchExpression): string {
  const parts = [
    ...m.terms.map((t) => `"${safeTerm(t)}"`),
    ...m.phrases.map((p) => `"${p.map(safeTerm).join(' ')}"`),
    ...(m.prefix ? [`"${safeTerm(m.prefix)}" *`] : []),
  ];
  let expr = parts.join(m.mode === 'any' ? ' OR ' : ' AND ');
  for (const x of m.excluded) expr = `(${expr}) NOT "${safeTerm(x)}"`;
  return expr;
}

export class SqliteSearchIndex implements SearchIndex {
  constructor(
    private readonly q: Kysely<any>,
    private readonly rankedMatches = RANKED_MATCHES,
  ) {}

  async upsert(articleId: number, doc: IndexedDocument): Promise<void> {
    await this.remove(articleId);
    const [title, excerpt, body, tags, category, author] = FIELDS.map((f) => doc[f].join(' '));
    await sql`INSERT INTO search_fts (rowid, title, excerpt, body, tags, category, author, plain)
      VALUES (${articleId}, ${title}, ${excerpt}, ${body}, ${tags}, ${category}, ${author}, ${doc.plain})`.execute(
      this.q,
    );
  }

  async remove(articleId: number): Promise<void> {
    await sql`DELETE FROM search_fts WHERE rowid = ${articleId}`.execute(this.q);
  }

  async search(m: MatchExpression, f: SearchFilters, limit: number, offset: number): Promise<SearchResult> {
    const match = fts5Match(m);
    const where = sql`search_fts MATCH ${match} AND a.status = 'published' AND a.published_at <= ${f.now}
      ${publishedArticleFilters(f)}`;
    // CROSS JOIN keeps the full-text match as the outer loop, walked newest id first (FTS5 gives rowid order
    // for free) and stopped after RANKED_MATCHES + 1 rows that pass the filters: a common word costs the same
    // at any archive size. INDEXED BY reads status, time, section and author from a narrow covering index
    // (migration 004) instead of the wide article rows. bm25() is negative (lower is better); one weight per
    // column, 0 for the unindexed text. Only ids and scores ride through the sort; the snippets' text is read
    // for the one page of results.
    const candidates = sql`SELECT a.id AS id, a.published_at AS published_at,
        bm25(search_fts, ${W.title}, ${W.excerpt}, ${W.body}, ${W.tags}, ${W.category}, ${W.author}, 0.0) AS relevance
      FROM search_fts f CROSS JOIN articles a INDEXED BY articles_search_cover ON a.id = f.rowid
      WHERE ${where}
      ORDER BY f.rowid DESC LIMIT ${sql.lit(this.rankedMatches + 1)}`;
    const score = sql`(-relevance * (1.0 + ${RANKING.freshnessBoost} / (1.0 + MAX(0.0, julianday(${f.now}) - julianday(published_at)) / ${RANKING.freshnessHalfLifeDays})))`;
    const rows = await sql<{ id: number; score: number; matches: number }>`
      WITH c AS (${candidates}),
        -- One more candidate than is ranked tells whether there were more; the newest ones are ranked.
        n AS (SELECT c.*, count(*) OVER () AS matches, row_number() OVER (ORDER BY id DESC) AS newest FROM c)
      SELECT id, ${score} AS score, matches FROM n WHERE newest <= ${sql.lit(this.rankedMatches)}
      ORDER BY score DESC, published_at DESC, id DESC
      LIMIT ${limit} OFFSET ${offset}`.execute(this.q);
    // Past the last page the window has no row to count on: count the candidates alone.
    const matches = rows.rows.length
      ? Number(rows.rows[0]!.matches)
      : Number((await sql<{ n: number }>`SELECT count(*) AS n FROM (${candidates})`.execute(this.q)).rows[0]?.n ?? 0);
    const ids = rows.rows.map((r) => r.id);
    const texts = ids.length
      ? await sql<{ id: number; plain: string }>`
          SELECT rowid AS id, plain FROM search_fts WHERE rowid IN (${sql.join(ids)})`.execute(this.q)
      : { rows: [] };
    const plain = new Map(texts.rows.map((r) => [r.id, r.plain]));
    const hits: SearchHit[] = rows.rows.map((r) => ({ articleId: r.id, score: r.score, plain: plain.get(r.id) ?? '' }));
    return { hits, total: Math.min(matches, this.rankedMatches), capped: matches > this.rankedMatches };
  }

  async documentFrequencies(terms: string[], cap?: number): Promise<Map<string, number>> {
    // One lookup per term. fts5vocab answers `term = ?` from the index (a long IN list makes it walk the whole
    // vocabulary), but counts by walking the term's whole doclist; a capped count stops after `cap` rows.
    const out = new Map<string, number>();
    for (const term of new Set(terms.map(safeTerm).filter(Boolean))) {
      const r = cap
        ? await sql<{ doc: number }>`SELECT count(*) AS doc FROM (SELECT rowid FROM search_fts
            WHERE search_fts MATCH ${`"${term}"`} LIMIT ${sql.lit(Math.max(1, Math.floor(cap)))})`.execute(this.q)
        : await sql<{ doc: number }>`SELECT doc FROM search_vocab WHERE term = ${term}`.execute(this.q);
      const n = Number(r.rows[0]?.doc ?? 0);
      if (n > 0) out.set(term, n);
    }
    return out;
  }
}
