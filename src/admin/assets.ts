import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressible, hashed, minifyCss, type ThemeAssets } from '../web/theme/assets.js';

export interface AdminAssets {
  css: string;
  favicon: string;
  /** The editor bundle; undefined when it has not been built (the admin then works with plain fields). */
  js: string | undefined;
}

const here = dirname(fileURLToPath(import.meta.url));
// From src/admin or dist/admin: sources stay in src/, the bundle is in build/ at the project root.
const root = join(here, '..', '..');

/** Adds the admin's stylesheet and editor bundle to the served, hashed assets. */
export function addAdminAssets(theme: ThemeAssets): AdminAssets {
  const cssBody = Buffer.from(
    `${theme.fontFaces}\n${minifyCss(readFileSync(join(root, 'src', 'admin', 'assets', 'admin.css'), 'utf8'))}`,
  );
  const css = hashed('admin', 'css', cssBody);
  theme.files.set(css, compressible('text/css; charset=utf-8', cssBody));
  const bundle = join(root, 'build', 'admin', 'editor.js');
  let js: string | undefined;
  if (existsSync(bundle)) {
    const body = readFileSync(bundle);
    js = hashed('admin', 'js', body);
    theme.files.set(js, compressible('text/javascript; charset=utf-8', body));
  }
  return { css, js, favicon: theme.favicon };
}
