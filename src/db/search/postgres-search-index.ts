import { type Kysely, type RawBuilder, sql } from 'kysely';
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
  weightedFrequencies,
} from './search-index.js';

/** tsvector weight label per field: title A; tags, category, author B; excerpt C; body D. */
const LABEL: Record<(typeof FIELDS)[number], string> = {
  title: 'A',
  tags: 'B',
  category: 'B',
  author: 'B',
  excerpt: 'C',
  body: 'D',
};
const MAX_POSITION = 16383;

/** A tsvector literal built from terms with positions, so PostgreSQL's text parser never splits Arabic words. */
export function tsvectorLiteral(doc: IndexedDocument): string {
  const positions = new Map<string, string[]>();
  let pos = 0;
  for (const field of FIELDS) {
    for (const term of doc[field]) {
      pos = Math.min(pos + 1, MAX_POSITION);
      const list = positions.get(term) ?? [];
      if (list.length < 256) list.push(`${pos}${LABEL[field]}`);
      positions.set(term, list);
    }
    pos = Math.min(pos + 1, MAX_POSITION); // no phrase spans two fields
  }
  return [...positions].map(([t, p]) => `'${safeTerm(t)}':${p.join(',')}`).join(' ');
}

export function tsqueryLiteral(m: MatchExpression): string {
  const positive = [
    ...m.terms.map((t) => `'${safeTerm(t)}'`),
    ...m.phrases.map((p) => `(${p.map((t) => `'${safeTerm(t)}'`).join(' <-> ')})`),
    ...(m.prefix ? [`'${safeTerm(m.prefix)}':*`] : []),
  ].join(m.mode === 'any' ? ' | ' : ' & ');
  return [`(${positive})`, ...m.excluded.map((x) => `!'${safeTerm(x)}'`)].join(' & ');
}

/**
 * PostgreSQL has no BM25, so the formula of SQLite FTS5's bm25() is stated
 * here in SQL over the same inputs: weighted term frequency per document (the
 * `search_postings` rows, one per term and article), token count (`ntok`), corpus size and average length
 * (`search_stats`), and per-phrase document frequency (GIN counts). Phrases
 * count as often as their rarest word (FTS5 counts exact phrase occurrences;
 * the difference only shows in ties).
 */
export class PostgresSearchIndex implements SearchIndex {
  constructor(
    private readonly q: Kysely<any>,
    private readonly rankedMatches = RANKED_MATCHES,
  ) {}

  async upsert(articleId: number, doc: IndexedDocument): Promise<void> {
    const { tf, ntok } = weightedFrequencies(doc);
    await sql`INSERT INTO search_documents (article_id, tsv, ntok, plain)
      VALUES (${articleId}, ${tsvectorLiteral(doc)}::tsvector, ${ntok}, ${doc.plain})
      ON CONFLICT (article_id) DO UPDATE SET tsv = excluded.tsv, ntok = excluded.ntok, plain = excluded.plain`.execute(
      this.q,
    );
    await sql`DELETE FROM search_postings WHERE article_id = ${articleId}`.execute(this.q);
    const terms = Object.keys(tf);
    if (terms.length) {
      await sql`INSERT INTO search_postings (term, article_id, tf)
        SELECT t, ${articleId}, f FROM unnest(${terms}::text[], ${terms.map((t) => tf[t]!)}::real[]) AS u(t, f)`.execute(
        this.q,
      );
    }
  }

  async remove(articleId: number): Promise<void> {
    await sql`DELETE FROM search_postings WHERE article_id = ${articleId}`.execute(this.q);
    await sql`DELETE FROM search_documents WHERE article_id = ${articleId}`.execute(this.q);
  }

  private async phraseHits(query: string): Promise<number> {
    const r = await sql<{
      n: number;
    }>`SELECT count(*) AS n FROM search_documents WHERE tsv @@ ${query}::tsquery`.execute(this.q);
    return Number(r.rows[0]?.n ?? 0);
  }

  /** Articles with any term that starts with the prefix: a range of the postings (a prefix tsquery walks GIN far wider). */
  private async prefixHits(like: string): Promise<number> {
    const r = await sql<{
      n: number;
    }>`SELECT count(DISTINCT article_id) AS n FROM search_postings WHERE term LIKE ${like}`.execute(this.q);
    return Number(r.rows[0]?.n ?? 0);
  }

  async search(m: MatchExpression, f: SearchFilters, limit: number, offset: number): Promise<SearchResult> {
    const stats = await sql<{
      n: number;
      avgdl: number | null;
    }>`SELECT count(*) AS n, avg(ntok)::float8 AS avgdl FROM search_documents`.execute(this.q);
    const N = Number(stats.rows[0]?.n ?? 0);
    const avgdl = Number(stats.rows[0]?.avgdl ?? 1) || 1;

    // Term frequencies come from the postings (one narrow row per term and article), read once per article
    // for every term of the query: f0, f1, … per term, fp for the prefix.
    const keys = [...new Set([...m.terms, ...m.phrases.flat()])];
    const column = (t: string) => sql.ref(`fr.f${keys.indexOf(t)}`);
    const freqOf = (t: string) => sql<number>`coalesce(${column(t)}, 0)`;
    const prefixLike = m.prefix ? `${m.prefix.replace(/[\\%_]/g, '\\$&')}%` : undefined;
    const postings = sql`(SELECT article_id,
        ${sql.join([
          ...keys.map((t, i) => sql`sum(tf) FILTER (WHERE term = ${t})::float8 AS ${sql.ref(`f${i}`)}`),
          ...(prefixLike ? [sql`sum(tf) FILTER (WHERE term LIKE ${prefixLike})::float8 AS fp`] : []),
        ])}
      FROM search_postings
      WHERE article_id IN (SELECT id FROM c) AND (${sql.join(
        [
          ...(keys.length ? [sql`term = ANY(${keys}::text[])`] : []),
          ...(prefixLike ? [sql`term LIKE ${prefixLike}`] : []),
        ],
        sql` OR `,
      )})
      GROUP BY article_id)`;

    // One BM25 summand per phrase, as FTS5 scores each phrase of the MATCH expression.
    const phrases: { tsquery: string; freq: RawBuilder<number> }[] = [
      ...m.terms.map((t) => ({ tsquery: `'${safeTerm(t)}'`, freq: freqOf(t) })),
      ...m.phrases.map((p) => ({
        tsquery: p.map((t) => `'${safeTerm(t)}'`).join(' <-> '),
        freq: sql<number>`least(${sql.join(p.map(freqOf))})`,
      })),
      ...(prefixLike ? [{ tsquery: `'${safeTerm(m.prefix!)}':*`, freq: sql<number>`coalesce(fr.fp, 0)` }] : []),
    ];
    if (!phrases.length) return { hits: [], total: 0, capped: false };
    // Single terms count their postings (index only); phrases and the prefix ask the GIN index.
    const termDf = await this.documentFrequencies(m.terms);
    const idfs = await Promise.all(
      phrases.map(async (p, i) => {
        const hits =
          i < m.terms.length
            ? (termDf.get(safeTerm(m.terms[i]!)) ?? 0)
            : i === phrases.length - 1 && prefixLike
              ? await this.prefixHits(prefixLike)
              : await this.phraseHits(p.tsquery);
        const idf = Math.log((N - hits + 0.5) / (hits + 0.5));
        return idf <= 0 ? 1e-6 : idf;
      }),
    );
    const { k1, b } = RANKING;
    const norm = sql`(1.0 - ${b} + ${b} * c.ntok::float8 / ${avgdl})`;
    const bm25 = sql.join(
      phrases.map((p, i) => sql`(${idfs[i]}::float8 * (${p.freq}) * ${k1 + 1} / ((${p.freq}) + ${k1} * ${norm}))`),
      sql` + `,
    );
    const age = sql`greatest(0.0, extract(epoch FROM (${f.now}::timestamptz - safir_instant(c.published_at))) / 86400.0)`;
    const score = sql`((${bm25}) * (1.0 + ${RANKING.freshnessBoost} / (1.0 + ${age} / ${RANKING.freshnessHalfLifeDays})))`;
    const where = sql`d.tsv @@ ${tsqueryLiteral(m)}::tsquery AND a.status = 'published' AND a.published_at <= ${f.now}
      ${publishedArticleFilters(f)}`;
    // The same candidates as SQLite's: the newest RANKED_MATCHES + 1 matches by id, after the filters, so both
    // databases rank the same articles and a common word costs the same at any archive size. Only ids and
    // scores ride through the sort; the snippets' text is read for the one page of results.
    const candidates = sql`SELECT a.id AS id, a.published_at AS published_at, d.ntok AS ntok
      FROM search_documents d JOIN articles a ON a.id = d.article_id
      WHERE ${where}
      ORDER BY a.id DESC LIMIT ${sql.lit(this.rankedMatches + 1)}`;
    const rows = await sql<{ id: number; score: number; matches: number }>`
      WITH c AS (${candidates}),
        n AS (SELECT c.*, count(*) OVER () AS matches, row_number() OVER (ORDER BY c.id DESC) AS newest FROM c)
      SELECT c.id AS id, ${score} AS score, c.matches AS matches
      FROM n c JOIN ${postings} fr ON fr.article_id = c.id
      WHERE c.newest <= ${sql.lit(this.rankedMatches)}
      ORDER BY score DESC, c.published_at DESC, c.id DESC
      LIMIT ${limit} OFFSET ${offset}`.execute(this.q);
    const matches = rows.rows.length
      ? Number(rows.rows[0]!.matches)
      : Number((await sql<{ n: number }>`SELECT count(*) AS n FROM (${candidates}) c`.execute(this.q)).rows[0]?.n ?? 0);
    const ids = rows.rows.map((r) => r.id);
    const texts = ids.length
      ? await sql<{ id: number; plain: string }>`
          SELECT article_id AS id, plain FROM search_documents WHERE article_id IN (${sql.join(ids)})`.execute(this.q)
      : { rows: [] };
    const plain = new Map(texts.rows.map((r) => [r.id, r.plain]));
    const hits: SearchHit[] = rows.rows.map((r) => ({
      articleId: r.id,
      score: Number(r.score),
      plain: plain.get(r.id) ?? '',
    }));
    return { hits, total: Math.min(matches, this.rankedMatches), capped: matches > this.rankedMatches };
  }

  async documentFrequencies(terms: string[], cap?: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const unique = [...new Set(terms.map(safeTerm).filter(Boolean))];
    if (!unique.length) return out;
    if (cap) {
      // Each count stops after `cap` postings, however common the term.
      const rows = await sql<{ term: string; n: number }>`
        SELECT t.term, (SELECT count(*) FROM (SELECT 1 FROM search_postings p WHERE p.term = t.term
          LIMIT ${Math.max(1, Math.floor(cap))}) x) AS n
        FROM unnest(${unique}::text[]) AS t(term)`.execute(this.q);
      for (const r of rows.rows) if (Number(r.n) > 0) out.set(r.term, Number(r.n));
      return out;
    }
    // One round trip; each count is an index-only range of the postings.
    const rows = await sql<{ term: string; n: number }>`
      SELECT term, count(*) AS n FROM search_postings WHERE term = ANY(${unique}::text[]) GROUP BY term`.execute(
      this.q,
    );
    for (const r of rows.rows) if (Number(r.n) > 0) out.set(r.term, Number(r.n));
    return out;
  }
}
