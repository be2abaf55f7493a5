import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { type TProperties, type TSchema, Type as T } from 'typebox';
import { AppError } from '../shared/errors.js';

/**
 * The pieces every route's schema is built from. Each route declares the
 * shape of its params, query and body (and, for the JSON APIs, responses);
 * Fastify validates with ajv before the handler runs, so handlers only see
 * input of the declared shape, and bad input is a 400 with a message in
 * Arabic and English (`validationError`). The same schemas will describe the
 * API in its OpenAPI document.
 */

/** The largest id a row can have: PostgreSQL's `integer`. */
export const MAX_ID = 2_147_483_647;

// C0 controls but tab, line feed and carriage return; DEL. PostgreSQL refuses NUL in text outright.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Text a person could have typed: no control characters (but tab and line breaks), no lone surrogates. */
export function isCleanText(value: string): boolean {
  return !CONTROL.test(value) && value.isWellFormed();
}

function isIdText(value: string): boolean {
  return value === '' || (/^[1-9][0-9]{0,9}$/.test(value) && Number(value) <= MAX_ID);
}

/** Formats our schemas name, added to Fastify's ajv (`ajv.plugins` in app.ts). */
export function addSafirFormats<A extends { addFormat(name: string, format: object): A }>(ajv: A): A {
  ajv.addFormat('text', { type: 'string', validate: isCleanText });
  ajv.addFormat('id-or-empty', { type: 'string', validate: isIdText });
  return ajv;
}

/**
 * ajv's type coercion reads "Infinity", "1e2", "0x10" and " 5" as numbers, and
 * a coerced Infinity then passes `integer` and `maximum` (ajv 8). So numbers
 * written in a query or a path are checked as text first: at most 15 decimal
 * digits, or the value is replaced by one ajv cannot coerce and so refuses.
 * Called for the query and the params before validation (app.ts).
 */
export function guardNumbersInText(schema: unknown, data: unknown): void {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  if (!properties || !data || typeof data !== 'object') return;
  const values = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(values)) {
    const type = properties[key]?.type;
    if ((type === 'integer' || type === 'number') && typeof value === 'string' && !/^-?[0-9]{1,15}$/.test(value))
      values[key] = { notANumber: value };
  }
}

/** A row id: a whole number from 1 to 2³¹−1 (a path's `:id` is coerced from its text). */
export const Id = T.Integer({ minimum: 1, maximum: MAX_ID });
/** An id as an HTML form sends it (a select or hidden field): its digits, or '' for none. */
export const IdField = T.String({ format: 'id-or-empty' });
/** Text of at most `max` characters, with no control characters. */
export const Text = (max: number) => T.String({ maxLength: max, format: 'text' });
/** A slug in a path, percent-decoded; which slugs exist is the handler's business. */
export const SlugParam = T.String({ minLength: 1, maxLength: 400, format: 'text' });
/** `?page=`: 1 to 100,000. */
export const PageNumber = T.Integer({ minimum: 1, maximum: 100_000 });

export const IdParams = T.Object({ id: Id });
export const SlugParams = T.Object({ slug: SlugParam });
/** For routes that take no query: any parameters (a tracker's `utm_source`) are ignored, but each must be clean text. */
export const AnyQuery = T.Object({}, { additionalProperties: Text(2000) });
export const PageQuery = T.Object({ page: T.Optional(PageNumber) }, { additionalProperties: Text(2000) });

/**
 * An HTML form's fields: each a string (repeated names, for checkbox lists,
 * are declared as arrays), the CSRF token among them. Fields not declared are
 * allowed but must be clean text, and no handler reads them.
 */
export function FormBody<P extends TProperties>(properties: P) {
  return T.Object(
    { _csrf: T.Optional(Text(200)), ...properties },
    { additionalProperties: T.Union([Text(10_000), T.Array(Text(10_000), { maxItems: 500 })]) },
  );
}

/** The error body every JSON API answers with (see app.ts). */
export const ErrorBody = T.Object({
  errors: T.Array(
    T.Object({
      code: T.String(),
      status: T.Integer(),
      message: T.String(),
      message_ar: T.String(),
      message_en: T.String(),
      field: T.Optional(T.String()),
    }),
  ),
});

/** Response schemas for a JSON route: its success body, plus the shared error body for 4xx. */
export function jsonResponses<S extends TSchema>(ok: S, status = 200) {
  return { [status]: ok, '4xx': ErrorBody } as Record<number | '4xx', TSchema>;
}

const TYPE_NAMES: Record<string, [string, string]> = {
  integer: ['عدداً صحيحاً', 'a whole number'],
  number: ['عدداً', 'a number'],
  string: ['نصاً', 'text'],
  boolean: ['قيمة منطقية (true أو false)', 'true or false'],
  array: ['قائمة', 'a list'],
  object: ['كائناً', 'an object'],
};

/**
 * Turns ajv's first complaint into the AppError every caller understands:
 * `INVALID_INPUT`, 400, the field, and what is wrong in Arabic and English.
 * Registered as Fastify's `schemaErrorFormatter`.
 */
export function validationError(errors: FastifySchemaValidationError[], context: string): AppError {
  const e = errors[0];
  const params = (e?.params ?? {}) as Record<string, unknown>;
  const path = (e?.instancePath ?? '').split('/').filter(Boolean);
  const field =
    (e?.keyword === 'required' ? String(params.missingProperty ?? '') : path[0]) ||
    (context === 'body' ? 'body' : context);
  const named = (ar: string, en: string) =>
    new AppError('INVALID_INPUT', 400, `${ar} (${field})`, `${en} (${field})`, field);
  switch (e?.keyword) {
    case 'required':
      return named('هذا الحقل مطلوب', 'This field is required');
    case 'type': {
      const [ar, en] = TYPE_NAMES[String(params.type).split(',')[0] ?? ''] ?? ['قيمة من نوع آخر', 'another type'];
      return named(`يجب أن تكون القيمة ${ar}`, `The value must be ${en}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return named('القيمة خارج النطاق المسموح', 'The value is out of range');
    case 'maxLength':
      return named(
        `النص أطول من الحد المسموح (${String(params.limit)} حرفاً)`,
        `The text is too long (at most ${String(params.limit)} characters)`,
      );
    case 'minLength':
      return named('النص قصير جداً أو فارغ', 'The text is too short or empty');
    case 'format':
      return params.format === 'text'
        ? named('النص فيه رموز تحكم أو محارف غير صالحة', 'The text contains control characters or invalid Unicode')
        : named('القيمة ليست بالصيغة المطلوبة', 'The value is not in the expected format');
    case 'maxItems':
      return named('القائمة أطول من الحد المسموح', 'The list is too long');
    case 'additionalProperties':
      return named('حقل غير معروف', 'Unknown field');
    default:
      return named('القيمة غير مقبولة', 'The value is not accepted');
  }
}
