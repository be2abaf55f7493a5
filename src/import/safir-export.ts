import { rebuildListStats } from '../content/list-stats.js';
import { rebuildSitemapPages } from '../feeds/sitemap-pages.js';
import { emit } from '../events/outbox.js';
import { CacheKeys } from '../delivery/cache-keys.js';
import { readFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Kysely } from 'kysely';
import { type Database } from '../db/database.js';
import { resetIdSequences } from '../db/maintenance.js';
import type { Schema } from '../db/schema.js';
import { reindexAll } from '../search/indexer.js';
import { randomBytes } from 'node:crypto';

/**
 * Safir's own export: the whole site as one JSON document that `safir import
 * safir` restores into an empty site with the same ids and URLs.
 *
 * Format `safir-export`, version 1: `{ format, version, exported_at, settings,
 * <table>: [rows…] }` with one array per table below, rows as stored (times
 * ISO-8601 UTC, flags 0/1, JSON columns as strings). Volatile: `exported_at`
 * only. Users carry no password hash unless exported with passwords; restored
 * without one, an account must reset its password (`safir user reset-link`).
 * Media files are not inside: copy the media folder beside it (`safir backup`
 * does both).
 */
export const EXPORT_FORMAT = 'safir-export';
export const EXPORT_VERSION = 1;

/** Tables in an order that satisfies foreign keys on restore. */
export const EXPORT_TABLES = [
  'media',
  'authors',
  'categories',
  'tags',
  'users',
  'articles',
  'article_tags',
  'article_revisions',
  'article_views',
  'pages',
  'redirects',
  'comments',
] as const;
type Table = (typeof EXPORT_TABLES)[number];

/** Settings that belong to one installation, not to the site. */
const PRIVATE_SETTINGS = new Set(['server_secret']);
/** Row order of tables without an `id` key; every other table is ordered by id. */
const ORDER: Partial<Record<Table, string[]>> = {
  article_tags: ['article_id', 'tag_id'],
  article_views: ['article_id', 'day'],
  redirects: ['from_path'],
};

/**
 * References that may point forward in the table order (a cycle: media → users → authors → media) or at a
 * newer row of the same table (a section moved under a newer one): restored as null, then set once every
 * row is in.
 */
const DEFERRED: Partial<Record<Table, Record<string, Table>>> = {
  media: { uploaded_by: 'users' },
  categories: { parent_id: 'categories' },
  comments: { parent_id: 'comments' },
};

export class ExportFormatError extends Error {}

/** Writes the export as a stream, table by table, a page of rows at a time. */
export async function exportSite(
  q: Kysely<Schema>,
  file: string,
  opts: { withPasswords?: boolean; now?: string } = {},
): Promise<Record<Table, number>> {
  // It may hold password hashes and two-factor secrets: readable by the owner only.
  const out = createWriteStream(file, { mode: 0o600 });
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const counts = {} as Record<Table, number>;
  const settings = await q.selectFrom('settings').selectAll().orderBy('key').execute();
  await write(
    `{"format":"${EXPORT_FORMAT}","version":${EXPORT_VERSION},"exported_at":${JSON.stringify(opts.now ?? new Date().toISOString())},\n"settings":${JSON.stringify(
      Object.fromEntries(settings.filter((s) => !PRIVATE_SETTINGS.has(s.key)).map((s) => [s.key, s.value])),
    )}`,
  );
  for (const table of EXPORT_TABLES) {
    await write(`,\n"${table}":[`);
    let n = 0;
    for (let offset = 0; ; offset += 1000) {
      let query = q.selectFrom(table as any).selectAll();
      for (const column of ORDER[table] ?? ['id']) query = query.orderBy(column as any);
      const rows = (await query.limit(1000).offset(offset).execute()) as Record<string, unknown>[];
      for (const row of rows) {
        if (table === 'users' && !opts.withPasswords) delete row.password_hash;
        if (table === 'users' && !opts.withPasswords) delete row.totp_secret;
        await write(`${n++ ? ',' : ''}\n${JSON.stringify(row)}`);
      }
      if (rows.length < 1000) break;
    }
    counts[table] = n;
    await write(']');
  }
  await write('\n}\n');
  out.end();
  await once(out, 'finish');
  return counts;
}

/** Restores an export into an empty site: the same ids, so every URL and reference is as it was. */
export interface ImportOptions {
  /** Replace what the database holds (`safir restore --force`) instead of refusing a site that is not empty. */
  replace?: boolean;
  /** Rows each table must hold once restored (a backup's manifest); anything else rolls the restore back. */
  expect?: Partial<Record<string, number>>;
}

export async function importSite(
  database: Database,
  file: string,
  options: ImportOptions = {},
): Promise<Record<Table, number>> {
  return importSiteText(database, await readFile(file, 'utf8'), options);
}

/** The same, from the export's text already read (a restore reads it once, checks it, and restores what it checked). */
export async function importSiteText(
  database: Database,
  text: string,
  options: ImportOptions = {},
): Promise<Record<Table, number>> {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ExportFormatError(`not a Safir export: ${(err as Error).message}`);
  }
  if (data.format !== EXPORT_FORMAT)
    throw new ExportFormatError(`not a Safir export (format "${String(data.format)}", expected "${EXPORT_FORMAT}")`);
  if (data.version !== EXPORT_VERSION)
    throw new ExportFormatError(
      `this export is version ${String(data.version)}; this Safir reads version ${EXPORT_VERSION}. Export again with a matching Safir.`,
    );
  const q = database.db;
  const existing = await q.selectFrom('articles').select('id').limit(1).execute();
  const users = await q.selectFrom('users').select('id').limit(1).execute();
  if ((existing.length || users.length) && !options.replace)
    throw new ExportFormatError('the site is not empty: restore into a fresh database (or replace it with --force)');
  const counts = {} as Record<Table, number>;
  const forward: { table: Table; id: number; column: string; value: unknown }[] = [];
  await q.transaction().execute(async (trx) => {
    // A demo seeded on first start is not the site being restored (nor, replacing, the site that was there).
    for (const table of ['sessions', 'password_resets', 'comment_tokens'] as const)
      await trx.deleteFrom(table).execute();
    for (const table of [...EXPORT_TABLES].reverse()) await trx.deleteFrom(table as any).execute();
    await trx
      .deleteFrom('settings')
      .where('key', 'not in', [...PRIVATE_SETTINGS])
      .execute();
    for (const [key, value] of Object.entries((data.settings ?? {}) as Record<string, string>)) {
      if (PRIVATE_SETTINGS.has(key)) continue;
      await trx
        .insertInto('settings')
        .values({ key, value: String(value) })
        .execute();
    }
    for (const table of EXPORT_TABLES) {
      const rows = data[table];
      if (!Array.isArray(rows)) throw new ExportFormatError(`the export has no "${table}" list`);
      for (let i = 0; i < rows.length; i += 200) {
        const batch = (rows.slice(i, i + 200) as Record<string, unknown>[]).map((r) => {
          const row: Record<string, unknown> =
            table === 'users' && !r.password_hash
              ? // No usable password: the account resets it before signing in.
                {
                  ...r,
                  password_hash: `disabled$${randomBytes(16).toString('base64url')}`,
                  totp_secret: r.totp_secret ?? null,
                }
              : { ...r };
          // Only a reference to a row not in yet waits: a later table, or a higher id of the same one.
          for (const [column, target] of Object.entries(DEFERRED[table] ?? {})) {
            const value = row[column];
            if (value == null || (target === table && Number(value) < Number(row.id))) continue;
            forward.push({ table, id: Number(row.id), column, value });
            row[column] = null;
          }
          return row;
        });
        if (batch.length)
          await trx
            .insertInto(table as any)
            .values(batch)
            .execute();
      }
      counts[table] = rows.length;
    }
    for (const ref of forward)
      await trx
        .updateTable(ref.table as any)
        .set({ [ref.column]: ref.value })
        .where('id', '=', ref.id)
        .execute();
    const wrong: string[] = [];
    for (const [table, n] of Object.entries(options.expect ?? {})) {
      const row = await trx
        .selectFrom(table as any)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      if (Number(row.n) !== n) wrong.push(`${table}: ${Number(row.n)} rows, the manifest says ${n}`);
    }
    if (wrong.length)
      throw new ExportFormatError(`the restore does not match the backup's manifest (${wrong.join('; ')})`);
    await rebuildSitemapPages(trx);
    await rebuildListStats(trx);
    await emit(trx, { type: 'site.changed', keys: [CacheKeys.site], payload: { import: 'safir' } });
  });
  // Tables keyed by something other than an id (ORDER names their keys) have no sequence.
  await resetIdSequences(
    database,
    EXPORT_TABLES.filter((t) => !ORDER[t]),
  );
  await reindexAll(database.db);
  return counts;
}
