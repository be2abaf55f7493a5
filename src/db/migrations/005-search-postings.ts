import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * PostgreSQL search: term frequencies move from a jsonb per article (read and
 * decompressed whole for every matching article) to postings, one narrow row
 * per term and article, read by index for just the query's terms. `term` uses
 * the C collation so that prefix searches (`LIKE 'شنغ%'`) are index ranges.
 * SQLite's FTS5 keeps its own postings and needs nothing.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`CREATE TABLE search_postings (
    term text COLLATE "C" NOT NULL,
    article_id integer NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tf real NOT NULL,
    PRIMARY KEY (term, article_id)
  )`.execute(db);
  await sql`CREATE INDEX search_postings_article ON search_postings (article_id)`.execute(db);
  await sql`INSERT INTO search_postings (term, article_id, tf)
    SELECT e.key, d.article_id, e.value::real FROM search_documents d, jsonb_each_text(d.tf) e`.execute(db);
  await sql`ALTER TABLE search_documents DROP COLUMN tf`.execute(db);
}
