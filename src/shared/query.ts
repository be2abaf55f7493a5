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
