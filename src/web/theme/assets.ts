import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';

/**
 * The theme's static files (stylesheet, the toggle script, self-hosted fonts),
 * read once at boot, named by content hash and served from memory with a
 * year-long immutable cache. Only names in this map can be served, so there is
 * no path to traverse.
 */
export interface Asset {
  type: string;
  body: Buffer;
  gzip?: Buffer;
  brotli?: Buffer;
}

export interface ThemeAssets {
  css: string;
  js: string;
  /** The body font, preloaded by pages in Arabic. */
  bodyFont: string;
  /** The @font-face rules, for other stylesheets (the admin's) that use the same fonts. */
  fontFaces: string;
  favicon: string;
  files: Map<string, Asset>;
}

// Sources live beside this module in src/; from dist/ we read them from src/ too.
const here = dirname(fileURLToPath(import.meta.url));
const sourceDir = join(here.replace(/([\\/])dist([\\/]web[\\/]theme)$/, '$1src$2'), 'assets');
const require = createRequire(import.meta.url);

const ARABIC_RANGE = 'U+0600-06FF, U+0750-077F, U+0870-08FF, U+200C-200E, U+2010-2011, U+FB50-FDFF, U+FE70-FEFC';

const FONTS = [
  {
    family: 'Noto Naskh Arabic',
    weight: 400,
    file: '@fontsource/noto-naskh-arabic/files/noto-naskh-arabic-arabic-400-normal.woff2',
  },
  {
    family: 'Noto Naskh Arabic',
    weight: 700,
    file: '@fontsource/noto-naskh-arabic/files/noto-naskh-arabic-arabic-700-normal.woff2',
  },
  {
    family: 'Noto Kufi Arabic',
    weight: 700,
    file: '@fontsource/noto-kufi-arabic/files/noto-kufi-arabic-arabic-700-normal.woff2',
  },
] as const;

export function hashed(name: string, ext: string, body: Buffer): string {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  return `/assets/${name}.${hash}.${ext}`;
}

/** An asset served compressed: each encoding made the first time a reader asks for it (not at every boot of every worker). */
export function compressible(type: string, body: Buffer): Asset {
  let gzip: Buffer | undefined;
  let brotli: Buffer | undefined;
  return {
    type,
    body,
    get gzip() {
      return (gzip ??= gzipSync(body, { level: 9 }));
    },
    get brotli() {
      return (brotli ??= brotliCompressSync(body));
    },
  };
}

export function loadThemeAssets(): ThemeAssets {
  const files = new Map<string, Asset>();
  const fontFaces: string[] = [];
  let bodyFont = '';
  for (const font of FONTS) {
    const body = readFileSync(require.resolve(font.file));
    const url = hashed(`${font.family.toLowerCase().replace(/\s+/g, '-')}-${font.weight}`, 'woff2', body);
    files.set(url, { type: 'font/woff2', body });
    if (!bodyFont) bodyFont = url;
    fontFaces.push(
      `@font-face{font-family:'${font.family}';font-style:normal;font-weight:${font.weight};font-display:swap;` +
        `src:url(${url}) format('woff2');unicode-range:${ARABIC_RANGE}}`,
    );
  }

  const cssSource = readFileSync(join(sourceDir, 'theme.css'), 'utf8');
  const cssBody = Buffer.from(`${fontFaces.join('\n')}\n${minifyCss(cssSource)}`);
  const css = hashed('theme', 'css', cssBody);
  files.set(css, compressible('text/css; charset=utf-8', cssBody));

  const jsBody = readFileSync(join(sourceDir, 'theme.js'));
  const js = hashed('theme', 'js', jsBody);
  files.set(js, compressible('text/javascript; charset=utf-8', jsBody));

  const iconBody = readFileSync(join(sourceDir, 'favicon.svg'));
  const favicon = hashed('favicon', 'svg', iconBody);
  files.set(favicon, compressible('image/svg+xml', iconBody));

  return { css, js, bodyFont, fontFaces: fontFaces.join('\n'), favicon, files };
}

/** Drops comments and layout whitespace; enough for a hand-written sheet. */
export function minifyCss(css: string): string {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{}:;,>])\s*/g, '$1')
    .replace(/;}/g, '}')
    .trim();
}
