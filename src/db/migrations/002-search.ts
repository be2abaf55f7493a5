import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * The search index. Both dialects store the analyzer's terms (not raw text),
 * one column per field, plus the plain body text for snippets:
 * - SQLite: an FTS5 table whose rowid is the article id;
 * - PostgreSQL: a table with a weighted tsvector (GIN index), the weighted
 *   term frequencies (jsonb) and the token count that BM25 needs.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`CREATE VIRTUAL TABLE search_fts USING fts5(
      title, excerpt, body, tags, category, author, plain UNINDEXED,
      tokenize = 'unicode61 remove_diacritics 0'
    )`.execute(db);
    // The vocabulary of indexed terms, for "did you mean".
    await sql`CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'row')`.execute(db);
  } else {
    await sql`CREATE TABLE search_documents (
      article_id integer PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
      tsv tsvector NOT NULL,
      tf jsonb NOT NULL,
      ntok integer NOT NULL,
      plain text NOT NULL
    )`.execute(db);
    await sql`CREATE INDEX search_documents_tsv ON search_documents USING gin (tsv)`.execute(db);
  }
}
