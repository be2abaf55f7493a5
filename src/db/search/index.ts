import type { Kysely } from 'kysely';
import { dialectOf } from '../dialect.js';
import { PostgresSearchIndex } from './postgres-search-index.js';
import type { SearchIndex } from './search-index.js';
import { SqliteSearchIndex } from './sqlite-search-index.js';

export * from './search-index.js';

/** The search index of the database this query builder (or transaction) talks to. */
export function searchIndexFor(q: Kysely<any>, rankedMatches?: number): SearchIndex {
  return dialectOf(q) === 'postgres'
    ? new PostgresSearchIndex(q, rankedMatches)
    : new SqliteSearchIndex(q, rankedMatches);
}
