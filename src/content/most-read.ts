import type { DB } from '../db/database.js';
import { CacheKeys } from '../delivery/cache-keys.js';
import { emit } from '../events/outbox.js';
import type { ContentRepository } from './repository.js';

const KEY = 'most_read_ids';

/**
 * The most-read box changes by itself, as reads accumulate; no write says
 * so. A site job recomputes it every few minutes and, when its articles or
 * their order changed, records `list:popular` in the outbox, so the pages
 * that show the box are replaced (and only then).
 */
export async function trackMostRead(
  db: DB,
  content: ContentRepository,
  size: number,
  sinceDay: string,
): Promise<boolean> {
  const ids = JSON.stringify((await content.mostRead(size, sinceDay)).map((a) => a.id));
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirst();
    if (row?.value === ids) return false;
    await trx
      .insertInto('settings')
      .values({ key: KEY, value: ids })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: ids }))
      .execute();
    await emit(trx, { type: 'list.changed', keys: [CacheKeys.list.popular], payload: { list: 'popular' } });
    return true;
  });
}
