/**
 * One spelling per path. The router matches the decoded path, so `/%61dmin`,
 * `//admin`, `/admin/./users` and `GET http://host/admin` all reach the same
 * route as `/admin`; anything that looked at the raw text would see another
 * path. Before any route runs, a request target that is not in its canonical
 * form is answered with a redirect to that form (GET/HEAD) or a 400, so that
 * routes, caches and logs only ever see one spelling.
 *
 * Canonical: origin-form (starts with `/`); no empty, `.` or `..` segments;
 * no trailing slash (but `/`); unreserved characters (A–Z a–z 0–9 - . _ ~)
 * never percent-encoded; other percent-encodings in upper case and decoding
 * to valid UTF-8; no encoded `/`, `\`, or control characters; no raw `\`.
 */
export type TargetCheck = { kind: 'canonical' } | { kind: 'redirect'; location: string } | { kind: 'invalid' };

// Percent-escapes of bytes 0x80–0xFF (UTF-8 beyond ASCII, as Arabic slugs are written) in upper case are canonical.
const CANONICAL_FAST =
  /^\/(?!\/)(?:[^%/\\?#.]|%[89A-F][0-9A-F]|\.(?=[^./?#])|\.\.(?=[^/?#])|\/(?=[^/?#.]))*(?:\?[^#]*)?$/;
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function decodesCleanly(text: string): boolean {
  try {
    // Control characters can be written only as %00–%1F or %7F: refused here, once, for the whole URL.
    return !/[\u0000-\u001f\u007f]/.test(decodeURIComponent(text));
  } catch {
    return false;
  }
}

/** Verdicts on recent targets: a busy site sees the same few thousand URLs again and again. */
const recent = new Map<string, TargetCheck>();

export function checkRequestTarget(target: string): TargetCheck {
  let verdict = recent.get(target);
  if (!verdict) {
    verdict = check(target);
    if (recent.size >= 5000) recent.clear();
    if (target.length <= 2000) recent.set(target, verdict);
  }
  return verdict;
}

function check(target: string): TargetCheck {
  // The common case, cheaply: origin form, no dot segments, double or trailing slashes, escapes only of UTF-8.
  if (CANONICAL_FAST.test(target)) {
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    return (!path.includes('%') || decodesCleanly(path)) &&
      (q < 0 || decodesCleanly(target.slice(q + 1).replace(/\+/g, ' ')))
      ? { kind: 'canonical' }
      : { kind: 'invalid' };
  }
  let rest = target;
  let changed = false;
  if (!rest.startsWith('/')) {
    const absolute = ABSOLUTE_FORM.exec(rest);
    if (!absolute) return { kind: 'invalid' };
    rest = rest.slice(absolute[0].length);
    if (!rest.startsWith('/')) rest = `/${rest}`;
    changed = true;
  }
  if (rest.includes('#') || rest.includes('\\')) return { kind: 'invalid' };
  const q = rest.indexOf('?');
  const rawPath = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q);
  if (query && !decodesCleanly(query.slice(1).replace(/\+/g, ' '))) return { kind: 'invalid' };

  let invalid = false;
  const path = rawPath.replace(/%(..)?/g, (match, hex: string | undefined) => {
    if (!hex || !/^[0-9A-Fa-f]{2}$/.test(hex)) {
      invalid = true;
      return match;
    }
    const char = String.fromCharCode(parseInt(hex, 16));
    if (UNRESERVED.test(char)) {
      changed = true;
      return char;
    }
    if (char === '/' || char === '\\') invalid = true;
    const upper = `%${hex.toUpperCase()}`;
    if (upper !== match) changed = true;
    return upper;
  });
  if (invalid || !decodesCleanly(path)) return { kind: 'invalid' };

  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '.' && segment !== '') segments.push(segment);
  }
  const canonical = `/${segments.join('/')}`;
  return changed || canonical !== path ? { kind: 'redirect', location: canonical + query } : { kind: 'canonical' };
}
