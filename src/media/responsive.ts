import type { Kysely } from 'kysely';
import type { MediaVariant } from '../content/types.js';
import type { Schema } from '../db/schema.js';

/** The width an image in an article body takes on the page, for the browser's choice in `srcset`. */
const BODY_SIZES = '(min-width: 64rem) 820px, 100vw';
const IMG = /<img\b[^>]*>/g;
const SRC = /\ssrc="\/media\/([^"?#]+)"/;

/**
 * Gives every library image in a (sanitized) body its WebP renditions in
 * `srcset`, with `sizes`, `width` and `height`, so body images load as lightly
 * as cover images and do not shift the layout. Other images are left alone.
 */
export async function withResponsiveImages(q: Kysely<Schema>, body: string): Promise<string> {
  const paths = [...body.matchAll(IMG)].map((m) => SRC.exec(m[0])?.[1]).filter((p): p is string => Boolean(p));
  if (!paths.length) return body;
  const decoded = paths.map((p) => {
    try {
      return decodeURI(p);
    } catch {
      return p;
    }
  });
  const rows = await q
    .selectFrom('media')
    .select(['path', 'width', 'height', 'variants'])
    .where('path', 'in', [...new Set(decoded)])
    .execute();
  const byPath = new Map(rows.map((r) => [r.path, r]));
  return body.replace(IMG, (tag) => {
    const raw = SRC.exec(tag)?.[1];
    if (!raw) return tag;
    let media = byPath.get(raw);
    if (!media) {
      try {
        media = byPath.get(decodeURI(raw));
      } catch {
        return tag;
      }
    }
    if (!media) return tag;
    const variants = JSON.parse(media.variants) as MediaVariant[];
    const clean = tag.replace(/\s(srcset|sizes|width|height)="[^"]*"/g, '');
    const srcset = [
      ...variants.map((v) => `/media/${v.path} ${v.width}w`),
      `/media/${media.path} ${media.width}w`,
    ].join(', ');
    const extra = variants.length ? ` srcset="${srcset}" sizes="${BODY_SIZES}"` : '';
    return clean.replace(/^<img/, `<img width="${media.width}" height="${media.height}"${extra}`);
  });
}
