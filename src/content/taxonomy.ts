import { recountLists } from './list-stats.js';
import { writeTransaction } from '../db/transaction.js';
import type { DB } from '../db/database.js';
import { reindexArticle } from '../search/indexer.js';
import { AppError, badRequest, notFound } from '../shared/errors.js';
import { addRedirect } from './service.js';
import { emit } from '../events/outbox.js';
import { CacheKeys } from '../delivery/cache-keys.js';
import { slugify, uniqueSlug } from './slug.js';
import { paths } from './urls.js';

export interface CategoryInput {
  name: string;
  slug?: string;
  description?: string;
  parentId?: number | null;
  position?: number;
}

const MAX_NAME = 100;

function checkName(name: string, field = 'name'): string {
  const n = name.trim();
  if (!n || [...n].length > MAX_NAME)
    throw badRequest(field, 'الاسم مطلوب (100 حرف على الأكثر).', 'A name is required (at most 100 characters).');
  return n;
}

/** Sections (nested) and tags: create, rename, move, merge, delete, keeping old URLs working. */
export class Taxonomy {
  constructor(private readonly db: DB) {}

  async tagsWithCounts(): Promise<{ id: number; name: string; slug: string; articles: number }[]> {
    const rows = await this.db
      .selectFrom('tags as t')
      .leftJoin('article_tags as at', 'at.tag_id', 't.id')
      .select(['t.id', 't.name', 't.slug'])
      .select((eb) => eb.fn.count<number>('at.article_id').as('articles'))
      .groupBy(['t.id', 't.name', 't.slug'])
      .orderBy('t.name')
      .execute();
    return rows.map((r) => ({ ...r, articles: Number(r.articles) }));
  }

  async saveCategory(id: number | undefined, input: CategoryInput): Promise<number> {
    const name = checkName(input.name);
    if ((input.description ?? '').length > 2000)
      throw badRequest('description', 'الوصف طويل جداً.', 'The description is too long.');
    return writeTransaction(this.db, async (trx) => {
      const current = id
        ? await trx.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst()
        : undefined;
      if (id && !current) throw notFound('Section');
      const parentId = input.parentId ?? null;
      if (parentId !== null) {
        // Walk up from the new parent: meeting this section means the move would make a loop.
        let cursor: number | null = parentId;
        for (let depth = 0; cursor !== null; depth++) {
          if (cursor === id || depth > 50)
            throw badRequest('parent', 'لا يمكن أن يكون القسم فرعاً من نفسه.', 'A section cannot be inside itself.');
          const row: { parent_id: number | null } | undefined = await trx
            .selectFrom('categories')
            .select('parent_id')
            .where('id', '=', cursor)
            .executeTakeFirst();
          if (!row) throw badRequest('parent', 'القسم الأب غير موجود.', 'The parent section does not exist.');
          cursor = row.parent_id;
        }
      }
      const wanted = slugify(input.slug || name);
      if (!wanted) throw badRequest('slug', 'الرابط المختصر غير صالح.', 'The slug is not valid.');
      const slug =
        current?.slug === wanted
          ? wanted
          : await uniqueSlug(wanted, async (s) =>
              Boolean(await trx.selectFrom('categories').select('id').where('slug', '=', s).executeTakeFirst()),
            );
      const values = {
        name,
        slug,
        description: (input.description ?? '').trim(),
        parent_id: parentId,
        position: Number.isInteger(input.position) ? input.position! : (current?.position ?? 0),
      };
      let savedId: number;
      if (current) {
        await trx.updateTable('categories').set(values).where('id', '=', current.id).execute();
        if (current.slug !== slug) await addRedirect(trx, paths.category(current.slug), paths.category(slug));
        if (current.name !== name) await this.reindexWhere(trx, 'category', current.id);
        savedId = current.id;
      } else {
        savedId = (await trx.insertInto('categories').values(values).returning('id').executeTakeFirstOrThrow()).id;
      }
      await emit(trx, { type: 'site.changed', keys: [CacheKeys.site] });
      return savedId;
    });
  }

  /** Deletes a section; its articles and subsections move to `moveTo`. */
  async deleteCategory(id: number, moveTo: number): Promise<void> {
    if (id === moveTo)
      throw badRequest('move_to', 'اختر قسماً آخر تنتقل إليه المقالات.', 'Choose another section for its articles.');
    await writeTransaction(this.db, async (trx) => {
      const current = await trx.selectFrom('categories').selectAll().where('id', '=', id).executeTakeFirst();
      if (!current) throw notFound('Section');
      const target = await trx
        .selectFrom('categories')
        .select(['id', 'slug'])
        .where('id', '=', moveTo)
        .executeTakeFirst();
      if (!target) throw badRequest('move_to', 'القسم المنقول إليه غير موجود.', 'The target section does not exist.');
      const moved = await trx.selectFrom('articles').select('id').where('category_id', '=', id).execute();
      await trx.updateTable('articles').set({ category_id: moveTo }).where('category_id', '=', id).execute();
      await trx
        .updateTable('categories')
        .set({ parent_id: current.parent_id === moveTo ? null : moveTo })
        .where('parent_id', '=', id)
        .execute();
      await trx.deleteFrom('categories').where('id', '=', id).execute();
      await addRedirect(trx, paths.category(current.slug), paths.category(target.slug));
      for (const a of moved) await reindexArticle(trx, a.id);
      await recountLists(trx, 'category', [id, moveTo]);
      await emit(trx, { type: 'site.changed', keys: [CacheKeys.site] });
    });
  }

  async renameTag(id: number, name: string): Promise<void> {
    const clean = checkName(name);
    await writeTransaction(this.db, async (trx) => {
      const tag = await trx.selectFrom('tags').selectAll().where('id', '=', id).executeTakeFirst();
      if (!tag) throw notFound('Tag');
      const slug = slugify(clean);
      const clash = await trx
        .selectFrom('tags')
        .select('id')
        .where('slug', '=', slug)
        .where('id', '!=', id)
        .executeTakeFirst();
      if (clash)
        throw new AppError(
          'TAG_EXISTS',
          409,
          'يوجد وسم بهذا الاسم؛ ادمجهما بدلاً من ذلك.',
          'A tag with this name exists; merge them instead.',
          'name',
        );
      await trx.updateTable('tags').set({ name: clean, slug }).where('id', '=', id).execute();
      if (slug !== tag.slug) await addRedirect(trx, paths.tag(tag.slug), paths.tag(slug));
      await this.reindexWhere(trx, 'tag', id);
      await emit(trx, { type: 'site.changed', keys: [CacheKeys.site] });
    });
  }

  /** Moves every article of `fromId` to `intoId`, deletes `fromId`, and redirects its archive. */
  async mergeTags(fromId: number, intoId: number): Promise<void> {
    if (fromId === intoId) throw badRequest('into', 'اختر وسماً مختلفاً.', 'Choose a different tag.');
    await writeTransaction(this.db, async (trx) => {
      const from = await trx.selectFrom('tags').selectAll().where('id', '=', fromId).executeTakeFirst();
      const into = await trx.selectFrom('tags').selectAll().where('id', '=', intoId).executeTakeFirst();
      if (!from || !into) throw notFound('Tag');
      const articles = await trx
        .selectFrom('article_tags')
        .select(['article_id', 'listed', 'published_at'])
        .where('tag_id', '=', fromId)
        .execute();
      const already = new Set(
        (await trx.selectFrom('article_tags').select('article_id').where('tag_id', '=', intoId).execute()).map(
          (r) => r.article_id,
        ),
      );
      const toAdd = articles.filter((a) => !already.has(a.article_id));
      await trx.deleteFrom('article_tags').where('tag_id', '=', fromId).execute();
      if (toAdd.length)
        await trx
          .insertInto('article_tags')
          .values(toAdd.map((a) => ({ ...a, tag_id: intoId })))
          .execute();
      await trx.deleteFrom('tags').where('id', '=', fromId).execute();
      await addRedirect(trx, paths.tag(from.slug), paths.tag(into.slug));
      for (const a of articles) await reindexArticle(trx, a.article_id);
      await recountLists(trx, 'tag', [fromId, intoId]);
      await emit(trx, { type: 'site.changed', keys: [CacheKeys.site] });
    });
  }

  async deleteTag(id: number): Promise<void> {
    await writeTransaction(this.db, async (trx) => {
      const articles = await trx.selectFrom('article_tags').select('article_id').where('tag_id', '=', id).execute();
      await trx.deleteFrom('article_tags').where('tag_id', '=', id).execute();
      await trx.deleteFrom('tags').where('id', '=', id).execute();
      for (const a of articles) await reindexArticle(trx, a.article_id);
      await recountLists(trx, 'tag', [id]);
      await emit(trx, { type: 'site.changed', keys: [CacheKeys.site] });
    });
  }

  /** Search documents carry section and tag names: renames re-index the articles concerned. */
  private async reindexWhere(trx: DB, kind: 'category' | 'tag', id: number): Promise<void> {
    const ids =
      kind === 'category'
        ? await trx.selectFrom('articles').select('id').where('category_id', '=', id).execute()
        : await trx.selectFrom('article_tags').select('article_id as id').where('tag_id', '=', id).execute();
    for (const a of ids) await reindexArticle(trx, a.id);
  }
}
