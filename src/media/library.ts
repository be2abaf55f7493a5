import { emit } from '../events/outbox.js';
import { CacheKeys } from '../delivery/cache-keys.js';
import type { DB } from '../db/database.js';
import type { MediaRow } from '../db/schema.js';
import type { MediaVariant } from '../content/types.js';
import { AppError, badRequest, notFound } from '../shared/errors.js';
import type { MediaStore } from './storage/index.js';

export interface MediaUse {
  id: number;
  title: string;
}

/** The media library: listing, describing (alt text, caption) and deleting images not in use. */
export class MediaLibrary {
  constructor(
    private readonly db: DB,
    private readonly store: MediaStore,
  ) {}

  list(opts: { limit: number; offset: number; q?: string }): Promise<MediaRow[]> {
    let query = this.db.selectFrom('media').selectAll();
    if (opts.q)
      query = query.where((eb) => eb.or([eb('alt', 'like', `%${opts.q}%`), eb('path', 'like', `%${opts.q}%`)]));
    return query.orderBy('id', 'desc').limit(opts.limit).offset(opts.offset).execute();
  }

  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('media')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async get(id: number): Promise<MediaRow> {
    const row = await this.db.selectFrom('media').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('Image');
    return row;
  }

  async describe(id: number, alt: string, caption: string): Promise<void> {
    if (alt.length > 500) throw badRequest('alt', 'النص البديل طويل جداً.', 'The alt text is too long.');
    if (caption.length > 1000) throw badRequest('caption', 'التعليق طويل جداً.', 'The caption is too long.');
    await this.get(id);
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('media').set({ alt: alt.trim(), caption: caption.trim() }).where('id', '=', id).execute();
      // Pages show the library's alt text with a featured image, an avatar or the logo.
      await emit(trx, { type: 'media.changed', keys: [CacheKeys.media(id)], payload: { id } });
    });
  }

  /** Articles that show this image: as featured image or inside the body. */
  async usedBy(id: number): Promise<MediaUse[]> {
    const media = await this.get(id);
    const stem = media.path.replace(/\.[a-z0-9]+$/i, '');
    return this.db
      .selectFrom('articles')
      .select(['id', 'title'])
      .where((eb) => eb.or([eb('featured_media_id', '=', id), eb('body_html', 'like', `%/media/${stem}%`)]))
      .orderBy('id')
      .limit(20)
      .execute();
  }

  /** Deletes the files and the row; refused while an article or a profile uses the image. */
  async remove(id: number): Promise<void> {
    const media = await this.get(id);
    const uses = await this.usedBy(id);
    if (uses.length) {
      const titles = uses.map((u) => `«${u.title}»`).join('، ');
      throw new AppError(
        'MEDIA_IN_USE',
        409,
        `لا يمكن حذف الصورة لأنها مستخدمة في: ${titles}`,
        `The image cannot be deleted; it is used by: ${uses.map((u) => `"${u.title}"`).join(', ')}`,
      );
    }
    const avatar = await this.db
      .selectFrom('authors')
      .select('name')
      .where('avatar_media_id', '=', id)
      .executeTakeFirst();
    if (avatar)
      throw new AppError(
        'MEDIA_IN_USE',
        409,
        `لا يمكن حذف الصورة لأنها صورة الكاتب ${avatar.name}.`,
        `The image cannot be deleted; it is ${avatar.name}'s avatar.`,
      );
    await this.db.deleteFrom('media').where('id', '=', id).execute();
    const variants = JSON.parse(media.variants) as MediaVariant[];
    await this.store.delete([media.path, ...variants.map((v) => v.path)]);
  }
}
