import { badRequest } from './errors.js';

/** Reads `?page=`: absent means 1; anything but a whole number from 1 to 100000 is a 400. */
export function parsePage(value: unknown): number {
  if (value === undefined || value === '') return 1;
  if (typeof value !== 'string' || !/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > 100_000) {
    throw badRequest(
      'page',
      'رقم الصفحة يجب أن يكون عدداً صحيحاً موجباً.',
      'page must be a whole number from 1 to 100000.',
    );
  }
  return Number(value);
}

/** Reads a bounded whole number such as `?limit=`. */
export function parseIntParam(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !/^\d{1,6}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw badRequest(
      name,
      `قيمة ${name} يجب أن تكون عدداً صحيحاً بين ${min} و${max}.`,
      `${name} must be a whole number from ${min} to ${max}.`,
    );
  }
  return Number(value);
}

/** Reads an optional slug filter; bounded length, no control characters. */
export function parseSlugParam(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 200 || /[\u0000-\u001f]/.test(value)) {
    throw badRequest(name, `قيمة ${name} غير صالحة.`, `${name} is not a valid slug.`);
  }
  return value;
}

/**
 * The canonical form of a request path: each segment decoded then encoded
 * again, so that `/tag/روسيا` and `/tag/%D8%B1…` compare equal. Undefined for
 * a path whose percent-encoding is broken.
 */
export function canonicalPath(url: string): string | undefined {
  const path = url.split('?')[0] ?? '/';
  try {
    const out = path
      .split('/')
      .map((seg) => encodeURIComponent(decodeURIComponent(seg)))
      .join('/');
    return out.length > 1 ? out.replace(/\/+$/, '') : out;
  } catch {
    return undefined;
  }
}
