import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { FormatEnum, Metadata, default as Sharp } from 'sharp';
import type { Schema } from '../db/schema.js';
import type { MediaVariant } from '../content/types.js';
import { slugify } from '../content/slug.js';
import { AppError } from '../shared/errors.js';
import { asMediaStore, type MediaStore } from './storage/index.js';

/** libvips, loaded with the first image: a worker that serves pages never pays its memory (~10 MB). */
let library: Promise<typeof Sharp> | undefined;
const imageLibrary = () => (library ??= import('sharp').then((m) => m.default));

/** Widths of the WebP renditions the theme offers in `srcset`. */
export const VARIANT_WIDTHS = [480, 800, 1200] as const;

const FORMATS: Record<string, { ext: string; mime: string }> = {
  jpeg: { ext: 'jpg', mime: 'image/jpeg' },
  png: { ext: 'png', mime: 'image/png' },
  webp: { ext: 'webp', mime: 'image/webp' },
  gif: { ext: 'gif', mime: 'image/gif' },
  // AVIF is HEIF with AV1 inside; sharp reports it as heif and writes it back as avif.
  heif: { ext: 'avif', mime: 'image/avif' },
};

/**
 * The largest image accepted, read from its header before anything is
 * decoded: a few kilobytes of PNG can declare 100,000 × 100,000 pixels and
 * would need tens of gigabytes to decode (a decompression bomb). 64 million
 * pixels holds every camera a newsroom uses (a 61 MP frame is 9504 × 6336).
 */
export const MAX_IMAGE_PIXELS = 64_000_000;
export const MAX_IMAGE_SIDE = 16_384;

/** At most two images are decoded at once per process: one large photo may need hundreds of megabytes. */
const decodeSlots = {
  active: 0,
  waiting: [] as (() => void)[],
  async run(work: () => Promise<void>): Promise<void> {
    while (this.active >= 2) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  },
};

export interface StoredImage {
  id: number;
  path: string;
}

/**
 * Stores an uploaded image: the type is read from its bytes, the original is
 * re-encoded without metadata (camera location included), and WebP renditions
 * are made at each width narrower than the original. Files are written before
 * the row and removed again if the row cannot be written.
 */
export async function storeImage(
  q: Kysely<Schema>,
  media: MediaStore | string,
  bytes: Buffer,
  meta: { name: string; alt: string; caption?: string; uploadedBy?: number },
): Promise<StoredImage> {
  let info: Metadata;
  try {
    // The header only: nothing is decoded here, so the size can be judged before any pixel is.
    info = await (await imageLibrary())(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new AppError('UNSUPPORTED_IMAGE', 415, 'هذا الملف ليس صورة مدعومة.', 'This file is not a supported image.');
  }
  const format = info.format ? FORMATS[info.format] : undefined;
  if (!format || !info.width || !info.height) {
    throw new AppError('UNSUPPORTED_IMAGE', 415, 'هذا الملف ليس صورة مدعومة.', 'This file is not a supported image.');
  }

  const frameHeight = info.pageHeight ?? info.height;
  if (
    info.width > MAX_IMAGE_SIDE ||
    frameHeight > MAX_IMAGE_SIDE ||
    info.width * frameHeight * (info.pages ?? 1) > MAX_IMAGE_PIXELS
  ) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      413,
      `أبعاد الصورة كبيرة جداً (${info.width}×${info.height}). الحد ${MAX_IMAGE_SIDE} بكسل للضلع و64 مليون بكسل للصورة.`,
      `The image is too large (${info.width}×${info.height}). The limit is ${MAX_IMAGE_SIDE} pixels a side and 64 million pixels in all.`,
    );
  }

  const now = new Date();
  const folder = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const stem = `${slugify(meta.name.replace(/\.[a-z0-9]+$/i, '')).slice(0, 40) || 'image'}-${randomBytes(4).toString('hex')}`;
  const originalPath = `${folder}/${stem}.${format.ext}`;
  const store = asMediaStore(media);
  const written: string[] = [];

  // Everything is encoded in memory first: a file that sharp cannot decode fully
  // (a truncated or corrupted image) is refused before anything reaches the store.
  const files: { path: string; data: Buffer; mime: string }[] = [];
  const variants: MediaVariant[] = [];
  let width = 0;
  let height = 0;
  try {
    await decodeSlots.run(async () => {
      const animated = (info.pages ?? 1) > 1;
      // failOn 'warning': a JPEG cut short only warns ("premature end of data") and would be stored grey-filled.
      const sharp = await imageLibrary();
      const base = sharp(bytes, { animated, failOn: 'warning', limitInputPixels: MAX_IMAGE_PIXELS }).rotate();
      const original = await base
        .clone()
        .toFormat((info.format === 'heif' ? 'avif' : info.format) as keyof FormatEnum)
        .toBuffer({ resolveWithObject: true });
      files.push({ path: originalPath, data: original.data, mime: format.mime });
      // An animation's output stacks its frames; its size is one frame's.
      const frameHeight = (i: { height: number; pageHeight?: number }) => i.pageHeight ?? i.height;
      width = original.info.width;
      height = frameHeight(original.info);
      for (const w of VARIANT_WIDTHS) {
        if (w >= original.info.width) break;
        const out = await base.clone().resize({ width: w }).webp({ quality: 78 }).toBuffer({ resolveWithObject: true });
        const path = `${folder}/${stem}-${w}.webp`;
        files.push({ path, data: out.data, mime: 'image/webp' });
        variants.push({ width: out.info.width, height: frameHeight(out.info), path });
      }
    });
  } catch {
    throw new AppError(
      'CORRUPT_IMAGE',
      422,
      'تعذّرت قراءة الصورة: يبدو الملف تالفاً أو ناقصاً.',
      'The image could not be read: the file seems damaged or incomplete.',
    );
  }

  try {
    for (const f of files) {
      await store.put(f.path, f.data, f.mime);
      written.push(f.path);
    }
    const row = await q
      .insertInto('media')
      .values({
        path: originalPath,
        mime: format.mime,
        width,
        height,
        alt: meta.alt,
        caption: meta.caption ?? '',
        variants: JSON.stringify(variants),
        created_at: now.toISOString(),
        uploaded_by: meta.uploadedBy ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, path: originalPath };
  } catch (err) {
    await store.delete(written).catch(() => {}); // the row's failure is the error to report
    throw err;
  }
}
