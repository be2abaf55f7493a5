/**
 * Slugs keep Arabic letters: `الصين-وروسيا-تحالف-الضرورة`. Diacritics and
 * tatweel are dropped (they are not part of the word a reader types), Latin is
 * lowercased, anything else becomes a hyphen. URLs carry them percent-encoded.
 */
const DIACRITICS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]/g;
const NOT_SLUG_CHAR = /[^\p{L}\p{N}]+/gu;
export const MAX_SLUG_LENGTH = 80;

export function slugify(text: string): string {
  const slug = text
    .normalize('NFKC')
    .replace(DIACRITICS, '')
    .toLowerCase()
    .replace(NOT_SLUG_CHAR, '-')
    .replace(/^-+|-+$/g, '');
  return trimAtHyphen(slug, MAX_SLUG_LENGTH);
}

function trimAtHyphen(slug: string, max: number): string {
  const chars = [...slug];
  if (chars.length <= max) return slug;
  const cut = chars.slice(0, max).join('');
  const lastHyphen = cut.lastIndexOf('-');
  return (lastHyphen > max / 2 ? cut.slice(0, lastHyphen) : cut).replace(/-+$/, '');
}

/** A slug as it may appear in a URL we accept: letters, digits and single hyphens, bounded length. */
export function isValidSlug(slug: string): boolean {
  return slug.length > 0 && [...slug].length <= 200 && /^[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*$/u.test(slug);
}

/** Picks `base`, or `base-2`, `base-3`… the first that `taken` says is free. */
export async function uniqueSlug(base: string, taken: (slug: string) => Promise<boolean>): Promise<string> {
  const root = base || 'untitled';
  if (!(await taken(root))) return root;
  for (let n = 2; ; n++) {
    const candidate = `${root}-${n}`;
    if (!(await taken(candidate))) return candidate;
  }
}
