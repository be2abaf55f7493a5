import { LocalMediaStore } from './local-store.js';
import type { MediaStore } from './media-store.js';
import { parseS3Url, S3MediaStore } from './s3-store.js';

export type { MediaStore, StoredFile } from './media-store.js';
export { LocalMediaStore } from './local-store.js';

/** A store, or a folder taken as a local store (the CLI's and the tests' way of naming one). */
export const asMediaStore = (media: MediaStore | string): MediaStore =>
  typeof media === 'string' ? new LocalMediaStore(media) : media;

/**
 * The store `MEDIA_STORE` names: `s3://bucket/prefix` for a bucket every node shares, or unset for the
 * folder `mediaRoot` (MEDIA_DIR) on this machine.
 */
export async function openMediaStore(mediaStore: string | undefined, mediaRoot: string): Promise<MediaStore> {
  if (!mediaStore) return new LocalMediaStore(mediaRoot);
  const where = parseS3Url(mediaStore);
  if (!where) throw new Error(`MEDIA_STORE must be s3://bucket/prefix, got "${mediaStore}"`);
  return S3MediaStore.open(where);
}
