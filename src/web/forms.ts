import type { FastifyInstance } from 'fastify';

/** A submitted HTML form: one string per name, or several for repeated names (checkbox lists). */
export type FormBody = Record<string, string | string[]>;

/**
 * Parses `application/x-www-form-urlencoded` bodies with the platform's
 * URLSearchParams, so the admin and the comment form work without JavaScript.
 */
export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: FormBody = Object.create(null) as FormBody;
    for (const [key, value] of new URLSearchParams(body as string)) {
      // Lone surrogates from a broken client would fail later in the database driver.
      const clean = value.toWellFormed();
      const prev = out[key];
      out[key] = prev === undefined ? clean : Array.isArray(prev) ? [...prev, clean] : [prev, clean];
    }
    done(null, out);
  });
}

/** One field's text: the first value if repeated, '' if absent. */
export function field(body: unknown, name: string): string {
  const v = (body as FormBody | undefined)?.[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? '') : '';
}

/** Every value of a field (checkbox lists). */
export function fields(body: unknown, name: string): string[] {
  const v = (body as FormBody | undefined)?.[name];
  return typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
}
