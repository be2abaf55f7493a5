import { lookup } from '../../shared/lookup.js';
import type { Readable } from 'node:stream';

/** One stored file, ready to send. */
export interface StoredFile {
  body: Readable;
  size: number;
}

/**
 * Where media files live: the one door to them. Uploads, renditions,
 * deletions, the media route, feeds, backup and restore all go through it;
 * nothing else touches the media folder or the bucket. Paths are relative
 * (`2026/12/photo-1a2b3c4d.jpg`), made by Safir, never by a reader.
 */
export interface MediaStore {
  /** `local` (a folder on this machine) or `s3` (a bucket every node shares). */
  readonly kind: 'local' | 's3';
  /** Where it is, for logs and the admin (a folder, or `s3://bucket/prefix`). */
  readonly location: string;
  /** Stores a new file. Names are unique per upload, so an existing file is never overwritten. */
  put(path: string, data: Buffer, contentType: string): Promise<void>;
  /** The file, or undefined if there is none. */
  get(path: string): Promise<StoredFile | undefined>;
  /** Its size in bytes, or undefined if there is none. */
  size(path: string): Promise<number | undefined>;
  /** Removes the files; a file already gone is no error. */
  delete(paths: string[]): Promise<void>;
  /** Every stored path (for backups), in no particular order. */
  list(): AsyncIterable<string>;
  close(): Promise<void>;
}

/** The content type of each kind of file Safir stores, by extension; nothing else is served or restored. */
const MEDIA_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
};

export function mediaTypeOf(path: string): string | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return ext ? lookup(MEDIA_TYPES, ext) : undefined;
}

/** A path as Safir makes them: relative, no `..`, no empty or hidden segment, no NUL. */
export function isSafeMediaPath(path: string): boolean {
  return (
    path.length > 0 &&
    path.length <= 1000 &&
    !path.includes('\0') &&
    !path.includes('\\') &&
    path.split('/').every((seg) => seg !== '' && !seg.startsWith('.'))
  );
}
