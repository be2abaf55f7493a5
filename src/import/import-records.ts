import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Schema } from '../db/schema.js';

/**
 * Running an import again is a merge, not an overwrite. Each imported item is recorded (`import_records`,
 * migration 014) with a hash of the source as imported and a hash of its row as the import left it. On the
 * next run an item is:
 *
 * - `create`: new at the source;
 * - `update`: changed at the source, and its row untouched in Safir since: the source's version is taken;
 * - `unchanged`: the same at the source: nothing to do;
 * - `edited`: changed at the source, but also in Safir (an edit, a moderation decision): Safir's is kept and
 *   the report says so;
 * - `deleted`: deleted in Safir: not brought back;
 * - `earlier`: in the site from an import made before records were kept: kept as it is, and followed from now.
 */
export type ImportDecision = 'create' | 'update' | 'unchanged' | 'edited' | 'deleted' | 'earlier';

export const hashOf = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

export class ImportRecords {
  constructor(private readonly q: Transaction<Schema>) {}

  /**
   * What to do with item `sourceId`, whose source now hashes to `sourceHash`; `state` is its row as Safir has
   * it now (undefined: no such row).
   */
  async decide(sourceId: string, sourceHash: string, state: unknown): Promise<ImportDecision> {
    const record = await this.q
      .selectFrom('import_records')
      .select(['source_hash', 'state_hash'])
      .where('source_id', '=', sourceId)
      .executeTakeFirst();
    if (!record) return state === undefined ? 'create' : 'earlier';
    if (state === undefined) return 'deleted';
    if (record.source_hash === sourceHash) return 'unchanged';
    return hashOf(state) === record.state_hash ? 'update' : 'edited';
  }

  /**
   * The section, tag or author an earlier import made for `sourceId`, as it stands now: its id, `'deleted'` when
   * the newsroom deleted it since, undefined when no import made it. Such rows merge by existence alone: the
   * newsroom's renames and moves stand, and what it deleted is not made again.
   */
  async madeBefore(
    sourceId: string,
    table: 'authors' | 'categories' | 'tags',
  ): Promise<number | 'deleted' | undefined> {
    const target = await this.targetOf(sourceId);
    if (target === undefined) return undefined;
    const row = await this.q.selectFrom(table).select('id').where('id', '=', target).executeTakeFirst();
    return row ? row.id : 'deleted';
  }

  /** Whether an earlier import recorded item `sourceId` (its row may have been deleted since). */
  async known(sourceId: string): Promise<boolean> {
    return (await this.targetOf(sourceId)) !== undefined;
  }

  private async targetOf(sourceId: string): Promise<number | undefined> {
    const row = await this.q
      .selectFrom('import_records')
      .select('target_id')
      .where('source_id', '=', sourceId)
      .executeTakeFirst();
    return row ? Number(row.target_id) : undefined;
  }

  /** Records a section, tag or author this import made or met (see `madeBefore`). */
  async follow(sourceId: string, targetId: number): Promise<void> {
    await this.record(sourceId, targetId, '', '');
  }

  /** Records item `sourceId` as imported into row `targetId`, whose state is now `state`. */
  async record(sourceId: string, targetId: number, sourceHash: string, state: unknown): Promise<void> {
    const values = { target_id: targetId, source_hash: sourceHash, state_hash: hashOf(state) };
    await this.q
      .insertInto('import_records')
      .values({ source_id: sourceId, ...values, imported_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('source_id').doUpdateSet({ ...values, imported_at: new Date().toISOString() }))
      .execute();
  }
}

/** The words of the report for an item not taken from the source, by decision. */
export const SKIP_REASONS: Partial<Record<ImportDecision, string>> = {
  edited: 'changed at the source and in Safir since the last import: Safir’s version kept',
  deleted: 'deleted in Safir since the last import: not brought back',
  earlier: 'imported by an earlier Safir: kept as it is, and followed from now on',
};
