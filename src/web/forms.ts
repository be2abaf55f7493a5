import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../shared/errors.js';

/** A submitted HTML form: one string per name, or several for repeated names (checkbox lists). */
export type FormBody = Record<string, string | string[]>;

const badEncoding = () =>
  new AppError(
    'BAD_ENCODING',
    400,
    'محتوى الطلب ليس نصاً سليماً بترميز UTF-8.',
    'The request body is not valid UTF-8 text.',
  );

const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));

/**
 * Body parsers that refuse what they cannot read faithfully, rather than
 * replacing it with U+FFFD: bytes that are not UTF-8 and broken
 * percent-encodings get a 400 before any route runs. `application/x-www-form-
 * urlencoded` is what the admin and the comment form send without JavaScript;
 * JSON keeps Fastify's parser (with its prototype-poisoning protection) behind
 * the UTF-8 check.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) return done(badEncoding(), undefined);
    const out: FormBody = Object.create(null) as FormBody;
    try {
      for (const pair of bytes.toString('utf8').split('&')) {
        if (!pair) continue;
        const eq = pair.indexOf('=');
        const key = decode(eq < 0 ? pair : pair.slice(0, eq));
        const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
        const prev = out[key];
        out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
      }
    } catch {
      return done(badEncoding(), undefined);
    }
    done(null, out);
  });

  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    if (!isUtf8(body as Buffer)) return done(badEncoding(), undefined);
    json(req, (body as Buffer).toString('utf8'), done);
  });
}

// Form routes see their body even when it failed its schema (to show the form again), so these read only text.

/** One field's text: the first value if repeated, '' if absent or not text. */
export function field(body: unknown, name: string): string {
  const v: unknown = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
}

/** Every text value of a field (checkbox lists). */
export function fields(body: unknown, name: string): string[] {
  const v: unknown = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
