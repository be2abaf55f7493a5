import { type Kysely, sql } from 'kysely';
import {
  FIELDS,
  type IndexedDocument,
  type MatchExpression,
  RANKING,
  type SearchFilters,
  type SearchHit,
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
  constructor(private readonly q: Kysely<any>) {}

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

  async search(m: MatchExpression, f: SearchFilters, limit: number, offset: number) {
    const match = fts5Match(m);
    const where = sql`search_fts MATCH ${match} AND a.status = 'published' AND a.published_at <= ${f.now}
      ${publishedArticleFilters(f)}`;
    // CROSS JOIN keeps the full-text match as the outer loop: SQLite otherwise may walk `articles` and run the
    // MATCH once per row. INDEXED BY reads status, time, section and author from a narrow covering index
    // (migration 004) instead of the wide article rows, which SQLite's planner would pick by rowid. bm25() is negative (lower is better); one weight per column, 0 for the unindexed text.
    const score = sql`(-bm25(search_fts, ${W.title}, ${W.excerpt}, ${W.body}, ${W.tags}, ${W.category}, ${W.author}, 0.0)
      * (1.0 + ${RANKING.freshnessBoost} / (1.0 + MAX(0.0, julianday(${f.now}) - julianday(a.published_at)) / ${RANKING.freshnessHalfLifeDays})))`;
    // Ranking carries only the id and the score through the sort (the plain text of thousands of matches
    // would ride along otherwise); the snippets' text is read for the one page of results only.
    const rows = await sql<{ id: number; score: number }>`
      SELECT a.id AS id, ${score} AS score
      FROM search_fts f CROSS JOIN articles a INDEXED BY articles_search_cover ON a.id = f.rowid
      WHERE ${where}
      ORDER BY score DESC, a.published_at DESC, a.id DESC
      LIMIT ${limit} OFFSET ${offset}`.execute(this.q);
    const count = await sql<{ n: number }>`
      SELECT count(*) AS n FROM search_fts f CROSS JOIN articles a INDEXED BY articles_search_cover ON a.id = f.rowid WHERE ${where}`.execute(
      this.q,
    );
    const total = Number(count.rows[0]?.n ?? 0);
    const ids = rows.rows.map((r) => r.id);
    const texts = ids.length
      ? await sql<{ id: number; plain: string }>`
          SELECT rowid AS id, plain FROM search_fts WHERE rowid IN (${sql.join(ids)})`.execute(this.q)
      : { rows: [] };
    const plain = new Map(texts.rows.map((r) => [r.id, r.plain]));
    const hits: SearchHit[] = rows.rows.map((r) => ({ articleId: r.id, score: r.score, plain: plain.get(r.id) ?? '' }));
    return { hits, total };
  }

  async documentFrequencies(terms: string[]): Promise<Map<string, number>> {
    // One equality lookup per term: fts5vocab answers `term = ?` from the index, but a long IN list makes it
    // walk the whole vocabulary.
    const out = new Map<string, number>();
    for (const term of new Set(terms)) {
      const r = await sql<{ doc: number }>`SELECT doc FROM search_vocab WHERE term = ${term}`.execute(this.q);
      const n = Number(r.rows[0]?.doc ?? 0);
      if (n > 0) out.set(term, n);
    }
    return out;
  }
}
