/**
 * Everything that differs between SQLite and PostgreSQL lives in this folder.
 * Code outside `src/db` asks these helpers instead of writing dialect SQL.
 */
export type Dialect = 'sqlite' | 'postgres';

/** Column type of an auto-incrementing integer key. */
export function idColumnType(dialect: Dialect): 'integer' | 'serial' {
  return dialect === 'postgres' ? 'serial' : 'integer';
}
