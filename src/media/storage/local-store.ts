import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { isSafeMediaPath, type MediaStore, type StoredFile } from './media-store.js';

/** Media in a folder on this machine (`MEDIA_DIR`): the default, for one node. */
export class LocalMediaStore implements MediaStore {
  readonly kind = 'local';
  readonly location: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.location = this.root;
  }

  /** The file's place on disk, or undefined for a path that would leave the folder. */
  private file(path: string): string | undefined {
    if (!isSafeMediaPath(path)) return undefined;
    const file = resolve(this.root, path);
    return file.startsWith(this.root + sep) ? file : undefined;
  }

  async put(path: string, data: Buffer): Promise<void> {
    const file = this.file(path);
    if (!file) throw new Error(`not a media path: ${path}`);
    await mkdir(dirname(file), { recursive: true });
    try {
      await writeFile(file, data, { flag: 'wx' });
    } catch (err) {
      // A write cut short (a full disk) leaves no half file behind; 'wx' made sure the file was ours to remove.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await rm(file, { force: true }).catch(() => {});
      throw err;
    }
  }

  async get(path: string): Promise<StoredFile | undefined> {
    const file = this.file(path);
    const info = file ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !info?.isFile()) return undefined;
    return { body: createReadStream(file), size: info.size };
  }

  async size(path: string): Promise<number | undefined> {
    const file = this.file(path);
    const info = file ? await stat(file).catch(() => undefined) : undefined;
    return info?.isFile() ? info.size : undefined;
  }

  async delete(paths: string[]): Promise<void> {
    await Promise.all(paths.map((p) => this.file(p)).map((file) => (file ? rm(file, { force: true }) : undefined)));
  }

  async *list(): AsyncIterable<string> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries)
      if (e.isFile())
        yield relative(this.root, join(e.parentPath ?? e.path, e.name))
          .split(sep)
          .join('/');
  }

  async close(): Promise<void> {}
}
